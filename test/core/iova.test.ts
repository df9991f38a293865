import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { IovaAllocator } from "../../ts/core/iova.js";
import { RangeList } from "../../ts/core/range-list.js";
import { RefIova } from "../../ts/reference/iova.js";
import { SEED, RUNS, core, outcome } from "../helpers.js";

const c = core();
const MB = 0x10_0000n;

describe("IOVA allocator", () => {
  it("is first fit, lowest address first, page granular", () => {
    const a = new IovaAllocator(c, 0x1_0000_0000n, 16n * MB);
    expect(a.alloc(1n)).toBe(0x1_0000_0000n); // one byte takes a page
    expect(a.alloc(0x2000n)).toBe(0x1_0000_1000n);
    expect(a.alloc(0x1000n)).toBe(0x1_0000_3000n);
    a.free(0x1_0000_1000n, 0x2000n);
    expect(a.alloc(0x3000n)).toBe(0x1_0000_4000n); // the 2-page hole is too small
    expect(a.alloc(0x1000n)).toBe(0x1_0000_1000n); // lowest hole that fits
    expect(a.alloc(0x1000n)).toBe(0x1_0000_2000n);
    a.dispose();
  });

  it("reuses freed space and merges neighbours back to one extent", () => {
    const a = new IovaAllocator(c, 0n, 1n * MB);
    const regions = Array.from({ length: 16 }, () => a.alloc(0x10000n));
    expect(a.stats()).toMatchObject({ free: 0n, extents: 0, regions: 16 });
    expect(outcome(() => a.alloc(0x1000n))).toMatchObject({ ok: false, code: "ENOMEM" });
    for (const r of regions.filter((_, i) => i % 2)) a.free(r, 0x10000n);
    expect(a.stats()).toMatchObject({ extents: 8, largest: 0x10000n });
    expect(outcome(() => a.alloc(0x20000n))).toMatchObject({ ok: false, code: "ENOMEM" }); // fragmented
    for (const r of regions.filter((_, i) => i % 2 === 0)) a.free(r, 0x10000n);
    expect(a.pristine()).toBe(true);
    expect(a.alloc(MB)).toBe(0n);
    a.dispose();
  });

  it("exhaustion is ENOMEM and leaves the allocator unchanged; bad frees are EINVAL", () => {
    const a = new IovaAllocator(c, 0x4000_0000n, 0x10_0000n);
    a.alloc(0x8000n);
    const s = a.stats();
    expect(outcome(() => a.alloc(0x10_0000n))).toMatchObject({ ok: false, code: "ENOMEM" });
    expect(a.stats()).toEqual(s);
    expect(outcome(() => a.free(0x4000_8000n, 0x1000n))).toMatchObject({ ok: false, code: "EINVAL" }); // free space
    expect(outcome(() => a.free(0x3fff_f000n, 0x1000n))).toMatchObject({ ok: false, code: "EINVAL" }); // outside
    expect(outcome(() => a.free(0x4000_0800n, 0x1000n))).toMatchObject({ ok: false, code: "EINVAL" }); // unaligned
    expect(outcome(() => a.free(0x4000_4000n, 0x8000n))).toMatchObject({ ok: false, code: "EINVAL" }); // half free
    expect(a.stats()).toEqual(s);
    expect(outcome(() => new IovaAllocator(c, 0x800n, 0x1000n))).toMatchObject({ ok: false, code: "EINVAL" });
    expect(outcome(() => new IovaAllocator(c, 0xffff_ffff_ffff_f000n, 0x2000n))).toMatchObject({ ok: false, code: "EINVAL" });
    a.dispose();
  });

  it("agrees with the reference allocator on random sequences", () => {
    const step = fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 40 }), fc.nat());
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const a = new IovaAllocator(c, 0x10_0000n, 0x40000n * 4n);
        const r = new RefIova(0x10_0000n, 0x40000n * 4n);
        const live: [bigint, bigint][] = [];
        for (const [isAlloc, pages, pick] of steps) {
          if (isAlloc || !live.length) {
            const size = BigInt(pages) * 0x1000n - BigInt(pick % 0x1000);
            const got = outcome(() => a.alloc(size));
            expect(got).toEqual(outcome(() => r.alloc(size)));
            if (got.ok) live.push([got.value, size]);
          } else {
            const [addr, size] = live.splice(pick % live.length, 1)[0]!;
            a.free(addr, size);
            r.release(addr, size);
          }
          const st = a.stats();
          expect(st.free).toBe(r.free.reduce((s, x) => s + x.len, 0n));
          expect(st.extents).toBe(r.free.length);
        }
        for (const [addr, size] of live) a.free(addr, size);
        expect(a.pristine()).toBe(true);
        a.dispose();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("mapEach gives each range its own region, all or nothing", () => {
    const a = new IovaAllocator(c, 0x1000_0000n, 0x10000n);
    const l = RangeList.from([
      [0x9000_0000n, 0x4000n],
      [0x9100_0000n, 0x8000n],
    ]);
    const m = a.mapEach(l);
    expect(m.entries()).toEqual([
      { addr: 0x1000_0000n, len: 0x4000n },
      { addr: 0x1000_4000n, len: 0x8000n },
    ]);
    const s = a.stats();
    expect(outcome(() => a.mapEach(l))).toMatchObject({ ok: false, code: "ENOMEM" });
    expect(a.stats()).toEqual(s);
    const bad = RangeList.from([
      [0x1000_0000n, 0x4000n],
      [0x1000_c000n, 0x1000n],
    ]);
    expect(outcome(() => a.unmapEach(bad))).toMatchObject({ ok: false, code: "EINVAL" });
    expect(a.stats()).toEqual(s);
    a.unmapEach(m);
    expect(a.pristine()).toBe(true);
    for (const x of [a, l, m, bad]) x.dispose();
  });

  it("stays O(log n): 100k live regions then frees in a scattered order", () => {
    const a = new IovaAllocator(c, 0n, 1n << 40n);
    const n = 100_000;
    const addrs = Array.from({ length: n }, () => a.alloc(0x1000n));
    expect(addrs[n - 1]).toBe(BigInt(n - 1) * 0x1000n);
    for (let i = 0; i < n; i += 2) a.free(addrs[i]!, 0x1000n);
    expect(a.stats().extents).toBe(n / 2 + 1);
    for (let i = 1; i < n; i += 2) a.free(addrs[i]!, 0x1000n);
    expect(a.pristine()).toBe(true);
    a.dispose();
  });
});
