/**
 * RangeList.fromPages / Container.fromPages / appendPages against the kernel's page
 * builder: sg_alloc_table_from_pages_segment() and sg_alloc_append_table_from_pages() in
 * lib/scatterlist.c, and the kernel's own test table, tools/testing/scatterlist/main.c
 * (Linux tree; PAGE_SIZE 4096 there, tools/testing/scatterlist/linux/mm.h).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RangeList, type Entry } from "../../ts/core/range-list.js";
import { Container } from "../../ts/core/container.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { SEED, RUNS, core, outcome } from "../helpers.js";

const c = core();
const P = 4096;
const sgmax = 0xffff_ffff; // UINT_MAX, as main.c's `sgmax`

/**
 * Every row of main.c's `tests[]`: { alloc_ret, num_pages, pfn, pfn_app, size, max_seg,
 * expected_segments }. With pfn_app the first call passes left_pages = num_pages and the
 * second appends pfn_app with left_pages = 0; nents must then be expected_segments.
 */
const KERNEL_TABLE: [number, number, number[], number[] | null, number, number, number][] = [
  [-22, 1, [0], null, P, 0, 1],
  [0, 1, [0], null, P, P + 1, 1],
  [0, 1, [0], null, P, sgmax, 1],
  [0, 1, [0], null, 1, sgmax, 1],
  [0, 2, [0, 1], null, 2 * P, sgmax, 1],
  [0, 2, [1, 0], null, 2 * P, sgmax, 2],
  [0, 3, [0, 1, 2], null, 3 * P, sgmax, 1],
  [0, 3, [0, 1, 2], null, 3 * P, sgmax, 1],
  [0, 3, [0, 1, 2], [3, 4, 5], 3 * P, sgmax, 1],
  [0, 3, [0, 1, 2], [4, 5, 6], 3 * P, sgmax, 2],
  [0, 3, [0, 2, 1], null, 3 * P, sgmax, 3],
  [0, 3, [0, 1, 3], null, 3 * P, sgmax, 2],
  [0, 3, [1, 2, 4], null, 3 * P, sgmax, 2],
  [0, 3, [1, 3, 4], null, 3 * P, sgmax, 2],
  [0, 4, [0, 1, 3, 4], null, 4 * P, sgmax, 2],
  [0, 5, [0, 1, 3, 4, 5], null, 5 * P, sgmax, 2],
  [0, 5, [0, 1, 3, 4, 6], null, 5 * P, sgmax, 3],
  [0, 5, [0, 1, 2, 3, 4], null, 5 * P, sgmax, 1],
  [0, 5, [0, 1, 2, 3, 4], null, 5 * P, 2 * P, 3],
  [0, 6, [0, 1, 2, 3, 4, 5], null, 6 * P, 2 * P, 3],
  [0, 6, [0, 2, 3, 4, 5, 6], null, 6 * P, 2 * P, 4],
  [0, 6, [0, 1, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], 6 * P, 12 * P, 2],
];

/** The test harness's pages are (1 + pfn) * PAGE_SIZE, so page_to_pfn() is 1 + pfn. */
const harnessPfns = (xs: number[]) => xs.map((x) => BigInt(1 + x));

interface Sg {
  page: bigint;
  offset: bigint;
  length: bigint;
  end: boolean;
}

/** The scatterlist records of an sgt from pages, as laid out in wasm memory. */
function sgs(ct: Container): Sg[] {
  const w = ct.raw()!;
  const out: Sg[] = [];
  for (let i = 0; i < w.length; i += 4) {
    expect(w[i + 2]).toBe((w[i]! & ~3n) + (w[i + 1]! & 0xffff_ffffn)); // dma_address = page + offset
    expect(w[i + 3]).toBe(w[i + 1]! >> 32n); // dma_length = length
    out.push({ page: w[i]! & ~3n, offset: w[i + 1]! & 0xffff_ffffn, length: w[i + 1]! >> 32n, end: (w[i]! & 2n) !== 0n });
  }
  return out;
}

