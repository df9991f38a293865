/**
 * The parts of the benchmarks that run anywhere (Node and the browser page of
 * `bench --browser`): the timing loop, the seeded list in the core, and the wasm side
 * of the list operations with the check of each. No Node built-ins here.
 */
import { Bench } from "tinybench";
import type { Core } from "../ts/core/loader.js";
import { RangeList } from "../ts/core/range-list.js";
import { DmaBufError } from "../ts/core/errors.js";
import { makeList, makeOffsets } from "./inputs.js";
import type { Impl, Result } from "./stats.js";
import type { Native } from "./native.js";

/**
 * Two implementations computed different results: a bug of this package, never of the
 * input. A DmaBufError, so the CLI prints one line and exits 2 (no stack trace).
 */
export function disagree(msg: string): never {
  throw new DmaBufError("EFAULT", `internal error: ${msg}; please report it with the input`);
}

export interface Config {
  quick: boolean;
  native: Native | undefined;
  log: (s: string) => void;
  /** Timestamps in ms for tinybench: CPU time of the process (default) or wall time. */
  clock: Clock;
  /** Largest n of the sweep suite. */
  maxN: number;
  /** Node only: the peak RSS of the process so far, in bytes. */
  peakRss?: () => number;
  /** Node only: runs one size of the sweep in a fresh child process (bench/sweep-child.ts). */
  isolate?: (n: number) => Result[];
}

/** What the timings count: "cpu" = CPU time of this process (Node: process.cpuUsage,
 *  C: CLOCK_PROCESS_CPUTIME_ID), "wall" = elapsed time. */
export interface Clock {
  name: "cpu" | "wall";
  now: () => number;
}

export const WALL: Clock = { name: "wall", now: () => performance.now() };

export const SEED = 1;
export const hex16 = (v: bigint) => "0x" + v.toString(16).padStart(16, "0");
export const fmtN = (n: number) => (n >= 1e4 && Number.isInteger(Math.log10(n)) ? `10^${Math.log10(n)}` : n.toLocaleString("en-US"));

/** Times sync tasks with tinybench, one task at a time (each named on stderr as it
 *  starts); loops `inner` times per sample for tiny operations. */
export async function timeTasks(
  suite: string,
  impl: Impl,
  n: number,
  tasks: Record<string, () => void>,
  cfg: Config,
  heavy = false,
  inner = 1,
): Promise<Result[]> {
  const out: Result[] = [];
  for (const [op, fn] of Object.entries(tasks)) {
    cfg.log(`  ${suite} · ${impl} · ${op} · n = ${fmtN(n)}`);
    const bench = new Bench({
      iterations: heavy ? (cfg.quick ? 1 : 3) : cfg.quick ? 5 : 15,
      time: heavy ? 0 : cfg.quick ? 200 : 1000,
      warmupIterations: heavy ? 0 : 2,
      warmupTime: heavy ? 0 : 50,
      timestampProvider: { name: cfg.clock.name, fn: cfg.clock.now, fromMs: (v) => v, toMs: (v) => Number(v) },
    });
    bench.add(op, fn);
    await bench.run();
    const r = bench.tasks[0]!.result;
    if (r.state !== "completed") throw new Error(`${suite}/${impl}/${op}: ${r.state === "errored" ? r.error.message : r.state}`);
    const p50Ns = (r.latency.p50 * 1e6) / inner;
    const [minNs, maxNs] = [(r.latency.min * 1e6) / inner, (r.latency.max * 1e6) / inner];
    // the min-max spread as the alternated results give it (none from one sample)
    const mm = r.latency.samplesCount > 1 && p50Ns > 0 ? { minNs, maxNs, spreadPct: (Math.max(p50Ns - minNs, maxNs - p50Ns) / p50Ns) * 100 } : {};
    out.push({
      suite,
      impl,
      op,
      n,
      nsPerEntry: p50Ns / n,
      p50Ns,
      p99Ns: (r.latency.p99 * 1e6) / inner,
      rme: r.latency.rme,
      samples: r.latency.samplesCount,
      ...mm,
    });
  }
  return out;
}

/** The iterate check: the hash of the list {count, bytes}, {xor, 0} of a chunk summary
 *  (the C reference hashes the same two entries). */
