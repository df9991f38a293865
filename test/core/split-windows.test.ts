/**
 * split(maxSeg, mask) with maxSeg > mask cuts only at window (mask + 1) boundaries; the
 * core writes an entry touching up to 3 windows without a branch on how many (first piece,
 * a middle window, last piece; assembly/list.ts listSplit). Every mix of 1, 2, 3 and more
 * windows, in every order and as the last entry, must give the reference's pieces.
 */
import { describe, expect, it } from "vitest";
import { RangeList, type Entry } from "../../ts/core/range-list.js";
import * as ref from "../../ts/reference/ops.js";
import { core } from "../helpers.js";

const c = core();
const W = 0x8000n; // windows of 8 pages, as in the benchmark's split-mask

/** An entry touching `windows` windows: starting one page into a window (or at its start for 1). */
const touching = (base: bigint, windows: number): Entry =>
  windows === 1 ? { addr: base, len: 0x1000n } : { addr: base + 0x1000n, len: W * BigInt(windows - 1) };

describe("split at window boundaries", () => {
  it("entries of 1, 2, 3 and 5 windows in every order of four, the last one included", () => {
    const kinds = [1, 2, 3, 5];
    for (const a of kinds)
      for (const b of kinds)
        for (const d of kinds)
          for (const e of kinds) {
            const es = [a, b, d, e].map((w, i) => touching(0x1_0000_0000n + BigInt(i) * 0x10_0000n, w));
            const l = RangeList.from(es, c);
            try {
              const got = l.split(0xffff_ffffn, W - 1n).entries();
              expect(got).toEqual(ref.split(es, 0xffff_ffffn, W - 1n));
            } finally {
              l.dispose();
            }
          }
  });

  it("entries ending at the last byte of the u64 space", () => {
    const M = (1n << 64n) - 1n;
    const es = [
      { addr: M - 3n * W + 0x1000n, len: W },
      { addr: M - W - 0xfffn, len: W + 0x1000n },
    ];
    const l = RangeList.from(es, c);
    expect(l.split(0xffff_ffffn, W - 1n).entries()).toEqual(ref.split(es, 0xffff_ffffn, W - 1n));
    l.dispose();
  });
});
