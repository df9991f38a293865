// The core checks every map product of a user-written exporter before the importer sees
// it (docs/rules.md#ops-contract): entries must cover the buffer exactly and lie where
// their address space allows, to the byte, wherever the addresses sit in the 64-bit space
// (across 4-GiB boundaries included) and in whatever order the entries come. A broken
// product is EPROTO naming the exporter, the op and the rule; the product is released,
// its entries freed, and nothing changes.
import { describe, expect, it } from "vitest";
import { DmaBufModel } from "../../ts/model/model.js";
import type { AttachmentView, DmaBufOps, MapProduct } from "../../ts/model/ops.js";
import type { BackingSpec } from "../../ts/model/buffer.js";
import type { TopologySpec } from "../../ts/model/topology.js";
import { RangeList } from "../../ts/core/range-list.js";
import { Container } from "../../ts/core/container.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { core } from "../helpers.js";

type E = [bigint, bigint];
const G = 0x1_0000_0000n; // 4 GiB: where the high 32-bit word of an address changes

// BAR 0: CPU 0x1_8000_0000.., bus 0x4000_0000.. (bus = cpu - 0x1_4000_0000), 4 GiB.
const CPU0 = 0x1_8000_0000n;
const BUS0 = 0x4000_0000n;
const TOPO: TopologySpec = {
  hostBridges: { rc0: { p2p: true } },
  switches: { sw0: { acsRedirect: false } },
  devices: {
    exp: { root: "rc0", switch: "sw0", bars: [{ index: 0, cpu: CPU0, bus: BUS0, size: G }] },
    peer: { root: "rc0", switch: "sw0" },
    mmu: { root: "rc0", switch: "sw0", iommu: { base: 0xffff_0000n, size: 2n * G } },
  },
};

interface Product {
  entries?: E[] | unknown;
  space?: string;
  barNumber?: number;
  regions?: unknown;
  container?: boolean;
  release?: unknown;
  provider?: unknown;
}

/**
 * Exports `b` (size = the backing's bytes) on `backing`, whose exporter's mapDmaBuf returns
 * `product`, attaches `importer`, maps; returns the map's error (or undefined), how many times
 * the product was released, and whether the core's objects are back to what they were.
 */
const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x));

function mapProduct(backing: BackingSpec, product: Product | (() => unknown), importer = "peer") {
  const c = core();
  const m = new DmaBufModel(c, TOPO);
  let released = 0;
  const size = (backing.ranges as { len: bigint }[]).reduce((s, r) => s + r.len, 0n);
  const ops: DmaBufOps = {
    name: "test-exp",
    mapDmaBuf: (a: AttachmentView) => {
      if (typeof product === "function") return product() as MapProduct;
      const { entries, container, ...rest } = product;
      let list: unknown = entries;
      if (Array.isArray(entries)) {
        const l = RangeList.from(entries as E[], a.buffer.backing.ranges.core);
        list = container ? Container.fromList("sgt", l) : l;
        if (container) l.dispose();
      }
      return { space: "cpu-phys", release: () => void released++, ...rest, entries: list } as MapProduct;
    },
    unmapDmaBuf() {},
    release() {},
  };
  m.export({ buffer: "b", exporter: "exp", size, backing, ops });
  m.attach({ buffer: "b", importer, as: "a", peer2peer: true, dynamic: true, moveNotify() {} });
  m.lock("b", importer);
  const before = c.usage();
  const snap = json(m.snapshot());
  let err: DmaBufError | undefined;
  try {
    m.map({ attachment: "a", as: "m" });
  } catch (e) {
    if (!(e instanceof DmaBufError)) throw e;
    err = e;
  }
  if (!err) m.unmap("m"); // the model keeps the unmapped mapping's record, but no core object of it
  const clean = (err ? json(m.snapshot()) === snap : true) && json(c.usage()) === json(before);
  m.dispose();
  return { err, released, clean };
}

const PREFIX = "exporter test-exp (mapDmaBuf of b for a) broke the ops contract: ";

