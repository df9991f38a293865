// The explorer as a design tool (issue 33), in headless Chromium: the editor knows the
// scenario schema (lint markers, completion of fields and of the scenario's names, hover
// docs), a clicked problem moves the cursor, Back / Forward / an edited hash show the view
// the URL names, the compare tab matches `dmabuf-map compare --json` for every shipped
// scenario, and the counts, the empty state and the layout read right.
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

/** The editor's element, as the page's scripts reach it. */
type EditorHost = HTMLElement & {
  scenarioEditor: {
    goto(line: number, column: number): void;
    cursor(): { line: number; column: number };
    view: { coordsAtPos(pos: number): { left: number; top: number; bottom: number } | null };
  };
};

/** 1-based line and column of offset `at` in `text`, counted here independently of the page. */
function lineCol(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe.skipIf(!CHROMIUM)("the explorer as a design tool", () => {
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

  /** Picks `file` as a user does and waits for its run. */
  async function open(file: string): Promise<void> {
    await page.evaluate(() => (document.body.dataset.run = "pending"));
    await page.selectOption("#pick", file);
    await page.waitForFunction(() => document.body.dataset.run === "done");
  }

  /** Moves the slider to step i, as a user dragging it. */
  async function stepTo(i: number): Promise<void> {
    await page.evaluate((step) => {
      const slider = document.getElementById("timeline") as HTMLInputElement;
      slider.value = String(step);
      slider.dispatchEvent(new Event("input"));
    }, i);
  }

  const hashHas = (...parts: string[]) => page.waitForFunction((ps) => ps.every((p) => location.hash.includes(p)), parts);

  /** Puts the cursor at line:column and asks for completions; returns their labels. */
  async function complete(line: number, column: number): Promise<string[]> {
    await page.evaluate(([l, c]) => (document.getElementById("editor") as EditorHost).scenarioEditor.goto(l!, c!), [line, column]);
    await page.keyboard.press("Control+Space");
    await page.waitForSelector(".cm-tooltip-autocomplete li");
    return page.locator(".cm-tooltip-autocomplete li .cm-completionLabel").allTextContents();
  }

  it("marks schema problems in the editor (gutter, underline, the message on hover)", async () => {
    await setEditorText(page, JSON.stringify({ name: "lint", profile: "nope", devices: { cpu: { wings: 2 } }, steps: [] }, null, 2));
    await page.waitForSelector("#editor .cm-lint-marker-error", { timeout: 10_000 });
    expect(await page.locator("#editor .cm-lintRange-error").count()).toBeGreaterThanOrEqual(2);
    // hovering a marked range shows the schema's message: the profile's enum, then the field it does not allow
    const messageAt = async (n: number) => {
      await page.mouse.move(0, 0);
      await page.hover(`#editor .cm-lintRange-error >> nth=${n}`);
      await page.waitForSelector(".cm-tooltip-lint");
      return page.textContent(".cm-tooltip-lint");
    };
    expect(await messageAt(0)).toMatch(/rfc-v2/);
    expect(await messageAt(1)).toMatch(/wings/);
    await page.mouse.move(0, 0);
    // malformed JSON is marked too
    await setEditorText(page, '{ "name": "x", ');
    await page.waitForFunction(() => document.querySelectorAll("#editor .cm-lint-marker-error").length > 0);
  });

  it("completes fields from the schema and the names the scenario declares", async () => {
    const text = [
      "{",
      '  "name": "complete",',
      '  "devices": { "gpu0": {}, "nic0": {} },',
      '  "steps": [',
      '    { "op": "export", "buffer": "vram", "exporter": "gpu0", "size": "0x1000", "backing": { "kind": "system", "ranges": [{ "addr": "0x1000", "len": "0x1000" }] } },',
      '    { "op": "attach", "buffer": "", "importer": "", "as": "a" },',
      '    { "op": "map",  }',
      "  ]",
      "}",
    ].join("\n");
    await setEditorText(page, text);
    const attach = text.split("\n")[5]!;
    // a device name for importer, a declared buffer for buffer
    const importer = await complete(6, attach.indexOf('"importer": ""') + '"importer": "'.length + 1);
    expect(importer).toEqual(expect.arrayContaining(["gpu0", "nic0"]));
    await page.keyboard.press("Escape");
    const buffer = await complete(6, attach.indexOf('"buffer": ""') + '"buffer": "'.length + 1);
    expect(buffer).toContain("vram");
    // CodeMirror ignores Enter for its interactionDelay (75 ms) after the list opens
    await page.waitForTimeout(200);
    await page.keyboard.press("Enter");
    expect(await editorText(page)).toContain('{ "op": "attach", "buffer": "vram", "importer": ""');
    // a field of a step, from the schema
    const map = text.split("\n")[6]!;
    await page.evaluate((c) => (document.getElementById("editor") as EditorHost).scenarioEditor.goto(7, c), map.indexOf('"map",') + '"map", '.length + 1);
    await page.keyboard.type('"');
    await page.keyboard.press("Control+Space");
    await page.waitForSelector(".cm-tooltip-autocomplete li");
    expect(await page.locator(".cm-tooltip-autocomplete li .cm-completionLabel").allTextContents()).toEqual(expect.arrayContaining(["attachment"]));
    await page.keyboard.press("Escape");
  });

  it("shows the schema's description on hover", async () => {
    const text = JSON.stringify({ name: "hover", devices: {}, steps: [] }, null, 2);
    await setEditorText(page, text);
    const at = await page.evaluate((pos) => (document.getElementById("editor") as EditorHost).scenarioEditor.view.coordsAtPos(pos), text.indexOf('"name"') + 2);
    await page.mouse.move(at!.left + 2, (at!.top + at!.bottom) / 2);
    await page.waitForSelector(".cm-tooltip-hover", { timeout: 10_000 });
    expect(await page.textContent(".cm-tooltip-hover")).toMatch(/the scenario's name, printed in reports/);
    await page.mouse.move(0, 0);
  });

  it("clicking a validation problem moves the cursor to its position", async () => {
    const text = JSON.stringify(
      {
        name: "click",
        devices: { cpu: {} },
        steps: [{ op: "lock", buffer: "b", holder: "cpu" }, { op: "warp" }, { op: "unlock", buffer: "b", holder: "ghost" }],
      },
      null,
      2,
    );
    await setEditorText(page, text);
    await page.click("#validate");
    const warp = page.locator("#problems li", { hasText: "steps[1].op" });
    await warp.click();
    const host = (p: Page) => p.evaluate(() => (document.getElementById("editor") as EditorHost).scenarioEditor.cursor());
    expect(await host(page)).toEqual(lineCol(text, text.indexOf('"warp"')));
    expect(await page.evaluate(() => document.activeElement?.closest(".cm-editor") !== null)).toBe(true);
    await page.locator("#problems li", { hasText: "steps[2].holder" }).click();
    expect(await host(page)).toEqual(lineCol(text, text.indexOf('"ghost"')));
    // a syntax error: the reader's own line and column
    await setEditorText(page, '{\n  "name": "x",\n  "devices": {}\n  "steps": []\n}');
    await page.click("#validate");
    const li = page.locator("#problems li").first();
    expect(await li.textContent()).toMatch(/line 4, column 3/);
    await li.click();
    expect(await host(page)).toEqual({ line: 4, column: 3 });
  });

  it("Back and Forward go through scenarios and steps; an edited hash shows its view", async () => {
    await open("p2p-gpu-sgt.json");
    await stepTo(3);
    await hashHas("scenario=p2p-gpu-sgt.json", "step=3");
    await stepTo(6);
    await hashHas("step=6");
    await open("move-notify.json");
    await hashHas("scenario=move-notify.json");
    await page.goBack();
    await page.waitForFunction(
      () => (document.getElementById("pick") as HTMLSelectElement).value === "p2p-gpu-sgt.json" && document.body.dataset.run === "done",
    );
    await page.waitForFunction(() => (document.getElementById("timeline") as HTMLInputElement).value === "6");
    expect(await page.textContent("#summary")).toMatch(/p2p-gpu-sgt/);
    await page.goBack();
    await page.waitForFunction(() => (document.getElementById("timeline") as HTMLInputElement).value === "3");
    expect(await page.textContent("#timeline-label")).toMatch(/^step 4 of 26 \(#3\)/);
    await page.goForward();
    await page.waitForFunction(() => (document.getElementById("timeline") as HTMLInputElement).value === "6");
    await page.goForward();
    await page.waitForFunction(
      () => (document.getElementById("pick") as HTMLSelectElement).value === "move-notify.json" && document.body.dataset.run === "done",
    );
    // a hash typed by hand: scenario, step, profile and tab
    await page.evaluate(() => (location.hash = "scenario=vf-bar-to-pf-iov.json&step=4&profile=mainline&tab=compare"));
    await page.waitForFunction(
      () =>
        (document.getElementById("pick") as HTMLSelectElement).value === "vf-bar-to-pf-iov.json" &&
        document.body.dataset.run === "done" &&
        (document.getElementById("timeline") as HTMLInputElement).value === "4",
    );
    expect(await page.inputValue("#profile")).toBe("mainline");
    expect(JSON.parse((await page.textContent("#json-output"))!).profile).toBe("mainline");
    expect(await page.isVisible("#tab-compare")).toBe(true);
    expect(await page.isVisible("#tab-run")).toBe(false);
    // the tab is a view of its own: Back returns to the stepper
    await page.click("#tab-button-run");
    await hashHas("scenario=vf-bar-to-pf-iov.json");
    await page.waitForFunction(() => !location.hash.includes("tab="));
    await page.goBack();
    await page.waitForFunction(() => !document.getElementById("tab-compare")!.hidden);
    await page.click("#tab-button-run");
    await page.selectOption("#profile", "");
    await page.waitForFunction(() => !location.hash.includes("profile="));
  });

  it.each(scenarios)("%s: the compare tab shows exactly the steps dmabuf-map compare finds differing, each profile's outcome", async (f) => {
    const cli = spawnSync(process.execPath, [bin, "compare", fileURLToPath(new URL(`scenarios/${f}`, root)), "--json"], { encoding: "utf8" });
    expect(cli.status).toBeLessThan(2);
    const rec = JSON.parse(cli.stdout) as {
      profiles: string[];
      steps: { i: number; differs: boolean; outcomes: Record<string, { ok: boolean; error?: string }> }[];
    };
    await open(f);
    await page.click("#tab-button-compare");
    await hashHas("tab=compare");
    const shown = await page.locator("#compare tbody tr").evaluateAll((trs) =>
      trs.map((tr) => ({
        i: Number((tr as HTMLElement).dataset.step),
        outcomes: Object.fromEntries([...tr.querySelectorAll<HTMLElement>("td.outcome")].map((td) => [td.dataset.profile!, td.textContent!])),
      })),
    );
    const differing = rec.steps.filter((s) => s.differs);
    expect(shown.map((s) => s.i)).toEqual(differing.map((s) => s.i));
    differing.forEach((s, k) => {
      for (const p of rec.profiles) {
        const o = s.outcomes[p]!;
        expect(shown[k]!.outcomes[p], `step ${s.i} under ${p}`).toMatch(o.ok ? /^ok/ : new RegExp(`^${o.error}$`));
      }
    });
    const summary = await page.textContent("#compare-summary");
    if (differing.length === 1) expect(summary).toMatch(new RegExp(`^1 step of ${rec.steps.length} differs between `));
    else if (differing.length) expect(summary).toMatch(new RegExp(`^${differing.length} steps of ${rec.steps.length} differ between `));
    else expect(summary).toMatch(/^No step differs: under .* every one of the \d+ steps/);
    await page.click("#tab-button-run");
  });

  it("the compare tab names the rule row that decides a step, or the earlier step it follows from; a row opens its step", async () => {
    await open("revoke-twice-device-reset.json");
    await page.click("#tab-button-compare");
    // step 6: the second revoke, idempotent in mainline (row 1)
    expect(await page.locator('#compare tr[data-step="6"] .rule-row').evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.key))).toContain(
      "revokeIdempotent",
    );
    // step 16: detach is EBUSY only because of what the revokes left: no row acts in detach
    expect(await page.textContent('#compare tr[data-step="16"] td.decided')).toMatch(/follows from #6/);
    await page.click('#compare tr[data-step="16"] td.outcome');
    expect(await page.isVisible("#tab-run")).toBe(true);
    expect(await page.inputValue("#timeline")).toBe("16");
    await hashHas("step=16");
  });

  it("the compare tab names the mapping-types rows on mapping-types-priority, under all three profiles", async () => {
    await open("mapping-types-priority.json");
    await page.click("#tab-button-compare");
    await hashHas("tab=compare");
    const keys = (i: number) => page.locator(`#compare tr[data-step="${i}"] .rule-row`).evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.key));
    expect(await page.textContent("#compare-summary")).toMatch(/^4 steps of 14 differ between rfc-v2, mainline and mapping-types\./);
    expect(await keys(1)).toEqual(expect.arrayContaining(["iov", "exporterPriority"]));
    expect(await keys(2)).toEqual(["p2pAtMatch"]);
    expect(await keys(7)).toEqual(expect.arrayContaining(["exporterPriority", "p2pAtMatch"]));
    expect(await keys(9)).toEqual(["p2pAtMatch"]);
    await page.click("#tab-button-run");
  });

  it("counts read right: step 9 of 26, 1 entry, 1 step", async () => {
    await open("move-notify.json");
    await stepTo(8);
    expect(await page.textContent("#timeline-label")).toMatch(/^step 9 of 26 \(#8\)/);
    await open("iommu-fallback.json");
    await stepTo(5);
    expect(await page.locator("#steps-body tr[data-step='5']").textContent()).toMatch(/: 1 entry, /);
    expect(await page.locator("#mappings summary").allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/: 1 entry \(/)]));
    const one = {
      name: "one",
      devices: { cpu: {} },
      steps: [{ op: "export", buffer: "b", exporter: "cpu", size: "0x1000", backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } }],
    };
    await setEditorText(page, JSON.stringify(one));
    await page.click("#validate");
    expect(await page.textContent("#status")).toBe("valid: 1 step");
    await page.click("#run");
    await page.waitForFunction(() => document.body.dataset.run === "done");
    expect(await page.textContent("#summary")).toMatch(/^PASSED one: 1 step, /);
  });

  it("an empty results area says why it is empty", async () => {
    await setEditorText(page, '{"name": "broken", "devices": {}, "steps": [{"op": "warp"}]}');
    await page.click("#run");
    expect(await page.textContent("#empty")).toMatch(/^No results: the scenario is invalid, 1 problem listed under the editor/);
    expect(await page.isVisible("#empty")).toBe(true);
    await page.click("#tab-button-compare");
    expect(await page.textContent("#compare")).toMatch(/the scenario is invalid/);
    await page.click("#tab-button-run");
    await open("static-importer-pin.json");
    expect(await page.isVisible("#empty")).toBe(false);
    await page.click("#tab-button-compare");
    expect(await page.textContent("#compare")).toMatch(/^No step differs/);
    await page.click("#tab-button-run");
  });

  it("the stepper stays under the header, headings scroll clear of it, and the editor column never goes empty", async () => {
    await open("p2p-gpu-sgt.json");
    for (const width of [1400, 760]) {
      await page.setViewportSize({ width, height: 900 });
      // the header's new height reaches the stepper through a ResizeObserver, by the next frame
      await page.waitForFunction(
        () => document.documentElement.style.getPropertyValue("--header-h") === `${document.getElementById("page-header")!.offsetHeight}px`,
      );
      const headings = await page.locator("#tab-run h2").count();
      for (let k = 1; k < headings; k++) {
        const r = await page.evaluate((n) => {
          const h = document.querySelectorAll("#tab-run h2")[n]!;
          h.scrollIntoView();
          const box = (id: string) => document.getElementById(id)!.getBoundingClientRect();
          const hr = h.getBoundingClientRect();
          const pane = box("editor-pane");
          const overlaps = hr.left < pane.right && pane.left < hr.right && hr.top < pane.bottom && pane.top < hr.bottom;
          return { h: hr.top, stepper: box("stepper"), header: box("page-header"), y: scrollY, overlaps };
        }, k);
        expect(r.overlaps, `width ${width}: the editor column covers heading ${k}`).toBe(false);
        expect(r.stepper.top, `width ${width}, heading ${k}`).toBeGreaterThanOrEqual(r.header.bottom - 1);
        if (r.y > 0) expect(r.h, `width ${width}, heading ${k}`).toBeGreaterThanOrEqual(r.stepper.bottom);
      }
    }
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const pane = await page.evaluate(() => document.getElementById("editor")!.getBoundingClientRect());
    expect(pane.bottom).toBeGreaterThan(0);
    expect(pane.top).toBeLessThan(1000);
    // collapsing the editor gives the results the width
    const before = await page.evaluate(() => document.getElementById("results")!.getBoundingClientRect().width);
    await page.click("#collapse");
    expect(await page.isVisible("#editor")).toBe(false);
    const after = await page.evaluate(() => document.getElementById("results")!.getBoundingClientRect().width);
    expect(after).toBeGreaterThan(before + 300);
    await page.click("#collapse");
    expect(await page.isVisible("#editor")).toBe(true);
  });

  it("has no console errors", () => {
    expect(problems).toEqual([]);
  });
});
