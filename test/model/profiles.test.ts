// The rows where mainline differs from rfc-v2 (docs/rules.md#profiles, DESIGN.md section 9),
// each under both profiles through the public API; failed steps change nothing (fails()).
import { describe, expect, it } from "vitest";
import { DmaBufModel } from "../../ts/model/model.js";
import { vfioExporter } from "../../ts/exporters/vfio.js";
import { rfcV2Exporter } from "../../ts/exporters/rfc-v2.js";
import { PROFILE_NAMES, PROFILE_ROWS, profileRules, type ProfileName } from "../../ts/model/profiles.js";
import { LifecycleRef, type RefStep } from "../../ts/reference/lifecycle.js";
import { REF_PROFILES } from "../../ts/reference/profiles.js";
import type { ExporterFactory } from "../../ts/model/ops.js";
import type { TopologySpec } from "../../ts/model/topology.js";
import { FABRIC, MMIO, SYSTEM, BAR0, fails } from "./world.js";
import { sgtMap } from "../../ts/model/address.js";
import { core } from "../helpers.js";

const modelOf = (profile: ProfileName, exporter: ExporterFactory = vfioExporter, topo: TopologySpec = FABRIC) =>
  new DmaBufModel(core(), topo, { exporter, profile });
const BOTH = ["rfc-v2", "mainline"] as const;

/** A dynamic mmio buffer "b" (one range unless `ranges`), attached as "a" by the dynamic, peer2peer `peerMmu` importer. */
function vfioPair(m: DmaBufModel, att: Record<string, unknown> = {}, ranges = 1) {
  m.export({
    buffer: "b",
    exporter: "exp",
    size: BigInt(ranges) * 0x10_0000n,
    backing: MMIO(ranges),
    dynamic: true,
    pinnable: false,
    interconnects: ["physvec"],
  });
  m.attach({ buffer: "b", importer: "peerMmu", as: "a", dynamic: true, peer2peer: true, ...att });
}

const mapLocked = (m: DmaBufModel, attachment: string, holder: string, as: string, extra: Record<string, unknown> = {}) => {
  m.lock("b", holder);
  try {
    return m.map({ attachment, as, ...extra });
  } finally {
    m.unlock("b", holder);
  }
};

