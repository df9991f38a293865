// The benchmarks' method, not their speed: medians and min-max spreads, the alternation of
// implementations sample by sample, paired ratios, and which ratios may be called a
// difference (bench/stats.ts, bench/alternate.ts, bench/report.ts). No timing is asserted.
import { describe, expect, it } from "vitest";
import { classify, compare, median, minMax, verdictText, type Result } from "../../bench/stats.js";
import { alternate, measure, plan, processSide, type Side } from "../../bench/alternate.js";
import { comparisons } from "../../bench/report.js";
// @ts-expect-error: a plain .mjs script without types
import { classify as docsClassify } from "../../scripts/gen-bench-docs.mjs";

const result = (impl: Result["impl"], samplesNs: number[], extra: Partial<Result> = {}): Result => ({
  suite: "ops",
  impl,
  op: "coalesce",
  n: 10,
  nsPerEntry: 0,
  p99Ns: 0,
  rme: 0,
  samples: samplesNs.length,
  samplesNs,
  ...minMax(samplesNs),
  ...extra,
});

describe("median and min-max spread", () => {
  it("takes the middle sample, or the mean of the middle two", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("gives the larger distance of the min or the max from the median, in percent", () => {
    expect(minMax([100, 90, 130, 100, 105])).toEqual({ p50Ns: 100, minNs: 90, maxNs: 130, spreadPct: 30 });
    expect(minMax([100, 80, 101]).spreadPct).toBe(20);
    expect(minMax([7, 7, 7]).spreadPct).toBe(0);
  });
});

describe("classify: what may be said of a ratio and its range", () => {
  it("a range reaching past ±10% on either side is too noisy, whatever the ratio", () => {
    expect(classify(0.5, 0.44, 0.52).verdict).toBe("too noisy"); // 0.5 / 0.44 = +13.6%
    expect(classify(2, 1.95, 2.3).verdict).toBe("too noisy");
    expect(classify(2, 1.95, 2.3).spreadPct).toBeCloseTo(15, 6);
    expect(classify(1, Number.NaN, 1).verdict).toBe("too noisy");
  });

  it("a tight range containing 1 is parity; one below or above 1 is faster or slower", () => {
    expect(classify(1.02, 0.99, 1.05)).toMatchObject({ verdict: "parity" });
    expect(classify(0.8, 0.78, 0.83)).toMatchObject({ verdict: "faster" });
    expect(classify(1.3, 1.25, 1.35)).toMatchObject({ verdict: "slower" });
  });

  it("the limit itself still counts; just past it does not", () => {
    expect(classify(2, 2, 2.2).verdict).toBe("slower");
    expect(classify(2, 2, 2.2002).verdict).toBe("too noisy");
  });

  it("words: a noisy ratio is never printed as a win", () => {
    expect(verdictText(classify(0.5, 0.2, 0.6))).toBe("too noisy to call (±150%)");
    expect(verdictText(classify(0.8, 0.78, 0.83))).toBe("faster");
    expect(verdictText(classify(1.02, 0.99, 1.05))).toBe("parity within the spread");
  });

  it("scripts/gen-bench-docs.mjs applies the same rule", () => {
    for (const ratio of [0.5, 0.9, 0.97, 1, 1.04, 1.1, 2])
      for (const lo of [0.85, 0.9, 0.95, 0.99, 1])
        for (const hi of [1, 1.01, 1.05, 1.1, 1.2]) expect(docsClassify(ratio, ratio * lo, ratio * hi)).toEqual(classify(ratio, ratio * lo, ratio * hi));
  });
});

describe("compare", () => {
  it("alternated samples: the median of the per-round ratios, their min and max as the range", () => {
    // the machine slows down over the rounds; each round's ratio stays 0.5
    const a = result("wasm", [10, 20, 40, 80, 160], { alternation: ["wasm", "native-c"] });
    const b = result("native-c", [20, 40, 80, 160, 320], { alternation: ["wasm", "native-c"] });
    const c = compare(a, b);
    expect(c).toMatchObject({ a: "wasm", b: "native-c", ratio: 0.5, min: 0.5, max: 0.5, paired: true, verdict: "faster" });
    // the same samples taken apart: drift makes the ratio's range useless
    const apart = compare({ ...a, alternation: undefined }, b);
    expect(apart.paired).toBe(false);
    expect(apart.min).toBeCloseTo(10 / 320, 9);
    expect(apart.max).toBe(8);
    expect(apart.verdict).toBe("too noisy");
  });

  it("pairs round by round: one slow round shows in the range", () => {
    const order = { alternation: ["wasm", "native-c"] as Result["impl"][] };
    const c = compare(result("wasm", [100, 100, 100, 300], order), result("native-c", [100, 100, 100, 100], order));
    expect(c.ratio).toBe(1);
    expect(c.max).toBe(3);
    expect(c.verdict).toBe("too noisy");
  });

  it("a result without samples (timed apart) uses its rme for its extremes", () => {
    const t: Result = { suite: "ops", impl: "ts-typed", op: "coalesce", n: 10, nsPerEntry: 0, p50Ns: 400, p99Ns: 0, rme: 1 };
    const c = compare(t, result("wasm", [99, 100, 101]));
    expect(c.ratio).toBe(4);
    expect(c.min).toBeCloseTo(396 / 101, 9);
    expect(c.max).toBeCloseTo(404 / 99, 9);
    expect(c.verdict).toBe("slower");
  });

  it("a single sample has no spread: its ratio is never called", () => {
    const one: Result = { suite: "ops", impl: "ts-bigint", op: "coalesce", n: 10, nsPerEntry: 0, p50Ns: 9000, p99Ns: 0, rme: 0, samples: 1 };
    const c = compare(one, result("wasm", [99, 100, 101]));
    expect(c.ratio).toBe(90);
    expect(c.verdict).toBe("too noisy");
  });

  it("report.ts compares the pairs an op has, a first", () => {
    const order = { alternation: ["wasm", "native-c", "floor"] as Result["impl"][] };
    const cs = comparisons([result("wasm", [1, 1], order), result("native-c", [2, 2], order), result("floor", [1, 1], order)]);
    expect(cs.map((c) => `${c.a}/${c.b}`)).toEqual(["wasm/native-c"]);
    expect(cs[0]!.ratio).toBe(0.5);
  });
});

describe("alternation", () => {
  const sides = (log: string[], ns: Record<string, number>): Side[] =>
    Object.entries(ns).map(([impl, t]) => ({
      impl: impl as Result["impl"],
      run: (iters: number) => {
        log.push(`${impl}×${iters}`);
        return t * iters;
      },
    }));

  it("takes one sample of each side per round, in order, after warming all but the first", async () => {
    const log: string[] = [];
    const out = await alternate(sides(log, { wasm: 5, "native-c": 7 }), { iters: 3, rounds: 3 });
    expect(log).toEqual(["native-c×3", "wasm×3", "native-c×3", "wasm×3", "native-c×3", "wasm×3", "native-c×3"]);
    // ns per run of the op, not per sample
    expect(out).toEqual([
      [5, 5, 5],
      [7, 7, 7],
    ]);
  });

  it("plan: enough runs per sample to reach the shortest sample; rounds within the bounds", () => {
    expect(plan(1000, 2, { quick: true, minSampleNs: 1e6 }).iters).toBe(1000);
    expect(plan(3e6, 2, { quick: true, minSampleNs: 1e6 }).iters).toBe(1);
    expect(plan(3e6, 2, { quick: true, minSampleNs: 1e6 }).rounds).toBe(7);
    expect(plan(3e8, 4, { quick: true, minSampleNs: 1e6 }).rounds).toBe(3);
    expect(plan(3e8, 4, { quick: false, minSampleNs: 1e6 }).rounds).toBe(6);
    expect(plan(1e6, 4, { quick: false, minSampleNs: 1e6 }).rounds).toBe(15);
    expect(plan(5e9, 4, { quick: false, minSampleNs: 1e6, huge: true })).toEqual({ iters: 1, rounds: 3 });
    // a Chromium page: 150 steps of a 100 µs timer make a 15 ms sample
    expect(plan(2e6, 2, { quick: true, minSampleNs: 150 * 1e5 }).iters).toBe(8);
  });

  it("measure: every side's samples in the same rounds, and each op as a multiple of its floor", async () => {
    const log: string[] = [];
    const rs = await measure("ops", "coalesce", 10, [...sides(log, { wasm: 4e6, "native-c": 2e6, floor: 1e6 })], {
      quick: true,
      minSampleNs: 1e6,
      log: () => {},
    });
    expect(rs.map((r) => r.impl)).toEqual(["wasm", "native-c", "floor"]);
    for (const r of rs) {
      expect(r.alternation).toEqual(["wasm", "native-c", "floor"]);
      expect(r.samplesNs).toHaveLength(7);
      expect(r.iterations).toBe(1);
    }
    expect(rs[0]!.vsFloor).toBe(4);
    expect(rs[1]!.vsFloor).toBe(2);
    expect(rs[2]!.vsFloor).toBeUndefined();
    expect(rs[0]!.nsPerEntry).toBe(4e5);
    // the calibration run, the warm-ups, then wasm, C, floor, wasm, …
    expect(log.slice(0, 6)).toEqual(["wasm×1", "native-c×1", "floor×1", "wasm×1", "native-c×1", "floor×1"]);
  });
});

describe("processSide: an unserved C program as one side", () => {
  it("sums the reps of one process per sample and refuses a result that disagrees", async () => {
    const calls: number[] = [];
    const run = (_op: string, _n: number, reps: number) => {
      calls.push(reps);
      return { samples: Array.from({ length: reps }, () => 10), check: calls.length > 2 ? "0xbad" : "0x1" };
    };
    const side = processSide("native-c", run, "coalesce", 5, "0x1", "1", "cpu");
    expect(await side.run(4)).toBe(40);
    expect(await side.run(1)).toBe(10);
    expect(() => side.run(1)).toThrow(/native-c coalesce at n=5 computed 0xbad, wasm 0x1/);
  });
});