/** Expects the map of `product` on `backing` to succeed, or to fail with EPROTO `rule`, released once, nothing changed. */
function expectMap(backing: BackingSpec, product: Product | (() => unknown), rule: string | undefined, importer?: string) {
  const { err, released, clean } = mapProduct(backing, product, importer);
  if (rule === undefined) {
    expect(err?.message).toBeUndefined();
    if (typeof product !== "function") expect(released).toBe(1);
    expect(clean, "map then unmap leaves the model and the core's objects as they were").toBe(true);
    return;
  }
  expect(err?.code).toBe("EPROTO");
  expect(err?.message).toBe(PREFIX + rule);
  expect(err?.path).toEqual([]);
  if (typeof product !== "function" && !("release" in product)) expect(released).toBe(1);
  expect(clean, "a refused map leaves the model and the core's objects as they were").toBe(true);
}

const sys = (...r: E[]): BackingSpec => ({ kind: "system", ranges: r.map(([addr, len]) => ({ addr, len })) });
const mmio = (...r: E[]): BackingSpec => ({ kind: "mmio", ranges: r.map(([addr, len]) => ({ addr, len })) });
const hexs = (x: bigint) => `0x${x.toString(16)}`;

/**
 * Rows for a 0x2000-byte region that starts at `x` in the product's address space: whole,
 * split in order and out of order, and one byte out at either end in each order.
 */
function edges(x: bigint): [string, E[], number][] {
  return [
    ["whole", [[x, 0x2000n]], -1],
    [
      "two pages in order",
      [
        [x, 0x1000n],
        [x + 0x1000n, 0x1000n],
      ],
      -1,
    ],
    [
      "two pages out of order",
      [
        [x + 0x1000n, 0x1000n],
        [x, 0x1000n],
      ],
      -1,
    ],
    [
      "bytes shifted by one",
      [
        [x + 0x800n, 0x1800n],
        [x, 0x7ffn],
        [x + 0x7ffn, 1n],
      ],
      -1,
    ],
    [
      "one byte before, in order",
      [
        [x - 1n, 0x1000n],
        [x + 0x1000n, 0x1000n],
      ],
      0,
    ],
    [
      "one byte past, in order",
      [
        [x, 0x1000n],
        [x + 0x1001n, 0x1000n],
      ],
      1,
    ],
    [
      "one byte before, out of order",
      [
        [x + 0x1000n, 0x1000n],
        [x - 1n, 0x1000n],
      ],
      1,
    ],
    [
      "one byte past, out of order",
      [
        [x + 0x1001n, 0x1000n],
        [x, 0x1000n],
      ],
      0,
    ],
    ["the whole region one byte later", [[x + 1n, 0x2000n]], 0],
    ["the whole region one byte earlier", [[x - 1n, 0x2000n]], 0],
  ];
}

function table(what: string, backing: BackingSpec, x: bigint, space: string, where: string, extra: Product = {}, importer?: string) {
  describe(what, () => {
    for (const [how, entries, bad] of edges(x)) {
      it(`${how}: ${bad < 0 ? "accepted" : `entry ${bad} refused`}`, () => {
        const rule = bad < 0 ? undefined : `entry ${bad} (${hexs(entries[bad]![0])} +${hexs(entries[bad]![1])}) lies outside ${where}`;
        expectMap(backing, { entries, space, ...extra }, rule, importer);
      });
    }
  });
}

describe("entries must lie inside the backing, to the byte, in any order", () => {
  // system RAM across the 4-GiB line, and a page below it touching a page above it given out of order
  table("cpu-phys, backing across 4 GiB", sys([G - 0x1000n, 0x2000n]), G - 0x1000n, "cpu-phys", "the backing");
  table("cpu-phys, touching backing ranges out of order across 4 GiB", sys([G, 0x1000n], [G - 0x1000n, 0x1000n]), G - 0x1000n, "cpu-phys", "the backing");
  table("cpu-phys, backing across 8 GiB", sys([2n * G - 0x1000n, 0x1000n], [2n * G, 0x1000n]), 2n * G - 0x1000n, "cpu-phys", "the backing");
  // BAR memory across 8 GiB (CPU), seen by the bus at 0xbfff_f000 and at BAR offset 0x7fff_f000
  const A = 2n * G - 0x1000n;
  table("cpu-phys, mmio across 8 GiB", mmio([A, 0x2000n]), A, "cpu-phys", "the backing");
  table("bus, mmio across 8 GiB", mmio([A, 0x2000n]), A - CPU0 + BUS0, "bus", "the backing's bus addresses");
  table("bar-offset, mmio across 8 GiB", mmio([A, 0x2000n]), A - CPU0, "bar-offset", "the backing's BAR offsets", { barNumber: 0 });
  // BAR memory whose bus addresses cross 4 GiB and whose BAR offsets cross 0xc000_0000
  const B = G - 0x1000n + CPU0 - BUS0;
  table("bus, mmio whose bus addresses cross 4 GiB", mmio([B + 0x1000n, 0x1000n], [B, 0x1000n]), G - 0x1000n, "bus", "the backing's bus addresses");
  table("bar-offset, mmio whose offsets cross 3 GiB", mmio([B, 0x2000n]), B - CPU0, "bar-offset", "the backing's BAR offsets", { barNumber: 0 });
  // IOVA regions across 4 GiB, given out of order and touching
  const regions = [
    { addr: G, len: 0x1000n },
    { addr: G - 0x1000n, len: 0x1000n },
  ];
  table("iova, regions across 4 GiB", sys([0x10_0000n, 0x2000n]), G - 0x1000n, "iova", "its IOVA regions", { regions }, "mmu");
});

