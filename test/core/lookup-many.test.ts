/**
 * lookupMany runs its binary searches 16 at a time in lockstep (assembly/list.ts
 * listLookupMany), the rest one by one. Against the reference: lists of every size
 * around the powers of two (the halving steps), offsets at entry starts, last bytes and
 * in between, counts that fill groups exactly or leave a tail, an offset past the end in
 * a group or in the tail (ERANGE naming its position), sums up to 2^64 - 1, and offsets
 * and results in U64Buffers (read and written where they lie) as in BigUint64Arrays.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RangeList, type Entry } from "../../ts/core/range-list.js";
import { U64Buffer } from "../../ts/core/u64-buffer.js";
import { createCoreSync } from "../../ts/core/loader.js";
import * as ref from "../../ts/reference/ops.js";
import { SEED, RUNS, core, outcome } from "../helpers.js";

const c = core();
const M = (1n << 64n) - 1n;

function buffer(words: readonly bigint[]): U64Buffer {
  const b = U64Buffer.allocate(Math.max(words.length, 1), c);
  b.view().set(words);
  return b;
}

/** lookupMany's words as [index, offset] pairs, or its error. */
function pairs(l: RangeList, offs: bigint[], how: "array" | "buffers") {
  return outcome(() => {
    if (how === "array") {
      const w = l.lookupMany(BigUint64Array.from(offs));
      return Array.from({ length: offs.length }, (_, i) => [Number(w[2 * i]), w[2 * i + 1]]);
    }
    const inB = buffer(offs);
    const outB = U64Buffer.allocate(Math.max(2 * offs.length, 1), c);
    try {
      const w = l.lookupMany(offs.length ? inB : new BigUint64Array(0), outB);
      return Array.from({ length: offs.length }, (_, i) => [Number(w[2 * i]), w[2 * i + 1]]);
    } finally {
      inB.dispose();
      outB.dispose();
    }
  });
}

describe("lookupMany in groups of 16", () => {
  const sizes = fc.oneof(fc.constantFrom(1, 2, 3, 15, 16, 17, 31, 32, 33, 64, 65, 127, 128, 129), fc.integer({ min: 1, max: 300 }));
  const listArb = sizes.chain((n) => fc.array(fc.bigInt({ min: 1n, max: 1n << 20n }), { minLength: n, maxLength: n }));

  it("the reference's pairs for every list size and offset count, from arrays and U64Buffers", () => {
    fc.assert(
      fc.property(listArb, fc.array(fc.nat(9_999), { maxLength: 70 }), fc.boolean(), (lens, picks, exact) => {
        let a = 0x1000n;
        const es: Entry[] = lens.map((len) => {
          const e = { addr: a, len };
          a += len + 0x1000n;
          return e;
        });
        const total = ref.total(es);
        // offsets at entry starts and last bytes (exact), or anywhere
        const starts: bigint[] = [];
        for (const e of es) starts.push((starts.at(-1) ?? 0n) + e.len);
        const offs = picks.map((p, i) =>
          exact ? (i % 2 ? starts[p % starts.length]! - 1n : starts[p % starts.length]! % total) : (total * BigInt(p)) / 10_000n,
        );
        const want = ref.lookupMany(es, offs);
        const l = RangeList.from(es, c);
        try {
          expect(pairs(l, offs, "array")).toEqual({ ok: true, value: want });
          expect(pairs(l, offs, "buffers")).toEqual({ ok: true, value: want });
        } finally {
          l.dispose();
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("an offset past the end is ERANGE naming its position, in a group or in the tail", () => {
    const es = Array.from({ length: 100 }, (_, i) => ({ addr: BigInt(i) * 0x10000n, len: 0x1000n }));
    const l = RangeList.from(es, c);
    const total = 100n * 0x1000n;
    for (const at of [0, 5, 15, 16, 31, 32, 40]) {
      for (const bad of [total, total + 1n, M]) {
        const offs = Array.from({ length: 41 }, (_, i) => (i === at ? bad : BigInt(i) * 0x800n));
        for (const how of ["array", "buffers"] as const) {
          const r = pairs(l, offs, how);
          expect(r).toMatchObject({ ok: false, code: "ERANGE" });
          expect(() => l.lookupMany(BigUint64Array.from(offs))).toThrow(`offset at position ${at} is past the end`);
        }
      }
    }
    l.dispose();
  });

  it("sums up to 2^64 - 1: the last byte of the address space is found", () => {
    const es = [{ addr: 0n, len: 1n << 63n }, ...Array.from({ length: 20 }, (_, i) => ({ addr: BigInt(i), len: 1n })), { addr: 0n, len: (1n << 63n) - 21n }];
    expect(ref.total(es)).toBe(M);
    const offs = Array.from({ length: 33 }, (_, i) => (i % 3 === 0 ? M - 1n : i % 3 === 1 ? (1n << 63n) + BigInt(i % 20) : BigInt(i)));
    const l = RangeList.from(es, c);
    expect(pairs(l, offs, "array")).toEqual({ ok: true, value: ref.lookupMany(es, offs) });
    expect(pairs(l, offs, "buffers")).toEqual({ ok: true, value: ref.lookupMany(es, offs) });
    l.dispose();
  });

  it("refuses a short result buffer, another core's buffer and a disposed one", () => {
    const l = RangeList.from([{ addr: 0n, len: 0x1000n }], c);
    const inB = buffer([1n, 2n, 3n]);
    const short = U64Buffer.allocate(5, c);
    expect(outcome(() => l.lookupMany(inB, short))).toMatchObject({ ok: false, code: "ERANGE", path: ["into.length"] });
    const other = U64Buffer.allocate(6, createCoreSync());
    expect(outcome(() => l.lookupMany(inB, other))).toMatchObject({ ok: false, code: "EXDEV" });
    other.dispose();
    short.dispose();
    expect(outcome(() => l.lookupMany(inB, short))).toMatchObject({ ok: false, code: "EBADF" });
    inB.dispose();
    l.dispose();
  });
});