function entriesOf(l: RangeList): Entry[] {
  try {
    return l.entries();
  } finally {
    l.dispose();
  }
}

const P_ = BigInt(P);

/**
 * A literal port of sg_alloc_append_table_from_pages() (lib/scatterlist.c, the
 * page-array case) over a table of {pfn, offset, length} records, with the kernel's
 * unsigned int arithmetic. It is the oracle of the property tests below, which stay
 * inside the domain where the kernel's callers use it (see docs/pages.md).
 */
function kernelAppend(
  table: { sg: { pfn: bigint; offset: bigint; length: bigint }[] },
  pages0: bigint[],
  offset: bigint,
  size: bigint,
  maxSegment: bigint,
  prv: boolean,
): number {
  let pages = pages0;
  maxSegment = maxSegment & ~(P_ - 1n) & 0xffff_ffffn;
  if (maxSegment < P_) return -22;
  if (prv) {
    const last = table.sg[table.sg.length - 1]!;
    const nextPfn = (last.pfn * P_ + last.offset + last.length) / P_;
    if (offset) return -22;
    if (pages[0] === nextPfn) {
      let lastPg = nextPfn - 1n;
      while (pages.length && pages[0] === lastPg + 1n) {
        if (last.length + P_ > maxSegment) break;
        last.length += P_;
        lastPg = pages[0]!;
        pages = pages.slice(1);
      }
      if (!pages.length) return 0;
    }
  }
  const n = pages.length;
  let chunks = 1;
  let segLen = 0n;
  for (let i = 1; i < n; i++) {
    segLen += P_;
    if (segLen >= maxSegment || pages[i] !== pages[i - 1]! + 1n) {
      chunks++;
      segLen = 0n;
    }
  }
  let cur = 0;
  for (let i = 0; i < chunks; i++) {
    let j = cur + 1;
    segLen = 0n;
    for (; j < n; j++) {
      segLen += P_;
      if (segLen >= maxSegment || pages[j] !== pages[j - 1]! + 1n) break;
    }
    const chunkSize = (BigInt(j - cur) * P_ - offset) & 0xffff_ffffn;
    table.sg.push({ pfn: pages[cur]!, offset, length: size < chunkSize ? size : chunkSize });
    size = BigInt.asUintN(64, size - chunkSize);
    offset = 0n;
    cur = j;
  }
  return 0;
}

const asEntries = (t: { sg: { pfn: bigint; offset: bigint; length: bigint }[] }): Entry[] => t.sg.map((s) => ({ addr: s.pfn * P_ + s.offset, len: s.length }));

describe("the kernel's table (tools/testing/scatterlist/main.c), every row", () => {
  it.each(KERNEL_TABLE.map((row, i) => [i, ...row] as const))(
    "row %i: ret %i, %i pages %j, append %j, size %i, max_seg %i → %i segments",
    (_i, ret, num, pfn, app, size, maxSeg, expected) => {
      expect(pfn.length).toBe(num);
      const before = c.usage();
      if (ret) {
        const r = outcome(() => Container.fromPages(harnessPfns(pfn), { size, maxSegment: maxSeg }, c));
        expect(r).toMatchObject({ ok: false, code: "EINVAL", path: ["maxSegment"] });
        expect(outcome(() => RangeList.fromPages(harnessPfns(pfn), { size, maxSegment: maxSeg }, c))).toMatchObject({ ok: false, code: "EINVAL" });
        expect(c.usage()).toEqual(before);
        return;
      }
      const ct = Container.fromPages(harnessPfns(pfn), { size, maxSegment: maxSeg, leftPages: app ? num : 0 }, c);
      if (app) ct.appendPages(harnessPfns(app), { size, maxSegment: maxSeg });
      expect(ct.count).toBe(expected); // st.nents == expected_segments
      const recs = sgs(ct);
      expect(recs.map((r) => r.end)).toEqual(recs.map((_, k) => k === recs.length - 1)); // sg_mark_end on the last only
      if (!app) {
        const l = RangeList.fromPages(harnessPfns(pfn), { size, maxSegment: maxSeg }, c);
        expect(l.length).toBe(expected);
        expect(l.hash()).toBe(ct.hash());
        l.dispose();
      }
      ct.dispose();
      expect(c.usage()).toEqual(before);
    },
  );
});

