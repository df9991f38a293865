/**
 * The reference's argument and topology rules (ts/reference/arguments.ts) on their own,
 * from docs/rules.md (#api-arguments, #devices, #validation), and the reference's
 * `--state` (docs/output.md) against the model's on every shipped scenario.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { argumentFault, optionsFault, topologyFault } from "../../ts/reference/arguments.js";
import { LifecycleRef } from "../../ts/reference/lifecycle.js";
import { DmaBufModel } from "../../ts/model/model.js";
import { StateReader } from "../../ts/model/state.js";
import { vfioExporter } from "../../ts/exporters/vfio.js";
import { executeStep } from "../../ts/scenario/runner.js";
import { parseScenarioText } from "../../ts/scenario/validate.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { core } from "../helpers.js";

const ICS = ["sgt", "physvec", "iov"];
const range = { addr: 0x1000n, len: 0x1000n };
const exp = (extra: Record<string, unknown> = {}) => ({
  op: "export",
  buffer: "b",
  exporter: "d",
  size: 0x1000n,
  backing: { kind: "system", ranges: [range] },
  ...extra,
});
const att = (extra: Record<string, unknown> = {}) => ({ op: "attach", buffer: "b", importer: "d", as: "a", ...extra });

describe("the reference's argument rules", () => {
  it.each([
    ["a well-formed export", exp(), undefined],
    ["op and expect riding along", exp({ expect: { error: "EINVAL" } }), undefined],
    ["no interconnects offered", exp({ interconnects: [] }), undefined],
    ["ranges as a BigUint64Array of pairs", exp({ backing: { kind: "mmio", ranges: new BigUint64Array([0x1000n, 0x1000n]) } }), undefined],
    ["an unknown key", exp({ colour: 1 }), ["colour"]],
    ["a number for a name", exp({ buffer: 7 }), ["buffer"]],
    ["an empty name", exp({ exporter: "" }), ["exporter"]],
    ["a 257-character name", exp({ buffer: "x".repeat(257) }), ["buffer"]],
    ["a 256-character name", exp({ buffer: "x".repeat(256) }), undefined],
    ["a number for a u64", exp({ size: 4096 }), ["size"]],
    ["a u64 past 2^64 - 1", exp({ size: 1n << 64n }), ["size"]],
    ["a negative u64", exp({ size: -1n }), ["size"]],
    ["a string flag", exp({ dynamic: "yes" }), ["dynamic"]],
    ["null for a flag", exp({ pinnable: null }), ["pinnable"]],
    ["an unregistered interconnect", exp({ interconnects: ["physvec", "nvlink"] }), ["interconnects", 1]],
    ["a backing that is not an object", exp({ backing: "system" }), ["backing"]],
    ["a backing with an unknown key", exp({ backing: { kind: "system", ranges: [range], cached: true } }), ["backing", "cached"]],
    ["a backing kind", exp({ backing: { kind: "vram", ranges: [range] } }), ["backing", "kind"]],
    ["ranges that are not a list", exp({ backing: { kind: "system", ranges: {} } }), ["backing", "ranges"]],
    ["an odd BigUint64Array", exp({ backing: { kind: "system", ranges: new BigUint64Array(3) } }), ["backing", "ranges"]],
    ["a range that is not an object", exp({ backing: { kind: "system", ranges: [range, 5] } }), ["backing", "ranges", 1]],
    ["a range with an unknown key", exp({ backing: { kind: "system", ranges: [{ ...range, flags: 1 }] } }), ["backing", "ranges", 0, "flags"]],
    ["a range without len", exp({ backing: { kind: "system", ranges: [{ addr: 0n }] } }), ["backing", "ranges", 0, "len"]],
    ["an attach's empty interconnects", att({ interconnects: [] }), ["interconnects"]],
    ["an attach's interconnects as a string", att({ interconnects: "sgt" }), ["interconnects"]],
    ["an attach without as", att({ as: undefined }), ["as"]],
    ["an attach's own moveNotify", att({ dynamic: true, moveNotify: () => {} }), undefined],
    ["a moveNotify without dynamic: true", att({ moveNotify: () => {} }), ["moveNotify"]],
    ["a moveNotify that is not a function", att({ dynamic: true, moveNotify: "cb" }), ["moveNotify"]],
    [
      "importer ops",
      att({ ops: { moveNotify: () => {}, allowPeer2peer: true, supportsInterconnects: true, interconnects: [{ name: "physvec" }] } }),
      undefined,
    ],
    ["importer ops beside a flag", att({ ops: {}, peer2peer: true }), ["peer2peer"]],
    ["importer ops that are not an object", att({ ops: "dynamic" }), ["ops"]],
    ["importer ops with an unknown op", att({ ops: { move_notify: () => {} } }), ["ops", "move_notify"]],
    ["importer ops' moveNotify", att({ ops: { moveNotify: true } }), ["ops", "moveNotify"]],
    ["importer ops' allowPeer2peer", att({ ops: { allowPeer2peer: "yes" } }), ["ops", "allowPeer2peer"]],
    ["importer ops' empty match list", att({ ops: { interconnects: [] } }), ["ops", "interconnects"]],
    ["importer ops' match that is not an object", att({ ops: { interconnects: [{ name: "sgt" }, "physvec"] } }), ["ops", "interconnects", 1]],
    ["importer ops' unregistered match", att({ ops: { interconnects: [{ name: "sgt" }, { name: "nvlink" }] } }), ["ops", "interconnects", 1]],
    ["a map without as (the default name)", { op: "map", attachment: "a" }, undefined],
    ["a map's unknown container", { op: "map", attachment: "a", container: "list" }, ["container"]],
    ["a map's empty as", { op: "map", attachment: "a", as: "" }, ["as"]],
    ["a lock's holder", { op: "lock", buffer: "b", holder: ["d"] }, ["holder"]],
    ["a move's backing", { op: "move", buffer: "b", backing: null }, ["backing"]],
    ["a pin's attachment", { op: "pin", attachment: 0 }, ["attachment"]],
  ] as [string, Record<string, unknown> & { op: string }, (string | number)[] | undefined][])("%s", (_what, step, path) => {
    expect(argumentFault(step, ICS)).toEqual(path && { code: "EINVAL", path });
  });
});

describe("the reference's model options", () => {
  const sgt = { name: "sgt", defaultContainer: "sgt" };
  it.each([
    ["none", undefined, undefined],
    ["a registry of its own", { interconnects: [sgt, { name: "nvlink", defaultContainer: "xarray" }] }, undefined],
    ["not an object", "fast", ["options"]],
    ["an unknown option", { colour: 1 }, ["colour"]],
    ["interconnects that are not a list", { interconnects: "sgt" }, ["interconnects"]],
    ["a registry without sgt", { interconnects: [{ name: "physvec", defaultContainer: "physvec" }] }, ["interconnects"]],
    ["a name given twice", { interconnects: [sgt, sgt] }, ["interconnects", 1, "name"]],
    ["an entry that is not an object", { interconnects: [null] }, ["interconnects", 0, "name"]],
    ["no default container", { interconnects: [{ name: "sgt" }] }, ["interconnects", 0, "defaultContainer"]],
    ["an unknown default container", { interconnects: [{ name: "sgt", defaultContainer: "list" }] }, ["interconnects", 0, "defaultContainer"]],
    ["an exporter factory that is not a function", { exporter: "vfio" }, ["exporter"]],
  ] as [string, unknown, (string | number)[] | undefined][])("%s", (_what, options, path) => {
    expect(optionsFault(options)).toEqual(path && { code: "EINVAL", path });
    let got: DmaBufError | undefined;
    try {
      new DmaBufModel(core(), { devices: {} }, options as never).dispose();
    } catch (e) {
      got = e as DmaBufError;
    }
    expect(got && { code: got.code, path: got.path }).toEqual(path && { code: "EINVAL", path });
  });
});

describe("the reference's topology rules", () => {
  const topo = () => ({
    hostBridges: { rc0: { p2p: true } },
    switches: { sw0: { acsRedirect: false } },
    devices: {
      vf: { root: "rc0", switch: "sw0", pf: "pf", bars: [{ index: 0, cpu: 0x1000n, bus: 0x2000n, size: 0x1000n }] },
      pf: { root: "rc0", iommu: { base: 0n, size: 0x10000n }, maxSegmentSize: 1n, segBoundaryMask: 0xfffn },
    },
  });
  type T = ReturnType<typeof topo>;
  const cases: [string, (t: T) => unknown, ("EINVAL" | "ENOENT")?, (string | number)[]?][] = [
    ["a well-formed topology", (t) => t],
    ["the same as Maps", (t) => ({ ...t, devices: new Map(Object.entries(t.devices)) })],
    ["not an object", () => null, "EINVAL", ["topology"]],
    ["no devices", (t) => ({ ...t, devices: undefined }), "EINVAL", ["devices"]],
    ["host bridges as an array", (t) => ({ ...t, hostBridges: [] }), "EINVAL", ["hostBridges"]],
    ["a host bridge with an unknown key", (t) => ({ ...t, hostBridges: { rc0: { p2p: true, acs: 1 } } }), "EINVAL", ["hostBridges", "rc0", "acs"]],
    ["a switch's acsRedirect", (t) => ({ ...t, switches: { sw0: { acsRedirect: 1 } } }), "EINVAL", ["switches", "sw0", "acsRedirect"]],
    ["an empty device name", (t) => ({ ...t, devices: { ...t.devices, "": {} } }), "EINVAL", ["devices", ""]],
    ["a device with an unknown key", (t) => ({ ...t, devices: { ...t.devices, x: { colour: 1 } } }), "EINVAL", ["devices", "x", "colour"]],
    [
      "seven BARs",
      (t) => ({ ...t, devices: { x: { bars: Array.from({ length: 7 }, (_, index) => ({ index, cpu: 0n, bus: 0n, size: 1n })) } } }),
      "EINVAL",
      ["devices", "x", "bars"],
    ],
    ["a BAR index 6", (t) => ({ ...t, devices: { x: { bars: [{ index: 6, cpu: 0n, bus: 0n, size: 1n }] } } }), "EINVAL", ["devices", "x", "bars", 0, "index"]],
    [
      "a BAR index given twice",
      (t) => ({ ...t, devices: { x: { bars: [t.devices.vf.bars[0], t.devices.vf.bars[0]] } } }),
      "EINVAL",
      ["devices", "x", "bars", 1, "index"],
    ],
    [
      "a BAR past 2^64",
      (t) => ({ ...t, devices: { x: { bars: [{ index: 0, cpu: 0n, bus: 1n, size: 1n << 64n }] } } }),
      "EINVAL",
      ["devices", "x", "bars", 0, "size"],
    ],
    [
      "a BAR's bus window past 2^64",
      (t) => ({ ...t, devices: { x: { bars: [{ index: 0, cpu: 0n, bus: 2n, size: (1n << 64n) - 1n }] } } }),
      "EINVAL",
      ["devices", "x", "bars", 0, "size"],
    ],
    ["an empty BAR", (t) => ({ ...t, devices: { x: { bars: [{ index: 0, cpu: 0n, bus: 0n, size: 0n }] } } }), "EINVAL", ["devices", "x", "bars", 0, "size"]],
    ["maxSegmentSize 0", (t) => ({ ...t, devices: { x: { maxSegmentSize: 0n } } }), "EINVAL", ["devices", "x", "maxSegmentSize"]],
    ["a boundary mask that is not 2^k - 1", (t) => ({ ...t, devices: { x: { segBoundaryMask: 0x1000n } } }), "EINVAL", ["devices", "x", "segBoundaryMask"]],
    ["an undeclared root", (t) => ({ ...t, devices: { x: { root: "rc9" } } }), "ENOENT", ["devices", "x", "root"]],
    ["an undeclared switch", (t) => ({ ...t, devices: { x: { switch: "sw9" } } }), "ENOENT", ["devices", "x", "switch"]],
    // every pf is looked up once all devices are read, so a later device's bad field comes first
    ["an undeclared pf before a bad device", (t) => ({ ...t, devices: { x: { pf: "nobody" }, y: { root: 5 } } }), "EINVAL", ["devices", "y", "root"]],
    ["an undeclared pf", (t) => ({ ...t, devices: { x: { pf: "nobody" } } }), "ENOENT", ["devices", "x", "pf"]],
    ["an unaligned IOMMU window", (t) => ({ ...t, devices: { x: { iommu: { base: 0x800n, size: 0x1000n } } } }), "EINVAL", ["devices", "x", "iommu"]],
    [
      "an IOMMU window past 2^64",
      (t) => ({ ...t, devices: { x: { iommu: { base: 0xffff_ffff_ffff_f000n, size: 0x2000n } } } }),
      "EINVAL",
      ["devices", "x", "iommu"],
    ],
    ["an empty IOMMU window", (t) => ({ ...t, devices: { x: { iommu: { base: 0n, size: 0n } } } }), "EINVAL", ["devices", "x", "iommu"]],
  ];

  it.each(cases)("%s", (_what, make, code, path) => {
    const t = make(topo());
    expect(topologyFault(t)).toEqual(code && { code, path });
    // and the model agrees, leaving nothing behind
    const before = core().usage();
    let got: DmaBufError | undefined;
    try {
      new DmaBufModel(core(), t as never).dispose();
    } catch (e) {
      got = e as DmaBufError;
    }
    expect(got && { code: got.code, path: got.path }).toEqual(code && { code, path });
    expect(core().usage()).toEqual(before);
  });
});

describe("the reference's state", () => {
  const dir = new URL("../../scenarios/", import.meta.url);
  it.each(readdirSync(dir).filter((f) => f.endsWith(".json")))("is the model's run --state after every step of scenarios/%s", (f) => {
    const s = parseScenarioText(readFileSync(new URL(f, dir), "utf8"));
    const model = new DmaBufModel(core(), s, { exporter: vfioExporter });
    const ref = new LifecycleRef(s);
    const reader = new StateReader(model);
    s.steps.forEach((st, i) => {
      ref.step(st, i);
      try {
        executeStep(model, st, i);
      } catch (e) {
        if (!(e instanceof DmaBufError)) throw e;
      }
      expect(ref.state(), `after step ${i} (${st.op})`).toEqual(reader.read());
    });
    model.dispose();
  });
});
