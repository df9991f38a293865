// Ops and objects from user code that are hostile in ways a type checker cannot see
// (docs/rules.md#ops-contract): a product that aliases a list the model owns, ops that
// go async, getters, Proxies and inherited keys. Each ends in a DmaBufError with a code
// and a path, changes nothing, leaks nothing and leaves no unhandled rejection.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DmaBufModel } from "../../ts/model/model.js";
import { vfioExporter } from "../../ts/exporters/vfio.js";
import { sgtMap } from "../../ts/model/address.js";
import { DmaBufError } from "../../ts/core/errors.js";
import type { DmaBufOps, MapProduct } from "../../ts/model/ops.js";
import { FABRIC, MMIO, SYSTEM, fails, world } from "./world.js";
import { core } from "../helpers.js";

const flush = () => new Promise((ok) => setTimeout(ok, 0));

/** Plain ops like the shipped heap exporter's, with `over` on top. */
function ops(over: Record<string, unknown> = {}): DmaBufOps {
  return { name: "heap", mapDmaBuf: (a, dma) => sgtMap(dma, a.buffer, a.device), unmapDmaBuf() {}, release() {}, ...over } as DmaBufOps;
}

function codeOf(fn: () => unknown): { code: string; path: readonly (string | number)[]; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(DmaBufError);
    const d = e as DmaBufError;
    return { code: d.code, path: d.path, message: d.message };
  }
  throw new Error("expected a DmaBufError");
}

let unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => void unhandled.push(e);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

describe("a product whose entries alias a list the model owns is EPROTO", () => {
  it("the buffer's own backing: refused, nothing freed, snapshot() still works", () => {
    const m = world();
    m.export({
      buffer: "b",
      exporter: "exp",
      size: 0x20_0000n,
      backing: SYSTEM(),
      ops: ops({ mapDmaBuf: (a: { buffer: { backing: { ranges: unknown } } }) => ({ entries: a.buffer.backing.ranges, space: "cpu-phys", release() {} }) }),
    });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    fails(m, "EPROTO", () => m.map({ attachment: "a", as: "ma" }));
    expect(m.trace.at(-1)!.message).toMatch(/alias/);
    expect(() => m.snapshot()).not.toThrow();
    m.detach("a");
    m.close("b");
    m.dispose();
  });

  it("another buffer's backing, or a live mapping's container: refused", () => {
    const m = world();
    let steal: () => unknown = () => undefined;
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: ops() });
    m.export({
      buffer: "c",
      exporter: "exp",
      size: 0x20_0000n,
      backing: SYSTEM(2, 0x10_0000n, 0x9000_0000n),
      ops: ops({ mapDmaBuf: () => ({ entries: steal(), space: "cpu-phys", release() {} }) }),
    });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    m.attach({ buffer: "c", importer: "cpu", as: "ac" });
    m.map({ attachment: "a", as: "ma" });
    steal = () => m.buffers.get("b")!.backing.ranges;
    fails(m, "EPROTO", () => m.map({ attachment: "ac", as: "mc" }));
    steal = () => (m.mappings.get("ma") as unknown as { container: unknown }).container;
    fails(m, "EPROTO", () => m.map({ attachment: "ac", as: "mc" }));
    m.unmap("ma");
    m.dispose();
  });

  it("a list already disposed (the product of an earlier map, returned again): refused", () => {
    const m = world();
    let last: MapProduct | undefined;
    m.export({
      buffer: "b",
      exporter: "exp",
      size: 0x20_0000n,
      backing: SYSTEM(),
      ops: ops({
        mapDmaBuf: (a: never, dma: never) => (last ? { ...last } : (last = sgtMap(dma, (a as { buffer: never }).buffer, (a as { device: never }).device))),
      }),
    });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    m.map({ attachment: "a", as: "m1" });
    fails(m, "EPROTO", () => m.map({ attachment: "a", as: "m2" }));
    m.dispose();
  });
});

