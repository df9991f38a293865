/**
 * One size of the sweep in a process of its own: `node dist/bench/sweep-child.js JSON`,
 * where JSON is {n, quick, clock, maxN, bin, cc}; prints the results as JSON on stdout
 * (progress on stderr). The parent (sweepSuite through Config.isolate) starts one per n,
 * so the peak RSS each size reports is that of a fresh process holding one list: the
 * core path's own, not what earlier sizes left in a wasm heap that never shrinks.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { init } from "../ts/core/loader.js";
import { Native } from "./native.js";
import { sweepAt, WALL, type Clock, type Config } from "./suites.js";
import type { Result } from "./stats.js";

/** CPU time of this process in ms (user + system, all threads). */
export const CPU: Clock = {
  name: "cpu",
  now: () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  },
};

/** The peak RSS of this process so far, in bytes. */
export const peakRss = () => process.resourceUsage().maxRSS * 1024;

interface Job {
  n: number;
  quick: boolean;
  clock: "cpu" | "wall";
  maxN: number;
  bin?: string;
  cc?: string;
  nativeBin?: string;
  flags?: { fair: string; native?: string };
}

const SELF = fileURLToPath(import.meta.url);

/** Runs sweep size n in a child process with the settings of cfg. */
export function isolated(n: number, cfg: Config): Result[] {
  const job: Job = {
    n,
    quick: cfg.quick,
    clock: cfg.clock.name,
    maxN: cfg.maxN,
    bin: cfg.native?.bin,
    cc: cfg.native?.cc,
    nativeBin: cfg.native?.nativeBin,
    flags: cfg.native?.flags,
  };
  const r = spawnSync(process.execPath, [SELF, JSON.stringify(job)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`sweep n = ${n}: the child process failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
  return JSON.parse(r.stdout) as Result[];
}

async function child(job: Job): Promise<void> {
  await init();
  const cfg: Config = {
    quick: job.quick,
    native: job.bin && job.cc ? Native.at(job.bin, job.cc, job.nativeBin, job.flags) : undefined,
    log: (s) => process.stderr.write(s + "\n"),
    clock: job.clock === "cpu" ? CPU : WALL,
    maxN: job.maxN,
    peakRss,
  };
  try {
    process.stdout.write(JSON.stringify(await sweepAt(job.n, cfg)) + "\n");
  } finally {
    cfg.native?.close();
  }
}

if (process.argv[1] === SELF) await child(JSON.parse(process.argv[2]!) as Job);
