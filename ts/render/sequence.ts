/**
 * The sequence diagram of a run: who called whom, under which lock, in what order. It
 * is read from the run's trace (the step records of `run --json`) and the scenario's
 * steps, which name the objects each record acts on, so Node (`run --svg`) and the
 * explorer draw the same picture byte for byte.
 *
 * Lifelines: the importers, the dma-buf core, the exporter devices. Arrows, in the order
 * the model makes the calls (docs/rules.md#lifecycle, ts/model/model.ts): the step's call
 * into the core; on success the exporter ops it calls (attach, pin on map for a static
 * importer of a dynamic exporter, map, unmap, unpin, detach, release), the
 * invalidate_mappings (move_notify) callback to each notified attachment's importer
 * newest first, the unmaps an importer makes inside that callback; a refused step ends
 * in a return arrow with its code. The resv lock is a band on its holder's lifeline:
 * from `lock` to `unlock`, or for one step when the core takes it itself (a static
 * importer's map/unmap/unpin, the exporter around a notification).
 *
 * The order is the model's, which follows drivers/dma-buf/dma-buf.c:
 * dma_buf_map_attachment() pins first for a static importer of a dynamic exporter
 * (dma_buf_pin_on_map()) with the resv lock held; dma_buf_move_notify() walks
 * dmabuf->attachments, which dma_buf_dynamic_attach() fills with list_add(), so the
 * newest attachment is notified first; the callback is @invalidate_mappings, formerly
 * @move_notify ("dma-buf: Rename .move_notify() callback to a clearer identifier",
 * ef246da8e63c, Leon Romanovsky's 2026 series). The rules: docs/rules.md#lifecycle.
 */
import type { Scenario, Step } from "../scenario/schema.js";
import type { StepRecord } from "../scenario/runner.js";
import { mappingName } from "../scenario/ops.js";
import { counted } from "../scenario/report.js";
import { clip, esc, svgDoc, tag, text } from "./svg.js";

/** What an arrow is: a call, an exporter op or callback made by the core, a return, or a refusal. */
export type ArrowKind = "call" | "op" | "callback" | "return" | "refusal";

/** One arrow: the step it belongs to, its lifelines (indices into `lifelines`), its label. */
export interface Arrow {
  step: number;
  from: number;
  to: number;
  kind: ArrowKind;
  label: string;
}

/** A resv lock band: buffer, holder lifeline, the rows it covers (inclusive), and whether the core took it for one step. */
export interface LockBand {
  buffer: string;
  holder: number;
  fromRow: number;
  toRow: number;
  fromStep: number;
  toStep: number;
  implicit: boolean;
}

/** A lifeline: a device (importer or exporter: its side of the core) or the dma-buf core; `note` says what the device does. */
export interface Lifeline {
  label: string;
  role: "importer" | "core" | "exporter";
  note: string;
}

/** The diagram's data: lifelines, arrows (one row each, in call order) and lock bands. */
export interface Sequence {
  name: string;
  lifelines: Lifeline[];
  arrows: Arrow[];
  bands: LockBand[];
}

/** The step records a diagram reads: op, success, error and result (as `run --json` prints them). */
export type TraceStep = Pick<StepRecord, "op" | "ok" | "error" | "result">;

interface Att {
  importer: string;
  buffer: string;
  dynamic: boolean;
  interconnect: string;
}

/** What the walk remembers about the objects steps declared. */
class Names {
  buffers = new Map<string, { exporter: string; dynamic: boolean }>();
  atts = new Map<string, Att>();
  maps = new Map<string, { attachment: string; pinOnMap: boolean }>();
  /** Explicit resv lock holders by buffer, with the step and row the band began. */
  locks = new Map<string, { holder: string; step: number; row: number }>();
}

const field = (st: Step, k: string): string | undefined => {
  const v = (st as unknown as Record<string, unknown>)[k];
  return typeof v === "string" ? v : undefined;
};

/** The buffer a step acts on (through its attachment or mapping when it names one). */
function bufferOf(st: Step, n: Names): string | undefined {
  const m = field(st, "mapping");
  const a = field(st, "attachment") ?? (m !== undefined ? n.maps.get(m)?.attachment : undefined);
  return field(st, "buffer") ?? (a !== undefined ? n.atts.get(a)?.buffer : undefined);
}

