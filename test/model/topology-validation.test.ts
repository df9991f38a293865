// new Topology: every refusal names its field (code, path, message), the defaults a
// device gets, and the P2P path rules at their edges.
import { describe, expect, it } from "vitest";
import { Topology, type TopologySpec } from "../../ts/model/topology.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { U64_MAX, UINT_MAX } from "../../ts/core/u64.js";
import { core } from "../helpers.js";

const c = core();

/** The error `new Topology` throws for `spec`. */
function refusal(spec: unknown): DmaBufError {
  let err: unknown;
  try {
    new Topology(c, spec as TopologySpec).dispose();
  } catch (e) {
    err = e;
  }
  expect(err, "expected a DmaBufError").toBeInstanceOf(DmaBufError);
  return err as DmaBufError;
}

const BAR = { index: 0, cpu: 0x1000_0000n, bus: 0x8000_0000n, size: 0x1000n };
const dev = (d: unknown): TopologySpec => ({ devices: { d } }) as TopologySpec;
const bars = (...b: unknown[]) => dev({ bars: b });
const bar = (over: Record<string, unknown>) => bars({ ...BAR, ...over });

describe("new Topology refuses a bad spec, naming the field and the rule", () => {
  it.each<[string, unknown, string, (string | number)[], string]>([
    ["null spec", null, "EINVAL", ["topology"], "topology: topology must be an object"],
    ["array spec", [], "EINVAL", ["topology"], "topology: topology must be an object"],
    ["devices missing", {}, "EINVAL", ["devices"], "topology: devices is missing"],
    ["devices not an object", { devices: 5 }, "EINVAL", ["devices"], "topology: devices must be an object or a Map"],
    ["hostBridges an array", { hostBridges: [], devices: {} }, "EINVAL", ["hostBridges"], "topology: hostBridges must be an object or a Map"],
    ["switches a string", { switches: "sw", devices: {} }, "EINVAL", ["switches"], "topology: switches must be an object or a Map"],
    ["empty host bridge name", { hostBridges: { "": {} }, devices: {} }, "EINVAL", ["hostBridges", ""], "topology: hostBridges. cannot be empty"],
    ["host bridge not an object", { hostBridges: { rc: 1 }, devices: {} }, "EINVAL", ["hostBridges", "rc"], "topology: hostBridges.rc must be an object"],
    [
      "host bridge unknown key",
      { hostBridges: { rc: { p2p: true, acs: 1 } }, devices: {} },
      "EINVAL",
      ["hostBridges", "rc", "acs"],
      "topology: hostBridges.rc.acs is not a known argument",
    ],
    [
      "host bridge p2p not boolean",
      { hostBridges: { rc: { p2p: 1 } }, devices: {} },
      "EINVAL",
      ["hostBridges", "rc", "p2p"],
      "topology: hostBridges.rc.p2p must be a boolean",
    ],
    ["empty switch name", { switches: { "": {} }, devices: {} }, "EINVAL", ["switches", ""], "topology: switches. cannot be empty"],
    ["switch not an object", { switches: { sw: null }, devices: {} }, "EINVAL", ["switches", "sw"], "topology: switches.sw must be an object"],
    [
      "switch unknown key",
      { switches: { sw: { acsRedirect: true, p2p: true } }, devices: {} },
      "EINVAL",
      ["switches", "sw", "p2p"],
      "topology: switches.sw.p2p is not a known argument",
    ],
    [
      "switch acsRedirect not boolean",
      { switches: { sw: { acsRedirect: "yes" } }, devices: {} },
      "EINVAL",
      ["switches", "sw", "acsRedirect"],
      "topology: switches.sw.acsRedirect must be a boolean",
    ],
    ["empty device name", { devices: { "": {} } }, "EINVAL", ["devices", ""], "topology: devices. cannot be empty"],
    [
      "device name too long",
      { devices: { ["d".repeat(257)]: {} } },
      "EINVAL",
      ["devices", "d".repeat(257)],
      `topology: devices.${"d".repeat(257)} is longer than 256 characters`,
    ],
    ["device not an object", dev(7), "EINVAL", ["devices", "d"], "topology: devices.d must be an object"],
    ["device unknown key", dev({ iommu: undefined, bar: [] }), "EINVAL", ["devices", "d", "bar"], "topology: devices.d.bar is not a known argument"],
    ["empty root name", dev({ root: "" }), "EINVAL", ["devices", "d", "root"], "topology: devices.d.root cannot be empty"],
    ["switch not a name", dev({ switch: 3 }), "EINVAL", ["devices", "d", "switch"], "topology: devices.d.switch must be a name (a string)"],
    ["pf not a name", dev({ pf: false }), "EINVAL", ["devices", "d", "pf"], "topology: devices.d.pf must be a name (a string)"],
    ["bars not an array", dev({ bars: { 0: BAR } }), "EINVAL", ["devices", "d", "bars"], "topology: devices.d.bars must be an array of at most 6 BARs"],
    [
      "seven bars",
      bars(...[0, 1, 2, 3, 4, 5, 5].map((index) => ({ ...BAR, index }))),
      "EINVAL",
      ["devices", "d", "bars"],
      "topology: devices.d.bars must be an array of at most 6 BARs",
    ],
    ["bar not an object", bars(0), "EINVAL", ["devices", "d", "bars", 0], "topology: devices.d.bars.0 must be an object"],
    ["bar unknown key", bar({ len: 1n }), "EINVAL", ["devices", "d", "bars", 0, "len"], "topology: devices.d.bars.0.len is not a known argument"],
    ["bar index missing", bar({ index: undefined }), "EINVAL", ["devices", "d", "bars", 0, "index"], "topology: devices.d.bars.0.index must be an integer 0-5"],
    ["bar index a fraction", bar({ index: 1.5 }), "EINVAL", ["devices", "d", "bars", 0, "index"], "topology: devices.d.bars.0.index must be an integer 0-5"],
    ["bar index -1", bar({ index: -1 }), "EINVAL", ["devices", "d", "bars", 0, "index"], "topology: devices.d.bars.0.index must be an integer 0-5"],
    ["bar index 6", bar({ index: 6 }), "EINVAL", ["devices", "d", "bars", 0, "index"], "topology: devices.d.bars.0.index must be an integer 0-5"],
    [
      "bar index twice",
      bars(BAR, { ...BAR, cpu: 0x2000_0000n }),
      "EINVAL",
      ["devices", "d", "bars", 1, "index"],
      "topology: devices.d.bars.1.index is given twice",
    ],
    ["bar cpu not bigint", bar({ cpu: 1 }), "EINVAL", ["devices", "d", "bars", 0, "cpu"], "topology: devices.d.bars.0.cpu must be a bigint"],
    ["bar bus negative", bar({ bus: -1n }), "EINVAL", ["devices", "d", "bars", 0, "bus"], "topology: devices.d.bars.0.bus must be in [0, 2^64 - 1]"],
    [
      "bar size above u64",
      bar({ size: U64_MAX + 1n }),
      "EINVAL",
      ["devices", "d", "bars", 0, "size"],
      "topology: devices.d.bars.0.size must be in [0, 2^64 - 1]",
    ],
    [
      "bar size 0",
      bar({ size: 0n }),
      "EINVAL",
      ["devices", "d", "bars", 0, "size"],
      "topology: devices.d.bars.0.size must be > 0 with cpu and bus windows inside 2^64",
    ],
    [
      "cpu window one byte past 2^64",
      bar({ cpu: U64_MAX - 0xffen }),
      "EINVAL",
      ["devices", "d", "bars", 0, "size"],
      "topology: devices.d.bars.0.size must be > 0 with cpu and bus windows inside 2^64",
    ],
    [
      "bus window one byte past 2^64",
      bar({ bus: U64_MAX - 0xffen }),
      "EINVAL",
      ["devices", "d", "bars", 0, "size"],
      "topology: devices.d.bars.0.size must be > 0 with cpu and bus windows inside 2^64",
    ],
    ["iommu not an object", dev({ iommu: [] }), "EINVAL", ["devices", "d", "iommu"], "topology: devices.d.iommu must be an object"],
    [
      "iommu unknown key",
      dev({ iommu: { base: 0n, size: 0x1000n, pages: 1 } }),
      "EINVAL",
      ["devices", "d", "iommu", "pages"],
      "topology: devices.d.iommu.pages is not a known argument",
    ],
    [
      "iommu base not bigint",
      dev({ iommu: { base: 0, size: 0x1000n } }),
      "EINVAL",
      ["devices", "d", "iommu", "base"],
      "topology: devices.d.iommu.base must be a bigint",
    ],
    ["iommu size missing", dev({ iommu: { base: 0n } }), "EINVAL", ["devices", "d", "iommu", "size"], "topology: devices.d.iommu.size must be a bigint"],
    [
      "maxSegmentSize not bigint",
      dev({ maxSegmentSize: 4096 }),
      "EINVAL",
      ["devices", "d", "maxSegmentSize"],
      "topology: devices.d.maxSegmentSize must be a bigint",
    ],
    ["maxSegmentSize 0", dev({ maxSegmentSize: 0n }), "EINVAL", ["devices", "d", "maxSegmentSize"], "topology: devices.d.maxSegmentSize must be at least 1"],
    [
      "segBoundaryMask not bigint",
      dev({ segBoundaryMask: "0xffff" }),
      "EINVAL",
      ["devices", "d", "segBoundaryMask"],
      "topology: devices.d.segBoundaryMask must be a bigint",
    ],
    [
      "segBoundaryMask not 2^k - 1",
      dev({ segBoundaryMask: 0xfffen }),
      "EINVAL",
      ["devices", "d", "segBoundaryMask"],
      "topology: devices.d.segBoundaryMask must be 2^k - 1",
    ],
    ["root not declared", dev({ root: "rc9" }), "ENOENT", ["devices", "d", "root"], 'device d: root "rc9" is not declared'],
    [
      "switch not declared",
      { hostBridges: { rc: {} }, devices: { d: { root: "rc", switch: "sw9" } } },
      "ENOENT",
      ["devices", "d", "switch"],
      'device d: switch "sw9" is not declared',
    ],
    ["pf not declared", { devices: { vf: {}, d: { pf: "pf9" } } }, "ENOENT", ["devices", "d", "pf"], 'device d: pf "pf9" is not declared'],
    [
      "iommu not page aligned",
      dev({ iommu: { base: 0x10n, size: 0x1000n } }),
      "EINVAL",
      ["devices", "d", "iommu"],
      "topology: devices.d.iommu is not a valid IOVA window (IOVA space [0x10, +0x1000): base and size must be page aligned, size > 0, no wrap)",
    ],
  ])("%s", (_, spec, code, path, message) => {
    const e = refusal(spec);
    expect({ code: e.code, path: e.path, message: e.message }).toEqual({ code, path, message });
  });

  it("a pf may name a device declared after it", () => {
    const t = new Topology(c, { devices: { vf: { pf: "pf" }, pf: {} } });
    expect(t.device("vf").pf).toBe("pf");
    t.dispose();
  });
});

