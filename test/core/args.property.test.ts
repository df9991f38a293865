// Every public function of ts/core checks its arguments: a value of the wrong type is
// DmaBufError EINVAL, an integer out of range is ERANGE (or EINVAL where the rule is
// not a range), the error names the argument (path[0] and the message), and nothing in
// the core changes. One table row per public function and argument.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RangeList, MAX_ENTRIES } from "../../ts/core/range-list.js";
import { Container, CONTAINER_KINDS } from "../../ts/core/container.js";
import { IovaAllocator } from "../../ts/core/iova.js";
import { createCoreSync, initSync } from "../../ts/core/loader.js";
import { hex, hex16 } from "../../ts/core/u64.js";
import { fnv1a64Bytes, fnv1a64Text } from "../../ts/core/hash.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { SEED } from "../helpers.js";

const c = createCoreSync();
const TWO64 = 1n << 64n;

/** Values that are not a u64 bigint: out of range (ERANGE) or of another type (EINVAL). */
const badU64 = fc.oneof(
  fc.bigInt({ min: TWO64, max: TWO64 << 8n }).map((v) => ({ v, code: "ERANGE" })),
  fc.bigInt({ min: -(TWO64 << 8n), max: -1n }).map((v) => ({ v, code: "ERANGE" })),
  fc.constantFrom<unknown>(0, 1, 4096, NaN, 1.5, -1, Infinity, "4096", "0x1000", null, true, {}, [], Symbol("s")).map((v) => ({ v, code: "EINVAL" })),
);
/** Values that are not a count (an integer Number in range). */
const badCount = (max: number) =>
  fc.oneof(
    fc.integer({ min: max + 1, max: 2 ** 40 }).map((v) => ({ v, code: "ERANGE" })),
    fc.constantFrom(-1, 2 ** 32, 2 ** 32 + 3, 2 ** 53).map((v) => ({ v, code: "ERANGE" })),
    fc.constantFrom<unknown>(NaN, 1.5, Infinity, -Infinity, "3", 3n, null, {}).map((v) => ({ v, code: "EINVAL" })),
  );
/** Values that are not of a given object type. */
const badObject = fc.constantFrom<unknown>(0, 1n, "x", null, true, 3.5, Symbol("s")).map((v) => ({ v, code: "EINVAL" }));
const defined = <T extends { v: unknown }>(a: fc.Arbitrary<T>) => a.filter((x) => x.v !== undefined);

type Row = { fn: string; arg: string; bad: fc.Arbitrary<{ v: unknown; code: string }>; call: (v: unknown) => unknown };

const list = RangeList.from(
  [
    [0x1000n, 0x2000n],
    [0x8000n, 0x1000n],
  ],
  c,
);
const iova = new IovaAllocator(c, 0x10_0000n, 0x10_0000n);
const ct = Container.fromList("sgt", list);
const xa = Container.xarray(c);
const any = <T>(v: unknown) => v as T;

