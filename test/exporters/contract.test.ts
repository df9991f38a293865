// The model is the dma-buf core around user-written ops: it refuses incomplete tables at
// export, misbehaving map products at map (EPROTO naming exporter and rule, nothing
// changed), and calls every op with the lock state ops.ts documents.
import { describe, expect, it } from "vitest";
import { DmaBufModel } from "../../ts/model/model.js";
import type { AttachmentView, DmaBufOps, MapProduct } from "../../ts/model/ops.js";
import { RangeList } from "../../ts/core/range-list.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { createCoreSync } from "../../ts/core/loader.js";
import { sgtMap } from "../../ts/model/address.js";
import { core } from "../helpers.js";
import { FABRIC, SYSTEM, MMIO, BAR0, fails } from "../model/world.js";

const model = () => new DmaBufModel(core(), FABRIC);

/** A correct static system-memory exporter, to break one op at a time. */
function good(): DmaBufOps {
  return { name: "test-exp", mapDmaBuf: (a, dma) => sgtMap(dma, a.buffer, a.device), unmapDmaBuf() {}, release() {} };
}

function errorOf(f: () => unknown): DmaBufError {
  try {
    f();
  } catch (e) {
    if (e instanceof DmaBufError) return e;
    throw e;
  }
  throw new Error("expected a DmaBufError");
}

describe("checkOps at export", () => {
  const cases: [string, (o: DmaBufOps) => unknown, RegExp][] = [
    ["pin without unpin", (o) => ({ ...o, pin() {} }), /exporter test-exp: pin and unpin must both be present/],
    ["unpin without pin", (o) => ({ ...o, unpin() {} }), /pin and unpin must both be present/],
    ["no mapDmaBuf", (o) => ({ ...o, mapDmaBuf: undefined }), /exporter test-exp: mandatory op mapDmaBuf is missing/],
    ["no release", (o) => ({ ...o, release: undefined }), /mandatory op release is missing/],
    ["a misspelt op", (o) => ({ ...o, unMapDmaBuf() {} }), /unknown exporter op "unMapDmaBuf"/],
    ["no name", (o) => ({ ...o, name: "" }), /the exporter needs a name/],
    ["dynamic without pin", (o) => ({ ...o, dynamic: true }), /a dynamic exporter needs pin and unpin/],
    [
      "an unregistered interconnect",
      (o) => ({ ...o, interconnects: [{ name: "nvlink", supportsInterconnects: () => true, map: o.mapDmaBuf }] }),
      /names no registered interconnect \(nvlink\)/,
    ],
    [
      "sgt as an interconnect",
      (o) => ({ ...o, interconnects: [{ name: "sgt", supportsInterconnects: () => true, map: o.mapDmaBuf }] }),
      /sgt is offered through mapDmaBuf/,
    ],
    [
      "an interconnect twice",
      (o) => ({ ...o, interconnects: [0, 1].map(() => ({ name: "physvec", supportsInterconnects: () => true, map: o.mapDmaBuf })) }),
      /physvec is offered twice/,
    ],
    [
      "an interconnect without map",
      (o) => ({ ...o, interconnects: [{ name: "physvec", supportsInterconnects: () => true }] }),
      /physvec needs map \(or the table a common mapInterconnect\)/,
    ],
    [
      "an interconnect without supportsInterconnects",
      (o) => ({ ...o, interconnects: [{ name: "physvec", map: o.mapDmaBuf }] }),
      /physvec needs supportsInterconnects/,
    ],
  ];
  for (const [what, broken, message] of cases) {
    it(`refuses ${what} with EINVAL naming the exporter, and creates nothing`, () => {
      const m = model();
      const err = errorOf(() => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: broken(good()) as DmaBufOps }));
      expect(err.code).toBe("EINVAL");
      expect(err.message).toMatch(message);
      expect(err.path[0]).toBe("ops");
      expect(m.buffers.size).toBe(0);
      m.dispose();
    });
  }

  it("ops decide dynamic, pinnable and interconnects: giving the flags too is EINVAL", () => {
    const m = model();
    fails(m, "EINVAL", () => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: good(), dynamic: true }));
    expect(m.trace.at(-1)!.message).toMatch(/dynamic cannot be given with ops/);
    m.dispose();
  });

  it("an exporter factory that throws something else than a DmaBufError is EPROTO, with the cause", () => {
    const bug = new TypeError("flags.interconnects.map is not a function");
    const m = new DmaBufModel(core(), FABRIC, {
      exporter: () => {
        throw bug;
      },
    });
    fails(m, "EPROTO", () => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() }));
    expect(m.trace.at(-1)!.message).toBe("export b: the exporter factory threw TypeError: flags.interconnects.map is not a function");
    m.dispose();
  });

  it("the flag form needs an exporter factory", () => {
    const m = new DmaBufModel(core(), FABRIC);
    fails(m, "EINVAL", () => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() }));
    expect(m.trace.at(-1)!.message).toMatch(/ops is missing/);
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: good() });
    m.dispose();
  });
});