export function summaryCheck(s: { count: bigint; bytes: bigint; xor: bigint }, core: Core): bigint {
  return listHash(BigUint64Array.of(s.count, s.bytes, s.xor, 0n), core);
}

/** iterate-js: (count << 32) | xor of the low addr words of 4 KiB chunks, read in JS from wasm batches. */
export function wasmIterate(list: RangeList): bigint {
  let count = 0;
  let x = 0;
  list.chunkBatches(4096n, (w) => {
    // a hot loop on locals (a captured variable lives in a context slot: 1.5x slower)
    const u = new Uint32Array(w.buffer, w.byteOffset, w.length * 2);
    let y = x;
    for (let i = 0, end = u.length; i < end; i += 4) y ^= u[i]!;
    x = y;
    count += w.length / 2;
  });
  return (BigInt(count) << 32n) | BigInt(x >>> 0);
}

export function listHash(words: BigUint64Array, core: Core): bigint {
  const l = RangeList.fromBigUint64Array(words, core);
  try {
    return l.hash();
  } finally {
    l.dispose();
  }
}

/** The list operations, in the order they run. */
export const LIST_OPS = ["coalesce", "split", "split-mask", "slice", "lookup", "iterate", "iterate-js", "hash"] as const;
export type ListOp = (typeof LIST_OPS)[number];
/** The operations the sweep runs past 10^7 entries: those with a per-entry cost target.
 *  (At 10^8 the others would not fit in 4 GiB next to the 1.6 GB list: lookup's offsets,
 *  prefix sums and results need 3.2 GB more, split-mask's output 2.4 GB.) */
export const LARGE_OPS: readonly ListOp[] = ["coalesce", "split", "iterate", "hash"];

/** A list in the core: the seeded input of n entries (written straight into wasm memory,
 *  no JS copy), or given words. */
export function seededList(n: number, core: Core): RangeList {
  const list = RangeList.allocate(n, core);
  makeList(n, SEED, list.view());
  list.touch();
  return list;
}

/** The wasm side of one list: the check of each op (hash of its result) and its task. */
export function wasmOps(list: RangeList, ops: readonly ListOp[]): { checks: Record<string, string>; tasks: Record<string, () => void> } {
  const core = list.core;
  const total = list.total();
  const offsets = ops.includes("lookup") ? makeOffsets(list.length, SEED, total) : new BigUint64Array(0);
  // one result array for every call, as C writes into one buffer: a fresh 16 MB array per
  // call would time the page faults of new memory, not the lookups
  const into = new BigUint64Array(offsets.length * 2);
  const hashOf = (make: () => RangeList) => {
    const r = make();
    try {
      return hex16(r.hash());
    } finally {
      r.dispose();
    }
  };
  const all: Record<ListOp, [() => string, () => void]> = {
    coalesce: [() => hashOf(() => list.coalesce()), () => list.coalesce().dispose()],
    split: [() => hashOf(() => list.split(0x10000n)), () => list.split(0x10000n).dispose()],
    "split-mask": [() => hashOf(() => list.split(0xffff_ffffn, 0x7fffn)), () => list.split(0xffff_ffffn, 0x7fffn).dispose()],
    slice: [() => hashOf(() => list.slice(total / 4n, total / 2n)), () => list.slice(total / 4n, total / 2n).dispose()],
    lookup: [() => hex16(listHash(list.lookupMany(offsets), core)), () => void list.lookupMany(offsets, into)],
    iterate: [() => hex16(summaryCheck(list.chunkSummary(4096n), core)), () => void list.chunkSummary(4096n)],
    "iterate-js": [() => hex16(wasmIterate(list)), () => void wasmIterate(list)],
    hash: [() => hex16(list.hash()), () => void list.hash()],
  };
  const checks: Record<string, string> = {};
  const tasks: Record<string, () => void> = {};
  for (const op of ops) {
    checks[op] = all[op][0]();
    tasks[op] = all[op][1];
  }
  return { checks, tasks };
}

/** Each list op's check on the seeded list of n entries: what another engine's run must equal. */
export function seededChecks(n: number, core: Core): Record<string, string> {
  const list = seededList(n, core);
  try {
    return wasmOps(list, LIST_OPS).checks;
  } finally {
    list.dispose();
  }
}
