/**
 * The ops suite where it runs outside the Node process that drives the benchmarks: bundled
 * into headless Chromium (`bench --browser`) and Firefox, or loaded by a Node or Bun child
 * (`bench --engines`, ./engine-child.ts). The same seeded list (bench/inputs.ts), the same
 * embedded wasm, the same timing loop (wall time: a page has no CPU clock) as the Node ops
 * suite. No Node built-ins here.
 */
import { init } from "../ts/core/loader.js";
import { WALL, seededList, timeTasks, wasmOps, LIST_OPS, type ListOp } from "./listops.js";
import type { Impl, Result } from "./stats.js";

export interface OpsRun {
  results: Result[];
  /** Each op's check (the hash of its result), which must equal Node's. */
  checks: Record<string, string>;
  /** What ran it: the browser's user agent, or the runtime and its version. */
  userAgent: string;
}

declare global {
  // eslint-disable-next-line no-var
  var benchLog: ((s: string) => void) | undefined;
  // eslint-disable-next-line no-var
  var runOpsBench: (opts: { quick: boolean; n: number; impl?: Impl }) => Promise<OpsRun>;
  // eslint-disable-next-line no-var
  var prepareOpsBench: (n: number) => Promise<OpsPrepared>;
  // eslint-disable-next-line no-var
  var sampleOpBench: (req: { op: ListOp; iters: number }) => number;
}

/** What a page ready for `sampleOpBench` reports (bench --browser, ./browser.ts). */
export interface OpsPrepared {
  checks: Record<string, string>;
  userAgent: string;
  /** The step of performance.now() here, in ns (the median of 21 steps). */
  timerResolutionNs: number;
  /** Whether the page is cross-origin isolated (a finer timer). */
  crossOriginIsolated: boolean;
}

/** The runtime, as a page or a process names it. */
function agent(): string {
  const v = (globalThis as { process?: { versions?: Record<string, string> } }).process?.versions;
  if (v?.bun) return `Bun ${v.bun} (JavaScriptCore)`;
  if (v?.node) return `Node ${v.node} (V8 ${v.v8})`;
  return globalThis.navigator?.userAgent ?? "unknown";
}

/** Times the list operations on the seeded list of n entries, as `impl`. */
export async function runOps({ quick, n, impl = "wasm-chromium" }: { quick: boolean; n: number; impl?: Impl }): Promise<OpsRun> {
  const core = await init();
  const list = seededList(n, core);
  try {
    const { checks, tasks } = wasmOps(list, LIST_OPS);
    const cfg = { quick, native: undefined, log: (s: string) => globalThis.benchLog?.(s), clock: WALL, maxN: n };
    const results = await timeTasks("ops", impl, n, tasks, cfg);
    return { results, checks, userAgent: agent() };
  } finally {
    list.dispose();
  }
}

/** The median step of performance.now(), in ns. */
export function timerResolutionNs(): number {
  const steps: number[] = [];
  for (let k = 0; k < 21; k++) {
    const t0 = performance.now();
    let t1 = t0;
    while (t1 === t0) t1 = performance.now();
    steps.push(t1 - t0);
  }
  return steps.sort((a, b) => a - b)[10]! * 1e6;
}

let prepared: Record<string, () => void> | undefined;

/** Builds the seeded list of n entries and its ops, for sampleOp to time one by one. */
export async function prepareOps(n: number): Promise<OpsPrepared> {
  const core = await init();
  const { checks, tasks } = wasmOps(seededList(n, core), LIST_OPS);
  prepared = tasks;
  return { checks, userAgent: agent(), timerResolutionNs: timerResolutionNs(), crossOriginIsolated: globalThis.crossOriginIsolated === true };
}

/** Runs op `iters` times; the ms they took together (performance.now()). */
export function sampleOp({ op, iters }: { op: ListOp; iters: number }): number {
  const fn = prepared?.[op];
  if (!fn) throw new Error(`sampleOp: ${op} is not prepared`);
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) fn();
  return performance.now() - t0;
}

globalThis.runOpsBench = runOps;
globalThis.prepareOpsBench = prepareOps;
globalThis.sampleOpBench = sampleOp;