describe("offsets, sizes and segment limits", () => {
  it("the first page's offset shortens the first entry and counts against max_segment", () => {
    // 4 contiguous pages, max 2 pages, data from byte 0x100 of the first page
    const es = entriesOf(RangeList.fromPages([10n, 11n, 12n, 13n], { offset: 0x100n, maxSegment: 2n * P_ }, c));
    expect(es).toEqual([
      { addr: 10n * P_ + 0x100n, len: 2n * P_ - 0x100n },
      { addr: 12n * P_, len: 2n * P_ },
    ]);
  });

  it("size cuts the last entry, and offset + size decides how many pages are needed", () => {
    const es = entriesOf(RangeList.fromPages([10n, 11n, 20n], { offset: 0x10n, size: 2n * P_ + 0x20n }, c));
    expect(es).toEqual([
      { addr: 10n * P_ + 0x10n, len: 2n * P_ - 0x10n },
      { addr: 20n * P_, len: 0x30n },
    ]);
    expect(outcome(() => RangeList.fromPages([10n, 11n, 20n], { size: 2n * P_ }, c))).toMatchObject({ ok: false, code: "EINVAL", path: ["size"] });
    expect(outcome(() => RangeList.fromPages([10n, 11n], { offset: 1n, size: 2n * P_ }, c))).toMatchObject({ ok: false, code: "EINVAL", path: ["size"] });
  });

  it("max_segment is rounded down to whole pages and capped at UINT_MAX", () => {
    const run = Array.from({ length: 7 }, (_, i) => BigInt(100 + i));
    expect(entriesOf(RangeList.fromPages(run, { maxSegment: 3n * P_ - 1n }, c)).map((e) => e.len)).toEqual([2n * P_, 2n * P_, 2n * P_, P_]);
    expect(entriesOf(RangeList.fromPages(run, { maxSegment: 1n << 40n }, c))).toEqual([{ addr: 100n * P_, len: 7n * P_ }]);
  });

  it("a run longer than UINT_MAX splits at 0xfffff000 (max_segment rounded to pages)", () => {
    const n = 0x100001; // 4 GiB + 4 KiB
    const pfns = new BigUint64Array(n).map((_, i) => BigInt(i + 1));
    const es = entriesOf(RangeList.fromPages(pfns, {}, c));
    expect(es).toEqual([
      { addr: P_, len: 0xffff_f000n },
      { addr: P_ + 0xffff_f000n, len: 2n * P_ },
    ]);
  });

  it("other page sizes: 16 KiB and 64 KiB pages", () => {
    expect(entriesOf(RangeList.fromPages([1n, 2n, 4n], { pageSize: 16384, offset: 8 }, c))).toEqual([
      { addr: 16384n + 8n, len: 2n * 16384n - 8n },
      { addr: 4n * 16384n, len: 16384n },
    ]);
    expect(entriesOf(RangeList.fromPages([7n], { pageSize: 65536n, size: 100n }, c))).toEqual([{ addr: 7n * 65536n, len: 100n }]);
  });

  it("bad arguments are EINVAL naming the argument (or the page), and change nothing", () => {
    const before = c.usage();
    const bad: [unknown[], object, (string | number)[]][] = [
      [[], {}, ["pages"]],
      [[1n], { maxSegment: 4095n }, ["maxSegment"]],
      [[1n], { offset: 4096n }, ["offset"]],
      [[1n], { size: 0n }, ["size"]],
      [[1n], { size: 4097n }, ["size"]],
      [[1n], { pageSize: 8192 + 1 }, ["pageSize"]],
      [[1n], { pageSize: 2048 }, ["pageSize"]],
      [[1n], { offset: -1 }, ["offset"]],
      [[1n], { size: 1.5 }, ["size"]],
      [[1n, -2], {}, ["pages[1]"]],
      [[1n, 1n << 64n], {}, ["pages[1]"]],
      [[1n, 1n << 52n], {}, [1]], // page 1's bytes pass 2^64 - 1 (checked in the core)
    ];
    for (const [pages, opts, path] of bad) {
      const r = outcome(() => RangeList.fromPages(pages as bigint[], opts, c));
      expect(r, String(path)).toMatchObject({ ok: false, code: "EINVAL", path });
      expect(outcome(() => Container.fromPages(pages as bigint[], opts, c))).toMatchObject({ ok: false, code: "EINVAL", path });
    }
    expect(() => RangeList.fromPages([1n], { maxSegment: 0n }, c)).toThrow(/below one page/);
    expect(c.usage()).toEqual(before);
  });
});