describe("the profile table", () => {
  it("every row names its DESIGN.md row, a rule and a kernel source, and has a value for every profile", () => {
    for (const r of PROFILE_ROWS) {
      expect(r.row).toBeGreaterThanOrEqual(1);
      expect(r.rule.length).toBeGreaterThan(10);
      expect(r.source).toMatch(/drivers\/|include\/|tools\//);
      expect(Object.keys(r.values).sort()).toEqual([...PROFILE_NAMES].sort());
    }
    const rows = (of: string | undefined) => new Set(PROFILE_ROWS.filter((r) => ("of" in r ? r.of : undefined) === of).map((r) => r.row));
    expect(rows(undefined)).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(rows("mapping-types")).toEqual(new Set([1, 2, 3]));
  });

  it("rfc-v2 and mainline differ in every mainline row, mapping-types and mainline in every mapping-types row; mapping-types is mainline elsewhere but for iov", () => {
    for (const r of PROFILE_ROWS) {
      if ("of" in r) {
        expect(r.values["rfc-v2"], r.key).toEqual(r.values.mainline);
        expect(r.values["mapping-types"], r.key).not.toEqual(r.values.mainline);
        expect(r.source, r.key).toMatch(/\[PATCH RFC 00\/26\] Add DMA-buf mapping types .*, \d\d\/26 "/);
        continue;
      }
      expect(r.values["rfc-v2"], r.key).not.toEqual(r.values.mainline);
      // iov is back in mapping-types, as a driver-private mapping type (the RFC's cover letter)
      if (r.key === "iov") expect(r.values["mapping-types"]).toBe(true);
      else expect(r.values["mapping-types"], r.key).toEqual(r.values.mainline);
    }
  });

  it("the reference's own table agrees with the model's, row by row", () => {
    for (const p of PROFILE_NAMES) {
      const m = profileRules(p);
      const r = REF_PROFILES[p]!;
      expect([
        r.idempotentRevoke,
        r.clearRevokedLast,
        r.pinnedWithOps,
        r.vfioRevocableOnly,
        !r.vfioRevocableOnly,
        r.waitForUnmaps,
        r.unmapOnInvalidateDefault,
      ]).toEqual([
        m.revokeIdempotent,
        m.restoreNotifiesFirst,
        m.pinnedImporters,
        m.mmioNeedsRevocable,
        m.mmioPinOp,
        m.revokeWaitsForUnmaps,
        m.unmapOnInvalidate,
      ]);
      expect([r.mmioEntryMax, r.mmioNentsMax, r.hasIov, r.physvecOneMmioRange, r.subRanges]).toEqual([
        m.mmioMaxSegment,
        m.mmioMaxEntries,
        m.iov,
        m.physvecSingleMmio,
        m.subRangeMap,
      ]);
      expect([r.exporterFirst, r.matchFirst, r.sgtP2pAtAttach, r.typedTables]).toEqual([
        m.exporterPriority,
        m.matchBeforeAttach,
        m.p2pAtMatch,
        m.mappingTypeOps,
      ]);
    }
  });

  it("the model is told a profile by its options or its topology, and refuses an unknown one naming the field", () => {
    expect(new DmaBufModel(core(), FABRIC, { exporter: vfioExporter }).profile).toBe("rfc-v2");
    expect(new DmaBufModel(core(), { ...FABRIC, profile: "mainline" }, { exporter: vfioExporter }).profile).toBe("mainline");
    expect(new DmaBufModel(core(), { ...FABRIC, profile: "mainline" }, { exporter: vfioExporter, profile: "rfc-v2" }).profile).toBe("rfc-v2");
    expect(() => new DmaBufModel(core(), FABRIC, { profile: "v7.1" as ProfileName })).toThrow(/model: profile must be one of rfc-v2, mainline, mapping-types/);
    expect(() => new DmaBufModel(core(), { ...FABRIC, profile: "x" })).toThrow(/topology: profile must be one of/);
  });
});

describe("row 1: revoke is idempotent in mainline", () => {
  it.each(BOTH)("%s: a second revoke", (p) => {
    const m = modelOf(p);
    const calls: string[] = [];
    vfioPair(m, { moveNotify: (a: string) => calls.push(a), unmapOnInvalidate: true });
    expect(m.revoke("b")).toEqual({ notified: ["a"], stale: [] });
    expect(m.revoke("b")).toEqual(p === "mainline" ? { notified: [], stale: [] } : { notified: ["a"], stale: [] });
    expect(calls).toEqual(p === "mainline" ? ["a"] : ["a", "a"]);
  });
});

describe("row 2: restore notifies while the buffer still reads as revoked in mainline", () => {
  it.each(BOTH)("%s: what the callback sees", (p) => {
    const m = modelOf(p);
    const seen: boolean[] = [];
    vfioPair(m, { moveNotify: () => seen.push(m.buffers.get("b")!.revoked) });
    m.revoke("b");
    expect(m.restore("b")).toEqual({ notified: ["a"], stale: [] });
    expect(seen).toEqual([true, p === "mainline"]);
    expect(m.buffers.get("b")!.revoked).toBe(false);
    expect(m.restore("b")).toEqual({ notified: [], stale: [] });
  });
});

describe("row 3: pinned importers with ops", () => {
  it.each(BOTH)("%s: dynamic: true, revocable: false", (p) => {
    const m = modelOf(p);
    m.export({ buffer: "b", exporter: "cpu", size: 0x20_0000n, backing: SYSTEM(), dynamic: true });
    const calls: string[] = [];
    if (p === "rfc-v2") {
      fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "sys", as: "rdma", dynamic: true, revocable: false }));
      expect(m.trace.at(-1)!.message).toMatch(/revocable: false\) is refused in profile rfc-v2/);
      return;
    }
    expect(m.attach({ buffer: "b", importer: "sys", as: "rdma", dynamic: true, revocable: false, moveNotify: (a) => calls.push(a) })).toEqual({
      interconnect: "sgt",
    });
    m.attach({ buffer: "b", importer: "cpu", as: "odp", dynamic: true, unmapOnInvalidate: false, moveNotify: (a) => calls.push(a) });
    fails(m, "EPERM", () => m.map({ attachment: "rdma", as: "x" })); // its map needs the lock, like any importer with ops
    mapLocked(m, "rdma", "sys", "pinned-map");
    expect(m.buffers.get("b")!.pins).toBe(0); // no pin on map
    mapLocked(m, "odp", "cpu", "odp-map");
    expect(m.move("b", SYSTEM(2, 0x10_0000n, 0x9000_0000n))).toEqual({ notified: ["odp"], stale: ["odp-map"] });
    expect(calls).toEqual(["odp"]); // never notified, its mapping never stale
    expect(m.mappings.get("pinned-map")!.stale).toBe(false);
  });

  it.each(BOTH)("%s: the argument rules of every profile", (p) => {
    const m = modelOf(p);
    m.export({ buffer: "b", exporter: "cpu", size: 0x20_0000n, backing: SYSTEM(), dynamic: true });
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "sys", as: "x", revocable: true }));
    expect(m.trace.at(-1)!.message).toMatch(/revocable needs dynamic: true/);
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "sys", as: "x", dynamic: true, revocable: false, unmapOnInvalidate: true }));
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "sys", as: "x", dynamic: true, moveNotify: () => {}, invalidateMappings: () => {} }));
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "sys", as: "x", ops: { revocable: true } }));
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "sys", as: "x", ops: { revocable: false, unmapOnInvalidate: false } }));
  });

  it.each(BOTH)("%s: invalidateMappings is the callback's name, moveNotify its alias, in flags and ops", (p) => {
    const m = modelOf(p);
    const calls: string[] = [];
    m.export({ buffer: "b", exporter: "cpu", size: 0x20_0000n, backing: SYSTEM(), dynamic: true });
    m.attach({ buffer: "b", importer: "sys", as: "new", dynamic: true, invalidateMappings: (a) => calls.push(`new ${a}`) });
    m.attach({ buffer: "b", importer: "cpu", as: "ops", ops: { invalidateMappings: (a) => calls.push(`ops ${a}`) } });
    m.attach({ buffer: "b", importer: "host", as: "old", ops: { moveNotify: (a) => calls.push(`old ${a}`) } });
    expect(m.revoke("b")).toEqual({ notified: ["old", "ops", "new"], stale: [] });
    expect(calls).toEqual(["old old", "ops ops", "new new"]);
  });
});

