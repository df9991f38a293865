// What the address helpers hand the model: the refusals an importer sees (with their
// messages), the provider only for mmio, and IOVA given back when a map cannot be split.
import { describe, expect, it } from "vitest";
import { DmaBufModel } from "../../ts/model/model.js";
import { vfioExporter } from "../../ts/exporters/vfio.js";
import { sgtMap } from "../../ts/model/address.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { RangeList } from "../../ts/core/range-list.js";
import { core } from "../helpers.js";
import { world, fails, MMIO, SYSTEM } from "./world.js";

function message(step: () => unknown): string {
  try {
    step();
  } catch (e) {
    expect(e).toBeInstanceOf(DmaBufError);
    return (e as DmaBufError).message;
  }
  throw new Error("the step did not fail");
}

describe("map refusals name the buffer, the devices and the reason", () => {
  it("sgt over mmio with no P2P path", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    m.attach({ buffer: "b", importer: "far", as: "a", dynamic: true, peer2peer: true });
    m.lock("b", "far");
    fails(m, "EINVAL", () => m.map({ attachment: "a", as: "m" }));
    expect(message(() => m.map({ attachment: "a", as: "m" }))).toBe("map b: no P2P path from exp to far (NOT_SUPPORTED)");
    m.dispose();
  });

  it("system memory through a full IOMMU: ENOMEM naming the map, the importer and the hole it needed", () => {
    const m = world();
    m.export({ buffer: "s", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    m.attach({ buffer: "s", importer: "sys", as: "d" });
    m.map({ attachment: "d", as: "d1" });
    m.map({ attachment: "d", as: "d2" }); // the 4 MiB IOMMU is full
    fails(m, "ENOMEM", () => m.map({ attachment: "d", as: "d3" }));
    expect(message(() => m.map({ attachment: "d", as: "d3" }))).toBe("map s for sys: IOVA space exhausted (no hole of 0x200000 bytes)");
    m.dispose();
  });

  it("iov once the buffer was moved to system memory", () => {
    const m = world();
    m.export({
      buffer: "v",
      exporter: "vf",
      size: 0x1000n,
      dynamic: true,
      interconnects: ["iov"],
      backing: { kind: "mmio", ranges: [{ addr: 0x2000_0000_0000n, len: 0x1000n }] },
    });
    m.attach({ buffer: "v", importer: "pf", as: "p", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["iov"] });
    m.move("v", SYSTEM(1, 0x1000n));
    m.lock("v", "pf");
    fails(m, "EINVAL", () => m.map({ attachment: "p", as: "i" }));
    expect(message(() => m.map({ attachment: "p", as: "i" }))).toBe("map v: iov needs mmio backing (the buffer was moved to system memory)");
    m.dispose();
  });
});

describe("physvec products", () => {
  it("a buffer moved to system memory maps to its CPU ranges with no P2P provider", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true, interconnects: ["physvec"] });
    m.attach({ buffer: "b", importer: "mmu", as: "a", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["physvec"] });
    m.move("b", SYSTEM());
    m.lock("b", "mmu");
    expect(m.map({ attachment: "a", as: "p" })).toMatchObject({ interconnect: "physvec", nelms: 2 });
    expect(m.mappingEntries("p", 9)).toEqual(SYSTEM().ranges);
    expect(m.mappings.get("p")!.container.header()).toEqual({});
    m.dispose();
  });
});

describe("sgtMap products", () => {
  it("a CPU-physical map holds no IOVA: entries, space and a release, nothing else", () => {
    const m = world();
    m.export({ buffer: "s", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    const p = sgtMap(m.topology, m.buffers.get("s")!, m.topology.device("cpu"));
    expect(p).toStrictEqual({ entries: expect.any(RangeList), space: "cpu-phys", release: expect.any(Function) });
    expect((p.entries as RangeList).entries()).toEqual(SYSTEM().ranges);
    (p.entries as RangeList).dispose();
    m.dispose();
  });

  it("an IOVA map that cannot be split gives its IOVA region back", () => {
    // 256 MiB in 1-byte segments is one piece more than a list can hold
    const m = new DmaBufModel(
      core(),
      { devices: { exp: {}, tiny: { iommu: { base: 0n, size: 0x1_0000_0000n }, maxSegmentSize: 1n } } },
      { exporter: vfioExporter },
    );
    m.export({ buffer: "s", exporter: "exp", size: 0x1000_0000n, backing: SYSTEM(1, 0x1000_0000n) });
    m.attach({ buffer: "s", importer: "tiny", as: "a" });
    fails(m, "ENOMEM", () => m.map({ attachment: "a", as: "m" }));
    expect(m.topology.iova.get("tiny")!.alloc(0x1_0000_0000n)).toBe(0n); // the whole space is free again
    m.dispose();
  });
});
