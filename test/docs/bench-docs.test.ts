// docs/benchmarks.md's figures are generated from bench/results/*.json: stale figures fail.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
// @ts-expect-error: a plain .mjs script without types
import { generate, render } from "../../scripts/gen-bench-docs.mjs";

const page = readFileSync(new URL("../../docs/benchmarks.md", import.meta.url), "utf8");

describe("docs/benchmarks.md", () => {
  it("holds exactly what scripts/gen-bench-docs.mjs makes of the result files", () => {
    expect(page).toBe(render(page));
  });

  it("calls no ratio a difference when a spread is wider than ±10%", () => {
    const text = generate() as string;
    for (const row of text.split("\n").filter((l: string) => / (faster|slower) \|$/.test(l))) {
      const spreads = [...row.matchAll(/±([0-9.]+)%/g)].map((m) => Number(m[1]));
      expect(Math.max(...spreads), row).toBeLessThanOrEqual(10);
    }
  });

  it("typed figures outside the markers are not there: the prose names no measured ratio", () => {
    const outside = page.slice(0, page.indexOf("<!-- begin generated"));
    expect(outside).not.toMatch(/\d\.\d+×/);
  });
});