describe("row 4: vfio refuses importers that are not revocable, and has no pin op", () => {
  it.each(BOTH)("%s: attach checks in order", (p) => {
    const m = modelOf(p);
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true, pinnable: false });
    fails(m, "EOPNOTSUPP", () => m.attach({ buffer: "b", importer: "peer", as: "x", dynamic: true })); // not peer2peer, first in both
    if (p === "mainline") {
      fails(m, "EOPNOTSUPP", () => m.attach({ buffer: "b", importer: "peer", as: "x", dynamic: true, revocable: false, peer2peer: true }));
      expect(m.trace.at(-1)!.message).toMatch(/needs a revocable importer/);
    } else fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "peer", as: "x", dynamic: true, revocable: false, peer2peer: true }));
    // a static importer that says peer2peer: vfio's EOPNOTSUPP in mainline, the core's EINVAL in rfc-v2
    fails(m, p === "mainline" ? "EOPNOTSUPP" : "EINVAL", () => m.attach({ buffer: "b", importer: "peer", as: "x", peer2peer: true }));
    m.attach({ buffer: "b", importer: "peer", as: "a", dynamic: true, peer2peer: true, unmapOnInvalidate: true });
    m.revoke("b");
    fails(m, "ENODEV", () => m.attach({ buffer: "b", importer: "peer", as: "y", dynamic: true, peer2peer: true }));
    // a pinned importer of a revoked buffer: vfio's ENODEV in mainline; rfc-v2 refuses the importer itself first
    fails(m, p === "mainline" ? "ENODEV" : "EINVAL", () =>
      m.attach({ buffer: "b", importer: "peer", as: "y", dynamic: true, revocable: false, peer2peer: true }),
    );
    if (p === "mainline") expect(m.trace.at(-1)!.message).toBe("attach y: buffer b is revoked");
  });

  it.each(BOTH)("%s: pin of an mmio buffer that is not pinnable", (p) => {
    const m = modelOf(p);
    vfioPair(m);
    m.lock("b", "peerMmu");
    if (p === "rfc-v2") fails(m, "EOPNOTSUPP", () => m.pin("a"));
    else {
      m.pin("a");
      expect(m.buffers.get("b")!.pins).toBe(1);
    }
    // a system-memory buffer that is not pinnable refuses in both
    m.export({ buffer: "s", exporter: "cpu", size: 0x20_0000n, backing: SYSTEM(), dynamic: true, pinnable: false });
    m.attach({ buffer: "s", importer: "cpu", as: "sa", dynamic: true });
    m.lock("s", "cpu");
    fails(m, "EOPNOTSUPP", () => m.pin("sa"));
  });
});