describe("the backing's ranges are checked as a set: gaps, many ranges, 4-GiB ranges", () => {
  it("an entry over the gap between two backing ranges is refused, in either order of the backing", () => {
    for (const backing of [sys([G - 0x1000n, 0x1000n], [G + 0x1000n, 0x1000n]), sys([G + 0x1000n, 0x1000n], [G - 0x1000n, 0x1000n])]) {
      expectMap(
        backing,
        {
          entries: [
            [G - 0x1000n, 0x1000n],
            [G, 0x1000n],
          ],
        },
        "entry 1 (0x100000000 +0x1000) lies outside the backing",
      );
      expectMap(
        backing,
        {
          entries: [
            [G + 0x1000n, 0x1000n],
            [G - 0x1000n, 0x1000n],
          ],
        },
        undefined,
      );
      expectMap(backing, { entries: [[G - 0x1000n, 0x2000n]] }, "entry 0 (0xfffff000 +0x2000) lies outside the backing");
    }
  });

  // five ranges 64 KiB apart in one 4-GiB window and one above: each entry must find its own range
  const at = [0, 1, 2, 3, 4].map((k) => G + BigInt(k) * 0x1_0000n);
  const many = sys(...at.map((a): E => [a, 0x1000n]), [3n * G, 0x1000n]);
  it("entries on each of many backing ranges are accepted in any order", () => {
    const entries: E[] = [[3n * G, 0x1000n], ...at.map((a): E => [a, 0x1000n])];
    expectMap(many, { entries }, undefined);
    expectMap(many, { entries: [...entries].reverse() }, undefined);
    expectMap(many, { entries: [entries[3]!, entries[1]!, entries[5]!, entries[0]!, entries[2]!, entries[4]!] }, undefined);
  });
  it("the first entry in list order that misses its range is named, however the list is ordered", () => {
    const good: E[] = at.map((a) => [a, 0x1000n]);
    for (let k = 0; k < 5; k++) {
      for (const shift of [-1n, 1n, 0x8000n]) {
        const entries: E[] = [[3n * G, 0x1000n], ...good.map((e, i): E => (i === k ? [e[0] + shift, e[1]] : e))].reverse();
        const bad = 4 - k;
        expectMap(many, { entries }, `entry ${bad} (${hexs(entries[bad]![0])} +0x1000) lies outside the backing`);
      }
    }
    const rotated: E[] = [good[2]!, good[4]!, [3n * G + 1n, 0x1000n], good[0]!, good[1]!, good[3]!];
    expectMap(many, { entries: rotated }, "entry 2 (0x300000001 +0x1000) lies outside the backing");
  });

  // ranges whose first bytes differ in every 16-bit digit, given scrambled; 0x3000 and 0x4000 touch
  const spread: E[] = [
    [0x0001_0000_0000_0000n, 0x1000n],
    [0x0000_0000_0002_1000n, 0x1000n],
    [0x8000_0000_0000_0000n, 0x1000n],
    [0x4000n, 0x1000n],
    [0x0000_0001_0001_0000n, 0x1000n],
    [0x0000_0000_0001_2000n, 0x1000n],
    [0x0001_0000_0000_5000n, 0x1000n],
    [0x0000_0001_0000_0000n, 0x1000n],
    [0x3000n, 0x1000n],
  ];
  it("ranges spread over the whole 64-bit space, scrambled, accept their entries in any order", () => {
    const backing = sys(...spread);
    const entries: E[] = [[0x3000n, 0x2000n], ...spread.filter(([a]) => a > 0x4000n)];
    for (const order of [
      [0, 1, 2, 3, 4, 5, 6, 7],
      [7, 6, 5, 4, 3, 2, 1, 0],
      [3, 6, 0, 5, 2, 7, 4, 1],
      [5, 0, 7, 2, 4, 1, 6, 3],
    ]) {
      const list = order.map((k) => entries[k]!);
      expectMap(backing, { entries: list }, undefined);
      // one entry moved one page up (into nothing) is named wherever it is in the list
      for (const at of [0, 3, 7]) {
        const bad = list.map((e, i): E => (i === at ? [e[0] + 0x1000n, e[1]] : e));
        expectMap(backing, { entries: bad }, `entry ${at} (${hexs(bad[at]![0])} +${hexs(bad[at]![1])}) lies outside the backing`);
      }
    }
  });

  it("4-GiB backing ranges: whole, halves out of order, and one page shifted", () => {
    const big = sys([G, G]);
    expectMap(big, { entries: [[G, G]] }, undefined);
    expectMap(
      big,
      {
        entries: [
          [G + G / 2n, G / 2n],
          [G, G / 2n],
        ],
      },
      undefined,
    );
    expectMap(big, { entries: [[G + 0x1000n, G]] }, "entry 0 (0x100001000 +0x100000000) lies outside the backing");
    expectMap(
      big,
      {
        entries: [
          [G + G / 2n, G / 2n],
          [G - 1n, G / 2n],
        ],
      },
      "entry 1 (0xffffffff +0x80000000) lies outside the backing",
    );
    const two = sys([2n * G, G], [G, G]);
    expectMap(two, { entries: [[G, 2n * G]] }, undefined);
    expectMap(
      two,
      {
        entries: [
          [2n * G, G],
          [G, G],
        ],
      },
      undefined,
    );
    expectMap(
      two,
      {
        entries: [
          [2n * G + 1n, G],
          [G, G],
        ],
      },
      "entry 0 (0x200000001 +0x100000000) lies outside the backing",
    );
  });
});

