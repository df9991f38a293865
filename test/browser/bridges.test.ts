// The explorer's bridges in headless Chromium: paste a trace, get the scenario the CLI
// prints and its run; the bufinfo panel shows the CLI's `run --bufinfo-at N` text for the
// selected step, and its copy button copies it; a bad line names its number.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import type { WebServer } from "../../ts/cli/web.js";
import { CHROMIUM, editorText, openExplorer } from "./chromium.js";

const root = new URL("../../", import.meta.url);
const bin = fileURLToPath(new URL("dist/ts/cli/main.js", root));
const trace = readFileSync(new URL("examples/traces/compositor-system-heap.trace", root), "utf8");
const node = (args: string[], input: string) => spawnSync(process.execPath, [bin, ...args], { input, encoding: "utf8" });

describe.skipIf(!CHROMIUM)("explorer bridges in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let server: WebServer;
  let problems: string[];

  beforeAll(async () => {
    ({ browser, page, server, problems } = await openExplorer());
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("a pasted trace becomes the scenario import-trace prints, and runs", async () => {
    await page.click("#trace-box summary");
    await page.fill("#trace-input", trace);
    await page.evaluate(() => (document.getElementById("json-output")!.textContent = ""));
    await page.click("#trace-import");
    await page.waitForFunction(() => document.getElementById("json-output")!.textContent !== "");
    const cli = node(["import-trace", "--name", "pasted-trace", "-"], trace);
    expect(cli.status).toBe(0);
    expect(await editorText(page)).toBe(cli.stdout);
    expect(await page.textContent("#trace-status")).toBe("31 dma_buf events → 14 steps; skipped 12 comment or blank lines and 2 other events.");
    expect(await page.textContent("#summary")).toMatch(/PASSED/);
  });

  it("the bufinfo panel shows run --bufinfo-at N for the selected step; Copy copies it", async () => {
    const scenario = await editorText(page);
    const last = node(["run", "--bufinfo", "-"], scenario).stdout;
    expect(await page.textContent("#bufinfo-output")).toBe(last);
    await page.click("#timeline-label"); // focus outside the editor for the arrow keys
    await page.keyboard.press("Home");
    await page.waitForFunction(() => document.getElementById("bufinfo-output")!.textContent!.includes("Total 1 objects"));
    expect(await page.textContent("#bufinfo-output")).toBe(node(["run", "--bufinfo-at", "0", "-"], scenario).stdout);
    await page.click("#bufinfo-copy");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(node(["run", "--bufinfo-at", "0", "-"], scenario).stdout);
  });

  it("a malformed line is shown with its number, and the editor is left alone", async () => {
    const before = await editorText(page);
    await page.fill("#trace-input", "# tracer: nop\nnot a trace line\n");
    await page.click("#trace-import");
    expect(await page.textContent("#trace-status")).toBe(
      "Not imported: line 2: malformed: not an ftrace line (expected `task-pid [cpu] flags timestamp: event: fields`)",
    );
    expect(await editorText(page)).toBe(before);
    expect(problems).toEqual([]);
  });
});
