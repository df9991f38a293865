/**
 * The ops suite where it runs outside the Node process that drives the benchmarks: bundled
 * into headless Chromium (`bench --browser`) and Firefox, or loaded by a Node or Bun child
 * (`bench --engines`, ./engine-child.ts). The same seeded list (bench/inputs.ts), the same
 * embedded wasm, the same timing loop (wall time: a page has no CPU clock) as the Node ops
 * suite. No Node built-ins here.
 */
import { init } from "../ts/core/loader.js";
import { WALL, seededList, timeTasks, wasmOps, LIST_OPS } from "./listops.js";
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

globalThis.runOpsBench = runOps;
