// The pictures (ts/render): the sequence diagram's arrows, their order and its lock bands
// read from a run's trace; names with <>&"' escaped into well-formed SVG; the same bytes
// on every call; the topology's P2P paths and the mappings' lanes after a step.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { core } from "../helpers.js";
import { parseScenario, parseScenarioText } from "../../ts/scenario/validate.js";
import { runScenario } from "../../ts/scenario/runner.js";
import { sequenceOf, sequenceSvg, type Sequence } from "../../ts/render/sequence.js";
import { topologySvg } from "../../ts/render/topology.js";
import { mappingsSvg } from "../../ts/render/mappings.js";
import { entriesByMapping, pictures } from "../../ts/render/pictures.js";
import { esc } from "../../ts/render/svg.js";
import type { ModelState } from "../../ts/model/state.js";

const c = core();
const sys = (addr: string, len: string) => ({ kind: "system", ranges: [{ addr, len }] });
const EXP = 'gpu<&>"x';
const IMP = "nic's <1>";

/** A dynamic exporter, a static and two dynamic importers (one unmaps in its callback), a refusal and a move. */
const scenario = parseScenario({
  name: "pictures & <arrows>",
  devices: { [EXP]: {}, [IMP]: {}, dyn: {}, unm: {} },
  steps: [
    { op: "export", buffer: "b", exporter: EXP, size: "0x2000", dynamic: true, backing: sys("0x100000", "0x2000") },
    { op: "attach", buffer: "b", importer: IMP, as: "st" },
    { op: "attach", buffer: "b", importer: "dyn", as: "dy", dynamic: true },
    { op: "attach", buffer: "b", importer: "unm", as: "un", dynamic: true, unmapOnInvalidate: true },
    { op: "map", attachment: "st", as: "m-st" },
    { op: "lock", buffer: "b", holder: "dyn" },
    { op: "map", attachment: "dy", as: "m-dy" },
    { op: "unlock", buffer: "b", holder: "dyn" },
    { op: "lock", buffer: "b", holder: "unm" },
    { op: "map", attachment: "un", as: "m-un" },
    { op: "unlock", buffer: "b", holder: "unm" },
    { op: "pin", attachment: "dy", expect: { error: "EPERM" } },
    { op: "move", buffer: "b", backing: sys("0x200000", "0x2000"), expect: { error: "EBUSY" } },
    { op: "unmap", mapping: "m-st" },
    { op: "move", buffer: "b", backing: sys("0x200000", "0x2000") },
    { op: "lock", buffer: "b", holder: "dyn" },
  ],
});

const run = (s = scenario) => runScenario(s, c, { entries: true, state: true }).output;
/** The arrows as "step from>to kind label" lines, lifelines by name. */
const lines = (seq: Sequence) => seq.arrows.map((a) => `${a.step} ${seq.lifelines[a.from]!.label}>${seq.lifelines[a.to]!.label} ${a.kind} ${a.label}`);
const CORE = "dma-buf core";

