/**
 * Builds and runs the native C reference (bench/native/ranges.c) with the system cc: once
 * at `-O3 -march=x86-64-v2` (the fair counterpart of 128-bit wasm SIMD: SSE4.2, what V8
 * emits for the same wasm) and once at `-O3 -march=native` (a reference column only).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The fair build: 128-bit SIMD and the SSE4.2-era encodings V8 uses for wasm SIMD. */
export const FAIR_FLAGS = ["-O3", "-march=x86-64-v2"] as const;
/** The reference build: everything this CPU has (wider vectors than wasm can use). */
export const NATIVE_FLAGS = ["-O3", "-march=native"] as const;
/** The C programs of bench/native/: ranges.c (the list operations, the floors), pages.c
 *  (the page builder), lookup_many.c (lookup with 16 searches in lockstep, as the core). */
const SOURCES = {
  ranges: fileURLToPath(new URL("../../bench/native/ranges.c", import.meta.url)),
  pages: fileURLToPath(new URL("../../bench/native/pages.c", import.meta.url)),
  lookupMany: fileURLToPath(new URL("../../bench/native/lookup_many.c", import.meta.url)),
} as const;

export interface NativeRun {
  samples: number[];
  check: string;
}

/** One sample from a serving binary: ns for all its iterations, the check of the op's
 *  result; for a floor, the bytes it reads and writes. */
export interface NativeSample {
  ns: number;
  check: string;
  read?: number;
  write?: number;
}

/** A C binary in `serve` mode: one sample per request, its inputs kept built between
 *  requests, so the Node side can alternate implementations sample by sample. */
export class NativeServer {
  readonly #child: ChildProcessWithoutNullStreams;
  #buf = "";
  readonly #waiting: ((line: string) => void)[] = [];
  #failed: Error | undefined;

  constructor(bin: string, clock: "cpu" | "wall") {
    this.#child = spawn(bin, ["serve", clock], { stdio: ["pipe", "pipe", "pipe"] });
    let err = "";
    this.#child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    this.#child.stdout.on("data", (d: Buffer) => {
      this.#buf += d.toString();
      for (let i = this.#buf.indexOf("\n"); i >= 0; i = this.#buf.indexOf("\n")) {
        const line = this.#buf.slice(0, i);
        this.#buf = this.#buf.slice(i + 1);
        this.#waiting.shift()?.(line);
      }
    });
    this.#child.on("close", (code) => {
      this.#failed = new Error(`native C server exited ${code}: ${err.trim()}`);
      for (const w of this.#waiting.splice(0)) w("");
    });
  }

  /** Runs op `iters` times on the input of n entries from `source` (a seed or @FILE). */
  async sample(op: string, n: number, source: string, iters: number): Promise<NativeSample> {
    if (this.#failed) throw this.#failed;
    const line = await new Promise<string>((resolve) => {
      this.#waiting.push(resolve);
      this.#child.stdin.write(`${op} ${n} ${source} ${iters}\n`);
    });
    if (!line) throw this.#failed ?? new Error("native C server closed");
    return JSON.parse(line) as NativeSample;
  }

  /** Ends the server (it exits at the end of its input). */
  close(): void {
    this.#child.stdin.end();
  }
}

export class Native {
  #servers = new Map<string, NativeServer>();

  private constructor(
    /** The fair build (FAIR_FLAGS). */
    readonly bin: string,
    /** The compiler and the fair build's flags, as the results' env records them. */
    readonly cc: string,
    /** The -march=native build, when the compiler made one. */
    readonly nativeBin?: string,
    /** The flags of each build. */
    readonly flags: { fair: string; native?: string } = { fair: FAIR_FLAGS.join(" ") },
  ) {}

  /** The reference already built at `bin` (by build() in a parent process). */
  static at(bin: string, cc: string, nativeBin?: string, flags?: { fair: string; native?: string }): Native {
    return new Native(bin, cc, nativeBin, flags);
  }

  /** Compiles `program`'s fair and native build; undefined (and a notice) when no C
   *  compiler exists. A compiler without -march=x86-64-v2 (not x86, or too old) builds at -O3. */
  static build(log: (s: string) => void, program: keyof typeof SOURCES = "ranges"): Native | undefined {
    const SOURCE = SOURCES[program];
    const cc = process.env.CC ?? "cc";
    if (!existsSync(SOURCE)) {
      log(`native C reference skipped: ${SOURCE} is missing`);
      return undefined;
    }
    const dir = mkdtempSync(join(tmpdir(), "dmabuf-map-bench-"));
    const compile = (flags: readonly string[], out: string) => spawnSync(cc, [...flags, "-o", join(dir, out), SOURCE], { encoding: "utf8" });
    let fair: readonly string[] = FAIR_FLAGS;
    let r = compile(fair, "bench-native");
    if (!r.error && r.status !== 0) {
      fair = ["-O3"];
      r = compile(fair, "bench-native");
      if (r.status === 0) log(`native C: ${cc} refused ${FAIR_FLAGS.join(" ")}; the fair build is -O3`);
    }
    if (r.error || r.status !== 0) {
      log(`native C reference skipped: no working C compiler (${cc}: ${r.error?.message ?? r.stderr.trim()})`);
      return undefined;
    }
    const nat = compile(NATIVE_FLAGS, "bench-native-march");
    const v = spawnSync(cc, ["--version"], { encoding: "utf8" });
    const flags = { fair: fair.join(" "), ...(nat.status === 0 ? { native: NATIVE_FLAGS.join(" ") } : {}) };
    return new Native(
      join(dir, "bench-native"),
      `${(v.stdout ?? "").split("\n")[0] ?? cc} ${flags.fair}`,
      nat.status === 0 ? join(dir, "bench-native-march") : undefined,
      flags,
    );
  }

  /** source: a seed (the generated list, as bench/inputs.ts makes it) or @FILE (binary
   *  little-endian u64 addr, len pairs); clock: what the samples count (see Clock). */
  run(op: string, n: number, reps: number, source: string, clock: "cpu" | "wall"): NativeRun {
    const r = spawnSync(this.bin, [op, String(n), String(reps), source, clock], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`native ${op} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as NativeRun;
  }

  /** The serving process of a build ("fair" or "native"), started on first use. */
  server(build: "fair" | "native", clock: "cpu" | "wall"): NativeServer | undefined {
    const bin = build === "fair" ? this.bin : this.nativeBin;
    if (!bin) return undefined;
    const key = `${build} ${clock}`;
    let s = this.#servers.get(key);
    if (!s) this.#servers.set(key, (s = new NativeServer(bin, clock)));
    return s;
  }

  /** Ends the serving processes. */
  close(): void {
    for (const s of this.#servers.values()) s.close();
    this.#servers.clear();
  }
}
