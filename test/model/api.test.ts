// The model API checks its arguments as strictly as the scenario schema (EINVAL naming
// the argument, nothing changed), refuses every call after dispose() with EBADF, and
// treats names like "__proto__" as any other name (docs/rules.md#api-arguments).
import { describe, expect, it } from "vitest";
import { DmaBufModel, type AttachArgs, type ExportArgs } from "../../ts/model/model.js";
import { vfioExporter } from "../../ts/exporters/vfio.js";
import { systemHeapExporter } from "../../ts/exporters/heap.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { core } from "../helpers.js";
import { world, fails, SYSTEM } from "./world.js";

const EXPORT: ExportArgs = { buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() };

function einval(m: DmaBufModel, step: () => unknown, path: (string | number)[], message: RegExp): void {
  fails(m, "EINVAL", step);
  const rec = m.trace.at(-1)!;
  expect(rec.message).toMatch(message);
  let err: DmaBufError | undefined;
  try {
    step();
  } catch (e) {
    err = e as DmaBufError;
  }
  expect(err!.path).toEqual(path);
}

describe("arguments are checked like the scenario schema", () => {
  it("export: backing kind, size, ranges, names, flags and interconnects", () => {
    const m = world();
    const bad = (args: unknown, path: (string | number)[], message: RegExp) => einval(m, () => m.export(args as ExportArgs), path, message);
    bad({ ...EXPORT, backing: { kind: "vram", ranges: [] } }, ["backing", "kind"], /backing\.kind must be "system" or "mmio", not "vram"/);
    bad({ ...EXPORT, size: 0x1000 }, ["size"], /size must be a bigint/);
    bad({ ...EXPORT, size: -1n }, ["size"], /must be in \[0, 2\^64 - 1\]/);
    bad({ ...EXPORT, backing: { kind: "system", ranges: [{ addr: 2n ** 64n, len: 0x1000n }] } }, ["backing", "ranges", 0, "addr"], /in \[0, 2\^64 - 1\]/);
    bad({ ...EXPORT, buffer: "" }, ["buffer"], /buffer cannot be empty/);
    bad({ ...EXPORT, buffer: "x".repeat(257) }, ["buffer"], /longer than 256 characters/);
    bad({ ...EXPORT, exporter: 7 }, ["exporter"], /exporter must be a name/);
    bad({ ...EXPORT, dynamic: "yes" }, ["dynamic"], /dynamic must be a boolean/);
    bad({ ...EXPORT, interconnects: ["nvlink"] }, ["interconnects", 0], /is not a registered interconnect \(sgt, physvec, iov\)/);
    bad({ ...EXPORT, pinable: false }, ["pinable"], /pinable is not a known argument/);
    bad(null, ["arguments"], /must be an object/);
    expect(m.buffers.size).toBe(0);
    // a scenario step may be passed as it is: op and expect ride along
    m.export({ ...EXPORT, op: "export", expect: {} } as ExportArgs);
    m.dispose();
  });

  it("a map without as is named #<i>, i the index of the call among the model's steps, as in a scenario", () => {
    const m = new DmaBufModel(core(), { devices: { cpu: {}, nic: { iommu: { base: 0x10000n, size: 0x100000n } } } });
    m.export({
      buffer: "b",
      exporter: "cpu",
      size: 0x1000n,
      backing: { kind: "system", ranges: [{ addr: 0x1000n, len: 0x1000n }] },
      ops: systemHeapExporter(),
    });
    m.attach({ buffer: "b", importer: "nic", as: "a" });
    expect(() => m.detach("nope")).toThrow(DmaBufError); // a refused step counts too
    m.map({ attachment: "a" });
    expect(m.mappingEntries("#3", 4)).toEqual([{ addr: 0x10000n, len: 0x1000n }]);
    m.unmap("#3");
    m.dispose();
  });

  it("attach, map and the name-only steps", () => {
    const m = world();
    m.export(EXPORT);
    const attach = (args: unknown, path: (string | number)[], message: RegExp) => einval(m, () => m.attach(args as AttachArgs), path, message);
    attach({ buffer: "b", importer: "cpu" }, ["as"], /attach: as must be a name/);
    attach({ buffer: "b", importer: "cpu", as: "" }, ["as"], /as cannot be empty/);
    attach({ buffer: "b", importer: "cpu", as: "a", interconnects: [] }, ["interconnects"], /interconnects cannot be empty/);
    attach({ buffer: "b", importer: "cpu", as: "a", interconnects: ["cxl"] }, ["interconnects", 0], /not a registered interconnect/);
    attach({ buffer: "b", importer: "cpu", as: "a", moveNotify: () => {} }, ["moveNotify"], /moveNotify is given, so the importer is dynamic/);
    attach({ buffer: "b", importer: "cpu", as: "a", moveNotify: "f", dynamic: true }, ["moveNotify"], /must be a function/);
    attach({ buffer: "b", importer: "cpu", as: "a", dynamic: true, ops: {} }, ["dynamic"], /cannot be given with ops/);
    attach({ buffer: "b", importer: "cpu", as: "a", ops: { allowPeer2peer: 1 } }, ["ops", "allowPeer2peer"], /must be a boolean/);
    attach(
      { buffer: "b", importer: "cpu", as: "a", ops: { moveNotify() {}, interconnects: [{ name: "zz" }] } },
      ["ops", "interconnects", 0],
      /not a registered interconnect/,
    );
    attach(
      { buffer: "b", importer: "cpu", as: "a", ops: { moveNotify() {}, interconnects: ["sgt"] } },
      ["ops", "interconnects", 0],
      /must be a match \{name\}/,
    );
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    einval(m, () => m.map({ attachment: "a", as: 42 } as never), ["as"], /map: as must be a name/);
    einval(
      m,
      () => m.map({ attachment: "a", as: "m", container: "sgl" } as never),
      ["container"],
      /container must be one of sgt, physvec, mapping, ranges, xarray/,
    );
    einval(m, () => m.detach(""), ["attachment"], /attachment cannot be empty/);
    einval(m, () => m.unmap(42 as never), ["mapping"], /mapping must be a name/);
    einval(m, () => m.lock("b", ""), ["holder"], /holder cannot be empty/);
    einval(m, () => m.move("b", { kind: "vram" } as never), ["backing", "kind"], /must be "system" or "mmio"/);
    m.dispose();
  });

  it("topology and options: bad fields are EINVAL naming the path; a failed constructor leaks no IOVA allocator", () => {
    const c = core();
    const before = c.usage();
    const bad = (topo: unknown, path: (string | number)[], message: RegExp) => {
      let err: DmaBufError | undefined;
      try {
        new DmaBufModel(c, topo as never, { exporter: vfioExporter });
      } catch (e) {
        err = e as DmaBufError;
      }
      expect(err).toBeInstanceOf(DmaBufError);
      expect(err!.code).toBe("EINVAL");
      expect(err!.message).toMatch(message);
      expect(err!.path).toEqual(path);
      expect(c.usage()).toEqual(before);
    };
    const io = { iommu: { base: 0x1000_0000n, size: 0x10_0000n } };
    bad({ devices: { a: io, b: { ...io, maxSegmentSize: 0n } } }, ["devices", "b", "maxSegmentSize"], /must be at least 1/);
    bad({ devices: { a: io, b: { segBoundaryMask: 0x1000n } } }, ["devices", "b", "segBoundaryMask"], /2\^k - 1/);
    bad({ devices: { a: io, b: { bars: [{ index: 6, cpu: 0n, bus: 0n, size: 0x1000n }] } } }, ["devices", "b", "bars", 0, "index"], /integer 0-5/);
    bad({ devices: { a: io, b: { iommu: { base: 0x1000n } } } }, ["devices", "b", "iommu", "size"], /must be a bigint/);
    bad({ devices: { a: io, "": {} } }, ["devices", ""], /cannot be empty/);
    bad({ devices: { a: io, b: { ram: 1 } } }, ["devices", "b", "ram"], /not a known argument/);
    // a later bad pf is ENOENT before any allocator exists
    expect(() => new DmaBufModel(c, { devices: { a: io, b: { pf: "nope" } } })).toThrow(/pf "nope" is not declared/);
    expect(c.usage()).toEqual(before);
    expect(() => new DmaBufModel(c, FABRIC_MIN, { interconnects: [{ name: "physvec", defaultContainer: "physvec" }] })).toThrow(/must include sgt/);
  });
});

