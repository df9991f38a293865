// dma_buf_export() refuses a bad ops table or a bad backing with EINVAL whose message
// names the exporter and the rule and whose path names the field: one row per refusal,
// message and path pinned exactly (they are what a user reads), nothing created.
import { describe, expect, it } from "vitest";
import { DmaBufModel } from "../../ts/model/model.js";
import type { DmaBufOps } from "../../ts/model/ops.js";
import type { BackingSpec } from "../../ts/model/buffer.js";
import type { TopologySpec } from "../../ts/model/topology.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { sgtMap } from "../../ts/model/address.js";
import { core } from "../helpers.js";
import { BAR0, FABRIC, SYSTEM } from "./world.js";

const good = (): DmaBufOps => ({ name: "test-exp", mapDmaBuf: (a, dma) => sgtMap(dma, a.buffer, a.device), unmapDmaBuf() {}, release() {} });
const fn = () => {};
const ic = (name: unknown, more: Record<string, unknown> = {}) => ({ name, supportsInterconnects: () => true, map: good().mapDmaBuf, ...more });

/** The error of export `b` on `exp` (or undefined when it succeeds), and whether the model kept a buffer. */
function exportError(
  args: { size?: bigint; backing?: BackingSpec; ops?: unknown },
  topo: TopologySpec = FABRIC,
): { err: DmaBufError | undefined; buffers: number } {
  const m = new DmaBufModel(core(), topo);
  let err: DmaBufError | undefined;
  try {
    m.export({
      buffer: "b",
      exporter: "exp",
      size: args.size ?? 0x20_0000n,
      backing: args.backing ?? SYSTEM(),
      ops: ("ops" in args ? args.ops : good()) as DmaBufOps,
    });
  } catch (e) {
    if (!(e instanceof DmaBufError)) throw e;
    err = e;
  }
  const buffers = m.buffers.size;
  m.dispose();
  return { err, buffers };
}

