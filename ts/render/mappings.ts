/**
 * The mappings after a step, by address space (bus, iova, cpu-phys, bar-offset): one
 * lane per mapping on an axis over the full width, whose covered stretches grow with
 * the log of their length and whose gaps are cut to a fixed width and marked with their
 * size, so every entry is visible; a ruler of the addresses where entries start and end,
 * and a legend (each mapping's colour, interconnect → container, entries, bytes, stale).
 * Integer arithmetic only (ts/render/svg.ts): Node and Chromium write the same bytes.
 */
import type { ModelState, MappingState, Pair } from "../model/state.js";
import { counted } from "../scenario/report.js";
import { clip, esc, svgDoc, tag, text } from "./svg.js";

/** The picture's width; a page scales it to its column. */
export const MAPPINGS_WIDTH = 1000;
/** Entries drawn per mapping; the rest are counted in the legend. */
export const DRAW_MAX = 2048;
const LEFT = 130;
const RIGHT = 20;
const LANE = 26;
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
const STYLE =
  ".space-title{font-weight:bold}.tick{stroke:#5b6472}.ruler{stroke:#5b6472}.gap{stroke:#9aa3af;fill:none}.ent{stroke:#ffffff;stroke-width:1}" +
  ".ent.stale{opacity:.35}.mlabel{font-size:10px}";

/** Notes on each address space, shown beside its name. */
const SPACE_NOTE: Record<string, string> = {
  bus: "PCI bus addresses (P2P BUS_ADDR)",
  iova: "the importer's IOMMU",
  "cpu-phys": "CPU physical addresses",
  "bar-offset": "offsets into a BAR (iov)",
};

const hx = (v: bigint) => "0x" + v.toString(16);
const bitLength = (v: bigint) => v.toString(2).length;

/** The axis: each point's x, the gaps' middles and sizes; covered stretches weigh 40 + 8·(log2 len − 12), gaps 24. */
function axis(lists: Pair[][], width: number): { x: (a: bigint) => number; points: bigint[]; gaps: { x: number; len: bigint }[] } {
  const pts = new Set<bigint>();
  const spans: [bigint, bigint][] = [];
  for (const l of lists)
    for (const [a, n] of l.slice(0, DRAW_MAX)) {
      const s = BigInt(a);
      pts.add(s);
      pts.add(s + BigInt(n));
      spans.push([s, s + BigInt(n)]);
    }
  const sorted = [...pts].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
  const covered = (lo: bigint, hi: bigint) => spans.some(([s, e]) => s <= lo && hi <= e);
  const at: number[] = [0];
  const gapAt: { w: number; len: bigint }[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const lo = sorted[i - 1]!;
    const hi = sorted[i]!;
    const w = covered(lo, hi) ? 40 + 8 * Math.max(0, bitLength(hi - lo) - 12) : 24;
    if (!covered(lo, hi)) gapAt.push({ w: at[i - 1]! + 12, len: hi - lo });
    at.push(at[i - 1]! + w);
  }
  const total = Math.max(1, at.at(-1)!);
  const span = width - LEFT - RIGHT;
  const scale = (w: number) => LEFT + Math.floor((w * span) / total);
  const xs = new Map(sorted.map((p, i) => [p, scale(at[i]!)]));
  return { x: (a) => xs.get(a) ?? LEFT, points: sorted, gaps: gapAt.map((g) => ({ x: scale(g.w), len: g.len })) };
}

