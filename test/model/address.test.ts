// Address rules: the P2P path matrix, IOMMU use, splitting, the per-range fallback.
import { describe, expect, it } from "vitest";
import { world, MMIO, BAR0, BUS0 } from "./world.js";
import * as ref from "../../ts/reference/ops.js";
import type { DmaBufModel } from "../../ts/model/model.js";

function mapOnce(m: DmaBufModel, importer: string, opts: { dynamic?: boolean } = {}) {
  const as = `${importer}-${m.trace.length}`;
  const dynamic = opts.dynamic ?? true;
  m.attach({ buffer: "b", importer, as, dynamic, peer2peer: dynamic });
  if (dynamic) m.lock("b", importer);
  try {
    const r = m.map({ attachment: as, as: `${as}-m` });
    return { r, entries: m.mappingEntries(`${as}-m`, 1000) };
  } finally {
    if (dynamic) m.unlock("b", importer);
  }
}

describe("P2P path matrix", () => {
  const m = world();
  const t = m.topology;
  const d = (n: string) => t.device(n);
  it.each([
    ["exp", "exp", "BUS_ADDR"], // the same PCI device
    ["exp", "peer", "BUS_ADDR"], // same switch, no ACS redirect
    ["exp", "peerMmu", "BUS_ADDR"],
    ["acsA", "acsB", "THRU_HOST_BRIDGE"], // same switch with ACS redirect: up to the root
    ["exp", "host", "THRU_HOST_BRIDGE"], // same root, p2p root
    ["exp", "mmu", "THRU_HOST_BRIDGE"],
    ["exp1", "far1", "NOT_SUPPORTED"], // same root without p2p
    ["exp", "far", "NOT_SUPPORTED"], // different roots
    ["exp", "cpu", "NOT_SUPPORTED"], // not on PCI
    ["cpu", "cpu", "NOT_SUPPORTED"], // same device without a root
  ])("%s -> %s is %s", (e, i, path) => {
    expect(t.p2pPath(d(e), d(i))).toBe(path);
  });
});