describe("appends (sg_alloc_append_table_from_pages)", () => {
  it("pages continuing the last entry grow it up to max_segment, the rest add entries; SG_END only once finished", () => {
    const ct = Container.fromPages([10n, 11n], { maxSegment: 4n * P_, leftPages: 5 }, c);
    expect(sgs(ct)).toEqual([{ page: 10n * P_, offset: 0n, length: 2n * P_, end: false }]);
    ct.appendPages([12n, 13n, 14n, 15n, 30n], { maxSegment: 4n * P_, leftPages: 1 });
    // 12, 13 fill the first entry to 4 pages; 14, 15 start a new one; 30 is not contiguous
    expect(sgs(ct)).toEqual([
      { page: 10n * P_, offset: 0n, length: 4n * P_, end: false },
      { page: 14n * P_, offset: 0n, length: 2n * P_, end: false },
      { page: 30n * P_, offset: 0n, length: P_, end: false },
    ]);
    ct.appendPages([31n], { maxSegment: 4n * P_, size: 10n });
    expect(sgs(ct).at(-1)).toEqual({ page: 30n * P_, offset: 0n, length: P_ + 10n, end: true });
    expect(ct.count).toBe(3);
    ct.dispose();
  });

  it("many appends grow the table (amortised) and read back like one build of all the pages", () => {
    const all: bigint[] = [];
    const ct = Container.fromPages([1000n], { leftPages: 1 }, c);
    all.push(1000n);
    for (let k = 0; k < 300; k++) {
      const pages = k % 3 === 0 ? [BigInt(2000 + 3 * k)] : [all.at(-1)! + 1n, all.at(-1)! + 2n];
      ct.appendPages(pages, { leftPages: k === 299 ? 0 : 1 });
      all.push(...pages);
    }
    const l = ct.toList();
    const one = RangeList.fromPages(all, {}, c);
    expect(l.entries()).toEqual(one.entries());
    l.dispose();
    one.dispose();
    ct.dispose();
  });

  it("refuses an append to a finished table, an sgt not from pages, another page size, an offset, or an entry cut inside a page; nothing changes", () => {
    const done = Container.fromPages([1n, 2n], {}, c);
    const open = Container.fromPages([1n, 2n], { leftPages: 2, size: 2n * P_ - 1n }, c);
    const open16k = Container.fromPages([1n], { leftPages: 1, pageSize: 16384 }, c);
    const list = RangeList.from([[0x1000n, 0x1000n]], c);
    const fromList = Container.fromList("sgt", list);
    const physvec = Container.fromList("physvec", list);
    const snapshot = (ct: Container) => [...ct.raw()!];
    const before = [done, open, open16k].map(snapshot);
    const usage = c.usage();
    for (const [ct, opts] of [
      [done, {}],
      [open, {}],
      [open16k, {}],
      [fromList, {}],
      [physvec, {}],
    ] as const) {
      const r = outcome(() => ct.appendPages([3n], opts));
      expect(r).toMatchObject({ ok: false, code: "EINVAL" });
    }
    expect(() => done.appendPages([3n])).toThrow(/cannot take an append/);
    const open2 = Container.fromPages([1n], { leftPages: 1 }, c);
    expect(outcome(() => open2.appendPages([2n], { offset: 8 }))).toMatchObject({ ok: false, code: "EINVAL", path: ["offset"] });
    expect(outcome(() => open2.appendPages([2n], { maxSegment: 100n }))).toMatchObject({ ok: false, code: "EINVAL", path: ["maxSegment"] });
    expect([done, open, open16k].map(snapshot)).toEqual(before);
    open2.dispose();
    expect(c.usage()).toEqual(usage);
    for (const x of [done, open, open16k, fromList, physvec, list]) x.dispose();
  });

  it("size applies to pages merged into the last entry too (the kernel adds whole pages there)", () => {
    const ct = Container.fromPages([5n], { leftPages: 1 }, c);
    ct.appendPages([6n], { size: 0x80n });
    expect(sgs(ct)).toEqual([{ page: 5n * P_, offset: 0n, length: P_ + 0x80n, end: true }]);
    ct.dispose();
  });
});