describe("new Topology accepts the edges of each rule", () => {
  it.each<[string, TopologySpec]>([
    ["six bars, indexes 0-5", bars(...[0, 1, 2, 3, 4, 5].map((index) => ({ ...BAR, index, cpu: BAR.cpu * BigInt(index + 1) })))],
    ["a BAR ending at the last cpu and bus byte", bar({ cpu: U64_MAX - 0xfffn, bus: U64_MAX - 0xfffn })],
    ["a one-byte BAR at cpu and bus 2^64 - 1", bar({ cpu: U64_MAX, bus: U64_MAX, size: 1n })],
    ["a 256-character device name", { devices: { ["d".repeat(256)]: {} } }],
    ["maxSegmentSize 1 and segBoundaryMask 0", dev({ maxSegmentSize: 1n, segBoundaryMask: 0n })],
    [
      "records as Maps",
      { hostBridges: new Map([["rc", { p2p: true }]]), switches: new Map([["sw", {}]]), devices: new Map([["d", { root: "rc", switch: "sw" }]]) },
    ],
  ])("%s", (_, spec) => {
    const t = new Topology(c, spec);
    expect(t.devices.size).toBe(1);
    t.dispose();
  });
});

describe("what a spec declares", () => {
  const declared = () =>
    new Topology(c, {
      hostBridges: { rc: {}, rcp: { p2p: true } },
      switches: { sw: {}, acs: { acsRedirect: true } },
      devices: {
        plain: {},
        full: {
          root: "rcp",
          switch: "acs",
          pf: "plain",
          bars: [BAR],
          iommu: { base: 0x1_0000_0000n, size: 0x10_0000n },
          maxSegmentSize: 0x10000n,
          segBoundaryMask: 0xffffn,
        },
        third: { root: "rc", switch: "sw" },
      },
    });

  it("host bridges and switches default to no p2p and no ACS redirect", () => {
    const t = declared();
    expect([...t.hostBridges.values()]).toStrictEqual([
      { name: "rc", p2p: false },
      { name: "rcp", p2p: true },
    ]);
    expect([...t.switches.values()]).toStrictEqual([
      { name: "sw", acsRedirect: false },
      { name: "acs", acsRedirect: true },
    ]);
    t.dispose();
  });

  it("a device gets ids in declaration order, no BARs, UINT_MAX segments, no boundary, and only the fields it declares", () => {
    const t = declared();
    expect(t.device("plain")).toStrictEqual({ name: "plain", id: 0, bars: [], maxSegmentSize: UINT_MAX, segBoundaryMask: U64_MAX });
    expect(t.device("full")).toStrictEqual({
      name: "full",
      id: 1,
      root: "rcp",
      switch: "acs",
      pf: "plain",
      bars: [BAR],
      iommu: { base: 0x1_0000_0000n, size: 0x10_0000n },
      maxSegmentSize: 0x10000n,
      segBoundaryMask: 0xffffn,
    });
    expect(t.device("third").id).toBe(2);
    expect([...t.iova.keys()]).toEqual(["full"]);
    t.dispose();
  });

  it("device() of an unknown name is ENOENT naming it", () => {
    const t = declared();
    expect(() => t.device("nope")).toThrow(new DmaBufError("ENOENT", 'no device named "nope"'));
    try {
      t.device("nope");
    } catch (e) {
      expect((e as DmaBufError).code).toBe("ENOENT");
    }
    t.dispose();
  });
});

