/** Prints results as a table with ratios, and draws the size sweep as an SVG. */
import { compare, verdictText, type Comparison, type Impl, type Result } from "./stats.js";

const fmtNs = (ns: number) =>
  ns >= 1e9 ? `${(ns / 1e9).toFixed(2)} s` : ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(1)} ns`;

/** The spread column: the min-max spread of an alternated result, else the rme, or
 *  "1 sample" where there is no spread to give. */
export const spread = (r: Result) => (r.samples === 1 ? "1 sample" : r.spreadPct !== undefined ? `${r.spreadPct.toFixed(1)}% min-max` : `${r.rme.toFixed(1)}%`);

export function table(results: Result[]): string {
  const rss = results.some((r) => r.peakRssBytes !== undefined);
  const rows = [["suite", "op", "n", "impl", "p50", "p99", "±spread", "× floor", "ns/entry", "B/entry", ...(rss ? ["peak RSS / list"] : [])]];
  for (const r of results) {
    rows.push([
      r.suite,
      r.op,
      r.n.toLocaleString("en-US"),
      r.impl,
      fmtNs(r.p50Ns),
      fmtNs(r.p99Ns),
      spread(r),
      r.vsFloor === undefined ? "" : `${r.vsFloor.toFixed(2)}×`,
      r.nsPerEntry.toFixed(2),
      r.bytesPerEntry?.toFixed(1) ?? "",
      ...(rss ? [r.peakRssBytes && r.listBytes ? `${(r.peakRssBytes / r.listBytes).toFixed(2)}×` : ""] : []),
    ]);
  }
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return (
    rows
      .map(
        (r, i) => r.map((x, c) => (c >= 2 ? x.padStart(w[c]!) : x.padEnd(w[c]!))).join("  ") + (i === 0 ? "\n" + w.map((n) => "-".repeat(n)).join("  ") : ""),
      )
      .join("\n") + "\n"
  );
}

/** The pairs compared for each op: a / b (lower: a is faster). */
export const PAIRS: readonly (readonly [Impl, Impl])[] = [
  ["wasm", "native-c"],
  ["wasm", "native-c-march"],
  ["native-c", "native-c-march"],
  ["wasm-chromium", "wasm"],
  ["ts-typed", "wasm"],
  ["ts-bigint", "wasm"],
];

/** Every pair of PAIRS present for an op, compared (paired samples when alternated). */
export function comparisons(results: Result[]): Comparison[] {
  const key = (r: Result) => `${r.suite}|${r.op}|${r.n}`;
  const groups = new Map<string, Map<string, Result>>();
  for (const r of results) {
    if (!groups.has(key(r))) groups.set(key(r), new Map());
    groups.get(key(r))!.set(r.impl, r);
  }
  const out: Comparison[] = [];
  for (const g of groups.values())
    for (const [a, b] of PAIRS) {
      const ra = g.get(a);
      const rb = g.get(b);
      if (ra && rb) out.push(compare(ra, rb));
    }
  return out;
}

/** The comparisons as a table: the ratio, its range and what may be said of it. */
export function comparisonTable(cs: Comparison[]): string {
  const rows = [
    ["suite", "op", "n", "a / b", "ratio", "range", "verdict"],
    ...cs.map((c) => [
      c.suite,
      c.op,
      c.n.toLocaleString("en-US"),
      `${c.a} / ${c.b}${c.paired ? "" : " (not alternated)"}`,
      `${c.ratio.toFixed(2)}×`,
      `${c.min.toFixed(2)}–${c.max.toFixed(2)}`,
      verdictText(c),
    ]),
  ];
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((x, c) => (c === 2 || c === 4 || c === 5 ? x.padStart(w[c]!) : x.padEnd(w[c]!))).join("  ")).join("\n") + "\n";
}

const COLORS: Record<string, string> = {
  coalesce: "#1f77b4",
  split: "#ff7f0e",
  "split-mask": "#8c564b",
  slice: "#9467bd",
  lookup: "#2ca02c",
  iterate: "#17becf",
  "iterate-js": "#7f7f7f",
  hash: "#d62728",
};

/** Cost per entry against n (log scale), wasm solid, native C dashed. */
export function sweepSvg(results: Result[]): string {
  const rs = results.filter((r) => r.suite === "sweep");
  const W = 720,
    H = 420,
    L = 70,
    R = 150,
    T = 30,
    B = 50;
  const ns = [...new Set(rs.map((r) => r.n))].sort((a, b) => a - b);
  const ys = rs.map((r) => r.nsPerEntry).filter((v) => v > 0);
  if (!ns.length || !ys.length) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"/>`;
  const lx0 = Math.log10(ns[0]!),
    lx1 = Math.log10(ns[ns.length - 1]!) || lx0 + 1;
  const ly0 = Math.floor(Math.log10(Math.min(...ys))),
    ly1 = Math.ceil(Math.log10(Math.max(...ys)));
  const x = (n: number) => L + ((Math.log10(n) - lx0) / (lx1 - lx0 || 1)) * (W - L - R);
  const y = (v: number) => T + (1 - (Math.log10(v) - ly0) / (ly1 - ly0 || 1)) * (H - T - B);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="18" font-size="14">cost per entry vs list size (log-log); solid: wasm, dashed: native C</text>`,
  ];
  for (const n of ns)
    parts.push(
      `<line x1="${x(n)}" y1="${T}" x2="${x(n)}" y2="${H - B}" stroke="#eee"/><text x="${x(n)}" y="${H - B + 18}" text-anchor="middle">10^${Math.round(Math.log10(n))}</text>`,
    );
  for (let e = ly0; e <= ly1; e++)
    parts.push(
      `<line x1="${L}" y1="${y(10 ** e)}" x2="${W - R}" y2="${y(10 ** e)}" stroke="#eee"/><text x="${L - 6}" y="${y(10 ** e) + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)} ns</text>`,
    );
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">entries (n)</text>`);
  const ops = [...new Set(rs.map((r) => r.op))];
  ops.forEach((op, i) => {
    for (const impl of ["wasm", "native-c"]) {
      const pts = rs.filter((r) => r.op === op && r.impl === impl).sort((a, b) => a.n - b.n);
      if (!pts.length) continue;
      const d = pts.map((p, k) => `${k ? "L" : "M"}${x(p.n).toFixed(1)},${y(Math.max(p.nsPerEntry, 10 ** ly0)).toFixed(1)}`).join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${COLORS[op] ?? "#333"}" stroke-width="2"${impl === "native-c" ? ' stroke-dasharray="5,4"' : ""}/>`);
    }
    parts.push(
      `<rect x="${W - R + 12}" y="${T + i * 18}" width="14" height="3" fill="${COLORS[op] ?? "#333"}"/><text x="${W - R + 32}" y="${T + i * 18 + 5}">${op}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