describe("map products are checked against their address space", () => {
  /** Exports `b` with `map` as mapDmaBuf, attaches "cpu" as "a", and returns the failed map's error. */
  function badMap(map: (a: AttachmentView, dma: Parameters<DmaBufOps["mapDmaBuf"]>[1]) => MapProduct, importer = "cpu"): { m: DmaBufModel; err: DmaBufError } {
    const m = model();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: { ...good(), mapDmaBuf: map } });
    m.attach({ buffer: "b", importer, as: "a" });
    let err!: DmaBufError;
    fails(m, "EPROTO", () => {
      try {
        m.map({ attachment: "a", as: "m" });
      } catch (e) {
        err = e as DmaBufError;
        throw e;
      }
    });
    return { m, err };
  }

  it("entries outside the backing (cpu-phys)", () => {
    let released = 0;
    const { m, err } = badMap((a) => ({
      entries: RangeList.from([[0x7000_0000n, 0x20_0000n]], a.buffer.backing.ranges.core),
      space: "cpu-phys",
      release: () => void released++,
    }));
    expect(err.message).toMatch(
      /exporter test-exp \(mapDmaBuf of b for a\) broke the ops contract: entry 0 \(0x70000000 \+0x200000\) lies outside the backing/,
    );
    expect(released).toBe(1);
    m.dispose();
  });

  it("entries that span a gap between backing ranges", () => {
    const { m, err } = badMap((a) => ({
      entries: RangeList.from([[0x8000_0000n, 0x20_0000n]], a.buffer.backing.ranges.core),
      space: "cpu-phys",
      release() {},
    }));
    expect(err.message).toMatch(/entry 0 \(0x80000000 \+0x200000\) lies outside the backing/);
    m.dispose();
  });

  describe("the verdict does not depend on entry order (the sorted fast path falls back to the general one)", () => {
    /** Maps a 0x4000-byte buffer on `backing` whose exporter returns `entries` (cpu-phys). */
    function mapOn(backing: [bigint, bigint][], entries: [bigint, bigint][]) {
      const m = model();
      m.export({
        buffer: "b",
        exporter: "exp",
        size: 0x4000n,
        backing: { kind: "system", ranges: backing.map(([addr, len]) => ({ addr, len })) },
        ops: { ...good(), mapDmaBuf: (a) => ({ entries: RangeList.from(entries, a.buffer.backing.ranges.core), space: "cpu-phys", release() {} }) },
      });
      m.attach({ buffer: "b", importer: "cpu", as: "a" });
      return m;
    }
    const scattered: [bigint, bigint][] = [
      [0x30000n, 0x1000n],
      [0x10000n, 0x1000n],
      [0x11000n, 0x1000n],
      [0x20000n, 0x1000n],
    ];

    it("accepts sorted and unsorted products on an unsorted backing, entries spanning touching backing ranges included", () => {
      for (const entries of [
        [
          [0x10000n, 0x2000n],
          [0x20000n, 0x1000n],
          [0x30000n, 0x1000n],
        ],
        [
          [0x30000n, 0x1000n],
          [0x10000n, 0x2000n],
          [0x20000n, 0x1000n],
        ],
      ] as [bigint, bigint][][]) {
        const m = mapOn(scattered, entries);
        expect(m.map({ attachment: "a", as: "m" }).bytes).toBe(0x4000n);
        m.dispose();
      }
    });

    it("accepts a sorted product whose range is only whole once a later, out-of-order backing range fills the gap", () => {
      const m = mapOn(
        [
          [0x10000n, 0x1000n],
          [0x12000n, 0x1000n],
          [0x11000n, 0x1000n],
          [0x20000n, 0x1000n],
        ],
        [
          [0x10000n, 0x3000n],
          [0x20000n, 0x1000n],
        ],
      );
      expect(m.map({ attachment: "a", as: "m" }).bytes).toBe(0x4000n);
      m.dispose();
    });

    it("names the first entry outside in list order, sorted or not", () => {
      for (const [entries, first] of [
        [
          [
            [0x30000n, 0x1000n],
            [0x10000n, 0x1000n],
            [0x40000n, 0x1000n],
            [0x50000n, 0x1000n],
          ],
          "entry 2 \\(0x40000 \\+0x1000\\)",
        ],
        [
          [
            [0x10000n, 0x1000n],
            [0x11000n, 0x1000n],
            [0x20000n, 0x1800n],
            [0x30000n, 0x800n],
          ],
          "entry 2 \\(0x20000 \\+0x1800\\)",
        ],
      ] as [[bigint, bigint][], string][]) {
        const m = mapOn(scattered, entries);
        fails(m, "EPROTO", () => m.map({ attachment: "a", as: "m" }));
        expect(() => m.map({ attachment: "a", as: "m" })).toThrow(new RegExp(`${first} lies outside the backing`));
        m.dispose();
      }
    });
  });

  it("entries that do not cover the buffer", () => {
    const { m, err } = badMap((a) => ({ entries: RangeList.from([[0x8000_0000n, 0x1000n]], a.buffer.backing.ranges.core), space: "cpu-phys", release() {} }));
    expect(err.message).toMatch(/its entries cover 0x1000 bytes of a 0x200000-byte buffer/);
    m.dispose();
  });

  it("an unknown address space, or bar-offset without an mmio backing", () => {
    const a1 = badMap((a) => ({ entries: a.buffer.backing.ranges.translate(0n), space: "vram" as never, release() {} }));
    expect(a1.err.message).toMatch(/address space "vram" is none of bus, iova, cpu-phys, bar-offset/);
    a1.m.dispose();
    const a2 = badMap((a) => ({ entries: a.buffer.backing.ranges.translate(0n), space: "bar-offset", barNumber: 0, release() {} }));
    expect(a2.err.message).toMatch(/a bar-offset product needs an mmio backing/);
    a2.m.dispose();
  });

  it("iova entries outside the regions the product holds, and regions outside the IOMMU window", () => {
    const a1 = badMap(
      (a) => ({
        entries: RangeList.from([[0x4000_0000n, 0x20_0000n]], a.buffer.backing.ranges.core),
        space: "iova",
        regions: [{ addr: 0x4010_0000n, len: 0x20_0000n }],
        release() {},
      }),
      "sys",
    );
    expect(a1.err.message).toMatch(/entry 0 \(0x40000000 \+0x200000\) lies outside its IOVA regions/);
    a1.m.dispose();
    const a2 = badMap(
      (a) => ({
        entries: RangeList.from([[0x1000n, 0x20_0000n]], a.buffer.backing.ranges.core),
        space: "iova",
        regions: [{ addr: 0x1000n, len: 0x20_0000n }],
        release() {},
      }),
      "sys",
    );
    expect(a2.err.message).toMatch(/is not inside the IOMMU window of sys/);
    a2.m.dispose();
    const a3 = badMap((a) => ({ entries: a.buffer.backing.ranges.translate(0n), space: "iova", regions: [], release() {} }), "cpu");
    expect(a3.err.message).toMatch(/an iova product for cpu, which has no IOMMU/);
    a3.m.dispose();
  });

  it("entries of another core, a missing release, and a non-DmaBufError throw (kept as cause)", () => {
    const other = createCoreSync();
    const a1 = badMap(() => ({ entries: RangeList.from([[0x8000_0000n, 0x20_0000n]], other), space: "cpu-phys", release() {} }));
    expect(a1.err.message).toMatch(/entries belong to another core/);
    a1.m.dispose();
    const a2 = badMap((a) => ({ entries: a.buffer.backing.ranges.translate(0n), space: "cpu-phys" }) as MapProduct);
    expect(a2.err.message).toMatch(/its product has no release\(\)/);
    a2.m.dispose();
    const bug = new TypeError("x is undefined");
    const a3 = badMap(() => {
      throw bug;
    });
    expect(a3.err.message).toMatch(/exporter test-exp of b: mapDmaBuf threw TypeError: x is undefined/);
    expect(a3.err.cause).toBe(bug);
    a3.m.dispose();
  });

  it("a wrong barNumber, and a product that holds IOVA is released when refused", () => {
    const m = model();
    const ops: DmaBufOps = {
      ...good(),
      dynamic: true,
      pin() {},
      unpin() {},
      interconnects: [
        {
          name: "iov",
          supportsInterconnects: () => true,
          map: (a) => ({ entries: a.buffer.backing.ranges.translate(-BAR0 & 0xffff_ffff_ffff_ffffn), space: "bar-offset", barNumber: 3, release() {} }),
        },
      ],
    };
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), ops });
    m.attach({ buffer: "b", importer: "peer", as: "a", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["iov"] });
    m.lock("b", "peer");
    fails(m, "EPROTO", () => m.map({ attachment: "a", as: "m" }));
    expect(m.trace.at(-1)!.message).toMatch(/iov map of b for a\) broke the ops contract: barNumber 3 is not the backing's BAR 0/);
    m.dispose();
    // an sgt map through the IOMMU whose entries are wrong gives its IOVA region back
    const n = model();
    n.export({
      buffer: "b",
      exporter: "exp",
      size: 0x20_0000n,
      backing: SYSTEM(),
      ops: { ...good(), mapDmaBuf: (a, dma) => ({ ...sgtMap(dma, a.buffer, a.device), space: "cpu-phys" }) },
    });
    n.attach({ buffer: "b", importer: "sys", as: "a" });
    fails(n, "EPROTO", () => n.map({ attachment: "a", as: "m" }));
    expect(n.topology.iova.get("sys")!.pristine()).toBe(true);
    n.dispose();
  });
});

