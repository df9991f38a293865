// The explorer's pictures (issue 33), in headless Chromium: for every shipped scenario the
// sequence diagram has the arrows of `run --json --state`'s trace in their order (each
// step's call from the device that makes it, refusals with their code, invalidate_mappings
// to each notified importer newest first, the unmaps made inside them) and lock bands
// where the state shows the lock held; the current step follows the stepper and a click
// selects a step; each picture downloads as SVG, the bytes `run --svg` writes, and as a
// PNG twice the SVG's size.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import type { WebServer } from "../../ts/cli/web.js";
import { CHROMIUM, openExplorer, setEditorText } from "./chromium.js";

const root = new URL("../../", import.meta.url);
const bin = fileURLToPath(new URL("dist/ts/cli/main.js", root));
const scenarioFile = (f: string) => fileURLToPath(new URL(`scenarios/${f}`, root));
const scenarios = readdirSync(new URL("scenarios/", root))
  .filter((f) => f.endsWith(".json"))
  .sort();
const tmp = mkdtempSync(join(tmpdir(), "dmabuf-pictures-"));

type Json = Record<string, unknown>;
interface Rec {
  i: number;
  op: string;
  ok: boolean;
  error?: string;
  result?: { notified?: string[]; unmapped?: string[] };
  state: { buffers: { name: string; lock: string | null; closed: boolean }[]; attachments: { name: string; importer: string }[] };
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const trace = (f: string): Rec[] => JSON.parse(cli(["run", scenarioFile(f), "--json", "--state"]).out).steps;
/** `run --svg DIR [--svg-at N]`: the three pictures' bytes. */
function cliSvgs(f: string, at?: number): Record<string, string> {
  const dir = mkdtempSync(join(tmp, "svg-"));
  const r = cli(["run", "--svg", `${dir}/`, ...(at === undefined ? [] : ["--svg-at", String(at)]), scenarioFile(f)]);
  expect(r.code, r.err).toBe(0);
  return Object.fromEntries(["sequence", "topology", "mappings"].map((p) => [p, readFileSync(join(dir, `${p}.svg`), "utf8")]));
}

/** The device that makes step `st`'s call, read from the scenario (written here, not taken from the renderer). */
function actorOf(st: Json, made: Map<string, string>, exporters: Map<string, string>): string | undefined {
  if (st.op === "export") return st.exporter as string;
  if (st.op === "attach") return st.importer as string;
  if (st.op === "lock" || st.op === "unlock") return st.holder as string;
  const att = (st.attachment as string | undefined) ?? made.get(`map:${st.mapping as string}`);
  if (att !== undefined) return made.get(`att:${att}`);
  return exporters.get(st.buffer as string);
}

interface DrawnStep {
  step: number;
  current: boolean;
  arrows: { kind: string; from: string; to: string; label: string }[];
}
interface Band {
  buffer: string;
  holder: string;
  from: number;
  to: number;
  implicit: boolean;
}

describe.skipIf(!CHROMIUM)("the explorer's pictures", () => {
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

  async function open(file: string): Promise<void> {
    await page.evaluate((f) => {
      const pick = document.getElementById("pick") as HTMLSelectElement;
      document.body.dataset.run = "pending";
      pick.value = f;
      pick.dispatchEvent(new Event("change"));
    }, file);
    await page.waitForFunction(() => document.body.dataset.run === "done");
  }

  async function stepTo(i: number): Promise<void> {
    await page.evaluate((step) => {
      const slider = document.getElementById("timeline") as HTMLInputElement;
      slider.value = String(step);
      slider.dispatchEvent(new Event("input"));
    }, i);
  }

  /** The sequence diagram as drawn: step groups with their arrows in document order, and the lock bands. */
  const drawn = () =>
    page.evaluate(() => {
      const box = document.getElementById("picture-sequence")!;
      const steps = [...box.querySelectorAll<SVGGElement>("g.step")].map((g) => ({
        step: Number(g.dataset.step),
        current: g.classList.contains("current"),
        arrows: [...g.querySelectorAll<SVGGElement>("g.arrow")].map((a) => ({
          kind: [...a.classList].find((c) => c !== "arrow")!,
          from: a.dataset.from!,
          to: a.dataset.to!,
          label: a.dataset.label!,
        })),
      }));
      const bands = [...box.querySelectorAll<SVGRectElement>("rect.lock[data-buffer]")].map((r) => ({
        buffer: r.dataset.buffer!,
        holder: r.dataset.holder!,
        from: Number(r.dataset.fromStep),
        to: Number(r.dataset.toStep),
        implicit: r.dataset.implicit === "true",
      }));
      return { steps, bands };
    }) as Promise<{ steps: DrawnStep[]; bands: Band[] }>;

  it.each(scenarios)("%s: the sequence diagram draws the run's trace: arrows, their order, lock bands", async (f) => {
    const recs = trace(f);
    const scenario = JSON.parse(readFileSync(scenarioFile(f), "utf8")) as { steps: Json[] };
    await open(f);
    const { steps, bands } = await drawn();
    expect(steps.map((s) => s.step)).toEqual(recs.map((r) => r.i));
    const made = new Map<string, string>();
    const exporters = new Map<string, string>();
    for (const r of recs) {
      const st = scenario.steps[r.i]!;
      const mine = steps[r.i]!.arrows;
      const where = `step ${r.i} (${r.op})`;
      // the call into the core, from the device that makes it
      const actor = actorOf(st, made, exporters);
      expect(mine[0], where).toMatchObject({ kind: "call", to: "dma-buf core" });
      if (actor !== undefined) expect(mine[0]!.from, where).toBe(actor);
      expect(mine[0]!.label.startsWith(r.op), where).toBe(true);
      // a refusal ends the step with its code; a success has none
      expect(
        mine.filter((a) => a.kind === "refusal").map((a) => a.label),
        where,
      ).toEqual(r.ok ? [] : [`✕ ${r.error}`]);
      if (!r.ok) expect(mine.at(-1)!.kind, where).toBe("refusal");
      // invalidate_mappings to each notified attachment's importer, in the trace's order (newest first)
      const importerOf = (a: string) => r.state.attachments.find((x) => x.name === a)!.importer;
      const notified = r.result?.notified ?? [];
      expect(
        mine.filter((a) => a.kind === "callback").map((a) => `${a.to} ${a.label}`),
        where,
      ).toEqual(notified.map((a) => `${importerOf(a)} invalidate_mappings(${a})`));
      expect(
        mine.filter((a) => a.label.endsWith("in callback")).map((a) => a.label),
        where,
      ).toEqual((r.result?.unmapped ?? []).map((m) => `unmap(${m}) in callback`));
      // the exporter's ops go from the core to the buffer's exporter
      for (const a of mine.filter((x) => x.kind === "op")) expect(a.from, where).toBe("dma-buf core");
      if (r.ok && st.op === "export") exporters.set(st.buffer as string, st.exporter as string);
      if (r.ok && st.op === "attach") made.set(`att:${st.as as string}`, st.importer as string);
      if (r.ok && st.op === "map") made.set(`map:${(st.as as string | undefined) ?? `#${r.i}`}`, st.attachment as string);
      // the explicit bands held after the step are the locks the state shows
      const held = bands
        .filter((b) => !b.implicit && b.from <= r.i && (r.i < b.to || (r.i === b.to && st.op !== "unlock")))
        .map((b) => `${b.buffer}:${b.holder}`)
        .sort();
      const locks = r.state.buffers.filter((b) => b.lock !== null && !b.closed).map((b) => `${b.name}:${b.lock}`);
      expect(held, `${where}: lock bands`).toEqual(locks.sort());
    }
    // the page opened at the last step: it is the one highlighted
    expect(steps.filter((s) => s.current).map((s) => s.step)).toEqual([recs.length - 1]);
    expect(problems).toEqual([]);
  });

  it("the highlight follows the stepper, and a click on a step in the diagram selects it", async () => {
    await open("move-notify.json");
    await stepTo(6);
    expect((await drawn()).steps.filter((s) => s.current).map((s) => s.step)).toEqual([6]);
    await page.keyboard.press("ArrowRight");
    expect((await drawn()).steps.filter((s) => s.current).map((s) => s.step)).toEqual([7]);
    await page.locator('#picture-sequence rect.row[data-step="12"]').click();
    expect(await page.locator("#timeline").inputValue()).toBe("12");
    expect(await page.locator("#timeline-label").textContent()).toMatch(/^step 13 of \d+ \(#12\)/);
    expect((await drawn()).steps.filter((s) => s.current).map((s) => s.step)).toEqual([12]);
    // the current step is scrolled into the diagram's box
    const seen = await page.evaluate(() => {
      const box = document.getElementById("picture-sequence")!.getBoundingClientRect();
      const g = document.querySelector('#picture-sequence g.step[data-step="12"]')!.getBoundingClientRect();
      return g.top >= box.top && g.bottom <= box.bottom;
    });
    expect(seen).toBe(true);
  });

  /** Clicks a picture's download button and returns the file's name and bytes. */
  async function downloaded(picture: string, ext: "svg" | "png"): Promise<{ name: string; bytes: Buffer }> {
    const [d] = await Promise.all([page.waitForEvent("download"), page.locator(`figure[data-picture=${picture}] button.download-${ext}`).click()]);
    return { name: d.suggestedFilename(), bytes: readFileSync(await d.path()) };
  }

  it.each(["p2p-gpu-sgt.json", "vfio-physvec-revoke.json"])(
    "%s: each picture's SVG download is the bytes run --svg writes, at the last step and at step 5",
    async (f) => {
      await open(f);
      const last = cliSvgs(f);
      for (const p of ["sequence", "topology", "mappings"]) {
        const d = await downloaded(p, "svg");
        expect(d.name).toBe(`${f.replace(/\.json$/, "")}-${p}.svg`);
        expect(d.bytes.toString("utf8"), p).toBe(last[p]);
      }
      await stepTo(5);
      const at5 = cliSvgs(f, 5);
      for (const p of ["topology", "mappings"]) expect((await downloaded(p, "svg")).bytes.toString("utf8"), `${p} at step 5`).toBe(at5[p]);
      expect(at5.topology).not.toBe(last.topology);
    },
  );

  it("each picture downloads as a PNG twice the size of its SVG, not blank", async () => {
    await open("p2p-gpu-sgt.json");
    await stepTo(8);
    for (const p of ["sequence", "topology", "mappings"]) {
      const svg = (await downloaded(p, "svg")).bytes.toString("utf8");
      const d = await downloaded(p, "png");
      expect(d.name).toBe(`p2p-gpu-sgt-${p}.png`);
      expect(d.bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
      const [, w, h] = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg)!;
      expect([d.bytes.readUInt32BE(16), d.bytes.readUInt32BE(20)], p).toEqual([2 * Number(w), 2 * Number(h)]);
      // drawn, not blank: the picture's pixels are not one colour (a blank canvas compresses to almost nothing)
      expect(d.bytes.length, p).toBeGreaterThan(4000);
    }
    expect(problems).toEqual([]);
  });

  it("past 2,000 steps the page draws no sequence diagram and says why; the other pictures stay", async () => {
    const long = {
      name: "long",
      devices: { cpu: {} },
      steps: [
        { op: "export", buffer: "b", exporter: "cpu", size: "0x1000", backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } },
        ...Array.from({ length: 2000 }, (_, i) => ({ op: i % 2 ? "unlock" : "lock", buffer: "b", holder: "cpu" })),
      ],
    };
    await setEditorText(page, JSON.stringify(long));
    await page.click("#run");
    await page.waitForFunction(() => document.body.dataset.run === "done");
    expect(await page.locator("#picture-sequence svg").count()).toBe(0);
    expect(await page.textContent("#picture-sequence")).toMatch(/^2,001 steps, more than the 2,000 the page draws: dmabuf-map run --svg FILE/);
    expect(await page.locator("#picture-topology svg").count()).toBe(1);
    // nothing to download: the button makes no file (an SVG download makes its blob URL at once)
    await page.evaluate(() => {
      const w = window as unknown as { made: number };
      w.made = 0;
      const make = URL.createObjectURL.bind(URL);
      URL.createObjectURL = (b: Blob) => (w.made++, make(b));
    });
    await page.locator("figure[data-picture=sequence] button.download-svg").click();
    await page.locator("figure[data-picture=topology] button.download-svg").click();
    expect(await page.evaluate(() => (window as unknown as { made: number }).made)).toBe(1);
    // one step fewer: drawn
    long.steps.pop();
    await setEditorText(page, JSON.stringify(long));
    await page.click("#run");
    await page.waitForFunction(() => document.body.dataset.run === "done");
    expect(await page.locator("#picture-sequence g.step").count()).toBe(2000);
  });

  it("an invalid scenario clears the pictures: nothing stale, nothing to download", async () => {
    await open("move-notify.json");
    expect(await page.locator("#picture-sequence svg").count()).toBe(1);
    await setEditorText(page, "{");
    await page.locator("#validate").click();
    expect(await page.locator("#pictures svg").count()).toBe(0);
  });
});
