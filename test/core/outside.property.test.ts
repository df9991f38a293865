/**
 * RangeList.firstOutside (assembly/list.ts listFirstOutside): the first entry, in list
 * order, whose bytes shifted back by delta are not all inside the union of another
 * list's entries. Checked against a bigint reference that walks every entry over the
 * sorted, merged union, on random lists in and out of address order, overlapping and
 * touching unions, deltas that wrap, and edges at the top of the u64 space.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RangeList, type Entry } from "../../ts/core/range-list.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { createCoreSync } from "../../ts/core/loader.js";
import { SEED, RUNS, core } from "../helpers.js";
import { validList, anyList, pageList } from "../arbitraries.js";

const c = core();
const M = (1n << 64n) - 1n;

/** The reference: the union as sorted, merged inclusive intervals, then each entry in turn. */
function firstOutside(es: readonly Entry[], within: readonly Entry[], delta: bigint): number {
  const iv = within.filter((w) => w.len > 0n).map((w) => [w.addr, w.addr + w.len - 1n > M ? M : w.addr + w.len - 1n] as [bigint, bigint]);
  iv.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const u: [bigint, bigint][] = [];
  for (const [a, b] of iv) {
    const last = u[u.length - 1];
    if (last && a <= last[1] + 1n) last[1] = b > last[1] ? b : last[1];
    else u.push([a, b]);
  }
  return es.findIndex(({ addr, len }) => {
    const s = BigInt.asUintN(64, addr - delta);
    const e = s + len - 1n; // may pass 2^64 - 1: then outside
    // an empty entry is inside when the byte before it is covered (or it starts at 0 under a covered first byte)
    const covered = u.some(([a, b]) => (len === 0n ? a <= s && (s === 0n || s - 1n <= b) : a <= s && e <= b));
    return !covered;
  });
}

function run(es: readonly Entry[], within: readonly Entry[], delta: bigint): number {
  const l = RangeList.from(es, c);
  const w = RangeList.from(within, c);
  try {
    return l.firstOutside(w, delta);
  } finally {
    l.dispose();
    w.dispose();
  }
}

/** Entries cut from inside a union (so most are inside), with a few strays. */
const inAndOut = fc
  .tuple(
    fc.oneof(pageList(12), validList(8)),
    fc.array(fc.tuple(fc.nat(20), fc.bigInt({ min: 0n, max: 1n << 14n }), fc.bigInt({ min: 0n, max: 1n << 14n })), { maxLength: 12 }),
    fc.boolean(),
  )
  .map(([within, picks, shuffle]) => {
    const es: Entry[] = [];
    for (const [i, off, len] of picks) {
      const w = within[i % Math.max(within.length, 1)];
      if (!w) break;
      const o = off % w.len;
      es.push({ addr: w.addr + o, len: len % (w.len - o + 2n) }); // now and then one byte past the end
    }
    if (shuffle) es.reverse();
    return { es, within };
  });