describe("row 5: revoke waits for unmaps", () => {
  it.each(BOTH)("%s: an importer that unmaps on invalidate, and one that does not", (p) => {
    const m = modelOf(p);
    vfioPair(m, { allowIc: true, interconnects: ["physvec"], unmapOnInvalidate: true });
    m.attach({ buffer: "b", importer: "peer", as: "slow", dynamic: true, peer2peer: true, unmapOnInvalidate: false });
    mapLocked(m, "a", "peerMmu", "fast-map");
    mapLocked(m, "slow", "peer", "slow-map");
    if (p === "mainline") {
      fails(m, "EDEADLK", () => m.revoke("b"));
      expect(m.trace.at(-1)!.message).toMatch(/mapping\(s\) slow-map would stay mapped/);
      m.lock("b", "peer");
      m.unmap("slow-map");
      m.unlock("b", "peer");
      expect(m.revoke("b")).toEqual({ notified: ["slow", "a"], stale: [], unmapped: ["fast-map"] });
    } else {
      expect(m.revoke("b")).toEqual({ notified: ["slow", "a"], stale: ["slow-map"], unmapped: ["fast-map"] });
    }
    expect(m.mappings.get("fast-map")!.unmapped).toBe(true);
    fails(m, "ENOENT", () => m.unmap("fast-map"));
  });

  it.each(BOTH)("%s: the default of unmapOnInvalidate, and a static importer's mapping", (p) => {
    const m = modelOf(p);
    m.export({ buffer: "b", exporter: "cpu", size: 0x20_0000n, backing: SYSTEM(), dynamic: true });
    m.attach({ buffer: "b", importer: "cpu", as: "d", dynamic: true });
    m.attach({ buffer: "b", importer: "sys", as: "s" });
    m.lock("b", "cpu");
    m.map({ attachment: "d", as: "dm" });
    m.unlock("b", "cpu");
    expect(m.move("b", SYSTEM(2, 0x10_0000n, 0x9000_0000n))).toEqual(
      p === "mainline" ? { notified: ["d"], stale: [], unmapped: ["dm"] } : { notified: ["d"], stale: ["dm"] },
    );
    m.map({ attachment: "s", as: "sm" });
    if (p === "mainline") fails(m, "EDEADLK", () => m.revoke("b"));
    else expect(m.revoke("b")).toEqual({ notified: ["d"], stale: ["sm"] });
  });

  it("mainline: the EDEADLK message names the remaining mappings in map order, whatever their attachment", () => {
    const m = modelOf("mainline");
    m.export({ buffer: "b", exporter: "cpu", size: 0x1000n, backing: { kind: "system", ranges: [{ addr: 0x8000_0000n, len: 0x1000n }] }, dynamic: true });
    m.attach({ buffer: "b", importer: "sys", as: "s1" });
    m.attach({ buffer: "b", importer: "host", as: "s2" });
    for (let i = 0; i < 8; i++) m.map({ attachment: i % 2 ? "s2" : "s1", as: `m${i}` });
    fails(m, "EDEADLK", () => m.revoke("b"));
    expect(m.trace.at(-1)!.message).toBe(
      "revoke b: the revoke would wait forever: mapping(s) m0, m1, m2, m3, m4, m5, m6, m7 would stay mapped (their importers do not unmap on invalidate)",
    );
  });

  it("mainline: the EDEADLK message lists the first 8 mappings and counts the rest", () => {
    const m = modelOf("mainline");
    m.export({ buffer: "b", exporter: "cpu", size: 0x1000n, backing: { kind: "system", ranges: [{ addr: 0x8000_0000n, len: 0x1000n }] }, dynamic: true });
    m.attach({ buffer: "b", importer: "sys", as: "s" });
    for (let i = 0; i < 10; i++) m.map({ attachment: "s", as: `m${i}` });
    fails(m, "EDEADLK", () => m.revoke("b"));
    expect(m.trace.at(-1)!.message).toMatch(/mapping\(s\) m0, m1, m2, m3, m4, m5, m6, m7 and 2 more would stay mapped/);
  });
});