describe("the product's shape and space", () => {
  const backing = sys([0x10_0000n, 0x2000n]);
  const ok: E[] = [[0x10_0000n, 0x2000n]];
  const rows: [string, Product | (() => unknown), string][] = [
    ["no product", () => undefined, "it returned no map product"],
    ["null", () => null, "it returned no map product"],
    ["a number", () => 7, "it returned no map product"],
    ["no release", { entries: ok, release: undefined }, "its product has no release()"],
    ["entries that are an array", { entries: { length: 1 } }, "its product's entries are neither a RangeList nor a Container"],
    ["an unknown space", { entries: ok, space: "vram" }, 'its product\'s address space "vram" is none of bus, iova, cpu-phys, bar-offset'],
    ["entries short of the buffer", { entries: [[0x10_0000n, 0x1000n]] }, "its entries cover 0x1000 bytes of a 0x2000-byte buffer"],
    ["no entries", { entries: [] }, "its entries cover 0x0 bytes of a 0x2000-byte buffer"],
    ["a barNumber for cpu-phys", { entries: ok, barNumber: 0 }, "barNumber is given exactly for bar-offset products"],
    ["bar-offset without barNumber", { entries: ok, space: "bar-offset" }, "barNumber is given exactly for bar-offset products"],
    ["bus on system memory", { entries: ok, space: "bus" }, "a bus product needs an mmio backing"],
    [
      "iova for a device without an IOMMU",
      { entries: ok, space: "iova", regions: [{ addr: 0x1_0000_0000n, len: 0x2000n }] },
      "an iova product for peer, which has no IOMMU",
    ],
  ];
  for (const [what, product, rule] of rows) it(`refuses ${what}`, () => expectMap(backing, product, rule));

  it("checks a container product like a list and frees it", () => {
    expectMap(backing, { entries: ok, container: true }, undefined);
    expectMap(backing, { entries: [[0x10_1000n, 0x2000n]], container: true }, "entry 0 (0x101000 +0x2000) lies outside the backing");
  });

  it("refuses a bar-offset product naming another BAR", () => {
    expectMap(mmio([CPU0, 0x2000n]), { entries: [[0n, 0x2000n]], space: "bar-offset", barNumber: 1 }, "barNumber 1 is not the backing's BAR 0");
    expectMap(mmio([CPU0, 0x2000n]), { entries: [[0n, 0x2000n]], space: "bar-offset", barNumber: 0 }, undefined);
  });
});