const FABRIC_MIN = { devices: { cpu: {} } };

describe("after dispose()", () => {
  it("every method throws EBADF and dispose() again does nothing", () => {
    const m = world();
    m.export(EXPORT);
    m.dispose();
    const calls: [string, () => unknown][] = [
      ["export", () => m.export({ ...EXPORT, buffer: "c" })],
      ["attach", () => m.attach({ buffer: "b", importer: "cpu", as: "a" })],
      ["detach", () => m.detach("a")],
      ["map", () => m.map({ attachment: "a", as: "m" })],
      ["unmap", () => m.unmap("m")],
      ["pin", () => m.pin("a")],
      ["unpin", () => m.unpin("a")],
      ["lock", () => m.lock("b", "cpu")],
      ["unlock", () => m.unlock("b", "cpu")],
      ["move", () => m.move("b", SYSTEM())],
      ["revoke", () => m.revoke("b")],
      ["restore", () => m.restore("b")],
      ["close", () => m.close("b")],
      ["snapshot", () => m.snapshot()],
      ["mappingEntries", () => m.mappingEntries("m", 1)],
    ];
    const traced = m.trace.length;
    for (const [name, call] of calls) {
      expect(call, name).toThrow(expect.objectContaining({ code: "EBADF", message: expect.stringMatching(new RegExp(`^${name}: the model was disposed`)) }));
    }
    expect(m.trace.length).toBe(traced);
    expect(() => m.dispose()).not.toThrow();
  });
});

