/**
 * `bench --browser`: the list ops at n = 10^6 in headless Chromium (playwright-core driving
 * the system Chromium, with the flags the browser tests use) and in this Node process,
 * alternating sample by sample per op (Node, Chromium, Node, …; bench/alternate.ts), on
 * the same inputs and the same wasm, in wall time on both sides (a page has no CPU clock).
 * The page is served cross-origin isolated where Chromium allows it (a finer
 * performance.now()); whatever its timer's step, each sample runs the op enough times to
 * last 150 steps of it, so the step is under 1% of a sample. The page's results must
 * match Node's checks before they count.
 */
import { fileURLToPath } from "node:url";
import { UsageError } from "../ts/util/args.js";
import { seededList, wasmOps, disagree, LIST_OPS, WALL, type Config } from "./listops.js";
import { getCore } from "../ts/core/loader.js";
import type { Result } from "./stats.js";
import { CHROMIUM_ARGS, bundleForPage, findEngine } from "./engines.js";
import { localSide, measure, type Side } from "./alternate.js";
import type { OpsPrepared } from "./page.js";

/** The n of the ops suite. */
export const OPS_N = 1_000_000;

/** The page's timer, as the last --browser run found it (for the results' env). */
export const pageTimer: { resolutionNs?: number; crossOriginIsolated?: boolean; userAgent?: string } = {};

/** Timer steps per sample: the step is then under 1% of a sample, with a margin. */
const STEPS_PER_SAMPLE = 150;

export async function browserOps(cfg: Config): Promise<Result[]> {
  const exe = findEngine("chromium");
  if (!exe) throw new UsageError("--browser needs Chromium: set CHROMIUM_PATH or install /usr/bin/chromium");
  let chromium: typeof import("playwright-core").chromium;
  let script: string;
  try {
    ({ chromium } = await import("playwright-core"));
    script = await bundleForPage(fileURLToPath(new URL("./page.js", import.meta.url)));
  } catch {
    throw new UsageError("--browser needs the development dependencies playwright-core and esbuild (npm install in the repository)");
  }
  const core = getCore();
  const list = seededList(OPS_N, core);
  const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    // an origin of its own with COOP and COEP: cross-origin isolated, so a finer timer
    await page.route("https://bench.invalid/", (r) =>
      r.fulfill({
        status: 200,
        contentType: "text/html",
        headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" },
        body: "<!doctype html><title>dmabuf-map bench</title>",
      }),
    );
    await page.goto("https://bench.invalid/");
    await page.addScriptTag({ content: script });
    const got: OpsPrepared = await page.evaluate((n) => globalThis.prepareOpsBench(n), OPS_N);
    const { checks, tasks } = wasmOps(list, LIST_OPS);
    for (const op of LIST_OPS) if (got.checks[op] !== checks[op]) disagree(`Chromium ${op} computed ${got.checks[op]}, Node ${checks[op]}: the runs disagree`);
    Object.assign(pageTimer, { resolutionNs: got.timerResolutionNs, crossOriginIsolated: got.crossOriginIsolated, userAgent: got.userAgent });
    cfg.log(
      `  Chromium: ${got.userAgent}; performance.now() steps ${(got.timerResolutionNs / 1e3).toFixed(1)} µs${got.crossOriginIsolated ? " (cross-origin isolated)" : ""}`,
    );
    const out: Result[] = [];
    for (const op of LIST_OPS) {
      const inPage: Side = { impl: "wasm-chromium", run: async (iters) => (await page.evaluate((req) => globalThis.sampleOpBench(req), { op, iters })) * 1e6 };
      const minSampleNs = Math.max(1e6, STEPS_PER_SAMPLE * got.timerResolutionNs);
      out.push(...(await measure("ops", op, OPS_N, [localSide("wasm", tasks[op]!, WALL), inPage], { quick: cfg.quick, minSampleNs, log: cfg.log })));
    }
    return out;
  } finally {
    await browser.close();
    list.dispose();
  }
}