/** The device that makes the step's call: the importer, the lock holder, or the exporter. */
function actorOf(st: Step, n: Names): string | undefined {
  if (st.op === "export") return st.exporter;
  if (st.op === "attach") return st.importer;
  if (st.op === "lock" || st.op === "unlock") return st.holder;
  const m = field(st, "mapping");
  const a = field(st, "attachment") ?? (m !== undefined ? n.maps.get(m)?.attachment : undefined);
  if (a !== undefined) return n.atts.get(a)?.importer;
  const b = bufferOf(st, n);
  return b !== undefined ? n.buffers.get(b)?.exporter : undefined;
}

/** The steps the exporter makes (the others are an importer's, or a lock holder's). */
const EXPORTER_STEPS = new Set<Step["op"]>(["export", "move", "revoke", "restore", "close"]);

/** The call's label: `attach(buf) as a1`, `map(a1) as m1`, `lock(buf)`. */
function callLabel(st: Step, i: number): string {
  const subject = field(st, "attachment") ?? field(st, "mapping") ?? field(st, "buffer") ?? "";
  if (st.op === "attach") return `attach(${st.buffer}) as ${st.as}`;
  if (st.op === "map") return `map(${st.attachment}) as ${mappingName(st, i)}`;
  if (st.op === "export") return `export ${st.buffer}`;
  return `${st.op}(${subject})`;
}

/** Builds the diagram's data from a scenario and the step records of its run. */
export function sequenceOf(scenario: Scenario, trace: readonly TraceStep[]): Sequence {
  const walk = new Walk(scenario);
  trace.forEach((rec, i) => walk.step(scenario.steps[i]!, rec, i));
  return walk.finish();
}

/** The walk over the steps: lifelines are added as devices first act, arrows as calls are made. */
class Walk {
  readonly n = new Names();
  readonly arrows: Arrow[] = [];
  readonly bands: LockBand[] = [];
  /** Each band's holder device, numbered by finish(). */
  readonly holders: string[] = [];
  /** Devices in the order they first act, and which of them import and export. */
  readonly devices: string[] = [];
  readonly importing = new Set<string>();
  readonly exporting = new Set<string>();
  /** Arrows refer to lifelines by key ("" is the core) until finish() numbers them. */
  readonly ends: [string, string][] = [];

  constructor(readonly scenario: Scenario) {}

  private arrow(step: number, from: string, to: string, kind: ArrowKind, label: string): void {
    this.arrows.push({ step, from: -1, to: -1, kind, label });
    this.ends.push([from, to]);
  }

  /** Registers `dev` as acting in role `as` (a lock holder that is no exporter counts as an importer); "" (the core) when unknown. */
  private role(dev: string | undefined, as: "importer" | "exporter"): string {
    if (dev === undefined) return "";
    if (!this.importing.has(dev) && !this.exporting.has(dev)) this.devices.push(dev);
    (as === "exporter" ? this.exporting : this.importing).add(dev);
    return dev;
  }

  step(st: Step, rec: TraceStep, i: number): void {
    const n = this.n;
    const buffer = bufferOf(st, n);
    const exporter = this.role(st.op === "export" ? st.exporter : buffer !== undefined ? n.buffers.get(buffer)?.exporter : undefined, "exporter");
    const actorDev = actorOf(st, n);
    const byExporter = EXPORTER_STEPS.has(st.op) || ((st.op === "lock" || st.op === "unlock") && actorDev === exporter);
    const actor = this.role(actorDev, byExporter ? "exporter" : "importer");
    const first = this.arrows.length;
    this.arrow(i, actor, "", "call", callLabel(st, i));
    if (!rec.ok) return void this.arrow(i, "", actor, "refusal", `✕ ${rec.error ?? "refused"}`);
    const implicit = this.ops(st, rec, i, actor, exporter);
    if (implicit !== undefined && buffer !== undefined && !n.locks.has(buffer))
      this.pushBand(implicit, { buffer, holder: -1, fromRow: first, toRow: this.arrows.length - 1, fromStep: i, toStep: i, implicit: true });
    this.lockStep(st, i, first);
  }

  /** The explicit lock bands: opened by lock, closed by unlock. */
  private lockStep(st: Step, i: number, row: number): void {
    if (st.op === "lock") this.n.locks.set(st.buffer, { holder: st.holder, step: i, row });
    if (st.op === "unlock") {
      const l = this.n.locks.get(st.buffer);
      if (l) this.pushBand(l.holder, this.band(st.buffer, l, i, row));
      this.n.locks.delete(st.buffer);
    }
  }

  private band(buffer: string, l: { holder: string; step: number; row: number }, toStep: number, toRow: number): LockBand {
    return { buffer, holder: -1, fromRow: l.row, toRow, fromStep: l.step, toStep, implicit: false };
  }