describe("names that are Object.prototype keys", () => {
  it("__proto__, constructor and toString work as device, host bridge, switch, PF, buffer, attachment and mapping names", () => {
    const devices = JSON.parse(
      '{"__proto__": {"root": "constructor", "switch": "toString", "bars": [], "pf": "hasOwnProperty"}, "hasOwnProperty": {"root": "constructor", "switch": "toString"}}',
    );
    const hostBridges = JSON.parse('{"constructor": {"p2p": true}}');
    const switches = JSON.parse('{"toString": {}}');
    for (const spec of [
      { devices, hostBridges, switches },
      { devices: new Map(Object.entries(devices)), hostBridges: new Map(Object.entries(hostBridges)), switches },
    ]) {
      const m = new DmaBufModel(core(), spec as never, { exporter: vfioExporter });
      expect([...m.topology.devices.keys()]).toEqual(["__proto__", "hasOwnProperty"]);
      expect(m.topology.p2pPath(m.topology.devices.get("__proto__")!, m.topology.devices.get("hasOwnProperty")!)).toBe("BUS_ADDR");
      m.export({ buffer: "__proto__", exporter: "__proto__", size: 0x20_0000n, backing: SYSTEM(), dynamic: true });
      m.attach({ buffer: "__proto__", importer: "hasOwnProperty", as: "constructor", dynamic: true });
      m.lock("__proto__", "hasOwnProperty");
      m.map({ attachment: "constructor", as: "toString" });
      m.unlock("__proto__", "hasOwnProperty");
      expect(m.revoke("__proto__")).toEqual({ notified: ["constructor"], stale: ["toString"] });
      m.lock("__proto__", "hasOwnProperty");
      m.unmap("toString");
      m.unlock("__proto__", "hasOwnProperty");
      m.detach("constructor");
      m.close("__proto__");
      expect(() => m.attach({ buffer: "valueOf", importer: "hasOwnProperty", as: "x" })).toThrow(/no buffer named "valueOf"/);
      m.dispose();
    }
  });
});