describe("sgt address rules", () => {
  it("BUS_ADDR: bus addresses, no IOMMU even when the importer has one, split only at UINT_MAX", () => {
    for (const importer of ["peer", "peerMmu"]) {
      const m = world();
      m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
      const { r, entries } = mapOnce(m, importer);
      expect(entries).toEqual([
        { addr: BUS0, len: 0x10_0000n },
        { addr: BUS0 + 0x20_0000n, len: 0x10_0000n },
      ]);
      expect(r).toMatchObject({ interconnect: "sgt", container: "sgt", nelms: 2, bytes: 0x20_0000n, hash: ref.hash(entries) });
      m.dispose();
    }
  });

  it("THRU_HOST_BRIDGE without IOMMU: CPU physical ranges; with IOMMU: one IOVA region", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    expect(mapOnce(m, "host").entries).toEqual(MMIO().ranges);
    expect(mapOnce(m, "mmu").entries).toEqual([{ addr: 0x1_0000_0000n, len: 0x20_0000n }]);
    expect(mapOnce(m, "mmu").entries).toEqual([{ addr: 0x1_0020_0000n, len: 0x20_0000n }]); // each mapping its own region
    m.dispose();
  });

  it("THRU_HOST_BRIDGE falls back to one region per range when no hole fits the buffer, then ENOMEM, then reuse after unmap", () => {
    const m = world();
    // 16 MiB IOMMU; a 4 MiB buffer of 4 ranges of 1 MiB
    m.export({ buffer: "b", exporter: "exp", size: 0x40_0000n, backing: MMIO(4), dynamic: true });
    m.attach({ buffer: "b", importer: "mmu", as: "a", dynamic: true, peer2peer: true });
    m.lock("b", "mmu");
    for (let i = 0; i < 3; i++) m.map({ attachment: "a", as: `big${i}` }); // 12 MiB used
    // fragment the last 4 MiB: a 1 MiB hole at 12 MiB stays, fill 13..16 with a 3 MiB-ish map
    m.unmap("big1"); // a 4 MiB hole at 4..8 MiB
    m.map({ attachment: "a", as: "big1b" }); // takes it again
    expect(m.mappingEntries("big1b", 9)).toEqual([{ addr: 0x1_0040_0000n, len: 0x40_0000n }]);
    m.map({ attachment: "a", as: "last" }); // 12..16 MiB: full now
    expect(() => m.map({ attachment: "a", as: "x" })).toThrow(/IOVA space exhausted/);
    // free two single-MiB-separated holes: unmapping big0 gives 0..4 MiB
    m.unmap("big0");
    // a buffer of 4 ranges needs 4 MiB contiguous or 4 x 1 MiB: both fit in 0..4 MiB; make it fragmented:
    m.export({
      buffer: "c",
      exporter: "exp",
      size: 0x10_0000n,
      backing: { kind: "mmio", ranges: [{ addr: BAR0 + 0x100_0000n, len: 0x10_0000n }] },
      dynamic: true,
    });
    m.attach({ buffer: "c", importer: "mmu", as: "c1", dynamic: true, peer2peer: true });
    m.lock("c", "mmu");
    m.map({ attachment: "c1", as: "hole1" }); // 0..1 MiB
    m.map({ attachment: "c1", as: "hole2" }); // 1..2 MiB
    m.map({ attachment: "c1", as: "hole3" }); // 2..3 MiB
    m.unmap("hole2"); // free: 1..2 and 3..4 MiB, no 4 MiB hole and no room for 4 ranges
    m.unlock("c", "mmu");
    expect(() => m.map({ attachment: "a", as: "y" })).toThrow(/ENOMEM|exhausted/);
    // with 2 ranges of 1 MiB (a 2 MiB buffer) the fallback gives each range its own region
    m.export({
      buffer: "d",
      exporter: "exp",
      size: 0x20_0000n,
      backing: {
        kind: "mmio",
        ranges: [
          { addr: BAR0 + 0x200_0000n, len: 0x10_0000n },
          { addr: BAR0 + 0x300_0000n, len: 0x10_0000n },
        ],
      },
      dynamic: true,
    });
    m.attach({ buffer: "d", importer: "mmu", as: "d1", dynamic: true, peer2peer: true });
    m.unlock("b", "mmu");
    m.lock("d", "mmu");
    const r = m.map({ attachment: "d1", as: "split" });
    expect(m.mappingEntries("split", 9)).toEqual([
      { addr: 0x1_0010_0000n, len: 0x10_0000n },
      { addr: 0x1_0030_0000n, len: 0x10_0000n },
    ]);
    expect(r.nelms).toBe(2);
    const iova = m.topology.iova.get("mmu")!;
    const before = iova.stats();
    m.unmap("split"); // both regions are freed
    expect(iova.stats().free - before.free).toBe(0x20_0000n);
    m.unlock("d", "mmu");
    m.dispose();
  });

  it("system memory without IOMMU: physical ranges split by the importer's limits; with IOMMU: one region split", () => {
    const m = world();
    m.export({
      buffer: "b",
      exporter: "exp",
      size: 0x30_0000n,
      backing: {
        kind: "system",
        ranges: [
          { addr: 0xfff0_0000n, len: 0x20_0000n },
          { addr: 0x1_8000_0000n, len: 0x10_0000n },
        ],
      },
    });
    const plain = mapOnce(m, "cpu", { dynamic: false }).entries;
    expect(plain).toEqual([
      { addr: 0xfff0_0000n, len: 0x20_0000n },
      { addr: 0x1_8000_0000n, len: 0x10_0000n },
    ]); // default limits: UINT_MAX, no boundary, no coalescing
    const viaMmu = mapOnce(m, "sys", { dynamic: false }).entries;
    expect(viaMmu).toEqual(ref.split([{ addr: 0x4000_0000n, len: 0x30_0000n }], 0x10000n, 0xffff_ffffn));
    expect(viaMmu.length).toBe(48);
    m.dispose();
  });

  it("segments over 4 GiB split at UINT_MAX; mmio ignores the device's segment limits", () => {
    const m = world();
    const big = 0x1_4000_0000n; // 5 GiB
    m.export({ buffer: "b", exporter: "exp", size: big, backing: { kind: "system", ranges: [{ addr: 0x10_0000_0000n, len: big }] } });
    const { r, entries } = mapOnce(m, "cpu", { dynamic: false });
    expect(entries).toEqual(ref.split([{ addr: 0x10_0000_0000n, len: big }], 0xffff_ffffn));
    expect(r.nelms).toBe(2);
    expect(entries[0]!.len).toBe(0xffff_ffffn);
    m.dispose();
    const w = world();
    w.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(1, 0x20_0000n), dynamic: true });
    // "sys" has 64 KiB segments, but mmio (phys_vec path) only splits at UINT_MAX: give it a P2P path via host bridge
    w.attach({ buffer: "b", importer: "mmu", as: "a", dynamic: true, peer2peer: true });
    w.lock("b", "mmu");
    expect(w.map({ attachment: "a", as: "m" }).nelms).toBe(1);
    w.dispose();
  });
});

