// What a user reads back from the model (snapshot, mappingEntries, the trace, the state
// reader, a mapping's regions) and what it undoes or frees: the pin of a failed map, the
// products of mappings at dispose, and errors that are not the model's to record.
import { describe, expect, it } from "vitest";
import { DmaBufModel } from "../../ts/model/model.js";
import type { DmaBufOps, MapProduct } from "../../ts/model/ops.js";
import { sgtMap } from "../../ts/model/address.js";
import { negotiate } from "../../ts/model/interconnects.js";
import { importerFromFlags } from "../../ts/model/importer.js";
import { StateReader, pushPairs } from "../../ts/model/state.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { core } from "../helpers.js";
import { FABRIC, SYSTEM, world } from "./world.js";

const EXP = { buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() };

/** Plain system-memory exporter ops that log pin, unpin and each product's release. */
function logged(log: string[], over: Partial<DmaBufOps> = {}): DmaBufOps {
  return {
    name: "t",
    dynamic: true,
    pin: (a) => void log.push(`pin ${a.name}`),
    unpin: (a) => void log.push(`unpin ${a.name}`),
    mapDmaBuf(a, dma) {
      const p = sgtMap(dma, a.buffer, a.device);
      const release = p.release.bind(p);
      return { ...p, release: () => (log.push(`release ${a.name}`), release()) } as MapProduct;
    },
    unmapDmaBuf() {},
    release() {},
    ...over,
  };
}

describe("snapshot", () => {
  it("lists every buffer, attachment, mapping, IOVA space and the core's usage", () => {
    const m = world();
    m.export({ buffer: "bar", exporter: "exp1", size: 0x10_0000n, backing: { kind: "mmio", ranges: [{ addr: 0x5000_0000_0000n, len: 0x10_0000n }] } });
    m.export(EXP);
    m.attach({ buffer: "b", importer: "sys", as: "a" });
    m.map({ attachment: "a", as: "m1" });
    m.map({ attachment: "a", as: "m2" });
    m.unmap("m1");
    m.lock("b", "cpu");
    const s = m.snapshot() as Record<string, unknown>;
    const b = m.buffers.get("b")!;
    const usage = m.core.usage();
    expect(s.buffers).toEqual([
      {
        name: "bar",
        closed: false,
        revoked: false,
        holder: null,
        backing: { kind: "mmio", hash: m.buffers.get("bar")!.backing.ranges.hash().toString(16), bar: 4 },
        attachments: [],
        pins: 0,
      },
      {
        name: "b",
        closed: false,
        revoked: false,
        holder: "cpu",
        backing: { kind: "system", hash: b.backing.ranges.hash().toString(16), bar: null },
        attachments: ["a"],
        pins: 0,
      },
    ]);
    expect(s.attachments).toEqual([{ name: "a", detached: false, pins: 0, mappings: ["m2"] }]);
    expect(s.mappings).toEqual([
      { name: "m1", unmapped: true, stale: false },
      { name: "m2", unmapped: false, stale: false },
    ]);
    const iova = s.iova as Record<string, unknown>[];
    const sys = iova.find((x) => x.d === "sys")!;
    const st = m.topology.iova.get("sys")!.stats();
    expect(sys).toEqual({ ...st, d: "sys", free: st.free.toString(16), largest: st.largest.toString(16) });
    expect(iova.map((x) => x.d)).toEqual([...m.topology.iova.keys()]);
    expect(s.core).toEqual({ ...usage, bytes: usage.bytes.toString(16) });
    m.dispose();
  });
});

describe("mappingEntries", () => {
  it("gives the first `max` entries of a live mapping, none for an unknown or unmapped one", () => {
    const m = world();
    m.export(EXP);
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    m.map({ attachment: "a", as: "mp" });
    const all = [
      { addr: 0x8000_0000n, len: 0x10_0000n },
      { addr: 0x8020_0000n, len: 0x10_0000n },
    ];
    expect(m.mappingEntries("mp", 5)).toEqual(all);
    expect(m.mappingEntries("mp", 2)).toEqual(all);
    expect(m.mappingEntries("mp", 1)).toEqual(all.slice(0, 1));
    expect(m.mappingEntries("mp", 0)).toEqual([]);
    expect(m.mappingEntries("zz", 5)).toEqual([]);
    m.unmap("mp");
    expect(m.mappingEntries("mp", 5)).toEqual([]);
    m.dispose();
  });
});

