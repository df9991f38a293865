#!/usr/bin/env node
// Writes the measured figures of docs/benchmarks.md and the README's one-paragraph summary
// from bench/results/*.json, between their "generated" markers: nothing in those places is
// typed by hand. With --check it writes nothing and exits 1 when either is stale
// (test/docs/bench-docs.test.ts).
//
// A ratio comes from the run's comparisons (bench/stats.ts compare(): the median of the
// per-round ratios of two implementations sampled alternately, and their min-max range).
// It is called faster or slower only when that range lies within ±10% of it and does not
// contain 1; parity when it contains 1; else "too noisy to call". classify() below is the
// same rule as bench/stats.ts classify(), and the test holds the two to the same answers.
import { readFileSync, writeFileSync, existsSync } from "node:fs";

const root = new URL("../", import.meta.url);
const PAGE = "docs/benchmarks.md";
const README = "README.md";
const BEGIN = "<!-- begin generated: scripts/gen-bench-docs.mjs from bench/results/*.json; do not edit by hand -->";
const README_BEGIN = "<!-- begin generated: scripts/gen-bench-docs.mjs from bench/results/latest.json; do not edit by hand -->";
const END = "<!-- end generated -->";
export const NOISE_LIMIT_PCT = 10;

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
const bytes = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : b >= 1e3 ? `${(b / 1e3).toFixed(1)} kB` : `${b} B`);
const times = (x) => (x === undefined ? "–" : `${x.toFixed(2)}×`);

/** What may be said of a ratio with the range [min, max] (as bench/stats.ts classify). */
export function classify(ratio, min, max, limit = NOISE_LIMIT_PCT) {
  const spreadPct = Math.max(ratio / min - 1, max / ratio - 1, 0) * 100;
  // (1e-9: a range of exactly ±limit% is within it, whatever the rounding of the division)
  if (!(spreadPct <= limit + 1e-9)) return { spreadPct, verdict: "too noisy" };
  if (min <= 1 && max >= 1) return { spreadPct, verdict: "parity" };
  return { spreadPct, verdict: ratio < 1 ? "faster" : "slower" };
}

function verdictText(c) {
  const { spreadPct, verdict } = classify(c.ratio, c.min, c.max);
  if (verdict === "too noisy") return `too noisy to call (${pct(spreadPct)})`;
  return verdict === "parity" ? "parity within the spread" : verdict;
}
const ratioCell = (c) => `${c.ratio.toFixed(2)}× (${c.min.toFixed(2)}–${c.max.toFixed(2)})`;

