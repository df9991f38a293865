/** Builds and runs the native C reference (bench/native/ranges.c) with the system cc. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** -O3: the best the compiler does portably (no -march=native: wasm SIMD is 128-bit too). */
const CFLAGS = ["-O3"];
/** The C programs of bench/native/: ranges.c (the list operations), pages.c (the page
 *  builder), lookup_many.c (lookup with 16 searches in lockstep, as the wasm core). */
const SOURCES = {
  ranges: fileURLToPath(new URL("../../bench/native/ranges.c", import.meta.url)),
  pages: fileURLToPath(new URL("../../bench/native/pages.c", import.meta.url)),
  lookupMany: fileURLToPath(new URL("../../bench/native/lookup_many.c", import.meta.url)),
} as const;

export interface NativeRun {
  samples: number[];
  check: string;
}

export class Native {
  private constructor(
    readonly bin: string,
    readonly cc: string,
  ) {}

  /** The reference already built at `bin` (by build() in a parent process). */
  static at(bin: string, cc: string): Native {
    return new Native(bin, cc);
  }

  /** Compiles `program` with `cc -O3`; undefined (and a notice) when no C compiler exists. */
  static build(log: (s: string) => void, program: keyof typeof SOURCES = "ranges"): Native | undefined {
    const SOURCE = SOURCES[program];
    const cc = process.env.CC ?? "cc";
    if (!existsSync(SOURCE)) {
      log(`native C reference skipped: ${SOURCE} is missing`);
      return undefined;
    }
    const bin = join(mkdtempSync(join(tmpdir(), "dmabuf-map-bench-")), "bench-native");
    const r = spawnSync(cc, [...CFLAGS, "-o", bin, SOURCE], { encoding: "utf8" });
    if (r.error || r.status !== 0) {
      log(`native C reference skipped: no working C compiler (${cc}: ${r.error?.message ?? r.stderr.trim()})`);
      return undefined;
    }
    const v = spawnSync(cc, ["--version"], { encoding: "utf8" });
    return new Native(bin, `${(v.stdout ?? "").split("\n")[0] ?? cc} ${CFLAGS.join(" ")}`);
  }

  /** source: a seed (the generated list, as bench/inputs.ts makes it) or @FILE (binary
   *  little-endian u64 addr, len pairs); clock: what the samples count (see Clock). */
  run(op: string, n: number, reps: number, source: string, clock: "cpu" | "wall"): NativeRun {
    const r = spawnSync(this.bin, [op, String(n), String(reps), source, clock], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`native ${op} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as NativeRun;
  }
}
