/**
 * `bench --browser`: the ops suite in headless Chromium (playwright-core driving the
 * system Chromium, with the flags the browser tests use), on the same inputs and the same
 * wasm as in Node. The page's results must match Node's checks before they count.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { UsageError } from "../ts/util/args.js";
import { seededList, wasmOps, disagree, LIST_OPS, type Config } from "./listops.js";
import { getCore } from "../ts/core/loader.js";
import type { Result } from "./stats.js";

/** Headless Chromium on a closed network, as root (test/browser/chromium.ts). */
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
];

/** The n of the ops suite. */
export const OPS_N = 1_000_000;

export async function browserOps(cfg: Config): Promise<Result[]> {
  const exe = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].find((p) => p && existsSync(p));
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
  const list = seededList(OPS_N, getCore());
  const want = (() => {
    try {
      return wasmOps(list, LIST_OPS).checks;
    } finally {
      list.dispose();
    }
  })();
  const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    await page.exposeFunction("benchLog", (s: string) => cfg.log(`${s} (Chromium)`));
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    const got = await page.evaluate((opts) => window.runOpsBench(opts), { quick: cfg.quick, n: OPS_N });
    for (const op of LIST_OPS) if (got.checks[op] !== want[op]) disagree(`Chromium ${op} computed ${got.checks[op]}, Node ${want[op]}: the runs disagree`);
    cfg.log(`  Chromium: ${got.userAgent}`);
    return got.results;
  } finally {
    await browser.close();
  }
}