describe("the sequence diagram", () => {
  const out = run();
  const seq = sequenceOf(scenario, out.steps);

  it("has a lifeline per importer, one for the core and one per exporter, importers first", () => {
    expect(seq.lifelines).toEqual([
      { label: IMP, role: "importer", note: "importer" },
      { label: "dyn", role: "importer", note: "importer" },
      { label: "unm", role: "importer", note: "importer" },
      { label: CORE, role: "core", note: "" },
      { label: EXP, role: "exporter", note: "exporter" },
    ]);
  });

  it("puts a device that imports its own buffer with the exporters; a step on an object never made loops on the core", () => {
    const s = parseScenario({
      name: "self",
      devices: { gpu: {}, other: {} },
      steps: [
        // mmio outside any BAR: refused, so buffer x is never made
        {
          op: "export",
          buffer: "x",
          exporter: "other",
          size: "0x1000",
          backing: { kind: "mmio", ranges: [{ addr: "0x1000", len: "0x1000" }] },
          expect: { error: "EINVAL" },
        },
        { op: "close", buffer: "x", expect: { error: "ENOENT" } },
        { op: "export", buffer: "b", exporter: "gpu", size: "0x1000", backing: sys("0x1000", "0x1000") },
        { op: "attach", buffer: "b", importer: "gpu", as: "self" },
        { op: "detach", attachment: "self" },
      ],
    });
    const q = sequenceOf(s, run(s).steps);
    expect(q.lifelines.map((l) => `${l.label} ${l.role} ${l.note}`)).toEqual([`${CORE} core `, "other exporter exporter", "gpu exporter importer, exporter"]);
    expect(lines(q).slice(0, 4)).toEqual([
      `0 other>${CORE} call export x`,
      `0 ${CORE}>other refusal ✕ EINVAL`,
      `1 ${CORE}>${CORE} call close(x)`,
      `1 ${CORE}>${CORE} refusal ✕ ENOENT`,
    ]);
    expect(lines(q)).toContain(`3 gpu>${CORE} call attach(b) as self`);
    expect(sequenceSvg(q)).toContain('<path d="M');
  });

  it("draws every call, exporter op, callback and refusal in the order the model makes them", () => {
    expect(out.passed).toBe(true);
    expect(lines(seq)).toEqual([
      `0 ${EXP}>${CORE} call export b`,
      `1 ${IMP}>${CORE} call attach(b) as st`,
      `1 ${CORE}>${EXP} op ops.attach(st)`,
      `1 ${CORE}>${IMP} return st: sgt`,
      `2 dyn>${CORE} call attach(b) as dy`,
      `2 ${CORE}>${EXP} op ops.attach(dy)`,
      `2 ${CORE}>dyn return dy: sgt`,
      `3 unm>${CORE} call attach(b) as un`,
      `3 ${CORE}>${EXP} op ops.attach(un)`,
      `3 ${CORE}>unm return un: sgt`,
      // a static importer of a dynamic exporter: the core pins before it maps
      `4 ${IMP}>${CORE} call map(st) as m-st`,
      `4 ${CORE}>${EXP} op ops.pin(st)`,
      `4 ${CORE}>${EXP} op ops.map_dma_buf(st)`,
      `4 ${CORE}>${IMP} return m-st: 1 entry, sgt`,
      `5 dyn>${CORE} call lock(b)`,
      `6 dyn>${CORE} call map(dy) as m-dy`,
      `6 ${CORE}>${EXP} op ops.map_dma_buf(dy)`,
      `6 ${CORE}>dyn return m-dy: 1 entry, sgt`,
      `7 dyn>${CORE} call unlock(b)`,
      `8 unm>${CORE} call lock(b)`,
      `9 unm>${CORE} call map(un) as m-un`,
      `9 ${CORE}>${EXP} op ops.map_dma_buf(un)`,
      `9 ${CORE}>unm return m-un: 1 entry, sgt`,
      `10 unm>${CORE} call unlock(b)`,
      `11 dyn>${CORE} call pin(dy)`,
      `11 ${CORE}>dyn refusal ✕ EPERM`,
      `12 ${EXP}>${CORE} call move(b)`,
      `12 ${CORE}>${EXP} refusal ✕ EBUSY`,
      `13 ${IMP}>${CORE} call unmap(m-st)`,
      `13 ${CORE}>${EXP} op ops.unmap_dma_buf(m-st)`,
      `13 ${CORE}>${EXP} op ops.unpin(st)`,
      // newest first, as the model notifies; the importer that unmaps does it inside its callback
      `14 ${EXP}>${CORE} call move(b)`,
      `14 ${CORE}>unm callback invalidate_mappings(un)`,
      `14 unm>${CORE} call unmap(m-un) in callback`,
      `14 ${CORE}>${EXP} op ops.unmap_dma_buf(m-un)`,
      `14 ${CORE}>dyn callback invalidate_mappings(dy)`,
      `14 ${CORE}>${EXP} return stale: m-dy`,
      `15 dyn>${CORE} call lock(b)`,
    ]);
    // the trace agrees: the notified attachments and the unmapped mapping
    expect(out.steps[14]!.result).toMatchObject({ notified: ["un", "dy"], stale: ["m-dy"], unmapped: ["m-un"] });
  });

  it("draws the resv lock as bands on the holder's lifeline: lock to unlock, one step when the core takes it, open to the end", () => {
    const bands = seq.bands.map((b) => `${b.buffer} ${seq.lifelines[b.holder]!.label} ${b.fromStep}-${b.toStep}${b.implicit ? " implicit" : ""}`);
    expect(bands).toEqual([`b ${IMP} 4-4 implicit`, "b dyn 5-7", "b unm 8-10", `b ${IMP} 13-13 implicit`, `b ${EXP} 14-14 implicit`, "b dyn 15-15"]);
    const rowsOf = (step: number) => seq.arrows.flatMap((a, r) => (a.step === step ? [r] : []));
    expect(seq.bands[1]).toMatchObject({ fromRow: rowsOf(5)[0], toRow: rowsOf(7)[0] });
    expect(seq.bands.at(-1)).toMatchObject({ fromRow: rowsOf(15)[0], toRow: seq.arrows.length - 1 });
  });

  it("escapes names with <>&\"' and control characters into well-formed SVG", () => {
    const svg = sequenceSvg(seq);
    expect(esc(`a<b>&"'\u0001`)).toBe("a&lt;b&gt;&amp;&quot;&#39;\\x01");
    expect(svg).toContain(`data-lifeline="${esc(EXP)}"`);
    expect(svg).toContain("gpu&lt;&amp;&gt;&quot;x");
    expect(svg).not.toContain(EXP);
    expect(svg).not.toContain(IMP);
    wellFormed(svg);
  });

  it("is the same bytes on every call, with integer coordinates only; the current step is marked", () => {
    const svg = sequenceSvg(seq);
    expect(sequenceSvg(sequenceOf(scenario, run().steps))).toBe(svg);
    expect(svg).not.toMatch(/="-?\d+\.\d/);
    expect(svg.match(/class="step"/g)).toHaveLength(scenario.steps.length);
    const marked = sequenceSvg(seq, { current: 6 });
    expect(marked.match(/class="step current"/g)).toHaveLength(1);
    expect(marked).toContain('class="step current" data-step="6"');
  });
});

/** Every tag is closed in order, and no attribute value holds a raw < or ". */
function wellFormed(svg: string): void {
  const open: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|>/g)) {
    if (m[0] === "<") throw new Error(`a raw < at ${m.index}`);
    if (m[0] === ">") throw new Error(`a raw > at ${m.index}: ${svg.slice(m.index! - 40, m.index! + 5)}`);
    if (m[1]) expect(open.pop(), `closing ${m[2]}`).toBe(m[2]);
    else if (!m[4]) open.push(m[2]!);
  }
  expect(open).toEqual([]);
}

