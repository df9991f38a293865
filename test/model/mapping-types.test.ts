// The rows where mapping-types differs from mainline (docs/rules.md#profiles, DESIGN.md
// section 9), each under both profiles through the public API; failed steps change
// nothing (fails()). The RFC's own KUnit table is kunit-mapping.test.ts.
import { describe, expect, it } from "vitest";
import { DmaBufModel } from "../../ts/model/model.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { vfioExporter } from "../../ts/exporters/vfio.js";
import { rfcV2Exporter } from "../../ts/exporters/rfc-v2.js";
import { profileRules, type ProfileName } from "../../ts/model/profiles.js";
import { sgtMap } from "../../ts/model/address.js";
import type { AttachArgs } from "../../ts/model/model.js";
import type { DmaBufOps, ExporterFactory, InterconnectOps } from "../../ts/model/ops.js";
import { core } from "../helpers.js";
import { FABRIC, MMIO, SYSTEM, VFBAR, fails } from "./world.js";

const TWO = ["mainline", "mapping-types"] as const;
const modelOf = (p: ProfileName, exporter: ExporterFactory = vfioExporter) => new DmaBufModel(core(), FABRIC, { exporter, profile: p });
const dyn = { dynamic: true, peer2peer: true, allowIc: true } as const;

/** Exports "b" (mmio unless `system`) with the export's interconnects, attaches "a" with `att`; the attach's outcome. */
function attachOutcome(p: ProfileName, interconnects: string[], att: Partial<AttachArgs>, o: { system?: boolean; revoked?: boolean } = {}) {
  const m = modelOf(p);
  m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: o.system ? SYSTEM() : MMIO(), dynamic: true, interconnects });
  if (o.revoked) m.revoke("b");
  try {
    return m.attach({ buffer: "b", importer: "peer", as: "a", ...att }).interconnect;
  } catch (e) {
    if (!(e instanceof DmaBufError)) throw e;
    return e.code;
  } finally {
    m.dispose();
  }
}
const both = (...args: Parameters<typeof attachOutcome> extends [unknown, ...infer R] ? R : never) =>
  Object.fromEntries(TWO.map((p) => [p, attachOutcome(p, ...args)]));

describe("mapping-types row 1: exporter priority (dma_buf_match_mapping)", () => {
  it("the exporter's order wins over the importer's: exporter [sgt, physvec], importer [physvec, sgt] gives sgt", () => {
    expect(both(["sgt", "physvec"], { ...dyn, interconnects: ["physvec", "sgt"] })).toEqual({ mainline: "physvec", "mapping-types": "sgt" });
  });

  it("sgt is last in the exporter's list unless the export names it: exporter [physvec], importer [sgt, physvec] gives physvec", () => {
    expect(both(["physvec"], { ...dyn, interconnects: ["sgt", "physvec"] })).toEqual({ mainline: "sgt", "mapping-types": "physvec" });
  });

  it("no pair matches: EINVAL (mainline: EOPNOTSUPP), nothing changed", () => {
    expect(both([], { ...dyn, interconnects: ["physvec"] })).toEqual({ mainline: "EOPNOTSUPP", "mapping-types": "EINVAL" });
    const m = modelOf("mapping-types");
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "peer", as: "a", ...dyn, interconnects: ["physvec"] }));
    expect(m.trace.at(-1)!.message).toBe("attach a: no mapping type matches: b offers [sgt], peer accepts [physvec] (dma_buf_match_mapping)");
  });

  it("an empty exporter list (mappingTypes: []) is EINVAL at every attach; an empty importer list is refused as an argument (EINVAL)", () => {
    const m = modelOf("mapping-types");
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: { name: "none", release() {}, mappingTypes: [] } });
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "peer", as: "a" }));
    expect(m.trace.at(-1)!.message).toMatch(/b offers \[none\], peer accepts \[sgt\]/);
    fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "peer", as: "a", ...dyn, interconnects: [] }));
  });

  it("a classic table (mapDmaBuf, interconnects) under mapping-types: its interconnects, then sgt (the RFC's compat match)", () => {
    const classic: DmaBufOps = {
      name: "classic",
      mapDmaBuf: (a, dma) => sgtMap(dma, a.buffer, a.device),
      unmapDmaBuf() {},
      release() {},
      interconnects: [{ name: "physvec", supportsInterconnects: () => true, map: (a, dma) => sgtMap(dma, a.buffer, a.device) }],
    };
    const got = TWO.map((p) => {
      const m = modelOf(p);
      m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: classic });
      const r = m.attach({ buffer: "b", importer: "peer", as: "a", ...dyn, interconnects: ["sgt", "physvec"] }).interconnect;
      m.dispose();
      return r;
    });
    expect(got).toEqual(["sgt", "physvec"]);
  });
});

