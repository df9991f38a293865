import { describe, expect, it } from "vitest";
import { RangeList } from "../../ts/core/range-list.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { createCoreSync, wasm } from "../../ts/core/loader.js";
import { STATUS } from "../../ts/core/abi.js";
import * as ref from "../../ts/reference/ops.js";
import { BIG_N, core, outcome } from "../helpers.js";

const M = 0xffff_ffff_ffff_ffffn;
core();

describe("edge cases", () => {
  it("empty list: total 0, hash is the FNV basis, lookup is ERANGE, slice(0, 0) is empty", () => {
    const l = RangeList.from([]);
    expect(l.length).toBe(0);
    expect(l.total()).toBe(0n);
    expect(l.hash()).toBe(0xcbf29ce484222325n);
    expect(outcome(() => l.lookup(0n))).toMatchObject({ ok: false, code: "ERANGE" });
    expect(l.slice(0n, 0n).entries()).toEqual([]);
    expect(l.coalesce().entries()).toEqual([]);
    expect(l.split(4096n).entries()).toEqual([]);
    l.dispose();
  });

  it("len = 0 is EINVAL naming the entry", () => {
    const l = RangeList.from([
      [0x1000n, 0x1000n],
      [0x2000n, 0n],
    ]);
    const e = outcome(() => l.validate());
    expect(e).toEqual({ ok: false, code: "EINVAL", path: [1] });
    expect(() => l.validate()).toThrow(/entry 1: zero length/);
    expect(outcome(() => l.split(4096n))).toMatchObject({ ok: false, code: "EINVAL", path: [1] });
    l.dispose();
  });

  it("addr + len wrapping at 2^64 is EINVAL; ending exactly at 2^64 - 1 is fine", () => {
    const ok = RangeList.from([[M - 0xfffn, 0x1000n]]);
    ok.validate(4096n);
    expect(() => RangeList.from([[M - 0xffen, 0xfffn]]).validate(4096n)).toThrow(/entry 0: addr not aligned/);
    expect(ok.total()).toBe(0x1000n);
    const wrap = RangeList.from([[M - 0xfffn, 0x1001n]]);
    expect(() => wrap.validate()).toThrow(/wraps/);
    ok.dispose();
    wrap.dispose();
  });

  it("total past 2^64 - 1 is EOVERFLOW", () => {
    const l = RangeList.from([
      [0n, M],
      [0n, 2n],
    ]);
    expect(outcome(() => l.total())).toMatchObject({ ok: false, code: "EOVERFLOW" });
    l.dispose();
  });

  it("split with maxSeg = 1 gives one-byte pieces; maxSeg 0 and a non 2^k-1 mask are EINVAL", () => {
    const l = RangeList.from([[0x10n, 5n]]);
    expect(l.split(1n).entries()).toEqual([0x10n, 0x11n, 0x12n, 0x13n, 0x14n].map((addr) => ({ addr, len: 1n })));
    expect(outcome(() => l.split(0n))).toMatchObject({ ok: false, code: "EINVAL", path: [] });
    expect(outcome(() => l.split(8n, 0x1234n))).toMatchObject({ ok: false, code: "EINVAL" });
    l.dispose();
  });

  it("a split into more pieces than a list holds is ENOMEM at once, in every counting path, and a bad entry is still EINVAL first", () => {
    // 2^63 + 2^63 pieces wrapped the u64 count to 0 (then the write ran out of bounds);
    // maxSeg <= mask counted 2^63 pieces one by one
    const h = 1n << 63n;
    const l = RangeList.from([
      [0n, h],
      [h, h],
    ]);
    const before = core().usage();
    for (const [maxSeg, mask] of [
      [1n, M],
      [2n, 0n],
      [M, 1n],
      [1n, 0xffffn],
      [0x1000n, 0xfffn],
    ] as const) {
      expect(outcome(() => l.split(maxSeg, mask))).toMatchObject({ ok: false, code: "ENOMEM" });
    }
    expect(core().usage()).toEqual(before);
    const bad = RangeList.from([
      [0n, h],
      [h, h],
      [0x1000n, 0n],
    ]);
    for (const [maxSeg, mask] of [
      [1n, M],
      [2n, 0n],
      [1n, 0xffffn],
    ] as const) {
      expect(outcome(() => bad.split(maxSeg, mask))).toMatchObject({ ok: false, code: "EINVAL", path: [2] });
    }
    l.dispose();
    bad.dispose();
  });

  it("boundary masks cut at every (mask + 1) boundary", () => {
    const l = RangeList.from([[0xf000n, 0x3000n]]);
    expect(l.split(M, 0xffffn).entries()).toEqual([
      { addr: 0xf000n, len: 0x1000n },
      { addr: 0x10000n, len: 0x2000n },
    ]);
    expect(
      l
        .split(0x1800n, 0xfffn)
        .entries()
        .map((e) => e.len),
    ).toEqual([0x1000n, 0x1000n, 0x1000n]);
    l.dispose();
  });

  it("an entry longer than UINT_MAX splits into UINT_MAX pieces (fill_sg_entry)", () => {
    const l = RangeList.from([[0x1_0000_0000n, 0x2_0000_0000n]]);
    const s = l.split(0xffff_ffffn);
    expect(s.entries()).toEqual(ref.split(l.entries(), 0xffff_ffffn));
    expect(s.length).toBe(3);
    expect(s.entries()[2]!.len).toBe(2n);
    l.dispose();
    s.dispose();
  });

  it("slices at the list ends and lookup at the last byte and one past it", () => {
    const l = RangeList.from([
      [0x1000n, 0x1000n],
      [0x8000n, 0x2000n],
    ]);
    expect(l.slice(0n, 0x1n).entries()).toEqual([{ addr: 0x1000n, len: 1n }]);
    expect(l.slice(0x2fffn, 1n).entries()).toEqual([{ addr: 0x9fffn, len: 1n }]);
    expect(l.slice(0x0n, 0x3000n).entries()).toEqual(l.entries());
    expect(l.slice(0x3000n, 0n).entries()).toEqual([]);
    expect(outcome(() => l.slice(0x2fffn, 2n))).toMatchObject({ ok: false, code: "ERANGE" });
    expect(outcome(() => l.slice(0x3001n, 0n))).toMatchObject({ ok: false, code: "ERANGE" });
    expect(l.lookup(0x2fffn)).toEqual({ index: 1, offset: 0x1fffn });
    expect(outcome(() => l.lookup(0x3000n))).toMatchObject({ ok: false, code: "ERANGE" });
    l.dispose();
  });

  it("a list changed through view() is seen after touch()", () => {
    const l = RangeList.from([[0n, 0x1000n]]);
    expect(l.lookup(0xfffn).index).toBe(0);
    l.view()[1] = 0x10n;
    l.touch();
    expect(outcome(() => l.lookup(0xfffn))).toMatchObject({ ok: false, code: "ERANGE" });
    l.dispose();
  });
});

