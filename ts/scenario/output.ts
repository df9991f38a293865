/**
 * The `--json` record, written step by step (issue 15.2): a scenario may ask for more
 * output than one JS string holds, so nothing here builds the whole record. The bytes
 * are exactly those of `JSON.stringify(runScenario(...).output)`, and `traceHash` is
 * FNV-1a 64 computed incrementally over the same bytes as `JSON.stringify(steps)`.
 */
import type { Core } from "../core/loader.js";
import { hex } from "../core/u64.js";
import { DmaBufError } from "../core/errors.js";
import { Pairs } from "../model/state.js";
import type { Scenario } from "./schema.js";
import { profileOf, runSteps, type RunOptions, type StepOutcome } from "./runner.js";

/** FNV-1a 64, fed in pieces (the same value as fnv1a64Bytes over their concatenation). */
export class Fnv64 {
  // the state in four 16-bit limbs, so that every product stays a small integer
  private v0 = 0x2325;
  private v1 = 0x8422;
  private v2 = 0x9ce4;
  private v3 = 0xcbf2;
  private readonly enc = new TextEncoder();

  update(bytes: Uint8Array): this {
    let { v0, v1, v2, v3 } = this;
    for (let i = 0; i < bytes.length; i++) {
      // v ^= byte; v *= 2^40 + 0x1b3 (mod 2^64)
      v0 ^= bytes[i]!;
      const t0 = v0 * 0x1b3;
      let t1 = v1 * 0x1b3;
      let t2 = v2 * 0x1b3 + (v0 << 8);
      const t3 = v3 * 0x1b3 + (v1 << 8);
      t1 += t0 >>> 16;
      t2 += t1 >>> 16;
      v0 = t0 & 0xffff;
      v1 = t1 & 0xffff;
      v2 = t2 & 0xffff;
      v3 = (t3 + (t2 >>> 16)) & 0xffff;
    }
    Object.assign(this, { v0, v1, v2, v3 });
    return this;
  }

  /** Hashes the UTF-8 bytes of `s`. */
  updateText(s: string): this {
    return this.update(this.enc.encode(s));
  }

  /** `0x` + 16 lowercase hex digits. */
  hex(): string {
    return "0x" + [this.v3, this.v2, this.v1, this.v0].map((x) => x.toString(16).padStart(4, "0")).join("");
  }
}

/** Collects small pieces and hands them on in chunks of about `chunk` characters. */
export class Chunker {
  private parts: string[] = [];
  private size = 0;
  constructor(
    private readonly sink: (s: string) => void,
    private readonly chunk = 1 << 16,
  ) {}
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= this.chunk) this.flush();
  }
  flush(): void {
    if (!this.parts.length) return;
    this.sink(this.parts.join(""));
    this.parts = [];
    this.size = 0;
  }
}

/** Writes `v` as JSON.stringify would, in pieces; Pairs are read batch by batch. */
function writeJson(v: unknown, push: (s: string) => void): void {
  if (v instanceof Pairs) {
    let first = true;
    push("[");
    v.each((w) => {
      for (let i = 0; i + 1 < w.length; i += 2) {
        push(`${first ? "" : ","}["${hex(w[i]!)}","${hex(w[i + 1]!)}"]`);
        first = false;
      }
    });
    push("]");
  } else if (Array.isArray(v) && v.length <= 4096 && v.every((x) => typeof x === "string" || typeof x === "number")) {
    push(JSON.stringify(v)); // notified / stale names, pairs: one piece
  } else if (Array.isArray(v)) {
    push("[");
    v.forEach((x, i) => {
      if (i) push(",");
      if (x === undefined || typeof x === "function") push("null");
      else writeJson(x, push);
    });
    push("]");
  } else if (v !== null && typeof v === "object") {
    push("{");
    let first = true;
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || typeof x === "function") continue;
      push(`${first ? "" : ","}${JSON.stringify(k)}:`);
      first = false;
      writeJson(x, push);
    }
    push("}");
  } else push(JSON.stringify(v));
}

/** traceHash over records given one by one: FNV-1a 64 of `JSON.stringify(records)`'s bytes. */
export class TraceHasher {
  private readonly fnv = new Fnv64();
  private readonly out = new Chunker((s) => this.fnv.updateText(s));
  private n = 0;

  add(record: unknown): void {
    this.out.push(this.n++ ? "," : "[");
    writeJson(record, (s) => this.out.push(s));
  }

  /** The hash, `0x` + 16 hex digits (once every record was added). */
  hex(): string {
    if (!this.n) this.out.push("[");
    this.out.push("]");
    this.out.flush();
    return this.fnv.hex();
  }
}

