import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RangeList, type Entry } from "../../ts/core/range-list.js";
import { Container, CONTAINER_KINDS, type ContainerKind } from "../../ts/core/container.js";
import { createCoreSync } from "../../ts/core/loader.js";
import * as ref from "../../ts/reference/ops.js";
import { SEED, RUNS, core, outcome } from "../helpers.js";
import { validList, pageList } from "../arbitraries.js";

const c = core();
const opts = { seed: SEED, numRuns: Math.max(20, RUNS / 4) };
const M = 0xffff_ffff_ffff_ffffn;

/** What reading a container of `kind` built from `es` must give back. */
const expected = (kind: ContainerKind, es: Entry[]) => (kind === "sgt" ? ref.sgtEntries(es) : es);

function read(ct: Container): Entry[] {
  const l = ct.toList();
  try {
    return l.entries();
  } finally {
    l.dispose();
  }
}

/** Nodes of a 64-way radix tree holding `indices`, computed from first principles. */
function radixNodes(indices: bigint[]): number {
  if (!indices.length) return 0;
  const maxIdx = indices.reduce((a, b) => (a > b ? a : b));
  let levels = 1;
  while (levels < 11 && maxIdx >> BigInt(6 * levels) !== 0n) levels++;
  let nodes = 0;
  for (let lv = 0; lv < levels; lv++) {
    // a node at shift 6*lv exists for each distinct index >> (6*lv + 6)
    nodes += new Set(indices.map((i) => i >> BigInt(6 * lv + 6))).size;
  }
  return nodes;
}

describe("containers are representation only", () => {
  it("every kind reads back the entries it was built from, with the same hash and count", () => {
    fc.assert(
      fc.property(fc.oneof(pageList(60), validList(20)), (es) => {
        const l = RangeList.from(es);
        for (const kind of CONTAINER_KINDS) {
          if (kind === "sgt" && es.some((e) => e.len > 0xffff_ffffn * 1000n)) continue;
          const ct = Container.fromList(kind, l);
          const want = expected(kind, es);
          expect(read(ct)).toEqual(want);
          expect(ct.count).toBe(want.length);
          expect(ct.hash()).toBe(ref.hash(want));
          expect([...ct.chunks()].map(([addr, len]) => ({ addr, len }))).toEqual(want);
          ct.dispose();
        }
        l.dispose();
      }),
      opts,
    );
  });

  it("all 5x5 conversions round-trip losslessly", () => {
    fc.assert(
      fc.property(pageList(40), (es) => {
        const l = RangeList.from(es);
        for (const from of CONTAINER_KINDS) {
          const a = Container.fromList(from, l);
          for (const to of CONTAINER_KINDS) {
            const b = a.convert(to);
            const back = b.convert(from);
            expect(b.kind).toBe(to);
            expect(read(b)).toEqual(es);
            expect(read(back)).toEqual(es);
            expect(b.hash()).toBe(l.hash());
            b.dispose();
            back.dispose();
          }
          a.dispose();
        }
        l.dispose();
      }),
      { seed: SEED, numRuns: 15 },
    );
  });

  it("ranges stores struct range with an inclusive end, also for an entry ending at 2^64 - 1", () => {
    const es = [
      { addr: M - 0xfffn, len: 0x1000n },
      { addr: 0n, len: 1n },
      { addr: 1n, len: M },
    ];
    const l = RangeList.from(es);
    const r = Container.fromList("ranges", l, { data: 7n });
    expect(read(r)).toEqual(es);
    expect(r.header()).toEqual({ data: 7n });
    // the records in wasm memory are struct range {start, end} with an inclusive end
    expect([...r.raw()!]).toEqual([M - 0xfffn, M, 0n, 0n, 1n, M]);
    expect(r.lookup(0xfffn)).toEqual({ index: 0, offset: 0xfffn });
    expect(r.lookup(0x1000n)).toEqual({ index: 1, offset: 0n });
    r.dispose();
    l.dispose();
  });

  it("sgt splits entries over UINT_MAX and honours the importer's segment limits", () => {
    const l = RangeList.from([
      { addr: 0x1_0000_0000n, len: 0x1_8000_0000n },
      { addr: 0x10_0000_0000n, len: 0x30000n },
    ]);
    const s = Container.fromList("sgt", l);
    expect(read(s)).toEqual(ref.sgtEntries(l.entries()));
    // 32-byte scatterlists: page_link 0 (SG_END = 2 on the last), no page, dma_address, dma_length
    const raw = [...s.raw()!];
    expect(raw.slice(0, 4)).toEqual([0n, 0n, 0x1_0000_0000n, 0xffff_ffffn]);
    expect(raw.slice(8, 12)).toEqual([2n, 0n, 0x10_0000_0000n, 0x30000n]);
    expect(s.count).toBe(3);
    expect(s.hash()).not.toBe(l.hash()); // the documented exception
    const limited = Container.fromList("sgt", l, { maxSegment: 0x10000n, boundaryMask: 0xffff_ffffn });
    expect(read(limited)).toEqual(ref.split(l.entries(), 0x10000n, 0xffff_ffffn));
    for (const x of [s, limited, l]) x.dispose();
  });

  it("physvec keeps its provider through conversions to itself", () => {
    const l = RangeList.from([[0x3800_0000_0000n, 0x1000n]]);
    const p = Container.fromList("physvec", l, { provider: { owner: 3, busOffset: M - 0x37ff_8000_0000n + 1n } });
    expect(p.header()).toEqual({ provider: { owner: 3, busOffset: M - 0x37ff_8000_0000n + 1n } });
    const q = p.convert("physvec");
    expect(q.header()).toEqual(p.header());
    for (const x of [p, q, l]) x.dispose();
  });

  it("invalid entries are EINVAL naming the entry, for every kind", () => {
    const l = RangeList.from([
      [0x1000n, 0x1000n],
      [0x5000n, 0n],
    ]);
    for (const kind of CONTAINER_KINDS) {
      expect(outcome(() => Container.fromList(kind, l))).toMatchObject({ ok: false, code: "EINVAL", path: [1] });
    }
    l.dispose();
  });

  it("container lookup by byte offset walks the entries", () => {
    fc.assert(
      fc.property(pageList(30), fc.nat(999), (es, f) => {
        if (!es.length) return;
        const l = RangeList.from(es);
        const off = (ref.total(es) * BigInt(f)) / 1000n;
        for (const kind of CONTAINER_KINDS) {
          const ct = Container.fromList(kind, l);
          expect(ct.lookup(off)).toEqual(ref.lookup(es, off));
          expect(outcome(() => ct.lookup(ref.total(es)))).toMatchObject({ ok: false, code: "ERANGE" });
          ct.dispose();
        }
        l.dispose();
      }),
      opts,
    );
  });
});

