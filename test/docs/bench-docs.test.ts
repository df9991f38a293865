// docs/benchmarks.md's figures and the README's benchmark summary are generated from
// bench/results/*.json: stale figures fail, and no ratio is called a difference that its
// run's own range does not support.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
// @ts-expect-error: a plain .mjs script without types
import { generate, generateReadme, render, renderReadme } from "../../scripts/gen-bench-docs.mjs";
import { classify, type Comparison } from "../../bench/stats.js";

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), "utf8");
const page = read("docs/benchmarks.md");
const readme = read("README.md");
const latest = JSON.parse(read("bench/results/latest.json")) as { comparisons?: Comparison[]; env: { cflags?: { fair: string } } };

describe("docs/benchmarks.md and the README's summary", () => {
  it("hold exactly what scripts/gen-bench-docs.mjs makes of the result files", () => {
    expect(page).toBe(render(page));
    expect(readme).toBe(renderReadme(readme));
  });

  it("call no ratio faster or slower unless its range is within ±10% of it and excludes 1", () => {
    const rows = (generate() as string).split("\n").filter((l: string) => / (faster|slower) \|$/.test(l));
    expect(
      rows.length + (generate() as string).split("\n").filter((l: string) => /(parity within the spread|too noisy to call)/.test(l)).length,
    ).toBeGreaterThan(0);
    for (const row of rows) {
      const m = row.match(/\| ([0-9.]+)× \(([0-9.]+)–([0-9.]+)\) \| (faster|slower) \|$/);
      expect(m, row).not.toBeNull();
      const [ratio, min, max] = [Number(m![1]), Number(m![2]), Number(m![3])];
      // the printed figures are rounded to 0.01: allow that much
      expect(Math.max(ratio / min, max / ratio) - 1, row).toBeLessThanOrEqual(0.1 + 0.02 / min);
      expect(min > 1 || max < 1, row).toBe(true);
    }
  });

  it("the run's own verdicts are the rule's: none is a difference its range does not support", () => {
    const cs = latest.comparisons ?? [];
    expect(cs.length).toBeGreaterThan(0);
    for (const c of cs) expect(c.verdict, `${c.suite} ${c.op} ${c.a}/${c.b}`).toBe(classify(c.ratio, c.min, c.max).verdict);
  });

  it("the README's summary names every op of latest.json against fair C, and calls only what was measured", () => {
    const text = generateReadme() as string;
    expect(text).toContain(latest.env.cflags?.fair ?? "-O3");
    for (const c of (latest.comparisons ?? []).filter((x) => x.a === "wasm" && x.b === "native-c" && (x.suite === "ops" || x.suite === "pipeline"))) {
      const said = text.match(new RegExp(`(?:: |; )${c.op} ([^;]*?)(?:;|\\. How)`))?.[1];
      expect(said, c.op).toBeDefined();
      if (c.verdict === "too noisy") expect(said).toBe("too noisy to call");
      else expect(said).toBe(`${c.ratio.toFixed(2)}× (${c.verdict})`);
    }
  });

  it("typed figures outside the markers are not there: the prose names no measured ratio", () => {
    const outside = page.slice(0, page.indexOf("<!-- begin generated"));
    expect(outside).not.toMatch(/\d\.\d+×/);
    const b = readme.indexOf("<!-- begin generated");
    const rest = readme.slice(0, b) + readme.slice(readme.indexOf("<!-- end generated -->", b));
    expect(rest).not.toMatch(/\d\.\d+×/);
  });
});