describe("the trace", () => {
  it("a step that returns nothing records no result; a refused step records no notifications", () => {
    const m = world();
    m.export(EXP);
    expect(m.trace.at(-1)).toStrictEqual({ op: "export", ok: true, notifications: [] });
    const r = m.attach({ buffer: "b", importer: "cpu", as: "a" });
    expect(m.trace.at(-1)).toStrictEqual({ op: "attach", ok: true, notifications: [], result: r });
    // a system-memory map has no BAR: its result has no barNumber key
    expect(Object.keys(m.map({ attachment: "a", as: "mp" })).sort()).toEqual(["bytes", "container", "hash", "interconnect", "nelms"]);
    expect(() => m.close("b")).toThrow(DmaBufError);
    expect(m.trace.at(-1)).toStrictEqual({ op: "close", ok: false, error: "EBUSY", message: "close b: 1 attachment(s) remain", notifications: [] });
    m.dispose();
  });

  it("an ops table whose getter throws is EINVAL naming the field, traced, and the model stays usable", () => {
    const m = new DmaBufModel(core(), FABRIC);
    const trap = new TypeError("getter trap");
    const ops = {
      get name(): string {
        throw trap;
      },
    };
    const traced = m.trace.length;
    expect(() => m.export({ ...EXP, ops: ops as never })).toThrow(DmaBufError);
    expect(m.trace.length).toBe(traced + 1);
    expect(m.trace.at(-1)).toMatchObject({ op: "export", ok: false, error: "EINVAL" });
    m.export({ ...EXP, ops: logged([]) });
    expect(m.buffers.has("b")).toBe(true);
    m.dispose();
  });
});