describe("mapping-types row 2: the built-in matches, and the P2P check at attach", () => {
  it("sgt over mmio for an importer that is not peer2peer: skipped, EINVAL (mainline: vfio's attach, EOPNOTSUPP)", () => {
    expect(both([], { dynamic: true })).toEqual({ mainline: "EOPNOTSUPP", "mapping-types": "EINVAL" });
  });

  it("sgt over mmio without a P2P path (pci_p2pdma_distance): EINVAL at attach, where mainline attaches and refuses the map", () => {
    for (const p of TWO) {
      const m = modelOf(p);
      m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
      if (p === "mainline") {
        m.attach({ buffer: "b", importer: "far", as: "a", dynamic: true, peer2peer: true });
        m.lock("b", "far");
        fails(m, "EINVAL", () => m.map({ attachment: "a", as: "m" }));
      } else {
        fails(m, "EINVAL", () => m.attach({ buffer: "b", importer: "far", as: "a", dynamic: true, peer2peer: true }));
      }
      m.dispose();
    }
  });

  it("sgt over system memory matches anyone; physvec (PAL) over mmio needs no peer2peer (vfio's attach dropped its check)", () => {
    expect(both([], {}, { system: true })).toEqual({ mainline: "sgt", "mapping-types": "sgt" });
    const pal = { dynamic: true, allowIc: true, interconnects: ["physvec"] };
    expect(both(["physvec"], pal)).toEqual({ mainline: "EOPNOTSUPP", "mapping-types": "physvec" });
  });

  it("physvec skips a buffer that is not mmio; iov is back, for the exporter's PF over mmio only", () => {
    expect(attachOutcome("mapping-types", ["physvec"], { ...dyn, interconnects: ["physvec"] }, { system: true })).toBe("EINVAL");
    for (const p of TWO) {
      const m = modelOf(p);
      m.export({
        buffer: "v",
        exporter: "vf",
        size: 0x1000n,
        backing: { kind: "mmio", ranges: [{ addr: VFBAR, len: 0x1000n }] },
        dynamic: true,
        interconnects: ["iov"],
      });
      const iov = { ...dyn, interconnects: ["iov"] };
      const r = () => m.attach({ buffer: "v", importer: "pf", as: "a", ...iov }).interconnect;
      if (p === "mainline") fails(m, "EOPNOTSUPP", r);
      else expect(r()).toBe("iov");
      fails(m, p === "mainline" ? "EOPNOTSUPP" : "EINVAL", () => m.attach({ buffer: "v", importer: "peer", as: "x", ...iov }));
      m.dispose();
    }
  });

  it("the RFC v2-shaped exporter takes the mapping-types shape too, and maps the same entries as vfio", () => {
    const maps = [vfioExporter, rfcV2Exporter].map((ex) => {
      const m = modelOf("mapping-types", ex);
      m.export({ buffer: "b", exporter: "exp", size: 0x10_0000n, backing: MMIO(1), dynamic: true, interconnects: ["physvec", "sgt"] });
      m.attach({ buffer: "b", importer: "peer", as: "a", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["sgt", "physvec"] });
      m.lock("b", "peer");
      const r = m.map({ attachment: "a", as: "m" });
      m.unmap("m");
      m.dispose();
      return r;
    });
    expect(maps[0]!.interconnect).toBe("physvec");
    expect(maps[1]).toEqual(maps[0]);
  });
});

