/**
 * `bench --browser`: the ops suite in headless Chromium (playwright-core driving the
 * system Chromium, with the flags the browser tests use), on the same inputs and the same
 * wasm as in Node. The page's results must match Node's checks before they count.
 */
import { fileURLToPath } from "node:url";
import { UsageError } from "../ts/util/args.js";
import { seededChecks, disagree, LIST_OPS, type Config } from "./listops.js";
import { getCore } from "../ts/core/loader.js";
import type { Result } from "./stats.js";
import { CHROMIUM_ARGS, findEngine } from "./engines.js";

/** The n of the ops suite. */
export const OPS_N = 1_000_000;

export async function browserOps(cfg: Config): Promise<Result[]> {
  const exe = findEngine("chromium");
  if (!exe) throw new UsageError("--browser needs Chromium: set CHROMIUM_PATH or install /usr/bin/chromium");
  let chromium: typeof import("playwright-core").chromium;
  let build: typeof import("esbuild").build;
  try {
    ({ chromium } = await import("playwright-core"));
    ({ build } = await import("esbuild"));
  } catch {
    throw new UsageError("--browser needs the development dependencies playwright-core and esbuild (npm install in the repository)");
  }
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL("./page.js", import.meta.url))],
    bundle: true,
    format: "iife",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  // what the page must compute: Node's checks on the same list
  const want = seededChecks(OPS_N, getCore());
  const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    await page.exposeFunction("benchLog", (s: string) => cfg.log(`${s} (Chromium)`));
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    const got = await page.evaluate((opts) => globalThis.runOpsBench(opts), { quick: cfg.quick, n: OPS_N });
    for (const op of LIST_OPS) if (got.checks[op] !== want[op]) disagree(`Chromium ${op} computed ${got.checks[op]}, Node ${want[op]}: the runs disagree`);
    cfg.log(`  Chromium: ${got.userAgent}`);
    return got.results;
  } finally {
    await browser.close();
  }
}