describe("a failed map of a static importer undoes its pin", () => {
  it("when the map op refuses", () => {
    const log: string[] = [];
    const m = new DmaBufModel(core(), FABRIC);
    m.export({
      ...EXP,
      ops: logged(log, {
        mapDmaBuf() {
          throw new DmaBufError("ENOMEM", "out of pages");
        },
      }),
    });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    expect(() => m.map({ attachment: "a", as: "mp" })).toThrow(expect.objectContaining({ code: "ENOMEM", message: "out of pages" }));
    expect(log).toEqual(["pin a", "unpin a"]);
    expect(m.buffers.get("b")!.pins).toBe(0);
    m.dispose();
  });

  it("a pin on map that refuses names the map; an unpin that throws while undoing is EPROTO naming unpin", () => {
    const m = new DmaBufModel(core(), FABRIC);
    const refuse = () => {
      throw new DmaBufError("EOPNOTSUPP", "cannot pin");
    };
    const fail = () => {
      throw new DmaBufError("ENOMEM", "out of pages");
    };
    m.export({ ...EXP, ops: logged([], { pin: refuse }) });
    m.export({ ...EXP, buffer: "u", ops: logged([], { mapDmaBuf: fail, unpin: () => void JSON.parse("{") }) });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    m.attach({ buffer: "u", importer: "cpu", as: "ua" });
    expect(() => m.map({ attachment: "a", as: "mp" })).toThrow(
      expect.objectContaining({ code: "EOPNOTSUPP", message: "map mp: the pin on map was refused: cannot pin" }),
    );
    expect(() => m.map({ attachment: "ua", as: "mp" })).toThrow(
      expect.objectContaining({ code: "EPROTO", message: expect.stringMatching(/^exporter t of u: unpin threw SyntaxError: /) }),
    );
    m.dispose();
  });

  it("when its product's provider is malformed: EPROTO naming the rule, the product released and the pin undone", () => {
    const log: string[] = [];
    const m = new DmaBufModel(core(), FABRIC);
    const base = logged(log);
    m.export({ ...EXP, ops: { ...base, mapDmaBuf: (a, dma) => ({ ...base.mapDmaBuf(a, dma), provider: { owner: -1, busOffset: 0n } }) } });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    const before = JSON.stringify(m.snapshot());
    expect(() => m.map({ attachment: "a", as: "mp" })).toThrow(
      expect.objectContaining({
        code: "EPROTO",
        message: expect.stringMatching(/broke the ops contract: its product's provider is not \{owner: a u32 device id, busOffset: a u64 bigint\}$/),
      }),
    );
    expect(log).toEqual(["pin a", "release a", "unpin a"]);
    expect(JSON.stringify(m.snapshot())).toBe(before);
    // a dynamic importer's map pinned nothing: nothing to unpin
    log.length = 0;
    m.attach({ buffer: "b", importer: "cpu", as: "d", dynamic: true });
    m.lock("b", "cpu");
    expect(() => m.map({ attachment: "d", as: "mp" })).toThrow(DmaBufError);
    expect(log).toEqual(["release d"]);
    m.dispose();
  });

  it("an unpin that throws after a refused product is EPROTO naming unpin", () => {
    const m = new DmaBufModel(core(), FABRIC);
    const base = logged([], { unpin: () => void JSON.parse("{") });
    m.export({ ...EXP, ops: { ...base, mapDmaBuf: (a, dma) => ({ ...base.mapDmaBuf(a, dma), provider: { owner: -1, busOffset: 0n } }) } });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    expect(() => m.map({ attachment: "a", as: "mp" })).toThrow(
      expect.objectContaining({ code: "EPROTO", message: expect.stringMatching(/^exporter t of b: unpin threw SyntaxError: /) }),
    );
    m.dispose();
  });
});

describe("dispose", () => {
  it("releases each live mapping's product once, never an unmapped one, and again does nothing", () => {
    const log: string[] = [];
    const c = core();
    const before = c.usage();
    const m = new DmaBufModel(c, FABRIC);
    m.export({ ...EXP, ops: logged(log) });
    m.export({ ...EXP, buffer: "gone", ops: logged(log) });
    m.close("gone");
    m.attach({ buffer: "b", importer: "sys", as: "a" });
    m.attach({ buffer: "b", importer: "cpu", as: "k" });
    m.map({ attachment: "a", as: "m1" });
    m.map({ attachment: "k", as: "m2" });
    m.unmap("m1");
    expect(log).toEqual(["pin a", "pin k", "unpin a", "release a"]);
    log.length = 0;
    m.dispose();
    expect(log).toEqual(["release k"]);
    expect(c.usage()).toEqual(before);
    m.dispose();
    expect(log).toEqual(["release k"]);
    expect(c.usage()).toEqual(before);
  });

  it("from inside a move_notify callback is EDEADLK and changes nothing", () => {
    const m = world();
    m.export({ ...EXP, dynamic: true });
    m.attach({ buffer: "b", importer: "cpu", as: "a", dynamic: true, moveNotify: () => m.dispose() });
    const r = m.revoke("b");
    const refusal = r.callbackErrors?.[0]?.error;
    expect(refusal).toBeInstanceOf(DmaBufError);
    expect((refusal as DmaBufError).code).toBe("EDEADLK");
    expect((refusal as DmaBufError).message).toBe("dispose: called from inside a callback of the running revoke step (refused, nothing changed)");
    expect(m.restore("b")).toMatchObject({ notified: ["a"], stale: [] });
    m.dispose();
  });
});

describe("the state reader and a mapping's regions", () => {
  it("IOVA regions: each device lists its own, by address; a mapping's regions are its product's", () => {
    const m = world();
    m.export({ ...EXP, size: 0x10_0000n, backing: SYSTEM(1) });
    m.attach({ buffer: "b", importer: "sys", as: "a" });
    m.attach({ buffer: "b", importer: "mmu", as: "o" });
    m.attach({ buffer: "b", importer: "cpu", as: "c" });
    for (const x of ["m1", "m2", "m3", "m4"]) m.map({ attachment: "a", as: x });
    m.map({ attachment: "o", as: "mo" });
    m.map({ attachment: "c", as: "mc" });
    m.unmap("m1");
    m.unmap("m2");
    // the new mappings reuse the lowest free addresses: map order is no longer address order
    m.map({ attachment: "a", as: "m5" });
    m.map({ attachment: "a", as: "m6" });
    const [r3, r4, r5, r6] = ["m3", "m4", "m5", "m6"].map((x) => m.mappings.get(x)!.regions[0]!);
    expect(r5!.addr < r6!.addr && r6!.addr < r3!.addr && r3!.addr < r4!.addr).toBe(true);
    expect(m.mappings.get("mc")!.regions).toEqual([]);
    const hex = (r: { addr: bigint; len: bigint }) => [`0x${r.addr.toString(16)}`, `0x${r.len.toString(16)}`];
    const state = new StateReader(m).read();
    expect(state.iova.find((x) => x.device === "sys")!.regions).toEqual([r5!, r6!, r3!, r4!].map(hex));
    expect(state.iova.find((x) => x.device === "mmu")!.regions).toEqual([hex(m.mappings.get("mo")!.regions[0]!)]);
    expect(new StateReader(m).attachment("o")).toEqual({ importer: "mmu", path: null });
    m.dispose();
  });

  it("pushPairs ignores a trailing odd word", () => {
    expect(pushPairs([], new BigUint64Array([0x1000n, 0x10n, 0x2000n]))).toEqual([["0x1000", "0x10"]]);
  });
});

describe("importer flags and negotiation", () => {
  it("importerFromFlags sets only the fields the flags give", () => {
    expect(importerFromFlags({})).toStrictEqual({});
    expect(importerFromFlags({ peer2peer: false, allowIc: true })).toStrictEqual({ allowPeer2peer: false, supportsInterconnects: true });
  });

  it("an exporter that offers no interconnects negotiates sgt when the importer also offers it", () => {
    const ops = { name: "t", mapDmaBuf: () => ({}) as never, unmapDmaBuf() {}, release() {} };
    expect(negotiate(ops, {} as never, [{ name: "physvec" }, { name: "sgt" }])).toEqual({ name: "sgt", ops: null });
    expect(negotiate(ops, {} as never, [{ name: "physvec" }])).toBeUndefined();
  });
});