const ROWS: Row[] = [
  // RangeList
  { fn: "RangeList.allocate", arg: "n", bad: badCount(MAX_ENTRIES), call: (v) => RangeList.allocate(any(v), c) },
  { fn: "RangeList.allocate", arg: "core", bad: badObject, call: (v) => RangeList.allocate(1, any(v)) },
  { fn: "RangeList.fromBigUint64Array", arg: "words", bad: badObject, call: (v) => RangeList.fromBigUint64Array(any(v), c) },
  { fn: "RangeList.from", arg: "entries", bad: badObject, call: (v) => RangeList.from(any(v), c) },
  {
    fn: "RangeList.from",
    arg: "entries[1].addr",
    bad: badU64.filter((b) => typeof b.v !== "number" || !Number.isSafeInteger(b.v) || b.v < 0),
    call: (v) => RangeList.from([[1n, 1n], { addr: any(v), len: 1n }], c),
  },
  {
    fn: "RangeList.from",
    arg: "entries[0].len",
    bad: badU64.filter((b) => typeof b.v !== "number" || !Number.isSafeInteger(b.v) || b.v < 0),
    call: (v) => RangeList.from([[1n, any(v)]], c),
  },
  { fn: "validate", arg: "align", bad: defined(badU64), call: (v) => list.validate(any(v)) },
  { fn: "split", arg: "maxSeg", bad: badU64, call: (v) => list.split(any(v)) },
  { fn: "split", arg: "boundaryMask", bad: defined(badU64), call: (v) => list.split(0x800n, any(v)) },
  { fn: "slice", arg: "offset", bad: badU64, call: (v) => list.slice(any(v), 16n) },
  { fn: "slice", arg: "length", bad: badU64, call: (v) => list.slice(0n, any(v)) },
  { fn: "translate", arg: "delta", bad: badU64.filter((b) => typeof b.v !== "bigint" || b.v >= TWO64 || b.v <= -TWO64), call: (v) => list.translate(any(v)) },
  { fn: "lookup", arg: "offset", bad: badU64, call: (v) => list.lookup(any(v)) },
  { fn: "lookupMany", arg: "offsets", bad: badObject, call: (v) => list.lookupMany(any(v)) },
  { fn: "lookupMany", arg: "into", bad: badObject, call: (v) => list.lookupMany(BigUint64Array.of(1n), any(v)) },
  {
    fn: "lookupMany",
    arg: "into.length",
    bad: fc.constantFrom(0, 1, 3).map((k) => ({ v: new BigUint64Array(k), code: "ERANGE" })),
    call: (v) => list.lookupMany(BigUint64Array.of(1n, 2n), any(v)),
  },
  { fn: "chunks", arg: "k", bad: defined(badU64), call: (v) => list.chunks(any(v)) },
  { fn: "chunkBatches", arg: "k", bad: badU64, call: (v) => list.chunkBatches(any(v), () => {}) },
  { fn: "chunkBatches", arg: "fn", bad: badObject, call: (v) => list.chunkBatches(0n, any(v)) },
  { fn: "chunkSummary", arg: "k", bad: badU64, call: (v) => list.chunkSummary(any(v)) },
  { fn: "firstOutside", arg: "within", bad: badObject, call: (v) => list.firstOutside(any(v)) },
  {
    fn: "firstOutside",
    arg: "delta",
    bad: defined(badU64).filter((b) => typeof b.v !== "bigint" || b.v >= TWO64 || b.v <= -TWO64),
    call: (v) => list.firstOutside(list, any(v)),
  },
  { fn: "totalWithin", arg: "within", bad: badObject, call: (v) => list.totalWithin(any(v), 0n) },
  {
    fn: "totalWithin",
    arg: "delta",
    bad: defined(badU64).filter((b) => typeof b.v !== "bigint" || b.v >= TWO64 || b.v <= -TWO64),
    call: (v) => list.totalWithin(list, any(v)),
  },
  // Container
  {
    fn: "Container.fromList",
    arg: "kind",
    bad: fc.constantFrom<unknown>("vram", "", "SGT", 2, null).map((v) => ({ v, code: "EINVAL" })),
    call: (v) => Container.fromList(any(v), list),
  },
  { fn: "Container.fromList", arg: "list", bad: badObject, call: (v) => Container.fromList("sgt", any(v)) },
  { fn: "Container.fromList", arg: "opts", bad: badObject.filter((b) => b.v !== undefined), call: (v) => Container.fromList("sgt", list, any(v)) },
  { fn: "Container.fromList", arg: "opts.maxSegment", bad: defined(badU64), call: (v) => Container.fromList("sgt", list, { maxSegment: any(v) }) },
  { fn: "Container.fromList", arg: "opts.boundaryMask", bad: defined(badU64), call: (v) => Container.fromList("sgt", list, { boundaryMask: any(v) }) },
  { fn: "Container.fromList", arg: "opts.data", bad: defined(badU64), call: (v) => Container.fromList("mapping", list, { data: any(v) }) },
  {
    fn: "Container.fromList",
    arg: "opts.provider.busOffset",
    bad: badU64,
    call: (v) => Container.fromList("physvec", list, { provider: { owner: 1, busOffset: any(v) } }),
  },
  {
    fn: "Container.fromList",
    arg: "opts.provider.owner",
    bad: badCount(0xffff_ffff),
    call: (v) => Container.fromList("physvec", list, { provider: { owner: any(v), busOffset: 0n } }),
  },
  { fn: "Container.xarray", arg: "core", bad: badObject, call: (v) => Container.xarray(any(v)) },
  { fn: "Container.kindOf", arg: "h", bad: badCount(0x7fff_ffff), call: (v) => Container.kindOf(c, any(v)) },
  { fn: "convert", arg: "kind", bad: fc.constantFrom<unknown>("vram", 3, null).map((v) => ({ v, code: "EINVAL" })), call: (v) => ct.convert(any(v)) },
  { fn: "lookup", arg: "offset", bad: badU64, call: (v) => ct.lookup(any(v)) },
  { fn: "chunks", arg: "k", bad: defined(badU64), call: (v) => ct.chunks(any(v)) },
  { fn: "chunkSummary", arg: "k", bad: badU64, call: (v) => ct.chunkSummary(any(v)) },
  { fn: "xaStore", arg: "index", bad: badU64, call: (v) => xa.xaStore(any(v), 0n, 1n) },
  { fn: "xaStore", arg: "addr", bad: badU64, call: (v) => xa.xaStore(0n, any(v), 1n) },
  { fn: "xaStore", arg: "len", bad: badU64, call: (v) => xa.xaStore(0n, 0n, any(v)) },
  { fn: "xaLoad", arg: "index", bad: badU64, call: (v) => xa.xaLoad(any(v)) },
  { fn: "xaErase", arg: "index", bad: badU64, call: (v) => xa.xaErase(any(v)) },
  // IovaAllocator
  { fn: "IovaAllocator", arg: "base", bad: badU64, call: (v) => new IovaAllocator(c, any(v), 0x1000n) },
  { fn: "IovaAllocator", arg: "size", bad: badU64, call: (v) => new IovaAllocator(c, 0n, any(v)) },
  { fn: "IovaAllocator", arg: "core", bad: badObject, call: (v) => new IovaAllocator(any(v), 0n, 0x1000n) },
  { fn: "iova alloc", arg: "size", bad: badU64, call: (v) => iova.alloc(any(v)) },
  { fn: "iova free", arg: "addr", bad: badU64, call: (v) => iova.free(any(v), 0x1000n) },
  { fn: "iova free", arg: "size", bad: badU64, call: (v) => iova.free(0x10_0000n, any(v)) },
  { fn: "iova mapEach", arg: "list", bad: badObject, call: (v) => iova.mapEach(any(v)) },
  { fn: "iova unmapEach", arg: "list", bad: badObject, call: (v) => iova.unmapEach(any(v)) },
  // helpers and the loader
  { fn: "hex", arg: "v", bad: badU64, call: (v) => hex(any(v)) },
  { fn: "hex16", arg: "v", bad: badU64, call: (v) => hex16(any(v)) },
  { fn: "fnv1a64Bytes", arg: "bytes", bad: badObject, call: (v) => fnv1a64Bytes(c, any(v)) },
  { fn: "fnv1a64Bytes", arg: "core", bad: badObject, call: (v) => fnv1a64Bytes(any(v), new Uint8Array(1)) },
  { fn: "fnv1a64Text", arg: "text", bad: badObject.filter((b) => typeof b.v !== "string"), call: (v) => fnv1a64Text(c, any(v)) },
  {
    fn: "createCoreSync",
    arg: "maximumPages",
    bad: badCount(65536).filter((b) => b.v !== 0),
    call: (v) => createCoreSync(undefined, { maximumPages: any(v) }),
  },
  { fn: "createCoreSync", arg: "source", bad: badObject.filter((b) => b.v !== null && typeof b.v !== "object"), call: (v) => createCoreSync(any(v)) },
  {
    fn: "initSync",
    arg: "source",
    bad: fc.constantFrom<unknown>(1, "x", true).map((v) => ({ v, code: "EINVAL" })),
    call: (v) => (initSync(), initSync(any(v))),
  }, // refused even once the shared core exists
];