describe("export refuses an ops table that is not the documented shape", () => {
  const ex = "export b: exporter test-exp";
  const rows: [string, unknown, string, (string | number)[]][] = [
    ["null ops", null, "export b: ops must be an object", ["ops"]],
    ["a number for ops", 5, "export b: ops must be an object", ["ops"]],
    ["a function for ops", () => good(), "export b: ops must be an object", ["ops"]],
    ["a misspelt op", { ...good(), unMapDmaBuf: fn }, 'export b: unknown exporter op "unMapDmaBuf"', ["ops", "unMapDmaBuf"]],
    ["an empty name", { ...good(), name: "" }, "export b: the exporter needs a name", ["ops", "name"]],
    ["a name that is not a string", { ...good(), name: 5 }, "export b: the exporter needs a name", ["ops", "name"]],
    ["no mapDmaBuf", { ...good(), mapDmaBuf: undefined }, `${ex}: mandatory op mapDmaBuf is missing`, ["ops", "mapDmaBuf"]],
    ["unmapDmaBuf not a function", { ...good(), unmapDmaBuf: 1 }, `${ex}: mandatory op unmapDmaBuf is missing`, ["ops", "unmapDmaBuf"]],
    ["no release", { ...good(), release: undefined }, `${ex}: mandatory op release is missing`, ["ops", "release"]],
    ["attach not a function", { ...good(), attach: "yes" }, `${ex}: attach must be a function`, ["ops", "attach"]],
    ["detach not a function", { ...good(), detach: {} }, `${ex}: detach must be a function`, ["ops", "detach"]],
    ["pin not a function", { ...good(), pin: 1, unpin: fn }, `${ex}: pin must be a function`, ["ops", "pin"]],
    ["unpin not a function", { ...good(), pin: fn, unpin: 1 }, `${ex}: unpin must be a function`, ["ops", "unpin"]],
    ["mapInterconnect not a function", { ...good(), mapInterconnect: true }, `${ex}: mapInterconnect must be a function`, ["ops", "mapInterconnect"]],
    ["dynamic not a boolean", { ...good(), dynamic: "yes" }, `${ex}: dynamic must be a boolean`, ["ops", "dynamic"]],
    ["pin without unpin", { ...good(), pin: fn }, `${ex}: pin and unpin must both be present or both absent`, ["ops", "unpin"]],
    ["unpin without pin", { ...good(), unpin: fn }, `${ex}: pin and unpin must both be present or both absent`, ["ops", "pin"]],
    ["dynamic without pin and unpin", { ...good(), dynamic: true }, `${ex}: a dynamic exporter needs pin and unpin`, ["ops", "pin"]],
    ["interconnects not an array", { ...good(), interconnects: { 0: ic("physvec") } }, `${ex}: interconnects must be an array`, ["ops", "interconnects"]],
    [
      "an interconnect that is null",
      { ...good(), interconnects: [ic("physvec"), null] },
      `${ex}: interconnects[1] must be an object`,
      ["ops", "interconnects", 1],
    ],
    ["an interconnect that is a string", { ...good(), interconnects: ["physvec"] }, `${ex}: interconnects[0] must be an object`, ["ops", "interconnects", 0]],
    [
      "a misspelt interconnect op",
      { ...good(), interconnects: [ic("physvec", { umap: fn })] },
      `${ex}: unknown interconnect op "umap"`,
      ["ops", "interconnects", 0, "umap"],
    ],
    [
      "an unregistered interconnect",
      { ...good(), interconnects: [ic("nvlink")] },
      `${ex}: interconnects[0] names no registered interconnect (nvlink)`,
      ["ops", "interconnects", 0, "name"],
    ],
    [
      "an interconnect without a name",
      { ...good(), interconnects: [ic(undefined)] },
      `${ex}: interconnects[0] names no registered interconnect (undefined)`,
      ["ops", "interconnects", 0, "name"],
    ],
    [
      "sgt as an interconnect",
      { ...good(), interconnects: [ic("sgt")] },
      `${ex}: sgt is offered through mapDmaBuf, not as an interconnect`,
      ["ops", "interconnects", 0, "name"],
    ],
    [
      "an interconnect offered twice",
      { ...good(), interconnects: [ic("physvec"), ic("iov"), ic("physvec")] },
      `${ex}: interconnect physvec is offered twice`,
      ["ops", "interconnects", 2, "name"],
    ],
    [
      "an interconnect without supportsInterconnects",
      { ...good(), interconnects: [ic("iov", { supportsInterconnects: undefined })] },
      `${ex}: interconnect iov needs supportsInterconnects (or match)`,
      ["ops", "interconnects", 0, "supportsInterconnects"],
    ],
    [
      "an interconnect without map and no mapInterconnect",
      { ...good(), interconnects: [ic("physvec", { map: undefined })] },
      `${ex}: interconnect physvec needs map (or the table a common mapInterconnect)`,
      ["ops", "interconnects", 0, "map"],
    ],
    [
      "an interconnect whose unmap is not a function",
      { ...good(), interconnects: [ic("physvec", { unmap: "no" })] },
      `${ex}: interconnect physvec's unmap must be a function`,
      ["ops", "interconnects", 0, "unmap"],
    ],
  ];
  for (const [what, ops, message, path] of rows) {
    it(`refuses ${what}`, () => {
      const { err, buffers } = exportError({ ops });
      expect(err?.code).toBe("EINVAL");
      expect(err?.message).toBe(message);
      expect(err?.path).toEqual(path);
      expect(buffers).toBe(0);
    });
  }

  it("accepts every optional op when it is a function, an interconnect served by mapInterconnect, and an unmap", () => {
    const ops = {
      ...good(),
      dynamic: true,
      attach: fn,
      detach: fn,
      pin: fn,
      unpin: fn,
      mapInterconnect: good().mapDmaBuf,
      interconnects: [ic("physvec", { map: undefined }), ic("iov", { unmap: fn })],
    };
    expect(exportError({ ops })).toEqual({ err: undefined, buffers: 1 });
    expect(exportError({ ops: { ...good(), dynamic: false, interconnects: [] } })).toEqual({ err: undefined, buffers: 1 });
  });
});

