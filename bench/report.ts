/** Prints results as a table with ratios, and draws the size sweep as an SVG. */
import type { Result } from "./stats.js";

const fmtNs = (ns: number) =>
  ns >= 1e9 ? `${(ns / 1e9).toFixed(2)} s` : ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(1)} ns`;

/** The spread column: the rme, or "1 sample" where there is no spread to give. */
export const spread = (r: Result) => (r.samples === 1 ? "1 sample" : `${r.rme.toFixed(1)}%`);

export function table(results: Result[]): string {
  const rss = results.some((r) => r.peakRssBytes !== undefined);
  const rows = [["suite", "op", "n", "impl", "p50", "p99", "±rme", "ns/entry", "B/entry", ...(rss ? ["peak RSS / list"] : [])]];
  for (const r of results) {
    rows.push([
      r.suite,
      r.op,
      r.n.toLocaleString("en-US"),
      r.impl,
      fmtNs(r.p50Ns),
      fmtNs(r.p99Ns),
      spread(r),
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

export interface Ratio {
  suite: string;
  op: string;
  n: number;
  /** wasm time / native C time (lower is better for wasm; 1.0 = parity). */
  wasmVsC?: number;
  /** ts-bigint time / wasm time (how many times faster wasm is). */
  tsBigintVsWasm?: number;
  /** ts-typed time / wasm time. */
  tsTypedVsWasm?: number;
  /** wasm in Chromium / wasm in Node (same wasm, same inputs; 1.0 = parity). */
  chromiumVsNode?: number;
}

export function ratios(results: Result[]): Ratio[] {
  const key = (r: Result) => `${r.suite}|${r.op}|${r.n}`;
  const groups = new Map<string, Map<string, Result>>();
  for (const r of results) {
    if (!groups.has(key(r))) groups.set(key(r), new Map());
    groups.get(key(r))!.set(r.impl, r);
  }
  const out: Ratio[] = [];
  for (const g of groups.values()) {
    const w = g.get("wasm");
    if (!w || g.size < 2) continue;
    const r: Ratio = { suite: w.suite, op: w.op, n: w.n };
    const c = g.get("native-c");
    const b = g.get("ts-bigint");
    const t = g.get("ts-typed");
    const ch = g.get("wasm-chromium");
    if (c) r.wasmVsC = w.p50Ns / c.p50Ns;
    if (b) r.tsBigintVsWasm = b.p50Ns / w.p50Ns;
    if (t) r.tsTypedVsWasm = t.p50Ns / w.p50Ns;
    if (ch) r.chromiumVsNode = ch.p50Ns / w.p50Ns;
    out.push(r);
  }
  return out;
}

export function ratioTable(rs: Ratio[]): string {
  const f = (x?: number) => (x === undefined ? "" : `${x.toFixed(2)}×`);
  const chromium = rs.some((r) => r.chromiumVsNode !== undefined);
  const rows = [
    ["suite", "op", "n", "wasm/C", "ts-bigint/wasm", "ts-typed/wasm", ...(chromium ? ["chromium/node"] : [])],
    ...rs.map((r) => [
      r.suite,
      r.op,
      r.n.toLocaleString("en-US"),
      f(r.wasmVsC),
      f(r.tsBigintVsWasm),
      f(r.tsTypedVsWasm),
      ...(chromium ? [f(r.chromiumVsNode)] : []),
    ]),
  ];
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((x, c) => (c >= 2 ? x.padStart(w[c]!) : x.padEnd(w[c]!))).join("  ")).join("\n") + "\n";
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