describe("row 6: the page-aligned split of mmio sgt maps", () => {
  const BIG: TopologySpec = {
    hostBridges: { rc0: { p2p: true } },
    switches: { sw0: {} },
    devices: {
      exp: {
        root: "rc0",
        switch: "sw0",
        bars: [
          { index: 0, cpu: 0x1_0000_0000n, bus: 0x1_0000_0000n, size: 0x2_0000_0000n },
          { index: 1, cpu: 0n, bus: 0n, size: 0xffff_ffff_0000_0000n },
        ],
      },
      peer: { root: "rc0", switch: "sw0" },
      mmu: { root: "rc0", iommu: { base: 0x10_0000_0000n, size: 0x2_0000_0000n } },
    },
  };
  it.each(BOTH)("%s: a 4 GiB range, BUS_ADDR and through an IOMMU", (p) => {
    for (const exporter of [vfioExporter, rfcV2Exporter]) {
      const m = modelOf(p, exporter, BIG);
      m.export({
        buffer: "b",
        exporter: "exp",
        size: 0x1_0000_0000n,
        backing: { kind: "mmio", ranges: [{ addr: 0x1_0000_0000n, len: 0x1_0000_0000n }] },
        dynamic: true,
      });
      m.attach({ buffer: "b", importer: "peer", as: "bus", dynamic: true, peer2peer: true });
      m.attach({ buffer: "b", importer: "mmu", as: "iova", dynamic: true, peer2peer: true });
      for (const [a, h] of [
        ["bus", "peer"],
        ["iova", "mmu"],
      ] as const) {
        mapLocked(m, a, h, `${a}-map`);
        const want = p === "mainline" ? [0xffff_f000n, 0x1000n] : [0xffff_ffffn, 0x1n];
        expect(m.mappingEntries(`${a}-map`, 4).map((e) => e.len)).toEqual(want);
      }
    }
  });

  it.each(BOTH)("%s: an entry count past u32 (a range near 2^64 bytes)", (p) => {
    const m = modelOf(p, vfioExporter, BIG);
    const len = 0xffff_ffff_0000_0000n;
    m.export({ buffer: "b", exporter: "exp", size: len, backing: { kind: "mmio", ranges: [{ addr: 0n, len }] }, dynamic: true });
    m.attach({ buffer: "b", importer: "peer", as: "bus", dynamic: true, peer2peer: true });
    m.attach({ buffer: "b", importer: "mmu", as: "iova", dynamic: true, peer2peer: true });
    const ref = new LifecycleRef({ ...BIG, profile: p } as never);
    const steps: RefStep[] = [
      { op: "export", buffer: "b", exporter: "exp", size: len, backing: { kind: "mmio", ranges: [{ addr: 0n, len }] }, dynamic: true },
      { op: "attach", buffer: "b", importer: "peer", as: "bus", dynamic: true, peer2peer: true },
      { op: "attach", buffer: "b", importer: "mmu", as: "iova", dynamic: true, peer2peer: true },
      { op: "lock", buffer: "b", holder: "mmu" },
      { op: "map", attachment: "iova", as: "x" },
    ];
    steps.forEach((st, i) => ref.step(st, i));
    if (p === "mainline") {
      m.lock("b", "mmu");
      fails(m, "EINVAL", () => m.map({ attachment: "iova", as: "x" })); // no hole for the whole buffer: counted per range
      expect(m.trace.at(-1)!.message).toMatch(/sgt entries of at most 0xfffff000 bytes overflow the u32 entry count/);
      expect(ref.step({ op: "map", attachment: "iova", as: "x" }, 5)).toMatchObject({ row: "P6", code: "EINVAL" });
    } else {
      // the RFC's split has no count limit: through the IOMMU it finds no room (the per-range fallback), ENOMEM
      m.lock("b", "mmu");
      fails(m, "ENOMEM", () => m.map({ attachment: "iova", as: "x" }));
      expect(ref.step({ op: "map", attachment: "iova", as: "x" }, 5)).toMatchObject({ code: "ENOMEM" });
    }
  });
});