  private pushBand(holder: string, b: LockBand): void {
    this.bands.push(b);
    this.holders.push(holder);
  }

  /** The calls a successful step makes past the core; returns who holds the lock the core takes for the step, if it takes one. */
  private ops(st: Step, rec: TraceStep, i: number, actor: string, exporter: string): string | undefined {
    const n = this.n;
    const op = (label: string) => this.arrow(i, "", exporter, "op", label);
    const r = (rec.result ?? {}) as Record<string, unknown>;
    switch (st.op) {
      case "export":
        n.buffers.set(st.buffer, { exporter: st.exporter, dynamic: st.dynamic === true });
        return undefined;
      case "attach":
        op(`ops.attach(${st.as})`);
        n.atts.set(st.as, { importer: st.importer, buffer: st.buffer, dynamic: st.dynamic === true, interconnect: String(r.interconnect ?? "sgt") });
        this.arrow(i, "", actor, "return", `${st.as}: ${String(r.interconnect ?? "sgt")}`);
        return undefined;
      case "detach":
        op(`ops.detach(${st.attachment})`);
        return undefined;
      case "map":
        return this.map(st, r, i, actor, op);
      case "unmap":
        return this.unmap(st.mapping, op, false);
      case "pin":
      case "unpin": {
        op(`ops.${st.op}(${st.attachment})`);
        const a = n.atts.get(st.attachment);
        return st.op === "unpin" && a && !a.dynamic ? actor : undefined;
      }
      case "move":
      case "revoke":
      case "restore":
        return this.notify(r, i, exporter);
      case "close":
        op(`ops.release(${st.buffer})`);
        return undefined;
      default:
        return undefined;
    }
  }

  private map(st: Extract<Step, { op: "map" }>, r: Record<string, unknown>, i: number, actor: string, op: (l: string) => void): string | undefined {
    const a = this.n.atts.get(st.attachment)!;
    const pinOnMap = !a.dynamic && this.n.buffers.get(a.buffer)!.dynamic;
    if (pinOnMap) op(`ops.pin(${st.attachment})`);
    const name = mappingName(st, i);
    op(a.interconnect === "sgt" ? `ops.map_dma_buf(${st.attachment})` : `${a.interconnect} map(${st.attachment})`);
    this.n.maps.set(name, { attachment: st.attachment, pinOnMap });
    this.arrow(i, "", actor, "return", `${name}: ${counted(Number(r.nelms), "entry", "entries")}, ${String(r.container)}`);
    return a.dynamic ? undefined : actor;
  }

  /** The exporter's unmap of mapping `m` (and the unpin of a pin on map); the importer holds the lock unless it is a callback's. */
  private unmap(m: string, op: (l: string) => void, inCallback: boolean): string | undefined {
    const info = this.n.maps.get(m)!;
    const a = this.n.atts.get(info.attachment)!;
    op(a.interconnect === "sgt" ? `ops.unmap_dma_buf(${m})` : `${a.interconnect} unmap(${m})`);
    if (info.pinOnMap && !inCallback) op(`ops.unpin(${info.attachment})`);
    return a.dynamic ? undefined : a.importer;
  }

  /** invalidate_mappings to each notified attachment, newest first, and the unmaps made inside it; the exporter holds the lock. */
  private notify(r: Record<string, unknown>, i: number, exporter: string): string | undefined {
    const notified = (r.notified ?? []) as string[];
    const unmapped = (r.unmapped ?? []) as string[];
    for (const name of notified) {
      const a = this.n.atts.get(name);
      const imp = this.role(a?.importer, "importer");
      this.arrow(i, "", imp, "callback", `invalidate_mappings(${name})`);
      for (const m of unmapped) {
        if (this.n.maps.get(m)?.attachment !== name) continue;
        this.arrow(i, imp, "", "call", `unmap(${m}) in callback`);
        this.unmap(m, (l) => this.arrow(i, "", exporter, "op", l), true);
      }
    }
    const stale = (r.stale ?? []) as string[];
    if (stale.length) this.arrow(i, "", exporter, "return", `stale: ${stale.join(", ")}`);
    // the lock is drawn around the callbacks (a revoke or restore with nothing to do may not take it)
    return notified.length ? exporter : undefined;
  }