describe("against a literal port of the kernel's loops", () => {
  /** Page runs: each run starts somewhere (sometimes right after the previous one) and is 1..6 pages. */
  const pagesArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 12 }).map((runs) => {
    const out: bigint[] = [];
    let next = 50n;
    for (const [gap, len] of runs) {
      next += BigInt(gap === 0 ? 0 : gap * 7);
      for (let k = 0; k < len; k++) out.push(next++);
    }
    return out;
  });
  const maxSegArb = fc.oneof(
    fc.integer({ min: 1, max: 9 }).map((p) => BigInt(p * P + (p % 3) * 100)),
    fc.constant(0xffff_ffffn),
  );

  it("one build: the same entries for any pages, offset, size and max_segment", () => {
    fc.assert(
      fc.property(pagesArb, fc.integer({ min: 0, max: P - 1 }), fc.integer({ min: 1, max: P }), maxSegArb, (pages, offset, lastUsed, maxSeg) => {
        const size = BigInt(pages.length - 1) * P_ - BigInt(offset) + BigInt(lastUsed);
        if (size <= 0n) return;
        const t = { sg: [] as { pfn: bigint; offset: bigint; length: bigint }[] };
        expect(kernelAppend(t, pages, BigInt(offset), size, maxSeg, false)).toBe(0);
        const got = entriesOf(RangeList.fromPages(pages, { offset, size, maxSegment: maxSeg }, c));
        expect(got).toEqual(asEntries(t));
        const ct = Container.fromPages(pages, { offset, size, maxSegment: maxSeg }, c);
        expect(sgs(ct).map((s) => ({ pfn: s.page / P_, offset: s.offset, length: s.length }))).toEqual(t.sg);
        ct.dispose();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("appends of whole pages: the same table after every call", () => {
    fc.assert(
      fc.property(fc.array(pagesArb, { minLength: 2, maxLength: 5 }), maxSegArb, fc.boolean(), (calls, maxSeg, continueRuns) => {
        // optionally make each call start where the previous one ended, to exercise the merge
        const seq = calls.map((p) => [...p]);
        for (let k = 1; k < seq.length && continueRuns; k++) {
          const shift = seq[k - 1]!.at(-1)! + 1n - seq[k]![0]!;
          seq[k] = seq[k]!.map((x) => x + shift);
        }
        const t = { sg: [] as { pfn: bigint; offset: bigint; length: bigint }[] };
        let ct: Container | undefined;
        seq.forEach((pages, k) => {
          const left = k === seq.length - 1 ? 0 : 1;
          expect(kernelAppend(t, pages, 0n, BigInt(pages.length) * P_, maxSeg, k > 0)).toBe(0);
          if (!ct) ct = Container.fromPages(pages, { maxSegment: maxSeg, leftPages: left }, c);
          else ct.appendPages(pages, { maxSegment: maxSeg, leftPages: left });
          expect(sgs(ct).map((s) => ({ pfn: s.page / P_, offset: s.offset, length: s.length }))).toEqual(t.sg);
        });
        expect(sgs(ct!).at(-1)!.end).toBe(true);
        ct!.dispose();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("a DmaBufError is what bad input throws", () => {
    expect(() => RangeList.fromPages([1n], { maxSegment: 0 }, c)).toThrow(DmaBufError);
  });
});