describe("row 7: interconnects without negotiation", () => {
  it.each(BOTH)("%s: iov is skipped, physvec is mmio-only and needs one range", (p) => {
    const m = modelOf(p);
    m.export({
      buffer: "vfb",
      exporter: "vf",
      size: 0x10_0000n,
      backing: { kind: "mmio", ranges: [{ addr: 0x2000_0000_0000n, len: 0x10_0000n }] },
      dynamic: true,
      interconnects: ["iov", "physvec"],
    });
    expect(m.attach({ buffer: "vfb", importer: "pf", as: "pfa", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["iov", "physvec"] })).toEqual({
      interconnect: p === "mainline" ? "physvec" : "iov",
    });
    m.export({ buffer: "sb", exporter: "cpu", size: 0x20_0000n, backing: SYSTEM(), dynamic: true, interconnects: ["physvec"] });
    expect(m.attach({ buffer: "sb", importer: "cpu", as: "sa", dynamic: true, allowIc: true, interconnects: ["physvec", "sgt"] })).toEqual({
      interconnect: p === "mainline" ? "sgt" : "physvec",
    });
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(2), dynamic: true, interconnects: ["physvec"] });
    m.attach({ buffer: "b", importer: "peer", as: "two", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["physvec"] });
    m.lock("b", "peer");
    if (p === "mainline") {
      fails(m, "EOPNOTSUPP", () => m.map({ attachment: "two", as: "x" }));
      expect(m.trace.at(-1)!.message).toMatch(/physvec needs exactly one mmio range/);
    } else expect(m.map({ attachment: "two", as: "x" }).nelms).toBe(2);
  });
});

describe("row 8: sub-range physvec maps (tools/testing/selftests/iommu/iommufd.c)", () => {
  const SIZE = 0x4000n; // PAGE_SIZE * 4, as in the selftests
  function iommufd(p: ProfileName) {
    const m = modelOf(p);
    m.export({
      buffer: "b",
      exporter: "exp",
      size: SIZE,
      backing: { kind: "mmio", ranges: [{ addr: BAR0, len: SIZE }] },
      dynamic: true,
      interconnects: ["physvec"],
    });
    m.attach({ buffer: "b", importer: "peerMmu", as: "ioas", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["physvec"] });
    m.lock("b", "peerMmu");
    return m;
  }
  const range = (offset: bigint, length: bigint) => ({ range: { offset, length } });

  it("mainline, dmabuf_simple: length 0, a start at the end and one byte past the end are EINVAL; the whole buffer maps", () => {
    const m = iommufd("mainline");
    fails(m, "EINVAL", () => m.map({ attachment: "ioas", as: "x", ...range(0n, 0n) }));
    fails(m, "EINVAL", () => m.map({ attachment: "ioas", as: "x", ...range(SIZE, SIZE) }));
    fails(m, "EINVAL", () => m.map({ attachment: "ioas", as: "x", ...range(0n, SIZE + 1n) }));
    expect(m.trace.at(-1)!).toMatchObject({ error: "EINVAL" });
    expect(m.map({ attachment: "ioas", as: "whole", ...range(0n, SIZE) })).toMatchObject({ nelms: 1, bytes: SIZE });
  });

  it("mainline, dmabuf_revoke: mapped, revoked (iommufd unmaps), a map is ENODEV, restored, a map works again", () => {
    const m = iommufd("mainline");
    m.map({ attachment: "ioas", as: "iova", ...range(0n, SIZE) });
    m.unlock("b", "peerMmu");
    expect(m.revoke("b")).toEqual({ notified: ["ioas"], stale: [], unmapped: ["iova"] });
    m.lock("b", "peerMmu");
    fails(m, "ENODEV", () => m.map({ attachment: "ioas", as: "iova2", ...range(0n, SIZE) }));
    m.unlock("b", "peerMmu");
    m.restore("b");
    m.lock("b", "peerMmu");
    expect(m.map({ attachment: "ioas", as: "iova2", ...range(0n, SIZE) })).toMatchObject({ nelms: 1 });
  });

  it("mainline: the slice covers exactly the bytes asked; unaligned and non-physvec ranges are EINVAL", () => {
    const m = iommufd("mainline");
    m.map({ attachment: "ioas", as: "mid", ...range(0x1000n, 0x2000n) });
    expect(m.mappingEntries("mid", 4)).toEqual([{ addr: BAR0 + 0x1000n, len: 0x2000n }]);
    fails(m, "EINVAL", () => m.map({ attachment: "ioas", as: "x", ...range(0x800n, 0x1000n) }));
    m.export({ buffer: "s", exporter: "cpu", size: 0x2000n, backing: { kind: "system", ranges: [{ addr: 0x8000_0000n, len: 0x2000n }] } });
    m.attach({ buffer: "s", importer: "cpu", as: "sgt" });
    fails(m, "EINVAL", () => m.map({ attachment: "sgt", as: "x", ...range(0n, 0x1000n) }));
    expect(m.trace.at(-1)!.message).toMatch(/range is only for physvec maps/);
  });

  it("rfc-v2: a range is EINVAL at run time, naming the field", () => {
    const m = iommufd("rfc-v2");
    fails(m, "EINVAL", () => m.map({ attachment: "ioas", as: "x", ...range(0n, SIZE) }));
    expect(m.trace.at(-1)!.message).toMatch(/range is refused in profile rfc-v2/);
  });

  it.each(BOTH)("%s: a malformed range is an argument error naming its path", (p) => {
    const m = iommufd(p);
    fails(m, "EINVAL", () => m.map({ attachment: "ioas", as: "x", range: { offset: 1, length: 0x1000n } as never }));
    expect(m.trace.at(-1)!.message).toMatch(/range\.offset must be a bigint/);
    fails(m, "EINVAL", () => m.map({ attachment: "ioas", as: "x", range: { offset: 0n, length: 0x1000n, extra: 1 } as never }));
  });
});