  /** Numbers the lifelines (importers, core, exporters) and closes the bands still open. */
  finish(): Sequence {
    const last = this.arrows.length - 1;
    for (const [buffer, l] of this.n.locks) this.pushBand(l.holder, this.band(buffer, l, this.scenario.steps.length - 1, last));
    // importers on the left, the core, exporters on the right (a device that does both: with the exporters)
    const keys = [...this.devices.filter((d) => !this.exporting.has(d)), "", ...this.devices.filter((d) => this.exporting.has(d))];
    const lifelines = keys.map((k): Lifeline => {
      if (k === "") return { label: "dma-buf core", role: "core", note: "" };
      const both = this.exporting.has(k) && this.importing.has(k);
      return {
        label: k,
        role: this.exporting.has(k) ? "exporter" : "importer",
        note: both ? "importer, exporter" : this.exporting.has(k) ? "exporter" : "importer",
      };
    });
    const at = (k: string) => keys.indexOf(k);
    this.arrows.forEach((a, j) => {
      a.from = at(this.ends[j]![0]);
      a.to = at(this.ends[j]![1]);
    });
    const bands = this.bands.map((b, j) => ({ ...b, holder: at(this.holders[j]!) }));
    bands.sort((x, y) => x.fromRow - y.fromRow || x.toRow - y.toRow);
    return { name: this.scenario.name, lifelines, arrows: this.arrows, bands };
  }
}

// ---- drawing ----

const LEFT = 150;
const COL = 190;
const TOP = 72;
const ROW = 24;
const STYLE =
  ".life{stroke:#9aa3af;stroke-dasharray:4 3}.head{fill:#eef2f7;stroke:#5b6472}.head.core{fill:#dde8f8}" +
  ".row{fill:transparent}.row:nth-child(even){fill:#f6f7f9}.row.current{fill:#fff1b8}.step.current .num{font-weight:bold}" +
  ".arrow line,.arrow path{stroke:#1d2430;fill:none}.arrow polygon{fill:#1d2430}.op line{stroke:#2f5fb3}.op polygon{fill:#2f5fb3}" +
  ".callback line{stroke:#8a3fb0}.callback polygon{fill:#8a3fb0}.return line{stroke-dasharray:5 3}" +
  ".refusal line{stroke:#c62828;stroke-dasharray:5 3}.refusal polygon{fill:#c62828}.refusal text{fill:#c62828}" +
  ".lock{fill:#f2b134;stroke:#9c6b00}.lock.implicit{fill:#f7d58c}";

/** The x of lifeline `k`. */
const lifeX = (k: number) => LEFT + COL / 2 + k * COL;
/** The y of arrow row `r`. */
const rowY = (r: number) => TOP + r * ROW + ROW / 2 + 4;

/** An arrowhead at (x, y) pointing right (dir 1) or left (dir −1). */
const head = (x: number, y: number, dir: number) => tag("polygon", { points: `${x},${y} ${x - 8 * dir},${y - 4} ${x - 8 * dir},${y + 4}` });

/** One arrow: a line (a loop when it goes from a lifeline to itself), its head and its label. */
function arrowSvg(a: Arrow, r: number, names: readonly Lifeline[]): string {
  const y = rowY(r);
  const x1 = lifeX(a.from);
  const x2 = lifeX(a.to);
  const data = { class: `arrow ${a.kind}`, "data-from": names[a.from]?.label ?? "", "data-to": names[a.to]?.label ?? "", "data-label": a.label };
  if (a.from === a.to) {
    const body = tag("path", { d: `M${x1} ${y - 6} h28 v10 h-26` }) + head(x1 + 2, y + 4, -1) + text({ x: x1 + 34, y: y + 2 }, clip(a.label, 22));
    return tag("g", data, body);
  }
  const dir = x2 > x1 ? 1 : -1;
  const room = Math.floor((Math.abs(x2 - x1) - 8) / 7);
  const label = text({ x: (x1 + x2) / 2, y: y - 4, "text-anchor": "middle" }, clip(a.label, Math.max(room, 12)));
  return tag("g", data, tag("line", { x1, y1: y, x2: x2 - 2 * dir, y2: y }) + head(x2, y, dir) + label + tag("title", {}, esc(a.label)));
}

/** Where each lock band sits on its lifeline: bands that overlap on one lifeline step aside. */
function bandSvg(seq: Sequence): string {
  let out = "";
  seq.bands.forEach((b, j) => {
    const depth = seq.bands.slice(0, j).filter((o) => o.holder === b.holder && o.toRow >= b.fromRow).length;
    const x = lifeX(b.holder) - 5 + depth * 7;
    const y = TOP + b.fromRow * ROW + 4;
    const h = (b.toRow - b.fromRow + 1) * ROW - 4;
    const who = seq.lifelines[b.holder]?.label ?? "";
    out += tag(
      "rect",
      {
        class: `lock${b.implicit ? " implicit" : ""}`,
        x,
        y,
        width: 10,
        height: h,
        "data-buffer": b.buffer,
        "data-holder": who,
        "data-from-step": b.fromStep,
        "data-to-step": b.toStep,
        "data-implicit": String(b.implicit),
      },
      tag("title", {}, esc(`resv lock of ${b.buffer} held by ${who}, steps ${b.fromStep}–${b.toStep}${b.implicit ? " (taken by the core for the step)" : ""}`)),
    );
  });
  return out;
}