describe("ops are synchronous: a thenable is EPROTO", () => {
  it("a mapDmaBuf that returns a Promise: EPROTO, and once it settles its IOVA and handle are given back", async () => {
    const c = core();
    const m = new DmaBufModel(c, FABRIC, { exporter: vfioExporter });
    m.export({
      buffer: "b",
      exporter: "exp",
      size: 0x20_0000n,
      backing: SYSTEM(),
      ops: ops({ mapDmaBuf: (a: never, dma: never) => Promise.resolve(sgtMap(dma, (a as { buffer: never }).buffer, (a as { device: never }).device)) }),
    });
    m.attach({ buffer: "b", importer: "sys", as: "a" });
    const before = JSON.stringify(m.snapshot());
    const e = codeOf(() => m.map({ attachment: "a", as: "ma" }));
    expect(e.code).toBe("EPROTO");
    expect(e.message).toMatch(/thenable/);
    await flush();
    expect(JSON.stringify(m.snapshot())).toBe(before);
    m.dispose();
  });

  it("an async op is refused at export (EINVAL naming it), before it can run", () => {
    const m = world();
    const e = codeOf(() => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: ops({ mapDmaBuf: async () => ({}) }) }));
    expect(e).toMatchObject({ code: "EINVAL", path: ["ops", "mapDmaBuf"] });
    expect(m.buffers.size).toBe(0);
    m.dispose();
  });

  it("a moveNotify that returns a rejecting Promise: recorded in callbackErrors, never unhandled", async () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    m.attach({
      buffer: "b",
      importer: "peer",
      as: "a",
      dynamic: true,
      peer2peer: true,
      moveNotify: () => Promise.reject(new Error("late")) as unknown as void,
    });
    const r = m.revoke("b");
    expect(r.notified).toEqual(["a"]);
    expect(r.callbackErrors).toHaveLength(1);
    expect((r.callbackErrors![0]!.error as DmaBufError).code).toBe("EPROTO");
    expect(m.trace.at(-1)!.callbackErrors).toHaveLength(1);
    await flush();
    await flush();
    expect(unhandled).toEqual([]);
    m.dispose();
  });

  it("an unmapDmaBuf or pin that returns a thenable: EPROTO, nothing changed", async () => {
    const m = world();
    m.export({
      buffer: "b",
      exporter: "exp",
      size: 0x20_0000n,
      backing: SYSTEM(),
      ops: ops({ unmapDmaBuf: () => Promise.reject(new Error("x")), pin: () => ({ then: () => {} }), unpin() {} }),
    });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    m.attach({ buffer: "b", importer: "host", as: "d", dynamic: true });
    m.map({ attachment: "a", as: "ma" });
    fails(m, "EPROTO", () => m.unmap("ma"));
    m.lock("b", "host");
    fails(m, "EPROTO", () => m.pin("d"));
    await flush();
    expect(unhandled).toEqual([]);
    m.dispose();
  });

  it("a supportsInterconnects that returns a Promise does not accept the attachment", () => {
    const m = world();
    m.export({
      buffer: "b",
      exporter: "exp",
      size: 0x20_0000n,
      backing: MMIO(),
      ops: ops({
        dynamic: true,
        pin() {},
        unpin() {},
        interconnects: [{ name: "physvec", supportsInterconnects: () => Promise.resolve(false), map: () => null }],
      }),
    });
    fails(m, "EPROTO", () => m.attach({ buffer: "b", importer: "peer", as: "a", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["physvec"] }));
    m.dispose();
  });

  it("a product's release() that returns a rejecting Promise: recorded, never unhandled", async () => {
    const m = world();
    m.export({
      buffer: "b",
      exporter: "exp",
      size: 0x20_0000n,
      backing: SYSTEM(),
      ops: ops({
        mapDmaBuf: (a: never, dma: never) => ({
          ...sgtMap(dma, (a as { buffer: never }).buffer, (a as { device: never }).device),
          release: () => Promise.reject(new Error("late")),
        }),
      }),
    });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    m.map({ attachment: "a", as: "ma" });
    m.unmap("ma");
    expect((m.trace.at(-1)!.callbackErrors![0]!.error as DmaBufError).code).toBe("EPROTO");
    await flush();
    expect(unhandled).toEqual([]);
    m.dispose();
  });
});