describe("mapping-types row 2: matching runs first", () => {
  it("the importer's own request, then the match, come before the exporter's attach and the revoked check", () => {
    // a revoked buffer: mainline answers ENODEV first, mapping-types the failed match or the refused request
    expect(both([], { ...dyn, interconnects: ["iov"] }, { system: true, revoked: true })).toEqual({ mainline: "ENODEV", "mapping-types": "EINVAL" });
    expect(both([], { peer2peer: true } as Partial<AttachArgs>, { system: true, revoked: true })).toEqual({ mainline: "ENODEV", "mapping-types": "EINVAL" });
    expect(both(["physvec"], { ...dyn, interconnects: ["physvec"] }, { revoked: true })).toEqual({ mainline: "ENODEV", "mapping-types": "ENODEV" });
  });

  it("the calls, in order: match then attach (mainline: attach then supportsInterconnects)", () => {
    for (const p of TWO) {
      const calls: string[] = [];
      const physvec: InterconnectOps = {
        name: "physvec",
        supportsInterconnects: () => (calls.push("supports"), true),
        map: (a, dma) => sgtMap(dma, a.buffer, a.device),
      };
      const typed = { name: "t", release() {}, attach: () => void calls.push("attach"), mappingTypes: [{ ...physvec, match: () => void calls.push("match") }] };
      const classic = { name: "c", release() {}, attach: () => void calls.push("attach"), mapDmaBuf: physvec.map, unmapDmaBuf() {}, interconnects: [physvec] };
      const m = modelOf(p);
      m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: profileRules(p).mappingTypeOps ? typed : classic });
      m.attach({ buffer: "b", importer: "peer", as: "a", ...dyn, interconnects: ["physvec"] });
      expect(calls, p).toEqual(p === "mainline" ? ["attach", "supports"] : ["match", "attach"]);
      m.dispose();
    }
  });
});

describe("user-written matches go through the hostile-safe call path", () => {
  const withMatch = (match: InterconnectOps["match"], finishMatch?: InterconnectOps["finishMatch"]) => {
    const m = modelOf("mapping-types");
    const sgt: InterconnectOps = { name: "sgt", match, map: (a, dma) => sgtMap(dma, a.buffer, a.device), unmap() {} };
    if (finishMatch) Object.assign(sgt, { finishMatch });
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: { name: "user", release() {}, mappingTypes: [sgt] } });
    return m;
  };
  const at = { buffer: "b", importer: "peer", as: "a" } as const;

  it("a match that aborts with any other code fails the attach with it; one that throws a non-DmaBufError or returns a value is EPROTO", () => {
    let m = withMatch(() => {
      throw new DmaBufError("EBUSY", "busy");
    });
    fails(m, "EBUSY", () => m.attach(at));
    m = withMatch(() => {
      throw new TypeError("boom");
    });
    fails(m, "EPROTO", () => m.attach(at));
    expect(m.trace.at(-1)!.message).toBe("exporter user of b: interconnect sgt's match threw TypeError: boom");
    m = withMatch((() => false) as never);
    fails(m, "EPROTO", () => m.attach(at));
    expect(m.trace.at(-1)!.message).toMatch(/match returned a value: it returns nothing to accept and throws EOPNOTSUPP to skip/);
    expect(() => withMatch((async () => {}) as never)).toThrow(/match is an async function: ops are synchronous/); // refused at export
  });

  it("finishMatch runs once for the winner; its throw fails the attach with nothing changed", () => {
    let n = 0;
    let m = withMatch(undefined, () => void n++);
    m.attach(at);
    expect(n).toBe(1);
    m = withMatch(undefined, () => {
      throw new DmaBufError("ENOMEM", "no room");
    });
    fails(m, "ENOMEM", () => m.attach(at));
  });

  it("a typed sgt entry's map and unmap serve the mapping", () => {
    const calls: string[] = [];
    const m = modelOf("mapping-types");
    const sgt: InterconnectOps = {
      name: "sgt",
      map: (a, dma) => (calls.push("map"), sgtMap(dma, a.buffer, a.device)),
      unmap: () => void calls.push("unmap"),
    };
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: { name: "user", release() {}, mappingTypes: [sgt] } });
    m.attach(at);
    expect(m.map({ attachment: "a", as: "m" })).toMatchObject({ interconnect: "sgt", container: "sgt", nelms: 2 });
    m.unmap("m");
    expect(calls).toEqual(["map", "unmap"]);
  });
});