/** One address space: its title, the gap marks, a lane per mapping, and the ruler. */
function spaceSvg(space: string, ms: { m: MappingState; entries: Pair[]; colour: string }[], top: number): { svg: string; height: number } {
  const ax = axis(
    ms.map((x) => x.entries),
    MAPPINGS_WIDTH,
  );
  let out =
    text({ class: "space-title", x: 8, y: top + 14 }, `${space}`) +
    text({ class: "small", x: 8 + (space.length + 1) * 7, y: top + 14 }, SPACE_NOTE[space] ?? "");
  const lanesTop = top + 24;
  ms.forEach(({ m, entries, colour }, lane) => {
    const y = lanesTop + lane * LANE;
    let lanes = text({ class: "mlabel", x: 8, y: y + 14 }, clip(`${m.name}${m.status === "stale" ? " (stale)" : ""}`, 18));
    entries.slice(0, DRAW_MAX).forEach(([a, n], i) => {
      const s = BigInt(a);
      const x0 = ax.x(s);
      const x1 = ax.x(s + BigInt(n));
      const cls = `ent${m.status === "stale" ? " stale" : ""}`;
      lanes += tag(
        "rect",
        { class: cls, x: x0, y: y + 2, width: Math.max(2, x1 - x0), height: LANE - 6, fill: colour, "data-index": i },
        tag("title", {}, esc(`${m.name}[${i}]: ${a} +${n}`)),
      );
    });
    out += tag("g", { class: "lane", "data-mapping": m.name, "data-status": m.status }, lanes);
  });
  const rulerY = lanesTop + ms.length * LANE + 4;
  out += tag("line", { class: "ruler", x1: LEFT, y1: rulerY, x2: MAPPINGS_WIDTH - RIGHT, y2: rulerY });
  for (const g of ax.gaps) {
    out += tag("path", { class: "gap", d: `M${g.x - 3} ${lanesTop} l3 4 l-3 4 l3 4 l-3 4 l3 4` });
    out += text({ class: "small", x: g.x, y: lanesTop - 2, "text-anchor": "middle" }, `+${hx(g.len)}`);
  }
  ax.points.forEach((p, i) => {
    const x = ax.x(p);
    out += tag("line", { class: "tick", x1: x, y1: rulerY - 3, x2: x, y2: rulerY + 4 + (i % 3) * 11 });
    const end = x > MAPPINGS_WIDTH - 140;
    out += text({ class: "small", x: end ? x - 2 : x + 2, y: rulerY + 12 + (i % 3) * 11, "text-anchor": end ? "end" : undefined }, hx(p));
  });
  return { svg: tag("g", { class: "space", "data-space": space }, out), height: rulerY + 48 - top };
}

/** The legend: a swatch per mapping with its attachment, interconnect → container, entries and bytes. */
function legendSvg(ms: { m: MappingState; entries: Pair[]; colour: string }[], top: number): string {
  let out = text({ class: "space-title", x: 8, y: top + 12 }, "Legend");
  ms.forEach(({ m, entries, colour }, k) => {
    const y = top + 30 + k * 16;
    const drawn = entries.length > DRAW_MAX ? `, first ${DRAW_MAX} drawn` : "";
    out += tag("rect", { class: `ent${m.status === "stale" ? " stale" : ""}`, x: 8, y: y - 10, width: 24, height: 12, fill: colour });
    out += text(
      { x: 40, y },
      `${m.name} (${m.attachment}): ${m.interconnect} → ${m.container}, ${counted(m.nelms, "entry", "entries")}, ${m.bytes} bytes, ${m.space}${m.status === "stale" ? ", stale" : ""}${drawn}`,
    );
  });
  return (
    out +
    text({ class: "small", x: 8, y: top + 30 + ms.length * 16 }, "⌇ +size: a gap cut short (its size above it); faded: stale (the buffer moved or was revoked)")
  );
}

/**
 * The mappings of `state`, by address space. `entriesOf(name)` gives a mapping's
 * entries (from its map step's record with `--entries`), or undefined when not kept.
 */
export function mappingsSvg(name: string, state: ModelState | undefined, entriesOf: (mapping: string) => Pair[] | undefined): string {
  const title = `${name}: mappings by address space`;
  const ms = (state?.mappings ?? []).map((m, k) => ({ m, entries: entriesOf(m.name) ?? [], colour: PALETTE[k % PALETTE.length]! }));
  if (!ms.length) {
    const why = state ? "No mapping exists at this step." : "No state was kept for this run.";
    return svgDoc("mappings", title, MAPPINGS_WIDTH, 60, STYLE, text({ class: "title", x: 8, y: 16 }, title) + text({ x: 8, y: 42 }, why));
  }
  const spaces = [...new Set(ms.map((x) => x.m.space))];
  let body = text({ class: "title", x: 8, y: 16 }, title);
  let y = 28;
  for (const sp of spaces) {
    const r = spaceSvg(
      sp,
      ms.filter((x) => x.m.space === sp),
      y,
    );
    body += r.svg;
    y += r.height;
  }
  body += legendSvg(ms, y);
  return svgDoc("mappings", title, MAPPINGS_WIDTH, y + 40 + ms.length * 16, STYLE, body);
}