describe("handles and memory", () => {
  it("use after dispose is a DmaBufError EBADF, and a stale handle is refused by the core", () => {
    const c = core();
    const l = RangeList.from([[0n, 1n]]);
    const h = l.handle;
    l.dispose();
    expect(() => l.total()).toThrow(DmaBufError);
    expect(outcome(() => l.hash())).toMatchObject({ ok: false, code: "EBADF" });
    l.dispose(); // harmless twice
    // the raw handle is dead too, even after its slot is reused
    const m = RangeList.from([[0n, 2n]]);
    const e = wasm(c);
    expect(e.list_total(h)).toBe(STATUS.EBADF);
    expect(e.list_total(0)).toBe(STATUS.EBADF);
    expect(e.list_total(0x7fff_ffff)).toBe(STATUS.EBADF);
    expect(e.ct_free(m.handle)).toBe(STATUS.EBADF); // a list is not a container
    m.dispose();
  });

  it("memory grows in the middle of work and no stale view is used", () => {
    const c = createCoreSync();
    RangeList.from([], c).dispose(); // the handle table is allocated once, then stays
    const base = c.usage();
    const a = RangeList.from(
      [
        [0x1000n, 0x1000n],
        [0x3000n, 0x1000n],
      ],
      c,
    );
    const v1 = a.view();
    const before = c.memory.buffer;
    // force growth: a list far larger than the initial memory
    const big = RangeList.allocate(1 << 18, c);
    expect(c.memory.buffer).not.toBe(before);
    expect(v1.length).toBe(0); // the old view is detached: using it would be the bug
    expect(c.viewsCurrent()).toBe(true); // allocate read OUT after growing: through rebuilt views
    // every read after growth goes through fresh views
    expect(a.entries()).toEqual([
      { addr: 0x1000n, len: 0x1000n },
      { addr: 0x3000n, len: 0x1000n },
    ]);
    expect(a.total()).toBe(0x2000n); // OUT is read through the rebuilt view
    expect(c.viewsCurrent()).toBe(true);
    const it = a.chunks(0x800n);
    expect(it.next().value).toEqual([0x1000n, 0x800n]);
    const grow = RangeList.allocate(1 << 20, c); // grows again between two chunks
    expect([...it]).toEqual([
      [0x1800n, 0x800n],
      [0x3000n, 0x800n],
      [0x3800n, 0x800n],
    ]);
    for (const x of [a, big, grow]) x.dispose();
    expect(c.usage()).toEqual(base);
  });

  it(`a ${BIG_N.toLocaleString("en-US")}-entry list works end to end`, () => {
    const n = BIG_N;
    const words = new BigUint64Array(2 * n);
    for (let i = 0; i < n; i++) {
      words[2 * i] = BigInt(i) * 0x2000n;
      words[2 * i + 1] = i % 3 === 0 ? 0x2000n : 0x1000n; // some neighbours adjacent
    }
    const l = RangeList.fromBigUint64Array(words);
    expect(l.length).toBe(n);
    l.validate(4096n);
    const co = l.coalesce();
    const es = l.entries();
    expect(co.length).toBe(ref.coalesce(es).length);
    expect(l.hash()).toBe(ref.hash(es));
    expect(l.lookup(l.total() - 1n).index).toBe(n - 1);
    const sp = l.split(0x1000n);
    expect(sp.length).toBe(n + Math.ceil(n / 3));
    for (const x of [l, co, sp]) x.dispose();
  });
});
