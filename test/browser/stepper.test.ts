// The explorer as a stepper, in headless Chromium: the state panel shows exactly
// `run --state`'s state at every step of every shipped scenario, every entry of every
// mapping has a visible width, an invalid scenario clears the previous results, edits
// are kept per scenario, the URL reopens a view, keys work anywhere, P2P paths are
// drawn and labelled, and error codes link to the rules.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import type { WebServer } from "../../ts/cli/web.js";
import { CHROMIUM, editorText, openExplorer, setEditorText } from "./chromium.js";

const root = new URL("../../", import.meta.url);
const bin = fileURLToPath(new URL("dist/ts/cli/main.js", root));
const scenarios = readdirSync(new URL("scenarios/", root))
  .filter((f) => f.endsWith(".json"))
  .sort();

type Json = Record<string, unknown>;
interface Rec {
  i: number;
  ok: boolean;
  error?: string;
  result?: Json & { entries?: [string, string][]; space?: string };
  state: Record<string, Json[]>;
}

/** The CLI's record with --entries --state. */
function cliRecord(file: string): { steps: Rec[] } {
  const r = spawnSync(process.execPath, [bin, "run", fileURLToPath(new URL(`scenarios/${file}`, root)), "--json", "--entries", "--state"], {
    encoding: "utf8",
  });
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

/** How the panel must show a state value: written here independently of the page. */
function shown(v: unknown): string {
  if (v === null) return "—";
  if (Array.isArray(v)) return v.length ? v.map(([a, l]) => `${a} +${l}`).join(", ") : "—";
  return String(v);
}

/** The expected panel: per kind, one row per object, field → text (a backing is two columns). */
function expectedPanel(state: Record<string, Json[]>): Record<string, Record<string, string>[]> {
  const out: Record<string, Record<string, string>[]> = {};
  for (const kind of ["buffers", "attachments", "mappings", "iova"]) {
    out[kind] = state[kind]!.map((row) => {
      const cells: Record<string, string> = {};
      for (const [k, v] of Object.entries(row)) {
        if (k === "backing") {
          const b = v as { kind: string; ranges: [string, string][] } | null;
          cells.backing = shown(b ? b.kind : null);
          cells.ranges = shown(b ? b.ranges : null);
        } else cells[k] = shown(v);
      }
      return cells;
    });
  }
  return out;
}

describe.skipIf(!CHROMIUM)("the explorer's stepper", () => {
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

  /** Picks `file` (its edits, if any, come back) and waits for its run. */
  async function open(file: string): Promise<void> {
    await page.evaluate((f) => {
      const pick = document.getElementById("pick") as HTMLSelectElement;
      document.body.dataset.run = "pending";
      pick.value = f;
      pick.dispatchEvent(new Event("change"));
    }, file);
    await page.waitForFunction(() => document.body.dataset.run === "done");
  }

  /** Moves the slider to step i (as a user dragging it) and reads the whole panel. */
  async function panelAt(i: number): Promise<Record<string, Record<string, string>[]>> {
    return page.evaluate((step) => {
      const slider = document.getElementById("timeline") as HTMLInputElement;
      slider.value = String(step);
      slider.dispatchEvent(new Event("input"));
      const out: Record<string, Record<string, string>[]> = {};
      for (const sec of document.querySelectorAll<HTMLElement>("#state section[data-kind]")) {
        out[sec.dataset.kind!] = [...sec.querySelectorAll("tbody tr")].map((tr) =>
          Object.fromEntries([...tr.querySelectorAll<HTMLElement>("td")].map((td) => [td.dataset.field!, td.textContent!])),
        );
      }
      return out;
    }, i);
  }

  it.each(scenarios)("%s: at every step the state panel is run --state's state, and every entry has a visible width", async (f) => {
    const rec = cliRecord(f);
    await open(f);
    const made = new Map<string, number>(); // mapping name → entry count, from the map steps' results
    for (const s of rec.steps) {
      const m = s.state.mappings!.at(-1);
      if (s.ok && s.result?.entries && m) made.set(m.name as string, s.result.entries.length);
    }
    for (const s of rec.steps) {
      expect(await panelAt(s.i), `step ${s.i}`).toEqual(expectedPanel(s.state));
      const widths = await page.evaluate(() =>
        [...document.querySelectorAll<SVGRectElement>("#mappings rect.entry")].map((r) => [r.dataset.mapping!, r.getBoundingClientRect().width] as const),
      );
      for (const m of s.state.mappings!) {
        const mine = widths.filter(([n]) => n === m.name);
        expect(mine, `step ${s.i}: mapping ${m.name as string}`).toHaveLength(made.get(m.name as string)!);
        for (const [, w] of mine) expect(w).toBeGreaterThan(0);
      }
      expect(widths.length).toBe(s.state.mappings!.reduce((n, m) => n + made.get(m.name as string)!, 0));
    }
  });

  it("highlights what changed since the step before", async () => {
    await open("p2p-gpu-sgt.json");
    await panelAt(4); // lock vram by gpu1
    expect(await page.locator('#state section[data-kind=buffers] td.changed[data-field="lock"]').textContent()).toBe("gpu1");
    expect(await page.locator("#state td.changed").count()).toBe(1);
    await panelAt(5); // map bus: a new mapping row
    expect(await page.locator("#state section[data-kind=mappings] tr.added").getAttribute("data-key")).toBe("bus");
    await panelAt(16); // unmap bus: it is gone, and said so
    expect(await page.locator("#state section[data-kind=mappings] .removed").textContent()).toMatch(/gone since step 15: bus/);
  });

  it("draws each attachment's path through the topology with its label", async () => {
    await open("p2p-gpu-sgt.json");
    await panelAt(3);
    const paths = await page.locator("#paths li").evaluateAll((lis) => lis.map((li) => li.textContent!.replace(/\s+/g, " ").trim()));
    expect(paths).toEqual(["g1 gpu1 → sw0 → gpu0 BUS_ADDR", "g2 gpu2 → rc0 → sw0 → gpu0 THRU_HOST_BRIDGE", "g3 gpu3 → rc1 ✕ rc0 → sw0 → gpu0 NOT_SUPPORTED"]);
    await page.hover("#paths li[data-attachment=g2]");
    const lit = await page.locator("#topology .on-path").evaluateAll((ns) => ns.map((n) => (n as HTMLElement).dataset.node).sort());
    expect(lit).toEqual(["gpu0", "gpu2", "rc0", "sw0"]);
    await open("static-importer-pin.json");
    await panelAt(2);
    expect(await page.locator("#paths li").first().textContent()).toMatch(/none \(system memory\)/);
  });

  it("an invalid scenario after a valid one clears every result (and the broken text stays as move-notify's edit)", async () => {
    await open("move-notify.json");
    expect(await page.locator("#state tbody tr").count()).toBeGreaterThan(0);
    await setEditorText(page, '{"name": "broken", "devices": {}, "steps": [{"op": "warp"}]}');
    await page.click("#run");
    expect(await page.locator("#problems li").count()).toBeGreaterThan(0);
    for (const id of ["summary", "timeline-label", "state", "paths", "topology", "mappings", "iova", "steps-body", "json-output"]) {
      expect(await page.locator(`#${id}`).textContent(), id).toBe("");
    }
    expect(await page.locator("#timeline").isDisabled()).toBe(true);
    // validating other, valid text clears the old run too: its results would not be this text's
    await open("five-containers.json");
    const text = await editorText(page);
    await setEditorText(page, text.replace('"five-containers"', '"renamed"'));
    await page.click("#validate");
    expect(await page.locator("#json-output").textContent()).toBe("");
  });

  it("keeps edits per scenario while switching, and the URL reopens scenario, edits and step", async () => {
    await open("vf-bar-to-pf-iov.json");
    const edited = (await editorText(page)).replace('"vf-bar-to-pf-iov"', '"vf-edited"');
    await setEditorText(page, edited);
    await page.keyboard.press("Control+Enter");
    await page.waitForFunction(() => document.getElementById("summary")!.textContent!.includes("vf-edited"));
    await panelAt(3);
    await open("static-importer-pin.json");
    await page.selectOption("#pick", "vf-bar-to-pf-iov.json");
    await page.waitForFunction(() => document.getElementById("summary")!.textContent!.includes("vf-edited"));
    expect(await editorText(page)).toBe(edited);
    await panelAt(3);
    await page.waitForFunction(() => location.hash.includes("step=3") && location.hash.includes("text="));
    const url = page.url();
    const other = await browser.newPage();
    await other.goto(url);
    await other.waitForSelector("body[data-ready=true]");
    expect(await editorText(other)).toBe(edited);
    expect(await other.inputValue("#pick")).toBe("vf-bar-to-pf-iov.json");
    expect(await other.inputValue("#timeline")).toBe("3");
    expect(await other.textContent("#timeline-label")).toMatch(/^step 4 of 13 \(#3\): map m0/);
    await other.close();
  });

  it("steps with the keys anywhere outside the editor, and runs with Ctrl+Enter from anywhere", async () => {
    await open("iommu-fallback.json");
    const last = Number(await page.getAttribute("#timeline", "max"));
    await page.click("#summary");
    await page.keyboard.press("Home");
    expect(await page.inputValue("#timeline")).toBe("0");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    expect(await page.inputValue("#timeline")).toBe("2");
    await page.keyboard.press("ArrowLeft");
    expect(await page.textContent("#timeline-label")).toMatch(/^step 2 of \d+ \(#1\)/);
    await page.keyboard.press("End");
    expect(await page.inputValue("#timeline")).toBe(String(last));
    await page.focus("#editor .cm-content");
    await page.keyboard.press("Home"); // in the editor the keys edit text, not the step
    expect(await page.inputValue("#timeline")).toBe(String(last));
    await page.evaluate(() => (document.getElementById("json-output")!.textContent = ""));
    await page.click("#summary");
    await page.keyboard.press("Control+Enter");
    await page.waitForFunction(() => document.getElementById("json-output")!.textContent !== "");
  });

  it("links error codes to the rules table, and the page to the kernel docs and the RFC v2 thread", async () => {
    await open("vf-bar-to-pf-iov.json");
    const code = page.locator('#steps-body tr[data-step="4"] a');
    expect(await code.textContent()).toBe("EOPNOTSUPP");
    expect(await code.getAttribute("href")).toBe("/docs/rules.md#lifecycle");
    const rules = await (await fetch(new URL("/docs/rules.md", server.url))).text();
    expect(rules).toMatch(/<a id="lifecycle"><\/a>/);
    expect(rules).toMatch(/L15/);
    const hrefs = await page.locator("#links a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(hrefs).toEqual(
      expect.arrayContaining([
        expect.stringContaining("docs.kernel.org/driver-api/dma-buf"),
        expect.stringContaining("lore.kernel.org"),
        expect.stringContaining("/docs/rules.md"),
      ]),
    );
  });

  it("escapes control characters in names it shows", async () => {
    const evil = {
      name: "e\x1b[31m",
      devices: { cpu: {}, "d\r\b": {} },
      steps: [{ op: "export", buffer: "b\x07", exporter: "cpu", size: "0x1000", backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } }],
    };
    await setEditorText(page, JSON.stringify(evil));
    await page.click("#run");
    await page.waitForFunction(() => document.body.dataset.run === "done");
    const text = await page.locator("#results").evaluate((n) => (n as HTMLElement).innerText);
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(text).toContain("e\\e[31m");
    expect(text).toContain("b\\x07");
  });

  it("a scenario past 5,000 steps runs and steps without per-step state, saying so", async () => {
    const long = {
      name: "long",
      devices: { cpu: {} },
      steps: [
        { op: "export", buffer: "b", exporter: "cpu", size: "0x1000", backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } },
        ...Array.from({ length: 5000 }, (_, i) => ({ op: i % 2 ? "unlock" : "lock", buffer: "b", holder: "cpu" })),
      ],
    };
    await setEditorText(page, JSON.stringify(long));
    await page.click("#run");
    await page.waitForFunction(() => document.body.dataset.run === "done");
    expect(await page.textContent("#summary")).toMatch(/^PASSED long: 5001 steps/);
    expect(await page.textContent("#state")).toMatch(/More than 5000 steps/);
    await panelAt(7);
    expect(await page.textContent("#timeline-label")).toMatch(/^step 8 of 5001 \(#7\): lock b → ok/);
  });

  it("has no console errors", () => {
    expect(problems).toEqual([]);
  });
});
