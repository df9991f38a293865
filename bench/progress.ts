/**
 * Progress of a benchmark run on stderr: "[k of N] suite NAME" with the time left, from
 * the durations the same suites took in the last run on this machine (kept in
 * build/bench-durations.json, which npm never ships). Before a first run there is no
 * estimate, and the line says so instead of guessing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const FILE = new URL("../../build/bench-durations.json", import.meta.url);

/** A suite's key in the durations file: its name and whether the run was quick. */
const key = (suite: string, quick: boolean) => `${suite}${quick ? " --quick" : ""}`;

/** "1 min 20 s", "45 s". */
export function span(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

export class Progress {
  readonly #known: Record<string, number>;
  readonly #took: Record<string, number> = {};
  #done = 0;

  constructor(
    readonly suites: readonly string[],
    readonly quick: boolean,
    readonly log: (s: string) => void,
    readonly file: URL = FILE,
  ) {
    let known: Record<string, number> = {};
    try {
      if (existsSync(file)) known = JSON.parse(readFileSync(file, "utf8")) as Record<string, number>;
    } catch {
      known = {}; // an unreadable file is no estimate, not an error
    }
    this.#known = known;
  }

  /** The line printed before suite `name` (the next one) starts. */
  line(name: string): string {
    const left = this.suites.slice(this.#done).map((s) => this.#known[key(s, this.quick)]);
    const eta = left.every((x) => typeof x === "number")
      ? `about ${span(left.reduce((a, b) => a! + b!, 0)!)} left (as the last run here)`
      : "no estimate before a first run of these suites here";
    return `[${this.#done + 1} of ${this.suites.length}] suite ${name}${this.quick ? " (quick)" : ""}: ${eta}`;
  }

  /** Runs one suite with its progress line, and records how long it took. */
  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.log(this.line(name));
    const t = performance.now();
    const out = await fn();
    const seconds = (performance.now() - t) / 1000;
    this.#took[key(this.suites[this.#done]!, this.quick)] = seconds;
    this.#done++;
    this.log(`[${this.#done} of ${this.suites.length}] suite ${name} done in ${span(seconds)}`);
    return out;
  }

  /** Keeps this run's durations for the next run's estimate. */
  save(): void {
    try {
      mkdirSync(new URL(".", this.file), { recursive: true });
      writeFileSync(this.file, JSON.stringify({ ...this.#known, ...this.#took }, null, 2) + "\n");
    } catch {
      // no estimate next time; the run itself is done
    }
  }
}
