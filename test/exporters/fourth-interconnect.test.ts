// A fourth interconnect defined by a user purely through the public extension points:
// an interconnect registered with the model, an exporter offering ops for it, and an
// importer whose ops ask for it. Nothing in the library names it.
import { describe, expect, it } from "vitest";
// The names ts/index.ts exports, from the modules that define them: the index would also
// load the scenario layer and zod, which every mutant's run (npm run mutate) pays again.
import { DmaBufModel } from "../../ts/model/model.js";
import { BUILTIN_INTERCONNECTS, type InterconnectDef } from "../../ts/model/interconnects.js";
import { sgtMap } from "../../ts/model/address.js";
import { hex16 } from "../../ts/core/u64.js";
import type { DmaBufOps } from "../../ts/model/ops.js";
import type { ImporterOps } from "../../ts/model/importer.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { core } from "../helpers.js";
import { FABRIC, MMIO, BAR0, BUS0 } from "../model/world.js";

/** A device-private fabric link: bus addresses, for importers under the exporter's switch only. */
const XLINK: InterconnectDef = { name: "xlink", defaultContainer: "mapping" };

function xlinkExporter(unmapped: string[]): DmaBufOps {
  return {
    name: "xlink-gpu",
    dynamic: true,
    pin() {},
    unpin() {},
    attach(a) {
      if (!a.peer2peer) throw new DmaBufError("EOPNOTSUPP", `attach ${a.name}: needs peer2peer`);
    },
    mapDmaBuf: (a, dma) => sgtMap(dma, a.buffer, a.device),
    unmapDmaBuf() {},
    release() {},
    interconnects: [
      {
        name: "xlink",
        supportsInterconnects: (a) => a.device.switch !== undefined && a.device.switch === a.buffer.exporter.switch,
        map(a) {
          const bar = a.buffer.backing.bar!;
          return { entries: a.buffer.backing.ranges.translate(bar.bus - bar.cpu), space: "bus", release() {} };
        },
        unmap: (a) => void unmapped.push(a.name),
      },
    ],
  };
}

const importer = (notes: string[]): ImporterOps => ({
  moveNotify: (att) => notes.push(att),
  allowPeer2peer: true,
  supportsInterconnects: true,
  interconnects: [{ name: "xlink" }, { name: "sgt" }],
});

describe("a fourth interconnect through the public extension points", () => {
  it("negotiates, maps into its default container, unmaps through its own op, and is notified", () => {
    const m = new DmaBufModel(core(), FABRIC, { interconnects: [...BUILTIN_INTERCONNECTS, XLINK] });
    const unmapped: string[] = [];
    const notes: string[] = [];
    m.export({ buffer: "vram", exporter: "exp", size: 0x20_0000n, backing: MMIO(), ops: xlinkExporter(unmapped) });
    // peer shares the exporter's switch: xlink; mmu does not: falls back to sgt
    expect(m.attach({ buffer: "vram", importer: "peer", as: "near", ops: importer(notes) })).toEqual({ interconnect: "xlink" });
    expect(m.attach({ buffer: "vram", importer: "mmu", as: "far", ops: importer(notes) })).toEqual({ interconnect: "sgt" });
    expect(m.attachments.get("near")!.dynamic).toBe(true);
    m.lock("vram", "peer");
    const r = m.map({ attachment: "near", as: "x" });
    expect(r).toMatchObject({ interconnect: "xlink", container: "mapping", nelms: 2, bytes: 0x20_0000n });
    expect(m.mappings.get("x")!.space).toBe("bus");
    expect(m.mappingEntries("x", 4)).toEqual([
      { addr: BUS0, len: 0x10_0000n },
      { addr: BUS0 + 0x20_0000n, len: 0x10_0000n },
    ]);
    expect(hex16(r.hash)).toMatch(/^0x[0-9a-f]{16}$/);
    // xlink has an unmap, so its mapping blocks detach until unmapped
    m.unlock("vram", "peer");
    expect(() => m.detach("near")).toThrow(/1 live mapping/);
    expect(m.revoke("vram")).toEqual({ notified: ["far", "near"], stale: ["x"] });
    expect(notes).toEqual(["far", "near"]);
    m.lock("vram", "peer");
    m.unmap("x");
    m.unlock("vram", "peer");
    expect(unmapped).toEqual(["near"]);
    m.detach("near");
    m.detach("far");
    m.close("vram");
    m.dispose();
  });

  it("without registering it, the name is unknown: exporter refused at export, importer at attach", () => {
    const m = new DmaBufModel(core(), FABRIC);
    expect(() => m.export({ buffer: "vram", exporter: "exp", size: 0x20_0000n, backing: MMIO(), ops: xlinkExporter([]) })).toThrow(
      /names no registered interconnect \(xlink\)/,
    );
    m.export({
      buffer: "b",
      exporter: "exp",
      size: 0x20_0000n,
      backing: { kind: "mmio", ranges: [{ addr: BAR0, len: 0x20_0000n }] },
      ops: { ...xlinkExporter([]), interconnects: [] },
    });
    const err = (() => {
      try {
        m.attach({ buffer: "b", importer: "peer", as: "a", ops: importer([]) });
      } catch (e) {
        return e as DmaBufError;
      }
    })()!;
    expect(err.code).toBe("EINVAL");
    expect(err.message).toMatch(/ops\.interconnects\.0 is not a registered interconnect/);
    expect(m.attachments.size).toBe(0);
    m.dispose();
  });
});