describe("mapping-types row 3: the export shape", () => {
  const base = { name: "t", release() {} };
  const sgt: InterconnectOps = { name: "sgt", map: (a, dma) => sgtMap(dma, a.buffer, a.device), unmap() {} };
  const exportError = (p: ProfileName, ops: unknown) => {
    const m = modelOf(p);
    try {
      m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: ops as DmaBufOps });
      return undefined;
    } catch (e) {
      return { code: (e as DmaBufError).code, message: (e as DmaBufError).message, path: (e as DmaBufError).path };
    } finally {
      expect(m.buffers.size).toBeLessThanOrEqual(1);
      m.dispose();
    }
  };

  it("a table with mappingTypes must not also have mapDmaBuf or unmapDmaBuf (nor interconnects, mapInterconnect)", () => {
    const ex = "export b: exporter t: a table with mappingTypes (a mapping-type match) must not also have";
    expect(exportError("mapping-types", { ...base, mappingTypes: [sgt], mapDmaBuf: sgt.map })).toEqual({
      code: "EINVAL",
      message: `${ex} mapDmaBuf (sgt is one of its mapping types)`,
      path: ["ops", "mapDmaBuf"],
    });
    expect(exportError("mapping-types", { ...base, mappingTypes: [sgt], unmapDmaBuf() {} })).toMatchObject({ path: ["ops", "unmapDmaBuf"] });
    expect(exportError("mapping-types", { ...base, mappingTypes: [sgt], interconnects: [] })).toMatchObject({ path: ["ops", "interconnects"] });
    expect(exportError("mapping-types", { ...base, mappingTypes: [sgt] })).toBeUndefined();
  });

  it("a table without mappingTypes must have both mapDmaBuf and unmapDmaBuf", () => {
    expect(exportError("mapping-types", { ...base, mapDmaBuf: sgt.map })).toMatchObject({ code: "EINVAL", path: ["ops", "unmapDmaBuf"] });
    expect(exportError("mapping-types", { ...base, unmapDmaBuf() {} })).toMatchObject({ code: "EINVAL", path: ["ops", "mapDmaBuf"] });
  });

  it("mainline has no mapping types: mappingTypes is EINVAL there; sgt needs an unmap; sgt stays refused in interconnects", () => {
    expect(exportError("mainline", { ...base, mappingTypes: [sgt] })).toMatchObject({ code: "EINVAL", path: ["ops", "mappingTypes"] });
    expect(exportError("mapping-types", { ...base, mappingTypes: [{ ...sgt, unmap: undefined }] })).toMatchObject({
      path: ["ops", "mappingTypes", 0, "unmap"],
    });
    expect(exportError("mapping-types", { ...base, mappingTypes: [{ ...sgt, match: 1 }] })).toMatchObject({ path: ["ops", "mappingTypes", 0, "match"] });
    const classic = { ...base, mapDmaBuf: sgt.map, unmapDmaBuf() {}, interconnects: [{ ...sgt, supportsInterconnects: () => true }] };
    expect(exportError("mapping-types", classic)).toMatchObject({ path: ["ops", "interconnects", 0, "name"] });
  });

  it("the built-in exporters take the RFC's shape only in mapping-types", () => {
    const flags = { buffer: "b", exporter: "exp", dynamic: true, pinnable: true, interconnects: ["physvec"] };
    for (const ex of [vfioExporter, rfcV2Exporter]) {
      const typed = ex({ ...flags, rules: profileRules("mapping-types") });
      expect(typed.mapDmaBuf).toBeUndefined();
      expect(typed.mappingTypes!.map((t) => t.name)).toEqual(["physvec", "sgt"]);
      const classic = ex({ ...flags, rules: profileRules("mainline") });
      expect(classic.mappingTypes).toBeUndefined();
      expect(typeof classic.mapDmaBuf).toBe("function");
    }
  });
});
