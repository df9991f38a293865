#!/usr/bin/env node
// Writes the measured figures of docs/benchmarks.md from bench/results/*.json, between
// its "generated" markers: nothing in that page's tables is typed by hand. With --check
// it writes nothing and exits 1 when the page is stale (test/docs/bench-docs.test.ts).
//
// A ratio is called a difference only when both sides' spreads (tinybench's rme, or the
// min-max spread of a run that reports one) are within ±10% and the ratio lies outside
// them; otherwise it is printed as parity or as too noisy to call.
import { readFileSync, writeFileSync, existsSync } from "node:fs";

const root = new URL("../", import.meta.url);
const page = new URL("docs/benchmarks.md", root);
const BEGIN = "<!-- begin generated: scripts/gen-bench-docs.mjs from bench/results/*.json; do not edit by hand -->";
const END = "<!-- end generated -->";

const load = (f) => {
  const u = new URL(`bench/results/${f}`, root);
  return existsSync(u) ? JSON.parse(readFileSync(u, "utf8")) : undefined;
};

/** A duration in ns, readable. */
function time(ns) {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}
const pct = (x) => `±${x < 10 ? x.toFixed(1) : x.toFixed(0)}%`;

/** The verdict on a/b with spreads ra, rb (in %). */
function verdict(ratio, ra, rb) {
  const spread = Math.max(ra, rb);
  if (spread > 10) return `too noisy to call (spread ${pct(spread)})`;
  if (Math.abs(ratio - 1) * 100 <= ra + rb) return "parity within the spread";
  return ratio < 1 ? "faster" : "slower";
}

function envLine(env) {
  if (!env) return "";
  return `${env.date.slice(0, 10)}, Node ${env.node}, ${env.cpu} (${env.cores} cores), ${env.cc ?? "no C compiler"}, ${env.clock} clock, ${env.quick ? "quick" : "full"} run of ${env.seconds} s`;
}

/** One table of `impl` against `base` for a suite of a results file. */
function against(data, suite, impl, base, title) {
  const rows = data.results.filter((r) => r.suite === suite && r.impl === impl);
  if (!rows.length) return "";
  const lines = [`| ${title} | n | ${impl} p50 | ${base} p50 | ${impl} / ${base} | verdict |`, "|---|---:|---:|---:|---:|---|"];
  for (const a of rows) {
    const b = data.results.find((r) => r.suite === suite && r.impl === base && r.op === a.op && r.n === a.n);
    if (!b) continue;
    const ratio = a.p50Ns / b.p50Ns;
    lines.push(
      `| ${a.op} | ${a.n.toLocaleString("en-US")} | ${time(a.p50Ns)} ${pct(a.rme)} | ${time(b.p50Ns)} ${pct(b.rme)} | ${ratio.toFixed(2)}× | ${verdict(ratio, a.rme, b.rme)} |`,
    );
  }
  return lines.join("\n");
}

/** The sweep: ns per entry of wasm and C at each n, and the growth from 10^7 to 10^8. */
function sweep(data) {
  const ops = [...new Set(data.results.map((r) => r.op))];
  const ns = [...new Set(data.results.map((r) => r.n))].sort((a, b) => a - b);
  const at = (impl, op, n) => data.results.find((r) => r.impl === impl && r.op === op && r.n === n);
  const lines = [`| ns per entry, wasm / C | ${ns.map((n) => `10^${Math.log10(n)}`).join(" | ")} |`, `|---|${ns.map(() => "---:").join("|")}|`];
  for (const op of ops) {
    const cells = ns.map((n) => {
      const w = at("wasm", op, n);
      const c = at("native-c", op, n);
      return w && c ? `${w.nsPerEntry.toFixed(2)} / ${c.nsPerEntry.toFixed(2)}` : "–";
    });
    lines.push(`| ${op} | ${cells.join(" | ")} |`);
  }
  const rss = ns.map((n) => at("wasm", "coalesce", n)).filter((r) => r?.peakRssBytes);
  if (rss.length) {
    lines.push("", "| n (wasm, one process per n) | list bytes | peak RSS | peak RSS / list |", "|---:|---:|---:|---:|");
    for (const r of rss)
      lines.push(
        `| 10^${Math.log10(r.n)} | ${(r.listBytes / 1e6).toFixed(1)} MB | ${(r.peakRssBytes / 1e6).toFixed(0)} MB | ${(r.peakRssBytes / r.listBytes).toFixed(2)}× |`,
      );
  }
  return lines.join("\n");
}

export function generate() {
  const latest = load("latest.json");
  const browser = load("browser.json");
  const big = load("sweep-1e8.json");
  const parts = [];
  if (latest) {
    parts.push(`### Ops and pipelines (\`bench/results/latest.json\`)\n\n${envLine(latest.env)}.`);
    parts.push(against(latest, "ops", "wasm", "native-c", "op"));
    parts.push(against(latest, "ops", "ts-typed", "wasm", "op"));
    parts.push(against(latest, "pipeline", "wasm", "native-c", "pipeline"));
  }
  if (browser)
    parts.push(
      `### The same wasm in Chromium (\`bench/results/browser.json\`)\n\n${envLine(browser.env)}.`,
      against(browser, "ops", "wasm-chromium", "wasm", "op"),
    );
  if (big) parts.push(`### The sweep to 10^8 entries (\`bench/results/sweep-1e8.json\`)\n\n${envLine(big.env)}.`, sweep(big));
  return parts.filter(Boolean).join("\n\n");
}

export function render(text) {
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/benchmarks.md lacks the markers ${BEGIN} … ${END}`);
  return `${text.slice(0, a + BEGIN.length)}\n\n${generate()}\n\n${text.slice(b)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = readFileSync(page, "utf8");
  const next = render(text);
  if (process.argv.includes("--check")) {
    if (next !== text) {
      process.stderr.write("docs/benchmarks.md is stale: run node scripts/gen-bench-docs.mjs\n");
      process.exitCode = 1;
    }
  } else writeFileSync(page, next);
}
