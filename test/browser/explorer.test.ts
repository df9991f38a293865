// The explorer in headless Chromium: every shipped scenario gives byte-identical JSON to
// the Node CLI, validation errors show with their paths, init() takes a URL, no console
// errors, and a screenshot for people.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import type { WebServer } from "../../ts/cli/web.js";
import { CHROMIUM, openExplorer, IN_CI, setEditorText } from "./chromium.js";

const root = new URL("../../", import.meta.url);
const bin = fileURLToPath(new URL("dist/ts/cli/main.js", root));
const scenarios = readdirSync(new URL("scenarios/", root))
  .filter((f) => f.endsWith(".json"))
  .sort();
const artifacts = fileURLToPath(new URL("test-artifacts/", root));

describe("Chromium is available", () => {
  it.runIf(IN_CI)("under CI=true the browser tests must run", () => {
    expect(CHROMIUM, "no Chromium: .ci/run installs Debian's chromium").toBeDefined();
  });
});

describe.skipIf(!CHROMIUM)("explorer in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let server: WebServer;
  let problems: string[];

  beforeAll(async () => {
    ({ browser, page, server, problems } = await openExplorer());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Runs the editor's text in the page; returns the JSON shown. */
  async function runInPage(text: string): Promise<string> {
    await setEditorText(page, text);
    await page.evaluate(() => (document.getElementById("json-output")!.textContent = ""));
    await page.click("#run");
    await page.waitForFunction(() => document.getElementById("json-output")!.textContent !== "");
    return (await page.textContent("#json-output"))!;
  }

  it.each(scenarios)("%s: the page's JSON is byte-identical to the Node CLI's --json", async (f) => {
    const text = readFileSync(new URL(`scenarios/${f}`, root), "utf8");
    const cli = spawnSync(process.execPath, [bin, "run", "-", "--json"], { input: text, encoding: "utf8" });
    expect(cli.status).toBe(0);
    const json = await runInPage(text);
    expect(json + "\n").toBe(cli.stdout);
    expect(await page.textContent("#summary")).toMatch(/PASSED/);
  });

  it("the built-in demo matches the CLI demo", async () => {
    // a fresh page: the texts pasted above were kept as edits of the picked scenario
    // (leaving the page first: a link update still pending from the last run would otherwise rewrite the hash)
    await page.goto("about:blank");
    await page.goto(`${server.url}#scenario=demo`);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForFunction(() => document.getElementById("json-output")!.textContent!.includes('"name":"demo"'));
    const cli = spawnSync(process.execPath, [bin, "demo", "--json"], { encoding: "utf8" });
    expect((await page.textContent("#json-output"))! + "\n").toBe(cli.stdout);
    const most = await page.evaluate(() => {
      const slider = document.getElementById("timeline") as HTMLInputElement;
      let n = 0;
      for (let i = 0; i <= Number(slider.max); i++) {
        slider.value = String(i);
        slider.dispatchEvent(new Event("input"));
        n = Math.max(n, document.querySelectorAll("#mappings rect.entry").length);
      }
      return n;
    });
    expect(most).toBeGreaterThan(3);
    expect(await page.textContent("#topology")).toMatch(/rc0/);
  });

  it("shows every validation problem next to its JSON path", async () => {
    await setEditorText(
      page,
      JSON.stringify({ name: "bad", devices: { d: { iommu: { base: "0xZZ", size: 1 } } }, steps: [{ op: "map", attachment: "ghost" }, { op: "warp" }] }),
    );
    await page.click("#validate");
    const items = await page.locator("#problems li").allTextContents();
    expect(items).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^devices\.d\.iommu\.base.*expected a u64/),
        expect.stringMatching(/^steps\[0\]\.attachment.*"ghost" is not declared/),
        expect.stringMatching(/^steps\[1\]\.op.*unknown op "warp"/),
      ]),
    );
    expect(await page.textContent("#status")).toMatch(/invalid: \d+ problem/);
    await setEditorText(page, "{ not json");
    await page.keyboard.press("Control+Shift+Enter");
    expect(await page.locator("#problems li").first().textContent()).toMatch(/malformed JSON/);
  });

  it("runs from the keyboard (Ctrl+Enter)", async () => {
    const text = readFileSync(new URL("scenarios/move-notify.json", root), "utf8");
    await setEditorText(page, text);
    await page.evaluate(() => (document.getElementById("json-output")!.textContent = ""));
    await page.focus("#editor .cm-content");
    await page.keyboard.press("Control+Enter");
    await page.waitForFunction(() => document.getElementById("json-output")!.textContent !== "");
    expect(JSON.parse((await page.textContent("#json-output"))!).name).toBe("move-notify");
  });

  it("init() takes a URL, a Response and a compiled Module in the browser", async () => {
    // a string, so that vitest does not rewrite the page's dynamic import()
    const r = (await page.evaluate(`(async () => {
      const m = await import("/dist/web/dmabuf-map.js");
      const url = new URL("/build/release.wasm", location.href);
      const cores = [
        await m.createCore(url),
        await m.createCore(fetch(url)),
        await m.createCore(await WebAssembly.compileStreaming(fetch(url))),
        await m.createCore(await (await fetch(url)).arrayBuffer()),
      ];
      return cores.map((core) => m.hex16(m.RangeList.from([[0x1000n, 0x2000n]], core).hash()));
    })()`)) as string[];
    expect(r).toHaveLength(4);
    expect(new Set(r).size).toBe(1);
  });

  it("has no console errors, and leaves a screenshot", async () => {
    await page.selectOption("#pick", "demo");
    await page.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("ran"));
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}explorer.png`, fullPage: false });
    expect(problems).toEqual([]);
  });
});