describe("argument checks over the public surface of ts/core", () => {
  for (const row of ROWS) {
    it(`${row.fn}(${row.arg}): wrong type EINVAL, out of range ERANGE, named, no state change`, () => {
      fc.assert(
        fc.property(row.bad, ({ v, code }) => {
          const before = c.usage();
          let err: unknown;
          try {
            row.call(v);
          } catch (e) {
            err = e;
          }
          expect(err, `${row.fn}(${row.arg} = ${String(v)}) did not throw`).toBeInstanceOf(DmaBufError);
          const d = err as DmaBufError;
          expect([row.fn, row.arg, d.code]).toEqual([row.fn, row.arg, code]);
          expect(d.path[0]).toBe(row.arg);
          expect(d.message).toContain(row.arg);
          expect(c.usage()).toEqual(before);
        }),
        { seed: SEED, numRuns: 40 },
      );
    });
  }

  it("the table covers every public method of RangeList, Container and IovaAllocator that takes an argument", () => {
    const covered = new Set(ROWS.map((r) => r.fn.replace(/^(RangeList|Container|IovaAllocator)\./, "")));
    const withArgs = (proto: object) =>
      Object.getOwnPropertyNames(proto).filter((k) => {
        const v = Object.getOwnPropertyDescriptor(proto, k)?.value as unknown;
        return k !== "constructor" && typeof v === "function" && v.length > 0;
      });
    const names = [
      // the methods RangeList and Container share live on their base (ts/core/source.ts)
      ...withArgs(Object.getPrototypeOf(RangeList.prototype) as object),
      ...withArgs(RangeList.prototype),
      ...withArgs(RangeList).filter((k) => k !== "adopt" && k !== "handleIn"),
      ...withArgs(Container.prototype),
      ...withArgs(Container),
      ...withArgs(IovaAllocator.prototype).map((k) => `iova ${k}`),
    ].filter((k) => !["fromPages", "appendPages"].includes(k)); // checked by test/core/pages.test.ts
    expect(names.filter((n) => !covered.has(n))).toEqual([]);
  });

  it("examples from the issue: no silent wrap", () => {
    expect(() => list.slice(TWO64, 16n)).toThrow(/slice: offset = 18446744073709551616n is out of range/);
    expect(() => list.split(TWO64 + 0x800n)).toThrow(DmaBufError);
    expect(() => RangeList.allocate(2 ** 32 + 3, c)).toThrow(/RangeList.allocate: n = 4294967299 is out of range/);
    expect(CONTAINER_KINDS.length).toBeGreaterThan(0);
  });
});