function envLine(env) {
  if (!env) return "";
  // a run without C (--browser) names no compiler; a run of the old method its bare -O3
  const c = env.cflags
    ? `C at \`${env.cflags.fair}\`${env.cflags.native ? ` (reference: \`${env.cflags.native}\`)` : ""}, `
    : env.cc
      ? `${env.cc} (no \`-march\`), `
      : env.method
        ? ""
        : "no C compiler, ";
  const method = env.method ? "implementations alternated sample by sample" : "implementations timed one after the other (the old method)";
  const load = env.loadavg ? `, load ${env.loadavg[0]}` : "";
  const page = env.chromium?.resolutionNs
    ? `; the page's performance.now() steps ${time(env.chromium.resolutionNs)}${env.chromium.crossOriginIsolated ? " (cross-origin isolated)" : ""}`
    : "";
  return `${env.date.slice(0, 10)}, Node ${env.node}, ${env.cpu} (${env.cores} cores${load}), ${c}${env.clock} clock, ${env.quick ? "quick" : "full"} run of ${env.seconds} s, ${method}${page}`;
}

const at = (data, suite, impl, op, n) => data.results.find((r) => r.suite === suite && r.impl === impl && r.op === op && r.n === n);
const cmp = (data, suite, a, b, op, n) => (data.comparisons ?? []).find((c) => c.suite === suite && c.a === a && c.b === b && c.op === op && c.n === n);
const spreadOf = (r) => pct(r.spreadPct ?? r.rme);

/** impl against base for every op of a suite: medians with their spreads, the ratio with its range, the verdict. */
function against(data, suite, impl, base, title) {
  const rows = data.results.filter((r) => r.suite === suite && r.impl === impl);
  const lines = [`| ${title} | n | ${impl} | ${base} | ${impl} / ${base} (range) | verdict |`, "|---|---:|---:|---:|---:|---|"];
  for (const a of rows) {
    const b = at(data, suite, base, a.op, a.n);
    const c = cmp(data, suite, impl, base, a.op, a.n);
    if (!b || !c) continue;
    lines.push(
      `| ${a.op} | ${a.n.toLocaleString("en-US")} | ${time(a.p50Ns)} ${spreadOf(a)} | ${time(b.p50Ns)} ${spreadOf(b)} | ${ratioCell(c)} | ${verdictText(c)} |`,
    );
  }
  return lines.length > 2 ? lines.join("\n") : "";
}

/** Each op against its floor, and the fair C against the -march=native build. */
function floors(data, suite, title) {
  const rows = data.results.filter((r) => r.suite === suite && r.impl === "floor");
  const lines = [
    `| ${title} | floor reads / writes | floor | wasm ÷ floor | C ÷ floor | C \`-march=native\` ÷ floor | C fair / C native (range) |`,
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const f of rows) {
    const [w, c, m] = ["wasm", "native-c", "native-c-march"].map((i) => at(data, suite, i, f.op, f.n));
    const cm = cmp(data, suite, "native-c", "native-c-march", f.op, f.n);
    lines.push(
      `| ${f.op} | ${bytes(f.floorRead)} / ${bytes(f.floorWrite)} | ${time(f.p50Ns)} ${spreadOf(f)} | ${times(w?.vsFloor)} | ${times(c?.vsFloor)} | ${times(m?.vsFloor)} | ${cm ? ratioCell(cm) : "–"} |`,
    );
  }
  return rows.length ? lines.join("\n") : "";
}

/** The sweep: ns per entry of wasm and C at each n, and the growth from 10^7 to 10^8. */
function sweep(data) {
  const ops = [...new Set(data.results.map((r) => r.op))];
  const ns = [...new Set(data.results.map((r) => r.n))].sort((a, b) => a - b);
  const get = (impl, op, n) => data.results.find((r) => r.impl === impl && r.op === op && r.n === n);
  const lines = [`| ns per entry, wasm / C | ${ns.map((n) => `10^${Math.log10(n)}`).join(" | ")} |`, `|---|${ns.map(() => "---:").join("|")}|`];
  for (const op of ops) {
    const cells = ns.map((n) => {
      const w = get("wasm", op, n);
      const c = get("native-c", op, n);
      return w && c ? `${w.nsPerEntry.toFixed(2)} / ${c.nsPerEntry.toFixed(2)}` : "–";
    });
    lines.push(`| ${op} | ${cells.join(" | ")} |`);
  }
  const rss = ns.map((n) => get("wasm", "coalesce", n)).filter((r) => r?.peakRssBytes);
  if (rss.length) {
    lines.push("", "| n (wasm, one process per n) | list bytes | peak RSS | peak RSS / list |", "|---:|---:|---:|---:|");
    for (const r of rss)
      lines.push(
        `| 10^${Math.log10(r.n)} | ${(r.listBytes / 1e6).toFixed(1)} MB | ${(r.peakRssBytes / 1e6).toFixed(0)} MB | ${(r.peakRssBytes / r.listBytes).toFixed(2)}× |`,
      );
  }
  return lines.join("\n");
}

/** The generated block of docs/benchmarks.md. */
export function generate() {
  const latest = load("latest.json");
  const browser = load("browser.json");
  const big = load("sweep-1e8.json");
  const parts = [];
  if (latest) {
    parts.push(`### Ops and pipelines (\`bench/results/latest.json\`)\n\n${envLine(latest.env)}.`);
    parts.push(against(latest, "ops", "wasm", "native-c", "op"));
    parts.push("Each op against its floor in the same run (its median ÷ the floor's), and the fair C build against `-march=native`:");
    parts.push(floors(latest, "ops", "op"));
    parts.push(against(latest, "pipeline", "wasm", "native-c", "pipeline"));
    parts.push(floors(latest, "pipeline", "pipeline"));
    parts.push("TypeScript on typed arrays, timed apart (not alternated: its spread is its own min-max):");
    parts.push(against(latest, "ops", "ts-typed", "wasm", "op"));
  }
  if (browser)
    parts.push(
      `### The same wasm in Chromium (\`bench/results/browser.json\`)\n\n${envLine(browser.env)}.`,
      against(browser, "ops", "wasm-chromium", "wasm", "op"),
    );
  if (big) parts.push(`### The sweep to 10^8 entries (\`bench/results/sweep-1e8.json\`)\n\n${envLine(big.env)}.`, sweep(big));
  return parts.filter(Boolean).join("\n\n");
}

/** The README's summary: every op's wasm / fair C verdict from latest.json, nothing else. */
export function generateReadme() {
  const latest = load("latest.json");
  if (!latest) return "No benchmark results are checked in.";
  const cs = (latest.comparisons ?? []).filter((c) => c.a === "wasm" && c.b === "native-c" && (c.suite === "ops" || c.suite === "pipeline"));
  const said = cs.map((c) => {
    const { verdict } = classify(c.ratio, c.min, c.max);
    return `${c.op} ${verdict === "too noisy" ? "too noisy to call" : verdict === "parity" ? `${c.ratio.toFixed(2)}× (parity)` : `${c.ratio.toFixed(2)}× (${verdict})`}`;
  });
  return `Measured against the same algorithms in C at \`${latest.env.cflags?.fair ?? "-O3"}\`, alternating sample by sample (${latest.env.quick ? "a quick run" : "a full run"} of ${latest.env.date.slice(0, 10)}, wasm ÷ C): ${said.join("; ")}. How, and the floors: [docs/benchmarks.md](docs/benchmarks.md).`;
}

/** `text` with the block between `begin` and END replaced by `body`. */
export function render(text, body = generate(), begin = BEGIN) {
  const a = text.indexOf(begin);
  const b = text.indexOf(END, a);
  if (a < 0 || b < a) throw new Error(`the markers ${begin} … ${END} are missing`);
  return `${text.slice(0, a + begin.length)}\n\n${body}\n\n${text.slice(b)}`;
}

/** The README with its summary regenerated (no blank lines inside its markers: it is one paragraph). */
export function renderReadme(text) {
  const a = text.indexOf(README_BEGIN);
  const b = text.indexOf(END, a);
  if (a < 0 || b < a) throw new Error(`README.md lacks the markers ${README_BEGIN} … ${END}`);
  return `${text.slice(0, a + README_BEGIN.length)}\n${generateReadme()}\n${text.slice(b)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [file, make] of [
    [PAGE, (t) => render(t)],
    [README, renderReadme],
  ]) {
    const u = new URL(file, root);
    const text = readFileSync(u, "utf8");
    const next = make(text);
    if (process.argv.includes("--check")) {
      if (next !== text) {
        process.stderr.write(`${file} is stale: run node scripts/gen-bench-docs.mjs\n`);
        process.exitCode = 1;
      }
    } else writeFileSync(u, next);
  }
}