describe("getters, Proxies and inherited keys are read once, as own data properties", () => {
  it("an ops table with a throwing getter: EINVAL naming the op", () => {
    const m = world();
    const t = ops();
    Object.defineProperty(t, "unmapDmaBuf", {
      get() {
        throw new TypeError("boom");
      },
      enumerable: true,
    });
    const e = codeOf(() => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: t }));
    expect(e).toMatchObject({ code: "EINVAL", path: ["ops", "unmapDmaBuf"] });
    m.dispose();
  });

  it("a getter that answers differently each time is refused, not read twice", () => {
    const m = world();
    let reads = 0;
    const t = ops();
    Object.defineProperty(t, "mapDmaBuf", { get: () => (++reads === 1 ? t.release : "not a function"), enumerable: true });
    expect(codeOf(() => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: t })).code).toBe("EINVAL");
    m.dispose();
  });

  it("an ops table that is a Proxy whose traps throw: EINVAL", () => {
    const m = world();
    const t = new Proxy(ops(), {
      ownKeys() {
        throw new Error("trap");
      },
    });
    expect(codeOf(() => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: t })).code).toBe("EINVAL");
    const u = new Proxy(ops(), {
      getOwnPropertyDescriptor() {
        throw new Error("trap");
      },
    });
    expect(codeOf(() => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: u })).code).toBe("EINVAL");
    m.dispose();
  });

  it("the table is read once at export: replacing an op afterwards changes nothing", () => {
    const m = world();
    const t = ops() as unknown as Record<string, unknown>;
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), ops: t as unknown as DmaBufOps });
    t.mapDmaBuf = () => {
      throw new Error("swapped");
    };
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    expect(m.map({ attachment: "a", as: "ma" }).nelms).toBeGreaterThan(0);
    m.dispose();
  });

  it("a product with a throwing getter: EPROTO, nothing changed", () => {
    const m = world();
    m.export({
      buffer: "b",
      exporter: "exp",
      size: 0x20_0000n,
      backing: SYSTEM(),
      ops: ops({
        mapDmaBuf: (a: never, dma: never) => {
          const p = sgtMap(dma, (a as { buffer: never }).buffer, (a as { device: never }).device);
          p.release();
          p.entries.dispose();
          return Object.defineProperty({ space: "cpu-phys", release() {} }, "entries", {
            get() {
              throw new TypeError("boom");
            },
            enumerable: true,
          });
        },
      }),
    });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    fails(m, "EPROTO", () => m.map({ attachment: "a", as: "ma" }));
    m.dispose();
  });

  it("an inherited Object.prototype key is never honoured as an option or argument", () => {
    const proto = Object.prototype as Record<string, unknown>;
    try {
      proto.exporter = () => {
        throw new Error("polluted");
      };
      const e = codeOf(() => new DmaBufModel(core(), FABRIC, {}));
      expect(e).toMatchObject({ code: "EINVAL", path: ["exporter"] });
    } finally {
      delete proto.exporter;
    }
    const m = world();
    try {
      proto.dynamic = true;
      const e = codeOf(() => m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() }));
      expect(e).toMatchObject({ code: "EINVAL", path: ["dynamic"] });
    } finally {
      delete proto.dynamic;
    }
    expect(m.buffers.size).toBe(0);
    m.dispose();
  });

  it("model options with a throwing getter, or interconnects as a huge sparse array: EINVAL with the path", () => {
    const opts = Object.defineProperty({}, "exporter", {
      get() {
        throw new TypeError("boom");
      },
      enumerable: true,
    });
    expect(codeOf(() => new DmaBufModel(core(), FABRIC, opts))).toMatchObject({ code: "EINVAL", path: ["exporter"] });
    const defs: unknown[] = [];
    defs.length = 2 ** 32 - 1;
    expect(codeOf(() => new DmaBufModel(core(), FABRIC, { interconnects: defs as never }))).toMatchObject({ code: "EINVAL", path: ["interconnects"] });
  });

  it("step arguments with a throwing getter: EINVAL naming it", () => {
    const m = world();
    const args = Object.defineProperty({ buffer: "b", exporter: "exp", backing: SYSTEM() }, "size", {
      get() {
        throw new TypeError("boom");
      },
      enumerable: true,
    });
    fails(m, "EINVAL", () => m.export(args as never));
    expect(m.trace.at(-1)!.message).toMatch(/size/);
    m.dispose();
  });

  it("an exporter's interconnects as a sparse array of length 2^32 - 1: EINVAL at once", () => {
    const m = world();
    const ics: unknown[] = [];
    ics.length = 2 ** 32 - 1;
    const e = codeOf(() =>
      m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), ops: ops({ dynamic: true, pin() {}, unpin() {}, interconnects: ics }) }),
    );
    expect(e).toMatchObject({ code: "EINVAL", path: ["ops", "interconnects"] });
    m.dispose();
  });
});