describe("xarray is a 64-way radix tree", () => {
  it("sparse indices 0, 63, 64, 4095, 2^20 iterate in index order with the radix node count", () => {
    const x = Container.xarray(c);
    const idx = [1n << 20n, 64n, 0n, 4095n, 63n];
    idx.forEach((i) => expect(x.xaStore(i, i * 0x1000n, 0x1000n)).toBe(true));
    expect(x.xaInfo()).toEqual({ nodes: radixNodes(idx), height: 4, entries: 5 });
    expect(radixNodes(idx)).toBe(9);
    expect([...x.chunks()].map(([a]) => a / 0x1000n)).toEqual([0n, 63n, 64n, 4095n, 1n << 20n]);
    expect(x.xaLoad(4095n)).toEqual({ addr: 4095n * 0x1000n, len: 0x1000n });
    expect(x.xaLoad(4094n)).toBeUndefined();
    expect(x.xaStore(64n, 1n, 2n)).toBe(false); // replace
    expect(x.xaLoad(64n)).toEqual({ addr: 1n, len: 2n });
    x.dispose();
  });

  it("random stores and erases agree with a Map and the node count stays that of the tree", () => {
    const index = fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: 1n << 40n }), fc.constantFrom(M, M - 63n, 1n << 60n));
    const op = fc.tuple(fc.boolean(), index);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const x = Container.xarray(c);
        const model = new Map<bigint, bigint>();
        const before = c.usage();
        for (const [store, i] of ops) {
          if (store) {
            expect(x.xaStore(i, i, 1n)).toBe(!model.has(i));
            model.set(i, i);
          } else {
            expect(x.xaErase(i)).toBe(model.delete(i));
          }
        }
        const keys = [...model.keys()].sort((a, b) => (a < b ? -1 : 1));
        expect([...x.chunks()].map(([a]) => a)).toEqual(keys);
        expect(x.count).toBe(keys.length);
        // without erases the tree has exactly the radix node count
        if (ops.every(([s]) => s)) expect(x.xaInfo().nodes).toBe(radixNodes(keys));
        for (const k of keys) x.xaErase(k);
        expect(x.xaInfo().nodes).toBe(0);
        x.dispose();
        expect(c.usage().bytes).toBeLessThanOrEqual(before.bytes);
      }),
      opts,
    );
  });
});

