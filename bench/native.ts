/** Builds and runs the native C reference (bench/native/ranges.c) with the system cc. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE = fileURLToPath(new URL("../../bench/native/ranges.c", import.meta.url));

export interface NativeRun {
  samples: number[];
  check: string;
}

export class Native {
  private constructor(readonly bin: string, readonly cc: string) {}

  /** Compiles with `cc -O2`; undefined (and a notice) when no C compiler exists. */
  static build(log: (s: string) => void): Native | undefined {
    const cc = process.env.CC ?? "cc";
    if (!existsSync(SOURCE)) {
      log(`native C reference skipped: ${SOURCE} is missing`);
      return undefined;
    }
    const bin = join(mkdtempSync(join(tmpdir(), "dmabuf-map-bench-")), "bench-native");
    const r = spawnSync(cc, ["-O2", "-o", bin, SOURCE], { encoding: "utf8" });
    if (r.error || r.status !== 0) {
      log(`native C reference skipped: no working C compiler (${cc}: ${r.error?.message ?? r.stderr.trim()})`);
      return undefined;
    }
    const v = spawnSync(cc, ["--version"], { encoding: "utf8" });
    return new Native(bin, (v.stdout ?? "").split("\n")[0] ?? cc);
  }

  run(op: string, n: number, reps: number, seed: number): NativeRun {
    const r = spawnSync(this.bin, [op, String(n), String(reps), String(seed)], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`native ${op} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as NativeRun;
  }
}