describe("ops are called with the documented lock state", () => {
  it("map, unmap, pin and unpin run under the resv lock (taken for a static importer), attach and release without the core taking it, move_notify under the exporter's", () => {
    const m = model();
    const seen: string[] = [];
    const log = (op: string) => (a: AttachmentView | { lockHolder: string | undefined }) => {
      const holder = "buffer" in a ? a.buffer.lockHolder : a.lockHolder;
      seen.push(`${op}:${holder ?? "-"}`);
    };
    const ops: DmaBufOps = {
      name: "spy",
      dynamic: true,
      attach: log("attach"),
      detach: log("detach"),
      pin: log("pin"),
      unpin: log("unpin"),
      mapDmaBuf(a, dma) {
        log("map")(a);
        return sgtMap(dma, a.buffer, a.device);
      },
      unmapDmaBuf: log("unmap"),
      release: log("release"),
    };
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops });
    m.attach({ buffer: "b", importer: "host", as: "s" }); // static: pins on map
    m.attach({ buffer: "b", importer: "cpu", as: "d", ops: { moveNotify: () => seen.push(`notify:${m.buffers.get("b")!.lockHolder}`) } });
    m.map({ attachment: "s", as: "ms" });
    m.lock("b", "cpu");
    m.pin("d");
    m.unpin("d");
    m.unlock("b", "cpu");
    m.unmap("ms");
    m.move("b", SYSTEM(2, 0x10_0000n, 0x9000_0000n));
    expect(m.buffers.get("b")!.lockHolder).toBeUndefined();
    m.detach("s");
    m.detach("d");
    m.close("b");
    expect(seen).toEqual([
      "attach:-",
      "attach:-",
      "pin:host",
      "map:host",
      "pin:cpu",
      "unpin:cpu",
      "unmap:host",
      "unpin:host",
      "notify:exp",
      "detach:-",
      "detach:-",
      "release:-",
    ]);
    m.dispose();
  });
});