describe("reading containers back in batches", () => {
  it("a sparse xarray reads back in index order through hash, toList, lookup and chunks, across read batches and cursor calls", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })), { maxLength: 300 }),
        fc.integer({ min: 1, max: 5 }),
        (indices, pages) => {
          const xa = Container.xarray(c);
          const model = new Map<bigint, Entry>();
          for (const i of indices) {
            const e = { addr: (i % 1000n) * 0x10000n, len: BigInt(pages) * 0x1000n };
            xa.xaStore(i, e.addr, e.len);
            model.set(i, e);
          }
          const inOrder = [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((k) => model.get(k)!);
          const expected = RangeList.from(inOrder, c);
          expect(xa.hash()).toBe(expected.hash());
          const back = xa.toList();
          expect(back.entries()).toEqual(inOrder);
          // 4 KiB chunks: more than one cursor call (4096 chunks each) for the larger cases
          const chunks = [...xa.chunks(0x1000n)];
          expect(chunks.length).toBe(inOrder.length * pages);
          expect(chunks.filter((_, k) => k % pages === 0).map(([a]) => a)).toEqual(inOrder.map((e) => e.addr));
          if (inOrder.length) expect(xa.lookup(BigInt(inOrder.length - 1) * BigInt(pages) * 0x1000n)).toEqual({ index: inOrder.length - 1, offset: 0n });
          for (const o of [xa, expected, back]) o.dispose();
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("every kind reads back a list longer than several read batches, also through chunks split across cursor calls", () => {
    const l = RangeList.from([[0x1_0000_0000n, 5000n * 0x1000n]], c).split(0x1000n);
    for (const kind of CONTAINER_KINDS) {
      const ct = Container.fromList(kind, l);
      expect([kind, ct.hash()]).toEqual([kind, l.hash()]);
      let n = 0;
      let next = 0x1_0000_0000n;
      for (const [a, len] of ct.chunks(0x800n)) {
        expect(a).toBe(next);
        next = a + len;
        n++;
      }
      expect(n).toBe(10_000);
      ct.dispose();
    }
    l.dispose();
  });
});

describe("memory accounting and limits", () => {
  it("bytes per entry for each container (measured, printed for the README)", () => {
    const n = 65536;
    const es = Array.from({ length: n }, (_, i) => ({ addr: BigInt(i) * 0x2000n, len: 0x1000n }));
    const l = RangeList.from(es);
    const per: Record<string, number> = {};
    for (const kind of CONTAINER_KINDS) {
      const before = c.usage().bytes;
      const ct = Container.fromList(kind, l);
      const grew = c.usage().bytes - before;
      expect(ct.bytes()).toBe(grew); // what bytes() reports is what the heap gave out
      per[kind] = Number(grew) / n;
      ct.dispose();
    }
    expect(per.sgt).toBeCloseTo(32, 0);
    expect(per.physvec).toBeCloseTo(16, 0);
    expect(per.ranges).toBeCloseTo(16, 0);
    expect(per.xarray).toBeGreaterThan(16.5);
    expect(per.xarray).toBeLessThan(17);
    console.error("bytes per entry:", JSON.stringify(per));
    l.dispose();
  });

  it("a container that does not fit is a clean ENOMEM, and the core stays usable", () => {
    const small = createCoreSync(undefined, { maximumPages: 48 }); // 3 MiB
    const l = RangeList.allocate(100_000, small); // 1.6 MB
    const v = l.view();
    for (let i = 0; i < 100_000; i++) {
      v[2 * i] = BigInt(i) << 12n;
      v[2 * i + 1] = 0x1000n;
    }
    const before = small.usage();
    expect(outcome(() => Container.fromList("sgt", l))).toMatchObject({ ok: false, code: "ENOMEM" });
    expect(outcome(() => Container.fromList("xarray", l))).toMatchObject({ ok: false, code: "ENOMEM" });
    expect(small.usage()).toEqual(before);
    const part = l.slice(0n, 0x1000n * 1000n);
    const s = Container.fromList("xarray", part);
    expect(s.count).toBe(1000);
    s.dispose();
    part.dispose();
    l.dispose();
  });
});
