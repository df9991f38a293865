// Hostile explorer links (docs/web.md#the-explorer): a deflate bomb stops at the page's
// inflate cap with a notice that stays, a link naming a map of 2^26 entries runs in a
// worker that Cancel stops while the page answers, a map past the page's entry count
// is summarised, and an edited demo survives its link.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deflateRawSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import type { WebServer } from "../../ts/cli/web.js";
import { CHROMIUM, editorText, openExplorer, setEditorText } from "./chromium.js";

const b64url = (b: Uint8Array) => Buffer.from(b).toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const link = (scenario: string, text: string | Uint8Array) => `#scenario=${scenario}&text=${b64url(typeof text === "string" ? deflateRawSync(text) : text)}`;

function mapScenario(name: string, pages: number): string {
  const size = `0x${(pages * 4096).toString(16)}`;
  return JSON.stringify({
    name,
    devices: { cpu: {}, dev: { maxSegmentSize: "0x1000" } },
    steps: [
      { op: "export", buffer: "b", exporter: "cpu", size, backing: { kind: "system", ranges: [{ addr: "0x0", len: size }] } },
      { op: "attach", buffer: "b", importer: "dev", as: "a" },
      { op: "map", attachment: "a", as: "m" },
    ],
  });
}

describe.skipIf(!CHROMIUM)("explorer links in Chromium", () => {
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

  /** Opens the link in a fresh page; `ready`: wait until its first run ended (the page is ready). */
  async function open(hash: string, ready = true): Promise<void> {
    await page.goto("about:blank");
    await page.goto(`${server.url}${hash}`);
    if (ready) await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  }

  it("a deflate bomb (a 100 KB link of 100 MB): the notice names the cap and stays, the shipped demo runs", async () => {
    const bomb = deflateRawSync(Buffer.alloc(100 << 20, 0x20));
    expect(bomb.length).toBeLessThan(200_000);
    await open(link("demo", bomb));
    await page.waitForFunction(() => document.body.dataset.run === "done");
    expect(await page.textContent("#notice")).toMatch(/inflates past 4 MiB/);
    expect(await page.textContent("#status")).toMatch(/ran: every expectation held/);
    expect(await page.textContent("#json-output")).toMatch(/"name":"demo"/);
    expect(problems).toEqual([]);
  });

  it("a link whose text is no deflate data: the notice stays visible after the run", async () => {
    await open("#scenario=demo&text=bm90LWRlZmxhdGU");
    await page.waitForFunction(() => document.body.dataset.run === "done");
    expect(await page.isVisible("#notice")).toBe(true);
    expect(await page.textContent("#notice")).toMatch(/could not be read/);
  });

  it("a link naming a map of 2^26 entries: it runs in a worker, the page answers, and Cancel stops it", async () => {
    await open(link("demo", mapScenario("huge", 2 ** 26)), false);
    await page.waitForFunction(() => document.body.dataset.run === "running");
    // the page's own thread is free: it answers while the worker computes
    expect(await page.evaluate(() => 6 * 7)).toBe(42);
    expect(await page.isVisible("#cancel")).toBe(true);
    await page.click("#cancel");
    await page.waitForFunction(() => document.body.dataset.run === "stopped");
    expect(await page.textContent("#status")).toMatch(/cancelled/);
    expect(await page.isVisible("#cancel")).toBe(false);
  });

  it("a map of 50,000 entries is summarised, not drawn", async () => {
    await open(link("demo", mapScenario("wide", 50_000)));
    await page.waitForFunction(() => document.body.dataset.run === "done", undefined, { timeout: 60_000 });
    expect(await page.textContent("#mappings")).toMatch(/50,000 entries, more than the 20,000 the page keeps/);
    expect(await page.locator("#mappings rect").count()).toBe(0);
  });

  it("an edited demo survives its link", async () => {
    await open("#scenario=demo");
    await page.waitForFunction(() => document.body.dataset.run === "done");
    const edited = (await editorText(page)).replace('"name": "demo"', '"name": "demo, edited"');
    expect(edited).toMatch(/demo, edited/);
    await setEditorText(page, edited);
    await page.waitForFunction(() => location.hash.includes("text="));
    const url = page.url();
    await page.goto("about:blank");
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForFunction(() => document.body.dataset.run === "done");
    expect(await editorText(page)).toBe(edited);
    expect(await page.textContent("#json-output")).toMatch(/"name":"demo, edited"/);
  });
});