describe("export refuses a backing that breaks a rule of dma_buf_export()", () => {
  const sys = (...r: [bigint, bigint][]): BackingSpec => ({ kind: "system", ranges: r.map(([addr, len]) => ({ addr, len })) });
  const rows: [string, bigint, BackingSpec, string, (string | number)[]][] = [
    ["a zero size", 0n, sys([0x1000n, 0x1000n]), "size 0x0 is not a non-zero multiple of the 4096-byte page", ["size"]],
    ["a size one byte past a page", 0x1001n, sys([0x1000n, 0x1000n]), "size 0x1001 is not a non-zero multiple of the 4096-byte page", ["size"]],
    ["no ranges", 0x1000n, sys(), "backing has no ranges", ["backing", "ranges"]],
    ["no ranges (BigUint64Array)", 0x1000n, { kind: "system", ranges: new BigUint64Array(0) }, "backing has no ranges", ["backing", "ranges"]],
    [
      "an unaligned range",
      0x2000n,
      sys([0x1000n, 0x1000n], [0x3001n, 0x1000n]),
      "backing ranges: validate: entry 1: addr not aligned",
      ["backing", "ranges", 1],
    ],
    [
      "overlapping ranges",
      0x2000n,
      sys([0x1000n, 0x1000n], [0x1000n, 0x1000n]),
      "backing ranges: checkDisjoint: entries 0 and 1 overlap",
      ["backing", "ranges", 1],
    ],
    ["ranges covering all 2^64 bytes", 0x1000n, sys([0n, 1n << 63n], [1n << 63n, 1n << 63n]), "backing ranges sum past 2^64 - 1", ["backing", "ranges"]],
    ["ranges short of the size", 0x2000n, sys([0x1000n, 0x1000n]), "backing ranges sum to 0x1000, not the size 0x2000", ["backing", "ranges"]],
    ["ranges past the size", 0x1000n, sys([0x1000n, 0x1000n], [0x4000n, 0x1000n]), "backing ranges sum to 0x2000, not the size 0x1000", ["backing", "ranges"]],
    [
      "mmio past the end of the BAR",
      0x2000n,
      { kind: "mmio", ranges: [{ addr: BAR0 + 0x1000_0000n - 0x1000n, len: 0x2000n }] },
      "mmio ranges [0x10000ffff000, 0x100010000fff] are not inside one BAR of exp",
      ["backing", "ranges"],
    ],
    [
      "mmio below the BAR",
      0x1000n,
      { kind: "mmio", ranges: [{ addr: BAR0 - 0x1000n, len: 0x1000n }] },
      "mmio ranges [0xffffffff000, 0xfffffffffff] are not inside one BAR of exp",
      ["backing", "ranges"],
    ],
  ];
  for (const [what, size, backing, message, path] of rows) {
    it(`refuses ${what}`, () => {
      const { err, buffers } = exportError({ size, backing });
      expect(err?.code).toBe("EINVAL");
      expect(err?.message).toBe(`export b: ${message}`);
      expect(err?.path).toEqual(path);
      expect(buffers).toBe(0);
    });
  }

  it("mmio ranges must end inside the BAR: exactly at its last byte is fine, one byte past is not", () => {
    // a BAR need not be page-sized: one of 0x1fff bytes cannot hold two pages, one of 0x2000 can
    const topo = (size: bigint): TopologySpec => ({
      hostBridges: { rc0: { p2p: true } },
      switches: {},
      devices: { exp: { root: "rc0", bars: [{ index: 0, cpu: 0x1_0000_0000n, bus: 0x8000_0000n, size }] } },
    });
    const backing: BackingSpec = { kind: "mmio", ranges: [{ addr: 0x1_0000_0000n, len: 0x2000n }] };
    expect(exportError({ size: 0x2000n, backing }, topo(0x2000n))).toEqual({ err: undefined, buffers: 1 });
    const { err } = exportError({ size: 0x2000n, backing }, topo(0x1fffn));
    expect(err?.message).toBe("export b: mmio ranges [0x100000000, 0x100001fff] are not inside one BAR of exp");
  });

  it("move checks the new backing with the same rules and names the move", () => {
    const m = new DmaBufModel(core(), FABRIC);
    m.export({ buffer: "b", exporter: "exp", size: 0x2000n, backing: sys([0x1000n, 0x2000n]), ops: { ...good(), dynamic: true, pin: fn, unpin: fn } });
    expect(() => m.move("b", sys([0x1000n, 0x1000n]))).toThrow(
      new DmaBufError("EINVAL", "move b: backing ranges sum to 0x1000, not the size 0x2000", ["backing", "ranges"]),
    );
    m.dispose();
  });
});

describe("a buffer's attachments, newest first, as attach and detach change them", () => {
  it("lists live attachments newest first after detaching from the middle and the end", () => {
    const m = new DmaBufModel(core(), FABRIC);
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: good() });
    for (const as of ["a1", "a2", "a3", "a4"]) m.attach({ buffer: "b", importer: "cpu", as });
    const names = () => m.buffers.get("b")!.attachments.map((a) => a.name);
    expect(names()).toEqual(["a4", "a3", "a2", "a1"]);
    m.detach("a2");
    expect(names()).toEqual(["a4", "a3", "a1"]);
    m.detach("a1");
    expect(names()).toEqual(["a4", "a3"]);
    m.detach("a4");
    expect(names()).toEqual(["a3"]);
    m.attach({ buffer: "b", importer: "cpu", as: "a5" });
    expect(names()).toEqual(["a5", "a3"]);
    expect(m.buffers.get("b")!.attachmentCount).toBe(2);
    m.dispose();
  });
});