describe("every shipped scenario", () => {
  const dir = new URL("../../scenarios/", import.meta.url);
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".json"))) {
    it(`${f}: a step group per step, a refusal arrow per refused step, and the lock bands match run --state`, () => {
      const s = parseScenarioText(readFileSync(new URL(f, dir), "utf8"));
      const out = run(s);
      const seq = sequenceOf(s, out.steps);
      const p = pictures(s, out.steps);
      for (const svg of Object.values(p)) wellFormed(svg);
      expect(p.sequence.match(/<g class="step( current)?"/g)).toHaveLength(s.steps.length);
      out.steps.forEach((rec, i) => {
        const mine = seq.arrows.filter((a) => a.step === i);
        expect(mine[0]!.kind).toBe("call");
        expect(mine.filter((a) => a.kind === "refusal").map((a) => a.label)).toEqual(rec.ok ? [] : [`✕ ${rec.error}`]);
        const notified = ((rec.result as { notified?: string[] } | undefined)?.notified ?? []).map((n) => `invalidate_mappings(${n})`);
        expect(mine.filter((a) => a.kind === "callback").map((a) => a.label)).toEqual(notified);
        // the explicit bands held after step i are the locks the model's state shows after it
        const held = seq.bands
          .filter((b) => !b.implicit && b.fromStep <= i && (i < b.toStep || (i === b.toStep && s.steps[i]!.op !== "unlock")))
          .map((b) => `${b.buffer}:${seq.lifelines[b.holder]!.label}`)
          .sort();
        const state = rec.state as ModelState;
        expect(held, `step ${i}`).toEqual(
          state.buffers
            .filter((b) => b.lock !== null && !b.closed)
            .map((b) => `${b.name}:${b.lock}`)
            .sort(),
        );
      });
    });
  }
});

describe("the topology and the mappings", () => {
  const out = run();
  const state = (i: number) => out.steps[i]!.state as ModelState;

  it("draws each live attachment's path with its kind, and says when there is none", () => {
    const svg = topologySvg(scenario, state(4));
    expect(svg.match(/<g class="p2p"/g)).toHaveLength(3);
    expect(svg).toContain('data-attachment="st" data-path="none"');
    expect(svg).toContain(`data-node="${esc(EXP)}"`);
    expect(topologySvg(scenario, state(0))).toContain("no attachment at this step");
    wellFormed(svg);
  });

  it("draws one lane per mapping by address space with a rect per entry, a ruler and a legend", () => {
    const entries = entriesByMapping(scenario, out.steps);
    const svg = mappingsSvg(scenario.name, state(9), (m) => entries.get(m));
    expect(svg.match(/<g class="lane"/g)).toHaveLength(3);
    expect(svg.match(/class="ent"/g)!.length).toBeGreaterThanOrEqual(3 + 3);
    expect(svg).toContain('class="ruler"');
    expect(svg).toContain("Legend");
    expect(svg).toContain('width="1000"');
    const after = mappingsSvg(scenario.name, state(14), (m) => entries.get(m));
    expect(after).toContain('data-mapping="m-dy" data-status="stale"');
    expect(mappingsSvg(scenario.name, state(0), () => undefined)).toContain("No mapping exists at this step.");
  });
});