/**
 * The steps: a row band per step (drawn under the lifelines and lock bands), and a group
 * with the step's number, op and arrows (drawn over them); both carry data-step.
 */
function stepsSvg(seq: Sequence, width: number, current: number | undefined): { rows: string; steps: string } {
  let out = "";
  let rows = "";
  let r = 0;
  while (r < seq.arrows.length) {
    const step = seq.arrows[r]!.step;
    let end = r;
    while (end + 1 < seq.arrows.length && seq.arrows[end + 1]!.step === step) end++;
    const first = seq.arrows[r]!;
    const ok = seq.arrows[end]!.kind !== "refusal";
    const cur = step === current ? " current" : "";
    rows += tag("rect", { class: `row${cur}`, x: 0, y: TOP + r * ROW, width, height: (end - r + 1) * ROW, "data-step": step });
    let body = text({ class: "num", x: 8, y: rowY(r) + 4 }, `#${step}`);
    body += text({ class: "small", x: 40, y: rowY(r) + 4 }, clip(first.label.split(/[( ]/)[0]!, 14));
    for (let k = r; k <= end; k++) body += arrowSvg(seq.arrows[k]!, k, seq.lifelines);
    out += tag("g", { class: `step${cur}`, "data-step": step, "data-ok": String(ok) }, body);
    r = end + 1;
  }
  return { rows, steps: out };
}

/** The legend under the diagram: what each arrow and band means. */
function legendSvg(y: number): string {
  const items: [string, string][] = [
    ["call", "call into the core"],
    ["op", "exporter op"],
    ["callback", "importer callback"],
    ["return", "return"],
    ["refusal", "refusal (code)"],
  ];
  let out = "";
  items.forEach(([kind, label], k) => {
    const x = 12 + k * 170;
    out += tag("g", { class: `arrow ${kind}` }, tag("line", { x1: x, y1: y, x2: x + 30, y2: y }) + head(x + 32, y, 1) + text({ x: x + 40, y: y + 4 }, label));
  });
  out += tag("rect", { class: "lock", x: 12, y: y + 14, width: 10, height: 14 }) + text({ x: 28, y: y + 25 }, "resv lock held (lock to unlock)");
  out +=
    tag("rect", { class: "lock implicit", x: 300, y: y + 14, width: 10, height: 14 }) + text({ x: 316, y: y + 25 }, "resv lock taken by the core for one step");
  return out;
}

/** Options of sequenceSvg: the step to highlight (the explorer's current step). */
export interface SequenceSvgOptions {
  current?: number;
}

/** The sequence diagram as a standalone SVG document. */
export function sequenceSvg(seq: Sequence, opts: SequenceSvgOptions = {}): string {
  const n = Math.max(seq.lifelines.length, 1);
  const width = Math.max(LEFT + n * COL + 20, 12 + 5 * 170);
  const bottom = TOP + seq.arrows.length * ROW;
  const height = bottom + 64;
  let body = text({ class: "title", x: 8, y: 18 }, `${seq.name}: sequence of calls`);
  const steps = stepsSvg(seq, width, opts.current);
  body += tag("g", { class: "rows" }, steps.rows);
  seq.lifelines.forEach((l, k) => {
    const x = lifeX(k);
    body += tag("line", { class: "life", x1: x, y1: 58, x2: x, y2: bottom });
    body += tag(
      "g",
      { class: "lifeline", "data-lifeline": l.label, "data-role": l.role },
      tag("rect", { class: `head ${l.role}`, x: x - COL / 2 + 10, y: 30, width: COL - 20, height: 28, rx: 4 }) +
        text({ x, y: 44, "text-anchor": "middle" }, clip(l.label, 24)) +
        text({ class: "small", x, y: 55, "text-anchor": "middle" }, l.note) +
        tag("title", {}, esc(l.label)),
    );
  });
  body += tag("g", { class: "locks" }, bandSvg(seq));
  body += tag("g", { class: "steps" }, steps.steps);
  body += legendSvg(bottom + 20);
  return svgDoc("sequence", `${seq.name}: sequence diagram`, width, height, STYLE, body);
}