/**
 * Where streamed output goes, chunk by chunk. It may return a promise (a stream's
 * backpressure: resolve on "drain"); the writer then waits before the next step, so
 * memory holds at most one step's output, whatever the consumer's speed.
 */
export type Sink = (s: string) => void | Promise<void>;

/** Chunks queued by a Chunker until the sink takes them. */
export class Queue {
  private chunks: string[] = [];
  push = (s: string): void => void this.chunks.push(s);
  async drain(sink: Sink): Promise<void> {
    while (this.chunks.length) {
      const batch = this.chunks;
      this.chunks = [];
      for (const s of batch) await sink(s);
    }
  }
}

/**
 * The most characters a `--state` record may take (docs/output.md#state-limit): the
 * state after every step grows as steps × objects, so a 284 KB scenario could print
 * more than a gigabyte. Past it the run is EOVERFLOW before anything is printed.
 */
export const STATE_LIMIT = 256 << 20;

export interface WriteRunOptions extends RunOptions {
  /** With `state`: the most characters the record may take (default STATE_LIMIT). */
  stateLimit?: number;
  /** Called for each expectation failure, as the step runs (the CLI prints them on stderr). */
  onFailure?: (outcome: StepOutcome, failure: string) => void;
  /** Characters kept in memory to print the record after one run; past it, the scenario runs twice. */
  bufferLimit?: number;
}

/**
 * Runs `scenario` and writes its `--json` record (with a final newline) to `write` in
 * chunks, in bounded memory. The record starts with `passed`, which is known only at
 * the end: output up to `bufferLimit` characters is kept and printed after the run;
 * past it, the first run only decides `passed`, and a second run (the model is
 * deterministic) streams the record. Resolves to passed.
 */
export async function writeRunJson(scenario: Scenario, core: Core, write: Sink, opts: WriteRunOptions = {}): Promise<boolean> {
  const limit = opts.bufferLimit ?? 64 << 20;
  const runOpts: RunOptions = { ...opts, lazy: true };
  let kept: string[] | undefined = [];
  let keptSize = 0;
  let passed = true;
  // with --state, the first run measures the whole record (keeping at most `limit` of it) so that one past the cap is refused before a byte is printed
  const cap = opts.state ? (opts.stateLimit ?? STATE_LIMIT) : 0;
  let step = -1;
  const trailer = await streamSteps(
    scenario,
    core,
    runOpts,
    (s) => {
      keptSize += s.length;
      if (keptSize > limit) kept = undefined;
      else kept?.push(s);
      if (cap && keptSize > cap)
        throw new DmaBufError(
          "EOVERFLOW",
          `--state: the record of "${scenario.name.slice(0, 64)}" passes ${cap} characters at step ${step} (the state after every step grows as steps × objects); drop --state, or run fewer steps (docs/output.md#state-limit)`,
        );
    },
    () => kept !== undefined || keptSize <= cap,
    (o) => {
      step = o.record.i;
      if (!o.detail.failures.length) return;
      passed = false;
      for (const f of o.detail.failures) opts.onFailure?.(o, f);
    },
  );
  const profile = profileOf(scenario, opts);
  await write(`{"name":${JSON.stringify(scenario.name)},${profile ? `"profile":${JSON.stringify(profile)},` : ""}"passed":${passed},"steps":`);
  if (kept) {
    for (const s of kept) await write(s);
    await write(trailer);
  } else {
    await write(
      await streamSteps(
        scenario,
        core,
        runOpts,
        write,
        () => true,
        () => {},
      ),
    );
  }
  return passed;
}

/**
 * Runs the steps and, while `wanted()`, writes `[rec,rec,…]` in chunks; returns the
 * trailer with the traceHash of what was written.
 */
async function streamSteps(
  scenario: Scenario,
  core: Core,
  opts: RunOptions,
  write: Sink,
  wanted: () => boolean,
  each: (o: StepOutcome) => void,
): Promise<string> {
  const hash = new Fnv64();
  const queue = new Queue();
  const out = new Chunker((s) => {
    hash.updateText(s);
    queue.push(s);
  });
  out.push("[");
  let first = true;
  for (const o of runSteps(scenario, core, opts)) {
    if (wanted()) {
      if (!first) out.push(",");
      writeJson(o.record, (s) => out.push(s));
    }
    first = false;
    each(o);
    await queue.drain(write);
  }
  out.push("]");
  out.flush();
  await queue.drain(write);
  return `,"traceHash":"${hash.hex()}"}\n`;
}