describe("firstOutside", () => {
  it("names the same first entry as the reference (lists in and out of order, any union, zero lengths)", () => {
    fc.assert(
      fc.property(
        fc.oneof(inAndOut, fc.record({ es: anyList(8), within: anyList(8) })),
        fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: M }), fc.constantFrom(0x1000n, M)),
        ({ es, within }, d) => {
          expect(run(es, within, 0n)).toBe(firstOutside(es, within, 0n));
          // shifted: entries moved up by d, checked with delta d, give the same answer
          const up = es.map((e) => ({ addr: BigInt.asUintN(64, e.addr + d), len: e.len }));
          expect(run(up, within, d)).toBe(firstOutside(es, within, 0n));
          expect(run(es, within, d)).toBe(firstOutside(es, within, d));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("edges: empty lists, touching and overlapping ranges merge, the top of the space, a wrap", () => {
    const E = (pairs: [bigint, bigint][]) => pairs.map(([addr, len]) => ({ addr, len }));
    const both = (es: [bigint, bigint][], within: [bigint, bigint][], delta = 0n) => {
      const want = firstOutside(E(es), E(within), delta);
      expect(run(E(es), E(within), delta)).toBe(want);
      return want;
    };
    expect(both([], [])).toBe(-1);
    expect(both([[0x1000n, 1n]], [])).toBe(0);
    // touching ranges cover an entry across their seam; a gap of one byte does not
    expect(
      both(
        [[0x1800n, 0x1000n]],
        [
          [0x1000n, 0x1000n],
          [0x2000n, 0x1000n],
        ],
      ),
    ).toBe(-1);
    expect(
      both(
        [[0x1800n, 0x1000n]],
        [
          [0x1000n, 0x1000n],
          [0x2001n, 0x1000n],
        ],
      ),
    ).toBe(0);
    // overlapping and out of order
    expect(
      both(
        [[0x1000n, 0x3000n]],
        [
          [0x3000n, 0x1000n],
          [0x1000n, 0x2800n],
        ],
      ),
    ).toBe(-1);
    // the first outside in list order, not in address order
    expect(
      both(
        [
          [0x5000n, 0x1000n],
          [0x9000n, 0x1000n],
          [0x0n, 0x1000n],
        ],
        [[0x5000n, 0x1000n]],
      ),
    ).toBe(1);
    // the last byte of the space, and one past it
    expect(both([[M, 1n]], [[M - 0xfffn, 0x1000n]])).toBe(-1);
    expect(both([[M, 2n]], [[M - 0xfffn, 0x1000n]])).toBe(0);
    // a range of `within` past 2^64 - 1 covers up to it
    expect(both([[M - 1n, 2n]], [[M - 0xfffn, 0x2000n]])).toBe(-1);
    // delta wraps: entries at 0x1000 with delta 0x2000 are looked for at 2^64 - 0x1000
    expect(both([[0x1000n, 0x1000n]], [[M - 0xfffn, 0x1000n]], 0x2000n)).toBe(-1);
    // zero lengths: inside when the byte before is covered
    expect(both([[0x2000n, 0n]], [[0x1000n, 0x1000n]])).toBe(-1);
    expect(both([[0x2001n, 0n]], [[0x1000n, 0x1000n]])).toBe(0);
    expect(both([[0x1000n, 0x1000n]], [[0x1000n, 0n]])).toBe(0);
  });

  it("a list of 100,000 pages inside a backing of 100,000 pages, in order and reversed", () => {
    const n = 100_000;
    const w = new BigUint64Array(2 * n);
    for (let i = 0; i < n; i++) {
      w[2 * i] = 0x1_0000_0000n + BigInt(i) * 0x2000n;
      w[2 * i + 1] = 0x1000n;
    }
    const within = RangeList.fromBigUint64Array(w, c);
    const rev = new BigUint64Array(2 * n);
    for (let i = 0; i < n; i++) rev.set(w.subarray(2 * (n - 1 - i), 2 * (n - i)), 2 * i);
    const l = RangeList.fromBigUint64Array(rev, c);
    try {
      expect(within.firstOutside(within)).toBe(-1);
      expect(l.firstOutside(within)).toBe(-1);
      expect(within.firstOutside(l)).toBe(-1);
      w[2 * 777 + 1] = 0x1001n; // one byte into the gap
      const bad = RangeList.fromBigUint64Array(w, c);
      expect(bad.firstOutside(within)).toBe(777);
      bad.dispose();
    } finally {
      within.dispose();
      l.dispose();
    }
  });

  it("a list of another core is EXDEV; a disposed one EBADF", () => {
    const other = RangeList.from([[0x1000n, 0x1000n]], createCoreSync());
    const l = RangeList.from([[0x1000n, 0x1000n]], c);
    expect(() => l.firstOutside(other)).toThrow(expect.objectContaining({ code: "EXDEV" }));
    other.dispose();
    const w = RangeList.from([[0x1000n, 0x1000n]], c);
    w.dispose();
    expect(() => l.firstOutside(w)).toThrow(DmaBufError);
    l.dispose();
  });
});

/** [total() or its error, firstOutside()] of the old two calls, and of totalWithin()'s one pass. */
function oldAndFolded(es: readonly Entry[], within: readonly Entry[], delta: bigint): [unknown, unknown] {
  const l = RangeList.from(es, c);
  const w = RangeList.from(within, c);
  const attempt = (f: () => unknown) => {
    try {
      return f();
    } catch (e) {
      return { code: (e as DmaBufError).code, message: (e as Error).message };
    }
  };
  try {
    const old = attempt(() => [l.total(), l.firstOutside(w, delta)]);
    return [old, attempt(() => l.totalWithin(w, delta))];
  } finally {
    l.dispose();
    w.dispose();
  }
}

describe("totalWithin (the map product check in one pass)", () => {
  it("gives what total() then firstOutside() give, on any lists and deltas", () => {
    fc.assert(
      fc.property(
        fc.oneof(inAndOut, fc.record({ es: anyList(8), within: anyList(8) })),
        fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: M }), fc.constantFrom(0x1000n, M)),
        ({ es, within }, d) => {
          const [old, folded] = oldAndFolded(es, within, d);
          expect(folded).toEqual(old);
          const [old0, folded0] = oldAndFolded(es, within, 0n);
          expect(folded0).toEqual(old0);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("hostile products: out of range, overlapping, empty, max u64, a sum past 2^64 - 1, within out of order", () => {
    const E = (pairs: [bigint, bigint][]) => pairs.map(([addr, len]) => ({ addr, len }));
    const same = (es: [bigint, bigint][], within: [bigint, bigint][], delta = 0n) => {
      const [old, folded] = oldAndFolded(E(es), E(within), delta);
      expect(folded).toEqual(old);
      return folded;
    };
    const back: [bigint, bigint][] = [
      [0x1000n, 0x1000n],
      [0x3000n, 0x1000n],
    ];
    expect(same([], back)).toEqual([0n, -1]);
    expect(same([], [])).toEqual([0n, -1]);
    expect(same([[0x1000n, 0x1000n]], [])).toEqual([0x1000n, 0]);
    // out of range: past the end, in the gap, below the start, found after earlier good entries
    expect(same([[0x3000n, 0x1001n]], back)).toEqual([0x1001n, 0]);
    expect(
      same(
        [
          [0x1000n, 0x1000n],
          [0x2000n, 0x10n],
        ],
        back,
      ),
    ).toEqual([0x1010n, 1]);
    expect(
      same(
        [
          [0x1000n, 0x1000n],
          [0xfffn, 0x10n],
        ],
        back,
      ),
    ).toEqual([0x1010n, 1]);
    // overlapping entries, each inside: fine; the product going backwards
    expect(
      same(
        [
          [0x1000n, 0x800n],
          [0x1400n, 0x800n],
          [0x3000n, 0x10n],
          [0x1000n, 0x10n],
        ],
        back,
      ),
    ).toEqual([0x1020n, -1]);
    // empty entries at the edges of a range and in a gap
    expect(
      same(
        [
          [0x2000n, 0n],
          [0x1000n, 0n],
          [0x2001n, 0n],
        ],
        back,
      ),
    ).toEqual([0n, 2]);
    // max u64: entries at the top, lengths that wrap, a sum that overflows (EOVERFLOW wins over outside)
    expect(same([[M, 1n]], [[M - 0xfffn, 0x1000n]])).toEqual([1n, -1]);
    expect(same([[M, 2n]], [[M - 0xfffn, 0x1000n]])).toEqual([2n, 0]);
    expect(
      same(
        [
          [0n, M],
          [0n, M],
        ],
        back,
      ),
    ).toEqual({ code: "EOVERFLOW", message: expect.any(String) });
    expect(
      same(
        [
          [0x1000n, 1n],
          [0x9000n, M],
        ],
        back,
      ),
    ).toEqual({ code: "EOVERFLOW", message: expect.any(String) });
    // within out of order, overlapping, with empty entries: the verdict is the union's
    const messy: [bigint, bigint][] = [
      [0x5000n, 0x1000n],
      [0x1000n, 0n],
      [0x1000n, 0x2000n],
      [0x2800n, 0x1000n],
    ];
    expect(
      same(
        [
          [0x1000n, 0x2800n],
          [0x5000n, 0x1000n],
        ],
        messy,
      ),
    ).toEqual([0x3800n, -1]);
    expect(
      same(
        [
          [0x1000n, 0x2800n],
          [0x4000n, 0x1000n],
        ],
        messy,
      ),
    ).toEqual([0x3800n, 1]);
    // wrap through delta
    expect(same([[0x1000n, 0x1000n]], [[M - 0xfffn, 0x1000n]], 0x2000n)).toEqual([0x1000n, -1]);
  });
});
