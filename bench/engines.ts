/**
 * The four JavaScript engines the project is checked on, found and started the same way
 * by the cross-engine tests (test/engines/) and `bench --engines`:
 *   node      V8, this process's own binary;
 *   bun       JavaScriptCore, the binary inside the `bun` devDependency (or $BUN_PATH);
 *   chromium  V8 in the Debian browser, driven by playwright-core ($CHROMIUM_PATH, /usr/bin/chromium);
 *   firefox   SpiderMonkey in Debian's firefox-esr, driven by puppeteer-core over WebDriver
 *             BiDi ($FIREFOX_PATH, /usr/bin/firefox-esr, /usr/bin/firefox).
 * Nothing here downloads a browser: an engine that is not installed is reported missing.
 */
import { existsSync } from "node:fs";
import type { BenchEngine as EngineName } from "./args.js";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export { BENCH_ENGINES as ENGINES, type BenchEngine as EngineName } from "./args.js";
/** The engines that run a command line (the others run a page). */
export type ProcessEngine = Extract<EngineName, "node" | "bun">;
export type BrowserEngine = Extract<EngineName, "chromium" | "firefox">;

/** Which JavaScript engine each one is, for messages and docs. */
export const ENGINE_VM: Record<EngineName, string> = { node: "V8", bun: "JavaScriptCore", chromium: "V8", firefox: "SpiderMonkey" };

/** The binary the `bun` package installed, if it is installed. */
function bunPackageBinary(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("bun/package.json")), "bin", "bun.exe");
  } catch {
    return undefined;
  }
}

const CANDIDATES: Record<EngineName, () => (string | undefined)[]> = {
  node: () => [process.execPath],
  bun: () => [process.env.BUN_PATH, bunPackageBinary()],
  chromium: () => [process.env.CHROMIUM_PATH, "/usr/bin/chromium"],
  firefox: () => [process.env.FIREFOX_PATH, "/usr/bin/firefox-esr", "/usr/bin/firefox"],
};

/** The executable of `engine`, or undefined when it is not installed. */
export function findEngine(engine: EngineName): string | undefined {
  return CANDIDATES[engine]().find((p): p is string => !!p && existsSync(p));
}

/** How to install a missing engine. */
export const INSTALL_HINT: Record<EngineName, string> = {
  node: "",
  bun: "npm install (bun is a devDependency; its binary comes in @oven/bun-linux-x64), or set BUN_PATH",
  chromium: "apt-get install -y chromium, or set CHROMIUM_PATH",
  firefox: "apt-get install -y firefox-esr, or set FIREFOX_PATH",
};

/** Headless Chromium on a closed network, as root (the browser tests use the same). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** A blank page in a headless browser, with a script loaded into it. */
export interface EnginePage {
  /** The browser's own version string ("chrome/…", "firefox/153.8.0"). */
  version: string;
  /** Calls `fn(arg)` in the page and returns its (JSON-serialisable) result. */
  run<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}

/** An esbuild bundle of `entry` (a .js file) as one classic script for a page. */
export async function bundleForPage(entry: string): Promise<string> {
  let build: typeof import("esbuild").build;
  try {
    ({ build } = await import("esbuild"));
  } catch {
    throw new Error("a page engine needs the development dependency esbuild (npm install in the repository)");
  }
  const out = await build({ entryPoints: [entry], bundle: true, format: "iife", platform: "browser", target: "es2022", write: false, logLevel: "silent" });
  return out.outputFiles[0]!.text;
}

/**
 * Starts `engine` headless, opens a blank page and runs `script` in it. Chromium goes
 * through playwright-core, Firefox through puppeteer-core over WebDriver BiDi (playwright's
 * Firefox is a patched build; stock Firefox speaks BiDi).
 */
export async function openPage(engine: BrowserEngine, script: string): Promise<EnginePage> {
  const exe = findEngine(engine);
  if (!exe) throw new Error(`${engine} is not installed: ${INSTALL_HINT[engine]}`);
  if (engine === "chromium") {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: exe, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    await page.addScriptTag({ content: script });
    return { version: `chromium/${browser.version()}`, run: (fn, arg) => page.evaluate(fn as never, arg) as never, close: () => browser.close() };
  }
  const { default: puppeteer } = await import("puppeteer-core");
  // Firefox rounds performance.now() to 1 ms by default (fingerprinting defence): the
  // benchmarks time sub-millisecond ops, so the page gets the full-precision clock
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: exe,
    headless: true,
    extraPrefsFirefox: { "privacy.reduceTimerPrecision": false },
  });
  const page = await browser.newPage();
  await page.addScriptTag({ content: script });
  return { version: await browser.version(), run: (fn, arg) => page.evaluate(fn as never, arg) as never, close: () => browser.close() };
}
