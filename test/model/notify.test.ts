// move_notify, stale mappings, revoke/restore, and the three situations of the seed thread.
import { describe, expect, it } from "vitest";
import { world, MMIO, SYSTEM, BUS0 } from "./world.js";

describe("move, revoke and restore", () => {
  it("notify only dynamic importers, newest attachment first, and mark mappings stale in map order", () => {
    const m = world();
    const calls: string[] = [];
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), dynamic: true });
    const attach = (as: string, importer: string, dynamic: boolean) =>
      m.attach({ buffer: "b", importer, as, dynamic, ...(dynamic ? { moveNotify: (a: string) => calls.push(a) } : {}) });
    attach("d1", "cpu", true);
    attach("s1", "host", false);
    attach("d2", "mmu", true);
    m.lock("b", "mmu");
    m.map({ attachment: "d2", as: "m-d2a" });
    m.unlock("b", "mmu");
    m.lock("b", "cpu");
    m.map({ attachment: "d1", as: "m-d1" });
    m.unlock("b", "cpu");
    m.lock("b", "mmu");
    m.map({ attachment: "d2", as: "m-d2b" });
    m.unlock("b", "mmu");
    expect(m.move("b", SYSTEM(2, 0x10_0000n, 0x9000_0000n))).toEqual({ notified: ["d2", "d1"], stale: ["m-d2a", "m-d1", "m-d2b"] });
    expect(calls).toEqual(["d2", "d1"]);
    expect(m.trace.at(-1)!.notifications).toEqual(["d2", "d1"]);
    // already stale mappings are not listed again
    expect(m.move("b", SYSTEM())).toEqual({ notified: ["d2", "d1"], stale: [] });
    // a static importer's mapping: revoke marks it stale but does not notify it
    m.map({ attachment: "s1", as: "m-s1" });
    expect(m.revoke("b")).toEqual({ notified: ["d2", "d1"], stale: ["m-s1"] });
    expect(m.mappings.get("m-s1")!.stale).toBe(true);
    // restore notifies again and marks nothing; a second restore is a no-op
    expect(m.restore("b")).toEqual({ notified: ["d2", "d1"], stale: [] });
    expect(m.restore("b")).toEqual({ notified: [], stale: [] });
    // stale mappings stay allocated until unmapped
    m.unmap("m-s1");
    m.lock("b", "cpu");
    m.unmap("m-d1");
    m.unlock("b", "cpu");
    m.dispose();
  });

  it("revoke ignores pins; notified lists attachments without mappings too; detached ones are gone", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    m.attach({ buffer: "b", importer: "peer", as: "a1", dynamic: true, peer2peer: true });
    m.attach({ buffer: "b", importer: "mmu", as: "a2", dynamic: true, peer2peer: true });
    m.attach({ buffer: "b", importer: "host", as: "a3", dynamic: true, peer2peer: true });
    m.lock("b", "peer");
    m.pin("a1");
    m.unlock("b", "peer");
    m.detach("a2");
    expect(m.revoke("b")).toEqual({ notified: ["a3", "a1"], stale: [] });
    m.dispose();
  });

  it("a static importer of a dynamic exporter pins on map and move is EBUSY until unmap", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), dynamic: true });
    m.attach({ buffer: "b", importer: "cpu", as: "s" });
    m.map({ attachment: "s", as: "ms" });
    expect(m.buffers.get("b")!.pinCount()).toBe(1);
    expect(() => m.move("b", SYSTEM(1, 0x20_0000n))).toThrow(/pinned/);
    m.unmap("ms");
    expect(m.buffers.get("b")!.pinCount()).toBe(0);
    expect(m.move("b", SYSTEM(1, 0x20_0000n))).toEqual({ notified: [], stale: [] });
    m.dispose();
  });
});

describe("the three situations of the seed thread", () => {
  it("vfio-pci BAR -> iommufd-style physvec importer, revoked by a device reset and restored", () => {
    const m = world();
    m.export({ buffer: "bar", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true, pinnable: false, interconnects: ["physvec"] });
    expect(m.attach({ buffer: "bar", importer: "mmu", as: "iommufd", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["physvec"] })).toEqual({
      interconnect: "physvec",
    });
    m.lock("bar", "mmu");
    expect(() => m.pin("iommufd")).toThrow(/cannot be pinned/);
    const r = m.map({ attachment: "iommufd", as: "pv" });
    m.unlock("bar", "mmu");
    expect(r).toMatchObject({ nelms: 2, bytes: 0x20_0000n });
    expect(m.revoke("bar")).toEqual({ notified: ["iommufd"], stale: ["pv"] });
    m.lock("bar", "mmu");
    expect(() => m.map({ attachment: "iommufd", as: "pv2" })).toThrow(/revoked/);
    m.unmap("pv");
    m.unlock("bar", "mmu");
    expect(m.restore("bar")).toEqual({ notified: ["iommufd"], stale: [] });
    m.lock("bar", "mmu");
    expect(m.map({ attachment: "iommufd", as: "pv3" }).hash).toBe(r.hash);
    m.dispose();
  });

  it("SR-IOV VF BAR -> its PF over iov: no unmap, released by detach", () => {
    const m = world();
    m.export({
      buffer: "vfb",
      exporter: "vf",
      size: 0x20_0000n,
      dynamic: true,
      pinnable: false,
      interconnects: ["iov", "physvec"],
      backing: {
        kind: "mmio",
        ranges: [
          { addr: 0x2000_0000_0000n, len: 0x10_0000n },
          { addr: 0x2000_0020_0000n, len: 0x10_0000n },
        ],
      },
    });
    m.attach({ buffer: "vfb", importer: "pf", as: "a0", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["iov", "sgt"] });
    m.lock("vfb", "pf");
    expect(m.map({ attachment: "a0", as: "m0" })).toMatchObject({ interconnect: "iov", container: "ranges", nelms: 2, bytes: 0x20_0000n, barNumber: 2 });
    m.unlock("vfb", "pf");
    expect(m.revoke("vfb")).toEqual({ notified: ["a0"], stale: ["m0"] });
    m.lock("vfb", "pf");
    expect(() => m.map({ attachment: "a0", as: "m1" })).toThrow(/revoked/);
    m.unlock("vfb", "pf");
    m.detach("a0"); // the iov mapping does not block detach
    expect(m.mappings.get("m0")!.unmapped).toBe(true);
    m.close("vfb");
    m.dispose();
  });

  it("a classic GPU-to-GPU sgt import over P2P behind one switch", () => {
    const m = world();
    m.export({ buffer: "vram", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    m.attach({ buffer: "vram", importer: "peer", as: "gpu1", dynamic: true, peer2peer: true });
    m.lock("vram", "peer");
    m.map({ attachment: "gpu1", as: "sg" });
    expect(m.mappingEntries("sg", 9)).toEqual([
      { addr: BUS0, len: 0x10_0000n },
      { addr: BUS0 + 0x20_0000n, len: 0x10_0000n },
    ]);
    m.unmap("sg");
    m.unlock("vram", "peer");
    m.detach("gpu1");
    m.close("vram");
    // everything is released
    const base = world();
    expect(m.topology.iova.size).toBe(base.topology.iova.size);
    base.dispose();
    m.dispose();
  });
});
