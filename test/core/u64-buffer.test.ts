/**
 * U64Buffer: page frame numbers written straight into wasm memory for the page builder.
 * RangeList.fromPages and Container.fromPages must give the same entries (or the same
 * error, naming the same page) from a U64Buffer as from a copied BigUint64Array, which
 * the core builds in one pass (assembly/pages.ts walkOnce: runs found two pages per step,
 * the pages checked on the way) — for runs of every length at every lane position,
 * max_segment cuts, and hostile page numbers (0, 2^64 - 1, the last valid one, wrapping).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RangeList } from "../../ts/core/range-list.js";
import { Container } from "../../ts/core/container.js";
import { U64Buffer } from "../../ts/core/u64-buffer.js";
import { createCoreSync } from "../../ts/core/loader.js";
import { SEED, RUNS, core, outcome } from "../helpers.js";

const c = core();
const M = (1n << 64n) - 1n;
const TOP = M >> 12n; // the last page frame number whose 4 KiB bytes stay below 2^64

function pageArray(words: readonly bigint[]): U64Buffer {
  const pa = U64Buffer.allocate(words.length, c);
  pa.view().set(words);
  return pa;
}

/** What fromPages gives: the entries, or the error code and path. */
function built(pfns: U64Buffer | BigUint64Array, opts: { size?: bigint; offset?: bigint; maxSegment?: bigint }) {
  return outcome(() => {
    const l = RangeList.fromPages(pfns, opts, c);
    try {
      return l.entries();
    } finally {
      l.dispose();
    }
  });
}

/** The same through Container.fromPages (sgt_append_pages: the checks, then the kernel's
 *  count and fill loops, two passes), read back as entries: the old path to compare with. */
function viaSgt(pfns: BigUint64Array, opts: { size?: bigint; offset?: bigint; maxSegment?: bigint }) {
  return outcome(() => {
    const ct = Container.fromPages(pfns, opts, c);
    const l = ct.toList();
    ct.dispose();
    try {
      return l.entries();
    } finally {
      l.dispose();
    }
  });
}

describe("U64Buffer", () => {
  const special = fc.constantFrom(0n, 1n, TOP, TOP + 1n, M, M - 1n, 1n << 52n);
  const run = fc.tuple(fc.oneof(fc.bigInt({ min: 0n, max: 1n << 40n }), special), fc.integer({ min: 1, max: 9 }));
  const pagesArb = fc
    .array(run, { minLength: 1, maxLength: 10 })
    .map((runs) => runs.flatMap(([s, k]) => Array.from({ length: k }, (_, i) => BigInt.asUintN(64, s + BigInt(i)))));
  const maxSeg = fc.constantFrom(0xffff_ffffn, 0x1000n, 0x2000n, 0x3000n, 0x5000n);

  it("builds what the two-pass sgt builder and a copied BigUint64Array build: the same entries or the same error", () => {
    fc.assert(
      fc.property(pagesArb, maxSeg, fc.integer({ min: 0, max: 4095 }), (pages, m, offset) => {
        const size = BigInt(pages.length) * 4096n - BigInt(offset) - 1n;
        const opts = { maxSegment: m, offset: BigInt(offset), size };
        const pa = pageArray(pages);
        try {
          const want = viaSgt(BigUint64Array.from(pages), opts);
          expect(built(pa, opts)).toEqual(want);
          expect(built(BigUint64Array.from(pages), opts)).toEqual(want);
        } finally {
          pa.dispose();
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("a page past the last valid one is EINVAL naming it, at every position of long runs", () => {
    for (let at = 0; at < 40; at++) {
      const pages = Array.from({ length: 40 }, (_, i) => (i === at ? TOP + 1n : 100n + BigInt(i)));
      const pa = pageArray(pages);
      expect(built(pa, {})).toEqual({ ok: false, code: "EINVAL", path: [at] });
      expect(built(BigUint64Array.from(pages), {})).toEqual({ ok: false, code: "EINVAL", path: [at] });
      pa.dispose();
    }
    // runs that reach the top: TOP is fine, the page after it wraps
    const pa = pageArray([TOP - 2n, TOP - 1n, TOP]);
    expect(built(pa, {})).toEqual({ ok: true, value: [{ addr: (TOP - 2n) << 12n, len: 3n * 4096n }] });
    pa.dispose();
  });

  it("contiguous runs longer than max_segment are cut as the kernel cuts them", () => {
    const pages = Array.from({ length: 1001 }, (_, i) => 7n + BigInt(i));
    const pa = pageArray(pages);
    for (const m of [0x1000n, 0x3000n, 0x10_0000n, 0xffff_ffffn]) {
      const got = built(pa, { maxSegment: m });
      expect(got).toEqual(built(BigUint64Array.from(pages), { maxSegment: m }));
      expect(got.ok && got.value.length).toBe(Math.ceil(1001 / Number(m / 0x1000n)));
    }
    pa.dispose();
  });

  it("Container.fromPages and appendPages take it too; its core is the default", () => {
    const pa = pageArray([1n, 2n, 3n, 9n]);
    const a = Container.fromPages(pa, { leftPages: 1 });
    a.appendPages(pa);
    const b = Container.fromPages([1n, 2n, 3n, 9n, 1n, 2n, 3n, 9n], {}, c);
    const [la, lb] = [a.toList(), b.toList()];
    expect(la.entries()).toEqual(lb.entries());
    la.dispose();
    lb.dispose();
    a.dispose();
    b.dispose();
    pa.dispose();
  });

  it("refuses n outside 1..2^28, another core's array, and use after dispose()", () => {
    expect(outcome(() => U64Buffer.allocate(1.5, c))).toMatchObject({ ok: false, code: "EINVAL" });
    for (const n of [0, -1, 2 ** 28 + 1]) expect(outcome(() => U64Buffer.allocate(n, c))).toMatchObject({ ok: false, code: "ERANGE" });
    const other = createCoreSync();
    const pa = U64Buffer.allocate(2, other);
    expect(outcome(() => RangeList.fromPages(pa, {}, c))).toMatchObject({ ok: false, code: "EXDEV" });
    pa.dispose();
    expect(outcome(() => RangeList.fromPages(pa, {}))).toMatchObject({ ok: false, code: "EBADF" });
    expect(outcome(() => pa.view())).toMatchObject({ ok: false, code: "EBADF" });
  });

  it("a new U64Buffer is all zero and its view sees the core's memory", () => {
    const pa = U64Buffer.allocate(3, c);
    expect([...pa.view()]).toEqual([0n, 0n, 0n]);
    pa.view()[1] = 1n;
    const l = RangeList.fromPages(pa);
    expect(l.entries()).toEqual([
      { addr: 0n, len: 0x2000n },
      { addr: 0n, len: 0x1000n },
    ]);
    l.dispose();
    pa.dispose();
  });
});
