/**
 * The page side of `bench --browser`: bundled by bench/browser.ts and run in headless
 * Chromium. The same seeded list (bench/inputs.ts), the same embedded wasm, the same
 * timing loop as the Node ops suite; results come back as impl "wasm-chromium".
 */
import { init } from "../ts/core/loader.js";
import { WALL, seededList, timeTasks, wasmOps, LIST_OPS } from "./listops.js";
import type { Result } from "./stats.js";

declare global {
  interface Window {
    benchLog(s: string): void;
    runOpsBench(opts: { quick: boolean; n: number }): Promise<{ results: Result[]; checks: Record<string, string>; userAgent: string }>;
  }
}

window.runOpsBench = async ({ quick, n }) => {
  const core = await init();
  const list = seededList(n, core);
  try {
    const { checks, tasks } = wasmOps(list, LIST_OPS);
    const cfg = { quick, native: undefined, log: (s: string) => window.benchLog(s), clock: WALL, maxN: n };
    const results = await timeTasks("ops", "wasm-chromium", n, tasks, cfg);
    return { results, checks, userAgent: navigator.userAgent };
  } finally {
    list.dispose();
  }
};