describe("P2P path edges", () => {
  const fabric = () =>
    new Topology(c, {
      hostBridges: { rc: { p2p: false } },
      switches: {},
      devices: { alone: { root: "rc" }, other: { root: "rc" } },
    });
  it("a device reaches itself by bus address even behind a root without p2p and no switch", () => {
    const t = fabric();
    const d = (n: string) => t.device(n);
    expect(t.p2pPath(d("alone"), d("alone"))).toBe("BUS_ADDR");
    expect(t.p2pPath(d("alone"), d("other"))).toBe("NOT_SUPPORTED");
    t.dispose();
  });

  it("devices of another topology: a switch or root not declared here has no ACS redirect and no p2p", () => {
    const t = fabric();
    const foreign = new Topology(c, {
      hostBridges: { rx: { p2p: true } },
      switches: { sx: { acsRedirect: true } },
      devices: { a: { root: "rx", switch: "sx" }, b: { root: "rx", switch: "sx" }, c: { root: "rx" }, e: { root: "rx" } },
    });
    const f = (n: string) => foreign.device(n);
    expect(foreign.p2pPath(f("a"), f("b"))).toBe("THRU_HOST_BRIDGE");
    expect(t.p2pPath(f("a"), f("b"))).toBe("BUS_ADDR");
    expect(t.p2pPath(f("c"), f("e"))).toBe("NOT_SUPPORTED");
    foreign.dispose();
    t.dispose();
  });
});
