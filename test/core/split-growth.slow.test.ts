/**
 * split() in one pass grows its output as it writes (issue 32): entries that need more
 * room early, late and in runs, in every mode; a bad entry or too many pieces found after
 * a growth still fails cleanly. Slow (about 10 s): the ENOMEM cases grow the heap to its
 * limit first, so it runs in the slow tier.
 */
import { describe, expect, it } from "vitest";
import { RangeList, type Entry } from "../../ts/core/range-list.js";
import * as ref from "../../ts/reference/ops.js";
import { core } from "../helpers.js";

const c = core();
const W = 0x8000n; // windows of 8 pages, as in the benchmark's split-mask

describe("split growing its output", () => {
  // The split is written in one pass into a block sized for the common case (one piece an
  // entry, three with windows) and grown when an entry needs more: long entries placed
  // early, late and in runs must grow it (several times) without losing a piece, and a
  // bad entry or too many pieces found after a growth still fails cleanly.
  it("grows its output as long entries come, in every mode, and fails cleanly after a growth", () => {
    const M = (1n << 64n) - 1n;
    const es: Entry[] = [];
    for (let i = 0; i < 600; i++) {
      const long = i % 97 === 5 || (i > 400 && i < 420);
      es.push({
        addr: 0x1_0000_0000n + BigInt(i) * 0x100_0000n + (i % 3 ? 0x1000n : 0n),
        len: long ? 0x40_0000n + BigInt(i) * 0x1000n : 0x1000n * BigInt(1 + (i % 16)),
      });
    }
    const l = RangeList.from(es, c);
    const before = c.usage();
    try {
      for (const [maxSeg, mask] of [
        [0x10000n, M],
        [0xffff_ffffn, W - 1n],
        [0x2000n, 0xffffn],
        [0x3000n, M],
      ] as const) {
        const got = l.split(maxSeg, mask);
        expect(got.entries()).toEqual(ref.split(es, maxSeg, mask));
        got.dispose();
      }
      const bad = RangeList.from([...es, { addr: M, len: 2n }, ...es.slice(0, 3)], c);
      for (const [maxSeg, mask] of [
        [0x10000n, M],
        [0xffff_ffffn, W - 1n],
        [0x2000n, 0xffffn],
      ] as const) {
        expect(() => bad.split(maxSeg, mask)).toThrow(expect.objectContaining({ code: "EINVAL", path: [600] }));
      }
      bad.dispose();
      const many = RangeList.from([...es, { addr: 0n, len: 1n << 40n }], c);
      expect(() => many.split(1n, M)).toThrow(expect.objectContaining({ code: "ENOMEM" }));
      expect(() => many.split(0xffff_ffffn, 0n)).toThrow(expect.objectContaining({ code: "ENOMEM" }));
      many.dispose();
      expect(c.usage()).toEqual(before);
    } finally {
      l.dispose();
    }
  });
});