describe("physvec and iov maps", () => {
  it("physvec: CPU physical ranges with the provider's bus offset; any container gives the same hash", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true, interconnects: ["physvec"] });
    m.attach({ buffer: "b", importer: "mmu", as: "a", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["physvec"] });
    m.lock("b", "mmu");
    const r = m.map({ attachment: "a", as: "p" });
    expect(r).toMatchObject({ interconnect: "physvec", container: "physvec", nelms: 2, hash: ref.hash(MMIO().ranges) });
    const c = m.mappings.get("p")!.container;
    expect(c.header()).toEqual({ provider: { owner: m.topology.device("exp").id, busOffset: BigInt.asUintN(64, BUS0 - BAR0) } });
    for (const kind of ["sgt", "mapping", "ranges", "xarray"] as const) {
      expect(m.map({ attachment: "a", as: `p-${kind}`, container: kind }).hash).toBe(r.hash);
    }
    m.dispose();
  });

  it("iov: BAR-relative offsets and the BAR number, only for the VF's PF", () => {
    const m = world();
    m.export({
      buffer: "b",
      exporter: "vf",
      size: 0x3000n,
      dynamic: true,
      interconnects: ["iov"],
      backing: {
        kind: "mmio",
        ranges: [
          { addr: 0x2000_0000_1000n, len: 0x1000n },
          { addr: 0x2000_0000_8000n, len: 0x2000n },
        ],
      },
    });
    expect(() => m.attach({ buffer: "b", importer: "peer", as: "x", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["iov"] })).toThrow(
      /supports none/,
    );
    m.attach({ buffer: "b", importer: "pf", as: "a", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["iov", "sgt"] });
    m.lock("b", "pf");
    const r = m.map({ attachment: "a", as: "i" });
    expect(r).toMatchObject({ interconnect: "iov", container: "ranges", nelms: 2, bytes: 0x3000n, barNumber: 2 });
    expect(m.mappingEntries("i", 9)).toEqual([
      { addr: 0x1000n, len: 0x1000n },
      { addr: 0x8000n, len: 0x2000n },
    ]);
    m.dispose();
  });
});

describe("negotiation", () => {
  it("the first of the importer's list that the buffer offers and accepts wins", () => {
    const m = world();
    m.export({
      buffer: "b",
      exporter: "vf",
      size: 0x1000n,
      dynamic: true,
      interconnects: ["physvec", "iov"],
      backing: { kind: "mmio", ranges: [{ addr: 0x2000_0000_0000n, len: 0x1000n }] },
    });
    const at = (importer: string, interconnects: ("sgt" | "physvec" | "iov")[]) =>
      m.attach({ buffer: "b", importer, as: `${importer}${m.trace.length}`, dynamic: true, peer2peer: true, allowIc: true, interconnects }).interconnect;
    expect(at("pf", ["iov", "physvec", "sgt"])).toBe("iov");
    expect(at("peer", ["iov", "physvec", "sgt"])).toBe("physvec"); // iov refused: not the PF
    expect(at("pf", ["physvec", "iov"])).toBe("physvec"); // importer's order, not the exporter's
    expect(at("peer", ["sgt", "physvec"])).toBe("sgt");
    m.export({ buffer: "s", exporter: "vf", size: 0x1000n, dynamic: true, backing: { kind: "mmio", ranges: [{ addr: 0x2000_0000_0000n, len: 0x1000n }] } });
    expect(m.attach({ buffer: "s", importer: "pf", as: "z", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["iov", "sgt"] }).interconnect).toBe(
      "sgt",
    ); // not offered
    // iov is accepted only for an mmio backing, even by the PF
    m.export({
      buffer: "sys",
      exporter: "vf",
      size: 0x1000n,
      dynamic: true,
      interconnects: ["iov"],
      backing: { kind: "system", ranges: [{ addr: 0x8000_0000n, len: 0x1000n }] },
    });
    expect(m.attach({ buffer: "sys", importer: "pf", as: "y", dynamic: true, allowIc: true, interconnects: ["iov", "sgt"] }).interconnect).toBe("sgt");
    expect(() => m.attach({ buffer: "sys", importer: "pf", as: "y2", dynamic: true, allowIc: true, interconnects: ["iov"] })).toThrow(/supports none/);
    m.dispose();
  });
});