describe("an iova product's regions must lie in the importer's IOMMU window", () => {
  const backing = sys([0x10_0000n, 0x2000n]);
  const base = 0xffff_0000n;
  const end = base + 2n * G;
  const iova = (regions: unknown, at = base): Product => ({ entries: [[at, 0x2000n]], space: "iova", regions });
  const window = "is not inside the IOMMU window of mmu";
  const rows: [string, Product, string | undefined][] = [
    ["no regions", iova(undefined), "an iova product lists no IOVA regions"],
    ["an empty list", iova([]), "an iova product lists no IOVA regions"],
    ["regions that are not an array", iova({ length: 1, 0: { addr: base, len: 0x2000n } }), "an iova product lists no IOVA regions"],
    ["a null region", iova([null]), `IOVA region undefined +undefined ${window}`],
    ["a region without len", iova([{ addr: base }]), `IOVA region ${base} +undefined ${window}`],
    ["a number addr", iova([{ addr: 5, len: 0x2000n }]), `IOVA region 5 +8192 ${window}`],
    [
      "a zero-length region",
      iova([
        { addr: base, len: 0x2000n },
        { addr: base + 0x4000n, len: 0n },
      ]),
      `IOVA region ${base + 0x4000n} +0 ${window}`,
    ],
    ["a region one byte below the window", iova([{ addr: base - 1n, len: 0x2001n }]), `IOVA region ${base - 1n} +8193 ${window}`],
    ["a region one byte past the window", iova([{ addr: end - 0x2000n, len: 0x2001n }], end - 0x2000n), `IOVA region ${end - 0x2000n} +8193 ${window}`],
    ["a region at the start of the window", iova([{ addr: base, len: 0x2000n }]), undefined],
    ["a region ending at the end of the window", iova([{ addr: end - 0x2000n, len: 0x2000n }], end - 0x2000n), undefined],
    [
      "a region of one byte",
      iova([
        { addr: base + 0x1fffn, len: 1n },
        { addr: base, len: 0x1fffn },
      ]),
      undefined,
    ],
  ];
  for (const [what, product, message] of rows) {
    it(`${message ? "refuses" : "accepts"} ${what}`, () => expectMap(backing, product, message, "mmu"));
  }
});

describe("a product's physvec provider", () => {
  const RULE = "its product's provider is not {owner: a u32 device id, busOffset: a u64 bigint}";
  const good: [string, unknown][] = [
    ["owner 0, busOffset 0", { owner: 0, busOffset: 0n }],
    ["owner 2^32 - 1, busOffset 2^64 - 1", { owner: 0xffff_ffff, busOffset: 0xffff_ffff_ffff_ffffn }],
  ];
  const bad: [string, unknown][] = [
    ["null", null],
    ["a number", 7],
    ["owner -1", { owner: -1, busOffset: 0n }],
    ["owner 1.5", { owner: 1.5, busOffset: 0n }],
    ["owner 2^32", { owner: 0x1_0000_0000, busOffset: 0n }],
    ["owner a string", { owner: "1", busOffset: 0n }],
    ["busOffset -1", { owner: 0, busOffset: -1n }],
    ["busOffset 2^64", { owner: 0, busOffset: 0x1_0000_0000_0000_0000n }],
    ["busOffset a number", { owner: 0, busOffset: 0 }],
    ["no busOffset", { owner: 0 }],
  ];
  it.each(good)("%s is accepted", (_name, provider) => expectMap(sys([0x10_0000n, 0x2000n]), { entries: [[0x10_0000n, 0x2000n]], provider }, undefined));
  it.each(bad)("%s is EPROTO", (_name, provider) => expectMap(sys([0x10_0000n, 0x2000n]), { entries: [[0x10_0000n, 0x2000n]], provider }, RULE));
});
