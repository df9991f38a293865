// One test per row of the lifecycle table (docs/rules.md#lifecycle), each proving the failed
// step changed nothing, plus the precedence of rows.
import { describe, expect, it } from "vitest";
import { world, fails, dynamicPair, MMIO, SYSTEM, BAR0 } from "./world.js";

describe("lifecycle rules, in table order", () => {
  it("ENOENT: closed buffer, detached attachment, unmapped or detach-released mapping", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    m.map({ attachment: "a", as: "m" });
    m.unmap("m");
    fails(m, "ENOENT", () => m.unmap("m"));
    m.detach("a");
    fails(m, "ENOENT", () => m.map({ attachment: "a", as: "m2" }));
    fails(m, "ENOENT", () => m.pin("a"));
    fails(m, "ENOENT", () => m.detach("a"));
    m.close("b");
    for (const step of [
      () => m.lock("b", "cpu"),
      () => m.unlock("b", "cpu"),
      () => m.close("b"),
      () => m.revoke("b"),
      () => m.restore("b"),
      () => m.move("b", SYSTEM()),
      () => m.attach({ buffer: "b", importer: "cpu", as: "x" }),
    ]) {
      fails(m, "ENOENT", step);
    }
    // an iov mapping released by detach names nothing afterwards
    m.export({
      buffer: "v",
      exporter: "vf",
      size: 0x1000n,
      dynamic: true,
      interconnects: ["iov"],
      backing: { kind: "mmio", ranges: [{ addr: 0x2000_0000_0000n, len: 0x1000n }] },
    });
    m.attach({ buffer: "v", importer: "pf", as: "p", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["iov"] });
    m.lock("v", "pf");
    m.map({ attachment: "p", as: "mi" });
    m.unlock("v", "pf");
    m.detach("p");
    fails(m, "ENOENT", () => m.unmap("mi"));
    // a name whose attach or map failed names nothing
    m.export({ buffer: "s2", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    expect(() => m.attach({ buffer: "s2", importer: "cpu", as: "bad", peer2peer: true })).toThrow(/EINVAL|peer2peer/);
    fails(m, "ENOENT", () => m.map({ attachment: "bad", as: "x" }));
    m.attach({ buffer: "s2", importer: "cpu", as: "good", dynamic: true });
    expect(() => m.map({ attachment: "good", as: "nolock" })).toThrow(/resv lock/);
    fails(m, "ENOENT", () => m.unmap("nolock"));
    m.dispose();
  });

  it("export EINVAL: unaligned size, bad/overlapping/wrapping ranges, wrong sum, mmio outside one BAR", () => {
    const m = world();
    const cases: [bigint, ReturnType<typeof SYSTEM> | ReturnType<typeof MMIO>][] = [
      [0x1800n, SYSTEM(1, 0x1800n)], // size not page aligned
      [0n, SYSTEM(0)], // nothing
      [
        0x2000n,
        {
          kind: "system",
          ranges: [
            { addr: 0x1000n, len: 0x1000n },
            { addr: 0x3000n, len: 0n },
          ],
        },
      ], // empty range
      [0x2000n, { kind: "system", ranges: [{ addr: 0x1800n, len: 0x2000n }] }], // unaligned addr
      [
        0x2000n,
        {
          kind: "system",
          ranges: [
            { addr: 0x1000n, len: 0x2000n },
            { addr: 0x2000n, len: 0x1000n },
          ],
        },
      ], // overlap (and sum)
      [
        0x2000n,
        {
          kind: "system",
          ranges: [
            { addr: 0x1000n, len: 0x1000n },
            { addr: 0x1000n, len: 0x1000n },
          ],
        },
      ], // overlap, right sum
      [0x2000n, { kind: "system", ranges: [{ addr: 0xffff_ffff_ffff_f000n, len: 0x2000n }] }], // wraps
      // disjoint ranges covering all 2^64 bytes: the sum itself passes 2^64 - 1
      [
        0xffff_ffff_ffff_f000n,
        {
          kind: "system",
          ranges: [
            { addr: 0n, len: 0x8000_0000_0000_0000n },
            { addr: 0x8000_0000_0000_0000n, len: 0x8000_0000_0000_0000n },
          ],
        },
      ],
      [0x3000n, SYSTEM(2, 0x1000n)], // sum != size
      [0x20_0000n, { kind: "mmio", ranges: [{ addr: BAR0 - 0x10_0000n, len: 0x20_0000n }] }], // outside the BAR
      [0x2000n, { kind: "mmio", ranges: [{ addr: BAR0 + 0xfff_f000n, len: 0x2000n }] }], // runs past the BAR end
    ];
    for (const [size, backing] of cases) fails(m, "EINVAL", () => m.export({ buffer: "b", exporter: "exp", size, backing }));
    fails(m, "EINVAL", () => m.export({ buffer: "b", exporter: "peer", size: 0x20_0000n, backing: MMIO() })); // peer has no BAR
    expect(() => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO() })).not.toThrow();
    m.dispose();
  });

  it("attach EOPNOTSUPP: mmio backing and importer not peer2peer", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    fails(m, "EOPNOTSUPP", () => m.attach({ buffer: "b", importer: "peer", as: "a", dynamic: true }));
    m.dispose();
  });

  it("attach ENODEV: buffer revoked (after the peer2peer row)", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    m.revoke("b");
    fails(m, "EOPNOTSUPP", () => m.attach({ buffer: "b", importer: "peer", as: "a", dynamic: true }));
    fails(m, "ENODEV", () => m.attach({ buffer: "b", importer: "peer", as: "a", dynamic: true, peer2peer: true }));
    m.restore("b");
    m.attach({ buffer: "b", importer: "peer", as: "a", dynamic: true, peer2peer: true });
    m.dispose();
  });

  it("attach EINVAL: peer2peer or non-sgt by a static importer, non-sgt without allowIc", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true, interconnects: ["physvec"] });
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "peer", as: "a", peer2peer: true }));
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "peer", as: "a", peer2peer: true, allowIc: true, interconnects: ["physvec"] }));
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "peer", as: "a", dynamic: true, peer2peer: true, interconnects: ["physvec"] }));
    m.export({ buffer: "s", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    fails(m, "EINVAL", () => m.attach({ buffer: "s", importer: "cpu", as: "a", interconnects: ["sgt", "physvec"], allowIc: true }));
    expect(m.attach({ buffer: "s", importer: "cpu", as: "a" })).toEqual({ interconnect: "sgt" });
    m.dispose();
  });

  it("attach EOPNOTSUPP: no interconnect of the importer's list is supported", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true, interconnects: ["iov"] });
    // iov is offered but only accepted for the exporter's PF; physvec is not offered
    fails(m, "EOPNOTSUPP", () =>
      m.attach({ buffer: "b", importer: "peer", as: "a", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["iov", "physvec"] }),
    );
    m.dispose();
  });

  it("lock EALREADY / EBUSY and unlock EPERM", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    m.lock("b", "peer");
    fails(m, "EALREADY", () => m.lock("b", "peer"));
    fails(m, "EBUSY", () => m.lock("b", "mmu"));
    fails(m, "EPERM", () => m.unlock("b", "mmu"));
    m.unlock("b", "peer");
    fails(m, "EPERM", () => m.unlock("b", "peer"));
    m.dispose();
  });

  it("map, unmap, pin, unpin by a dynamic importer need its resv lock (EPERM); static importers get EBUSY when another holds it", () => {
    const m = world();
    dynamicPair(m);
    fails(m, "EPERM", () => m.map({ attachment: "a", as: "m" }));
    fails(m, "EPERM", () => m.pin("a"));
    fails(m, "EPERM", () => m.unpin("a"));
    m.lock("b", "mmu"); // held, but not by the importer
    fails(m, "EPERM", () => m.map({ attachment: "a", as: "m" }));
    m.unlock("b", "mmu");
    m.lock("b", "peer");
    m.map({ attachment: "a", as: "m" });
    m.unlock("b", "peer");
    fails(m, "EPERM", () => m.unmap("m"));
    // static importer: the lock is taken internally, EBUSY when someone else holds it
    m.export({ buffer: "s", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    m.attach({ buffer: "s", importer: "cpu", as: "st" });
    m.lock("s", "peer");
    fails(m, "EBUSY", () => m.map({ attachment: "st", as: "ms" }));
    m.unlock("s", "peer");
    m.map({ attachment: "st", as: "ms" });
    m.lock("s", "peer");
    fails(m, "EBUSY", () => m.unmap("ms"));
    m.unlock("s", "peer");
    m.unmap("ms");
    m.dispose();
  });

  it("map by a static importer of a dynamic exporter pins on map: EOPNOTSUPP when not pinnable", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), dynamic: true, pinnable: false });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    fails(m, "EOPNOTSUPP", () => m.map({ attachment: "a", as: "m" }));
    m.revoke("b");
    fails(m, "EOPNOTSUPP", () => m.map({ attachment: "a", as: "m" })); // the pin row comes before ENODEV
    m.dispose();
  });

  it("map ENODEV when revoked, EINVAL for sgt over mmio without a P2P path, ENOMEM when IOVA is exhausted", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    m.attach({ buffer: "b", importer: "far", as: "a", dynamic: true, peer2peer: true });
    m.lock("b", "far");
    fails(m, "EINVAL", () => m.map({ attachment: "a", as: "m" }));
    m.unlock("b", "far");
    m.revoke("b");
    m.lock("b", "far");
    fails(m, "ENODEV", () => m.map({ attachment: "a", as: "m" })); // revoked wins over the path
    m.unlock("b", "far");
    // system memory through a 4 MiB IOMMU: two 2 MiB maps fit, the third is ENOMEM
    m.export({ buffer: "s", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    m.attach({ buffer: "s", importer: "sys", as: "d" });
    m.map({ attachment: "d", as: "d1" });
    m.map({ attachment: "d", as: "d2" });
    fails(m, "ENOMEM", () => m.map({ attachment: "d", as: "d3" }));
    m.unmap("d1");
    expect(m.map({ attachment: "d", as: "d3" }).nelms).toBe(32); // freed space is reused; 64 KiB segments
    m.dispose();
  });

  it("unmap EOPNOTSUPP for iov mappings; pin EINVAL for static importers; pin EOPNOTSUPP when not pinnable; unpin EINVAL when not pinned", () => {
    const m = world();
    m.export({
      buffer: "v",
      exporter: "vf",
      size: 0x1000n,
      dynamic: true,
      pinnable: false,
      interconnects: ["iov"],
      backing: { kind: "mmio", ranges: [{ addr: 0x2000_0000_0000n, len: 0x1000n }] },
    });
    m.attach({ buffer: "v", importer: "pf", as: "p", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["iov"] });
    m.lock("v", "pf");
    m.map({ attachment: "p", as: "mi" });
    fails(m, "EOPNOTSUPP", () => m.unmap("mi"));
    fails(m, "EOPNOTSUPP", () => m.pin("p"));
    fails(m, "EINVAL", () => m.unpin("p"));
    m.unlock("v", "pf");
    m.export({ buffer: "s", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    m.attach({ buffer: "s", importer: "cpu", as: "st" });
    fails(m, "EINVAL", () => m.pin("st"));
    fails(m, "EINVAL", () => m.unpin("st"));
    m.dispose();
  });

  it("pins nest; a non-dynamic exporter's pin succeeds and is counted", () => {
    const m = world();
    m.export({ buffer: "s", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    m.attach({ buffer: "s", importer: "cpu", as: "a", dynamic: true });
    m.lock("s", "cpu");
    m.pin("a");
    m.pin("a");
    m.unpin("a");
    m.unlock("s", "cpu");
    fails(m, "EBUSY", () => m.detach("a"));
    m.lock("s", "cpu");
    m.unpin("a");
    fails(m, "EINVAL", () => m.unpin("a"));
    m.unlock("s", "cpu");
    m.detach("a");
    m.dispose();
  });

  it("move, revoke, restore EOPNOTSUPP when the exporter is not dynamic", () => {
    const m = world();
    m.export({ buffer: "s", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    fails(m, "EOPNOTSUPP", () => m.move("s", { kind: "system", ranges: [{ addr: 0x1000n, len: 0x1000n }] })); // before the EINVAL row
    fails(m, "EOPNOTSUPP", () => m.revoke("s"));
    fails(m, "EOPNOTSUPP", () => m.restore("s"));
    m.dispose();
  });

  it("move EINVAL for a bad new backing, EBUSY while pinned (pin or static mapping) or while an importer holds the lock", () => {
    const m = world();
    dynamicPair(m);
    fails(m, "EINVAL", () => m.move("b", MMIO(2, 0x8_0000n)));
    m.lock("b", "peer");
    m.pin("a");
    fails(m, "EINVAL", () => m.move("b", SYSTEM(1, 0x1000n))); // EINVAL row before EBUSY
    fails(m, "EBUSY", () => m.move("b", SYSTEM()));
    m.unpin("a");
    fails(m, "EBUSY", () => m.move("b", SYSTEM())); // the importer still holds the lock
    fails(m, "EBUSY", () => m.revoke("b"));
    fails(m, "EBUSY", () => m.restore("b"));
    m.unlock("b", "peer");
    m.lock("b", "exp"); // the exporter itself may hold it
    expect(m.move("b", SYSTEM())).toEqual({ notified: ["a"], stale: [] });
    m.unlock("b", "exp");
    // a static importer's live mapping pins the buffer until unmap
    m.attach({ buffer: "b", importer: "cpu", as: "st" });
    m.map({ attachment: "st", as: "ms" });
    fails(m, "EBUSY", () => m.move("b", MMIO()));
    m.unmap("ms");
    expect(m.move("b", MMIO())).toEqual({ notified: ["a"], stale: [] });
    m.dispose();
  });

  it("detach EBUSY with live mappings or pins; close EBUSY with attachments", () => {
    const m = world();
    m.export({ buffer: "s", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    m.attach({ buffer: "s", importer: "cpu", as: "a" });
    m.map({ attachment: "a", as: "m1" });
    m.map({ attachment: "a", as: "m2" });
    fails(m, "EBUSY", () => m.close("s"));
    fails(m, "EBUSY", () => m.detach("a"));
    m.unmap("m1");
    fails(m, "EBUSY", () => m.detach("a"));
    m.unmap("m2");
    m.detach("a");
    m.close("s");
    m.dispose();
  });
});
