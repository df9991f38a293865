/**
 * `bench --suite sweep` runs every size in a Node process of its own (bench/sweep-child.ts),
 * so the peak RSS each size reports is its own: the results come back through the parent
 * in the usual JSON shape, wasm and C checked against each other in the child.
 */
import { describe, expect, it } from "vitest";
import { bench } from "../cli/spawn.js";

describe("bench --suite sweep", () => {
  it("runs each n in its own process and reports that process's peak RSS beside the list's bytes", () => {
    const r = bench(["--suite", "sweep", "--quick", "--max-n", "1e4", "--json"]);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/sweep n = 1,000 \(own process\)/);
    expect(r.err).toMatch(/sweep n = 10\^4 \(own process\)/);
    const out = JSON.parse(r.out) as {
      results: { suite: string; impl: string; op: string; n: number; listBytes?: number; peakRssBytes?: number; bytesPerEntry?: number }[];
    };
    const wasm = out.results.filter((x) => x.impl === "wasm");
    expect([...new Set(wasm.map((x) => x.n))]).toEqual([1000, 10000]);
    expect(wasm.map((x) => x.op).slice(0, 8)).toEqual(["coalesce", "split", "split-mask", "slice", "lookup", "iterate", "iterate-js", "hash"]);
    for (const x of wasm) {
      expect(x.suite).toBe("sweep");
      // 16 bytes per entry, plus the prefix sums lookup built and the blocks' headers
      expect(x.listBytes! / x.n).toBeGreaterThanOrEqual(16);
      expect(x.listBytes! / x.n).toBeLessThan(25);
      expect(x.peakRssBytes!).toBeGreaterThan(x.listBytes!);
    }
  });
});
