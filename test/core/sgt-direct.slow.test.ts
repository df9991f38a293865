/**
 * The sgt built straight from a list (issue 32: no mask, every entry valid and within
 * maxSegment, one pass with no split list) against the split it replaces, on any list.
 * Slow (about 40 s): long valid entries cut small make lists of 10^5 entries and more,
 * and lists past the heap fail by growth, so it runs in the slow tier.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RangeList, type Entry } from "../../ts/core/range-list.js";
import { Container } from "../../ts/core/container.js";
import { SEED, RUNS, core, outcome } from "../helpers.js";
import { validList, pageList, anyList } from "../arbitraries.js";

const c = core();

describe("sgt built straight from the list (no mask, every entry valid and within maxSegment)", () => {
  const M = (1n << 64n) - 1n;
  const UINT = 0xffff_ffffn;
  /** The sgt of `es`, read back, with its error code and path; and the split it must equal. */
  const both = (es: Entry[], maxSegment: bigint) => {
    const l = RangeList.from(es, c);
    try {
      const got = outcome(() => {
        const t = Container.fromList("sgt", l, { maxSegment });
        const r = t.raw()!;
        const back = t.toList();
        const out = { entries: back.entries(), last: r.length ? r[r.length - 4] : undefined, first: r[0] };
        back.dispose();
        t.dispose();
        return out;
      });
      const want = outcome(() => {
        const s = l.split(maxSegment < UINT ? maxSegment : UINT);
        const out = s.entries();
        s.dispose();
        return out;
      });
      return { got, want };
    } finally {
      l.dispose();
    }
  };
  it("holds the split's entries, or fails as the split does, on any list (zero lengths, wraps, max u64)", () => {
    fc.assert(
      fc.property(fc.oneof(anyList(8), validList(8), pageList(8)), fc.constantFrom(1n, 0x1000n, 0x10000n, UINT, M), (es, max) => {
        const { got, want } = both(es, max);
        if (!want.ok) {
          expect(got.ok).toBe(false);
          if (!got.ok) expect(got.code).toBe(want.code);
        } else {
          expect(got.ok).toBe(true);
          if (got.ok) {
            expect(got.value.entries).toEqual(want.value);
            // SG_END on the last record only
            if (want.value.length) expect(got.value.last).toBe(2n);
            if (want.value.length > 1) expect(got.value.first).toBe(0n);
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
  it("hostile entries: empty, a wrap, max u64, one past maxSegment", () => {
    const E = (pairs: [bigint, bigint][]) => pairs.map(([addr, len]) => ({ addr, len }));
    for (const [es, max] of [
      [E([[0x1000n, 0n]]), 0x1000n],
      [E([[M, 2n]]), UINT],
      [E([[M, 1n]]), UINT],
      [E([[0n, M]]), M],
      [
        E([
          [0x1000n, 0x1000n],
          [0x3000n, 0x1001n],
        ]),
        0x1000n,
      ],
      [E([[0x1000n, 0x1_0000_0000n]]), M],
    ] as [Entry[], bigint][]) {
      const { got, want } = both(es, max);
      expect(got.ok).toBe(want.ok);
      if (got.ok && want.ok) expect(got.value.entries).toEqual(want.value);
      if (!got.ok && !want.ok) expect(got.code).toBe(want.code);
    }
  });
});