describe("rules come from the table, never from a profile's name", () => {
  it("no source below the CLI compares a profile's name (the tables' values decide)", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const root = new URL("../../ts/", import.meta.url);
    const offenders: string[] = [];
    for (const dir of ["model", "exporters", "reference", "scenario", "fuzz"]) {
      for (const f of readdirSync(new URL(`${dir}/`, root))) {
        if (!f.endsWith(".ts") || f === "profiles.ts") continue;
        const src = readFileSync(new URL(`${dir}/${f}`, root), "utf8").replace(/^\s*(\/\/|\*).*$/gm, "");
        const name = `["'\`](rfc-v2|mainline|mapping-types)["'\`]`;
        if (new RegExp(`(===|!==|==|!=|case)\\s*${name}|${name}\\s*(===|!==|==|!=)`).test(src)) offenders.push(`${dir}/${f}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe("the edges of the new rows (what mutation testing asks of them)", () => {
  it("mainline: an importer's unmap on invalidate calls the exporter's unmap; a throw there is recorded and the mapping is gone anyway", () => {
    const m = modelOf("mainline");
    const unmaps: string[] = [];
    m.export({
      buffer: "b",
      exporter: "cpu",
      size: 0x1000n,
      backing: { kind: "system", ranges: [{ addr: 0x8000_0000n, len: 0x1000n }] },
      ops: {
        name: "counting",
        dynamic: true,
        pin() {},
        unpin() {},
        release() {},
        mapDmaBuf: (a, dma) => sgtMap(dma, a.buffer, a.device),
        unmapDmaBuf: (a) => {
          unmaps.push(a.name);
          if (a.name === "bad") throw new Error("unmap broke");
        },
      },
    });
    m.attach({ buffer: "b", importer: "cpu", as: "good", dynamic: true });
    m.attach({ buffer: "b", importer: "sys", as: "bad", dynamic: true });
    mapLocked(m, "bad", "sys", "bm");
    mapLocked(m, "good", "cpu", "gm");
    const r = m.revoke("b");
    expect([r.notified, r.stale, r.unmapped]).toEqual([["bad", "good"], [], ["bm", "gm"]]);
    expect(r.callbackErrors).toHaveLength(1);
    expect(r.callbackErrors![0]).toMatchObject({ attachment: "bad" });
    expect(unmaps).toEqual(["bad", "good"]);
    expect(m.topology.iova.get("sys")!.stats().regions).toBe(0); // the IOVA of "bm" was freed
    expect([...m.mappings.values()].map((x) => x.unmapped)).toEqual([true, true]);
  });

  it("mainline: the entry count past u32 on the BUS_ADDR path and over one IOVA region that fits; nothing stays allocated", () => {
    const HUGE: TopologySpec = {
      hostBridges: { rc0: { p2p: true } },
      switches: { sw0: {} },
      devices: {
        exp: { root: "rc0", switch: "sw0", bars: [{ index: 1, cpu: 0n, bus: 0n, size: 0xffff_ffff_0000_0000n }] },
        peer: { root: "rc0", switch: "sw0" },
        wide: { root: "rc0", iommu: { base: 0x1000n, size: 0xffff_ffff_ffff_e000n } },
      },
    };
    const len = 0xffff_ffff_0000_0000n;
    for (const [importer, holder] of [
      ["peer", "peer"],
      ["wide", "wide"],
    ] as const) {
      const m = modelOf("mainline", vfioExporter, HUGE);
      m.export({ buffer: "b", exporter: "exp", size: len, backing: { kind: "mmio", ranges: [{ addr: 0n, len }] }, dynamic: true });
      m.attach({ buffer: "b", importer, as: "a", dynamic: true, peer2peer: true });
      m.lock("b", holder);
      fails(m, "EINVAL", () => m.map({ attachment: "a", as: "x" }));
      expect(m.trace.at(-1)!.message).toMatch(/overflow the u32 entry count/);
    }
  });

  it("mainline: physvec of a buffer moved to one system range is EOPNOTSUPP (vfio's channel is mmio only)", () => {
    const m = modelOf("mainline");
    vfioPair(m, { allowIc: true, interconnects: ["physvec"] });
    m.move("b", { kind: "system", ranges: [{ addr: 0x8000_0000n, len: 0x10_0000n }] });
    m.lock("b", "peerMmu");
    fails(m, "EOPNOTSUPP", () => m.map({ attachment: "a", as: "x" }));
  });

  it("mainline: a range that starts inside the buffer but runs past its end is EINVAL", () => {
    const m = modelOf("mainline");
    vfioPair(m, { allowIc: true, interconnects: ["physvec"] });
    m.lock("b", "peerMmu");
    fails(m, "EINVAL", () => m.map({ attachment: "a", as: "x", range: { offset: 0x1000n, length: 0x10_0000n } }));
    expect(m.trace.at(-1)!.message).toMatch(/is not inside the buffer's 0x100000 bytes/);
    expect(m.map({ attachment: "a", as: "y", range: { offset: 0x1000n, length: 0xf_f000n } })).toMatchObject({ bytes: 0xf_f000n });
  });

  it.each(BOTH)("%s: argument checks of the new importer fields name the field", (p) => {
    const m = modelOf(p);
    m.export({ buffer: "b", exporter: "cpu", size: 0x20_0000n, backing: SYSTEM(), dynamic: true });
    const refused = (args: Record<string, unknown>, message: RegExp) => {
      fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "sys", as: "x", ...args } as never));
      expect(m.trace.at(-1)!.message).toMatch(message);
    };
    refused({ invalidateMappings: () => {} }, /invalidateMappings is given, so the importer is dynamic/);
    refused({ dynamic: true, invalidateMappings: 5 }, /invalidateMappings must be a function/);
    refused({ dynamic: true, revocable: "no" }, /revocable must be a boolean/);
    refused({ dynamic: true, unmapOnInvalidate: 1 }, /unmapOnInvalidate must be a boolean/);
    refused({ unmapOnInvalidate: true }, /unmapOnInvalidate is only for revocable importers/);
    refused({ ops: { invalidateMappings: () => {}, revocable: 1 } }, /ops\.revocable must be a boolean/);
    refused({ ops: { invalidateMappings: () => {}, unmapOnInvalidate: "x" } }, /ops\.unmapOnInvalidate must be a boolean/);
    refused({ ops: { moveNotify: () => {}, invalidateMappings: () => {} } }, /ops\.moveNotify is the old name of invalidateMappings/);
    refused({ ops: { unmapOnInvalidate: true } }, /ops\.unmapOnInvalidate is only for revocable importers/);
    refused({ ops: { moveNotify: () => {} }, revocable: false }, /revocable cannot be given with ops/);
  });
});
