// Finds Chromium for the browser tests: CHROMIUM_PATH, then /usr/bin/chromium.
import { chromium, type Browser, type Page } from "playwright-core";
import { startServer, type WebServer } from "../../ts/cli/web.js";
import { CHROMIUM_ARGS, findEngine } from "../../bench/engines.js";

export const CHROMIUM = findEngine("chromium");
export const IN_CI = process.env.CI === "true";

if (!CHROMIUM && !IN_CI) {
  const line = "=".repeat(78);
  console.warn(
    `\n${line}\n  BROWSER TESTS SKIPPED: no Chromium at $CHROMIUM_PATH or /usr/bin/chromium.\n  Install it (apt-get install -y chromium) or set CHROMIUM_PATH. Under CI=true they fail instead.\n${line}\n`,
  );
}

/** Flags for headless Chromium on a closed network, as root: the ones `npm run bench` uses. */
export { CHROMIUM_ARGS };

/**
 * The explorer in a fresh headless Chromium, served by `startServer(0)`: the page is
 * ready (the demo ran); console errors and page errors are collected in `problems`.
 */
export async function openExplorer(): Promise<{ browser: Browser; page: Page; server: WebServer; problems: string[] }> {
  const server = await startServer(0);
  const browser = await chromium.launch({ executablePath: CHROMIUM!, headless: true, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(server.url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 300_000 });
  return { browser, page, server, problems };
}

/** The editor's text (web/editor.ts: the page's editor is reached through its element). */
export function editorText(page: Page): Promise<string> {
  return page.evaluate(() => (document.getElementById("editor") as HTMLElement & { scenarioEditor: { text(): string } }).scenarioEditor.text());
}

/** Replaces the editor's text, as an edit (the page keeps it, marks the results outdated, updates the link). */
export async function setEditorText(page: Page, text: string): Promise<void> {
  await page.evaluate(
    (s) => (document.getElementById("editor") as HTMLElement & { scenarioEditor: { setText(s: string): void } }).scenarioEditor.setText(s),
    text,
  );
}
