// Every refusal of the model's steps, one row each: the call, its code, the exact message
// a user reads (it names the step, the object and the rule) and the path of a bad
// argument; and that a refused step changes nothing and leaves one failed trace record.
import { describe, expect, it } from "vitest";
import { DmaBufModel, type AttachArgs, type ExportArgs } from "../../ts/model/model.js";
import type { DmaBufOps } from "../../ts/model/ops.js";
import { physvecMap, sgtMap } from "../../ts/model/address.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { core } from "../helpers.js";
import { FABRIC, SYSTEM, world } from "./world.js";

type Row = [what: string, step: () => unknown, code: string, message: string, path?: (string | number)[]];

/** Runs each row's step: it must throw exactly that DmaBufError, change no state and trace one failed record. */
function refuses(m: DmaBufModel, rows: Row[]): void {
  for (const [what, step, code, message, path] of rows) {
    const before = JSON.stringify(m.snapshot());
    const traced = m.trace.length;
    let err: unknown;
    try {
      step();
    } catch (e) {
      err = e;
    }
    expect(err, what).toBeInstanceOf(DmaBufError);
    const e = err as DmaBufError;
    expect({ code: e.code, message: e.message }, what).toEqual({ code, message });
    if (path) expect(e.path, what).toEqual(path);
    expect(JSON.stringify(m.snapshot()), what).toBe(before);
    expect(m.trace.length, what).toBe(traced + 1);
    expect(m.trace.at(-1), what).toEqual({ op: expect.any(String), ok: false, error: code, message, notifications: [] });
  }
}

/** Exporter ops of a plain system-memory exporter, with `over` replacing some. */
const plain = (over: Partial<DmaBufOps> = {}): DmaBufOps => ({
  name: "t",
  mapDmaBuf: (a, dma) => sgtMap(dma, a.buffer, a.device),
  unmapDmaBuf() {},
  release() {},
  ...over,
});
const pinning = (over: Partial<DmaBufOps> = {}): DmaBufOps => plain({ dynamic: true, pin() {}, unpin() {}, ...over });
const boom = () => {
  throw new Error("boom");
};
const EXP: ExportArgs = { buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() };

describe("constructor options", () => {
  const c = core();
  const rows: [unknown, string, (string | number)[]][] = [
    [{ interconnects: [null] }, "model: interconnects.0.name must be a name (a string)", ["interconnects", 0, "name"]],
    [{ interconnects: [{ name: "sgt", defaultContainer: "sgt" }, { name: "" }] }, "model: interconnects.1.name cannot be empty", ["interconnects", 1, "name"]],
    [
      { interconnects: [{ name: "sgt", defaultContainer: "sgl" }] },
      "model: interconnects.0.defaultContainer must be one of sgt, physvec, mapping, ranges, xarray",
      ["interconnects", 0, "defaultContainer"],
    ],
    [{ interconnects: [{ name: "sgt" }] }, "model: interconnects.0.defaultContainer is missing", ["interconnects", 0, "defaultContainer"]],
    [
      {
        interconnects: [
          { name: "sgt", defaultContainer: "sgt" },
          { name: "sgt", defaultContainer: "ranges" },
        ],
      },
      "model: interconnects.1.name registers sgt twice",
      ["interconnects", 1, "name"],
    ],
    [{ interconnects: [{ name: "iov", defaultContainer: "ranges" }] }, "model: interconnects must include sgt", ["interconnects"]],
    [{ exporter: "vfio" }, "model: exporter must be a function", ["exporter"]],
  ];
  it.each(rows)("%o is refused", (opts, message, path) => {
    const before = c.usage();
    let err: DmaBufError | undefined;
    try {
      new DmaBufModel(c, FABRIC, opts as never);
    } catch (e) {
      err = e as DmaBufError;
    }
    expect(err).toBeInstanceOf(DmaBufError);
    expect({ code: err!.code, message: err!.message, path: err!.path }).toEqual({ code: "EINVAL", message, path });
    expect(c.usage()).toEqual(before);
  });

  it("a registered interconnect keeps its name and default container (sgt stays a scatterlist); the default set is sgt, physvec, iov", () => {
    const m = new DmaBufModel(c, FABRIC, {
      interconnects: [
        { name: "sgt", defaultContainer: "ranges" },
        { name: "cxl", defaultContainer: "xarray" },
      ],
    });
    expect([...m.interconnects.values()]).toEqual([
      { name: "sgt", defaultContainer: "ranges", scatterlist: true },
      { name: "cxl", defaultContainer: "xarray" },
    ]);
    m.export({ ...EXP, ops: plain() });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    expect(m.map({ attachment: "a", as: "m" }).container).toBe("ranges");
    m.dispose();
    const d = new DmaBufModel(c, FABRIC);
    expect([...d.interconnects.keys()]).toEqual(["sgt", "physvec", "iov"]);
    d.dispose();
  });
});

describe("argument refusals name the step and the argument", () => {
  it("export", () => {
    const m = world();
    m.export(EXP);
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    m.map({ attachment: "a", as: "mp" });
    refuses(m, [
      ["not an object", () => m.export(null as never), "EINVAL", "export: arguments must be an object", ["arguments"]],
      ["buffer", () => m.export({ ...EXP, buffer: 5 } as never), "EINVAL", "export: buffer must be a name (a string)", ["buffer"]],
      ["exporter", () => m.export({ ...EXP, buffer: "c", exporter: 5 } as never), "EINVAL", "export c: exporter must be a name (a string)", ["exporter"]],
      ["pinnable", () => m.export({ ...EXP, buffer: "c", pinnable: "yes" } as never), "EINVAL", "export c: pinnable must be a boolean", ["pinnable"]],
      ["buffer name taken", () => m.export(EXP), "EINVAL", 'export b: the name "b" is already used'],
      ["attachment name taken", () => m.export({ ...EXP, buffer: "a" }), "EINVAL", 'export a: the name "a" is already used'],
      ["mapping name taken", () => m.export({ ...EXP, buffer: "mp" }), "EINVAL", 'export mp: the name "mp" is already used'],
      ["no device", () => m.export({ ...EXP, buffer: "c", exporter: "zz" }), "ENOENT", 'export c: no device named "zz"'],
    ]);
    // an empty interconnect list is allowed for an exporter (it offers sgt only)
    m.export({ ...EXP, buffer: "c", interconnects: [] });
    expect(m.buffers.has("c")).toBe(true);
    m.dispose();
  });

  it("attach with flags or with importer ops", () => {
    const m = world();
    m.export(EXP);
    const at = (x: object) => () => m.attach({ buffer: "b", importer: "cpu", as: "a", ...x } as AttachArgs);
    const withOps = "cannot be given with ops (the importer ops decide it)";
    refuses(m, [
      ["not an object", () => m.attach(7 as never), "EINVAL", "attach: arguments must be an object", ["arguments"]],
      ["buffer", at({ buffer: 1 }), "EINVAL", "attach a: buffer must be a name (a string)", ["buffer"]],
      ["importer", at({ importer: 1 }), "EINVAL", "attach a: importer must be a name (a string)", ["importer"]],
      ["dynamic", at({ dynamic: 1 }), "EINVAL", "attach a: dynamic must be a boolean", ["dynamic"]],
      ["peer2peer", at({ peer2peer: 1 }), "EINVAL", "attach a: peer2peer must be a boolean", ["peer2peer"]],
      ["allowIc", at({ allowIc: 1 }), "EINVAL", "attach a: allowIc must be a boolean", ["allowIc"]],
      ["dynamic with ops", at({ ops: {}, dynamic: false }), "EINVAL", `attach a: dynamic ${withOps}`, ["dynamic"]],
      ["peer2peer with ops", at({ ops: {}, peer2peer: false }), "EINVAL", `attach a: peer2peer ${withOps}`, ["peer2peer"]],
      ["allowIc with ops", at({ ops: {}, allowIc: false }), "EINVAL", `attach a: allowIc ${withOps}`, ["allowIc"]],
      ["interconnects with ops", at({ ops: {}, interconnects: ["sgt"] }), "EINVAL", `attach a: interconnects ${withOps}`, ["interconnects"]],
      ["moveNotify with ops", at({ ops: {}, moveNotify() {} }), "EINVAL", `attach a: moveNotify ${withOps}`, ["moveNotify"]],
      ["ops not an object", at({ ops: 3 }), "EINVAL", "attach a: ops must be an object", ["ops"]],
      ["unknown importer op", at({ ops: { move_notify() {} } }), "EINVAL", "attach a: ops.move_notify is not a known argument", ["ops", "move_notify"]],
      ["ops.moveNotify", at({ ops: { moveNotify: true } }), "EINVAL", "attach a: ops.moveNotify must be a function", ["ops", "moveNotify"]],
      [
        "ops.supportsInterconnects",
        at({ ops: { supportsInterconnects: "no" } }),
        "EINVAL",
        "attach a: ops.supportsInterconnects must be a boolean",
        ["ops", "supportsInterconnects"],
      ],
      [
        "ops.interconnects not an array",
        at({ ops: { interconnects: { name: "sgt" } } }),
        "EINVAL",
        "attach a: ops.interconnects must be an array of {name}",
        ["ops", "interconnects"],
      ],
      ["ops.interconnects empty", at({ ops: { interconnects: [] } }), "EINVAL", "attach a: ops.interconnects cannot be empty", ["ops", "interconnects"]],
      ["no buffer", at({ buffer: "zz" }), "ENOENT", 'attach a: no buffer named "zz"'],
      ["name taken", () => m.attach({ buffer: "b", importer: "cpu", as: "b" }), "EINVAL", 'attach b: the name "b" is already used'],
      ["no device", at({ importer: "zz" }), "ENOENT", 'attach a: no device named "zz"'],
      ["peer2peer static", at({ peer2peer: true }), "EINVAL", "attach a: peer2peer needs a dynamic importer (one with move_notify)"],
      ["interconnects static", at({ interconnects: ["physvec"] }), "EINVAL", "attach a: interconnects other than sgt need a dynamic importer"],
      ["interconnects without allowIc", at({ dynamic: true, interconnects: ["physvec"] }), "EINVAL", "attach a: interconnects other than sgt need allowIc"],
      [
        "none offered",
        at({ dynamic: true, allowIc: true, interconnects: ["physvec", "iov"] }),
        "EOPNOTSUPP",
        "attach a: b supports none of physvec, iov for cpu",
      ],
    ]);
    m.dispose();
  });

  it("map, detach, unmap, pin, unpin, lock, unlock, move, revoke, restore, close: a bad name", () => {
    const m = world();
    m.export(EXP);
    const name = "must be a name (a string)";
    refuses(m, [
      ["map", () => m.map(null as never), "EINVAL", "map: arguments must be an object", ["arguments"]],
      ["map attachment", () => m.map({ as: "m", attachment: 1 } as never), "EINVAL", `map m: attachment ${name}`, ["attachment"]],
      ["detach", () => m.detach(1 as never), "EINVAL", `detach: attachment ${name}`, ["attachment"]],
      ["unmap", () => m.unmap(1 as never), "EINVAL", `unmap: mapping ${name}`, ["mapping"]],
      ["pin", () => m.pin(1 as never), "EINVAL", `pin: attachment ${name}`, ["attachment"]],
      ["unpin", () => m.unpin(1 as never), "EINVAL", `unpin: attachment ${name}`, ["attachment"]],
      ["lock", () => m.lock(1 as never, "cpu"), "EINVAL", `lock: buffer ${name}`, ["buffer"]],
      ["lock holder", () => m.lock("b", 1 as never), "EINVAL", `lock b: holder ${name}`, ["holder"]],
      ["unlock", () => m.unlock(1 as never, "cpu"), "EINVAL", `unlock: buffer ${name}`, ["buffer"]],
      ["unlock holder", () => m.unlock("b", 1 as never), "EINVAL", `unlock b: holder ${name}`, ["holder"]],
      ["move", () => m.move(1 as never, SYSTEM()), "EINVAL", `move: buffer ${name}`, ["buffer"]],
      ["revoke", () => m.revoke(1 as never), "EINVAL", `revoke: buffer ${name}`, ["buffer"]],
      ["restore", () => m.restore(1 as never), "EINVAL", `restore: buffer ${name}`, ["buffer"]],
      ["close", () => m.close(1 as never), "EINVAL", `close: buffer ${name}`, ["buffer"]],
    ]);
    m.dispose();
  });
});

describe("state refusals name the step, the object and the rule", () => {
  it("names that do not resolve, or no longer do", () => {
    const m = world();
    m.export(EXP);
    m.export({ ...EXP, buffer: "gone" });
    m.close("gone");
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    m.attach({ buffer: "b", importer: "cpu", as: "d" });
    m.detach("d");
    m.map({ attachment: "a", as: "mp" });
    m.unmap("mp");
    refuses(m, [
      ["closed buffer", () => m.attach({ buffer: "gone", importer: "cpu", as: "x" }), "ENOENT", "attach x: buffer gone is closed"],
      ["no attachment", () => m.detach("zz"), "ENOENT", 'detach zz: no attachment named "zz"'],
      ["detached", () => m.detach("d"), "ENOENT", "detach d: attachment d was detached"],
      ["no mapping", () => m.unmap("zz"), "ENOENT", 'unmap zz: no mapping named "zz"'],
      ["unmapped", () => m.unmap("mp"), "ENOENT", "unmap mp: mapping mp was unmapped"],
      ["lock no buffer", () => m.lock("zz", "cpu"), "ENOENT", 'lock zz: no buffer named "zz"'],
      ["lock no device", () => m.lock("b", "zz"), "ENOENT", 'lock b: no device named "zz"'],
      ["unlock not held", () => m.unlock("b", "cpu"), "EPERM", "unlock b: resv lock is not held by cpu"],
      ["pin static", () => m.pin("a"), "EINVAL", "pin a: static importer cpu cannot pin (only dynamic importers do)"],
      ["unpin none", () => m.unpin("a"), "EINVAL", "unpin a: a holds no pin"],
      ["move static exporter", () => m.move("b", SYSTEM()), "EOPNOTSUPP", "move b: exporter of b is not dynamic (no move_notify support)"],
      ["revoke static exporter", () => m.revoke("b"), "EOPNOTSUPP", "revoke b: exporter of b is not dynamic (no move_notify support)"],
      ["restore static exporter", () => m.restore("b"), "EOPNOTSUPP", "restore b: exporter of b is not dynamic (no move_notify support)"],
      ["close attached", () => m.close("b"), "EBUSY", "close b: 1 attachment(s) remain"],
    ]);
    m.map({ attachment: "a", as: "m2" });
    refuses(m, [["detach with a live mapping", () => m.detach("a"), "EBUSY", "detach a: 1 live mapping(s) and 0 pin(s) remain"]]);
    m.lock("b", "cpu");
    refuses(m, [
      ["lock twice", () => m.lock("b", "cpu"), "EALREADY", "lock b: resv lock already held by cpu"],
      ["lock held by another", () => m.lock("b", "peer"), "EBUSY", "lock b: resv lock held by cpu"],
      ["unlock by another", () => m.unlock("b", "peer"), "EPERM", "unlock b: resv lock is not held by peer"],
    ]);
    m.dispose();
  });

  it("the resv lock rules of map, unpin, move, revoke and restore", () => {
    const m = world();
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), dynamic: true });
    m.attach({ buffer: "b", importer: "peer", as: "s" });
    m.attach({ buffer: "b", importer: "peer", as: "d", dynamic: true });
    m.lock("b", "host");
    refuses(m, [
      [
        "static map, lock held by another",
        () => m.map({ attachment: "s", as: "m" }),
        "EBUSY",
        "map m: resv lock of b is held by host (the kernel would block)",
      ],
      ["dynamic map without the lock", () => m.map({ attachment: "d", as: "m" }), "EPERM", "map m: dynamic importer peer must hold the resv lock of b"],
      ["static unpin: no pin comes before the lock", () => m.unpin("s"), "EINVAL", "unpin s: s holds no pin"],
      ["move, lock held by an importer", () => m.move("b", SYSTEM(1, 0x20_0000n, 0x9000_0000n)), "EBUSY", "move b: resv lock of b is held by host"],
      ["revoke, lock held by an importer", () => m.revoke("b"), "EBUSY", "revoke b: resv lock of b is held by host"],
      ["restore, lock held by an importer", () => m.restore("b"), "EBUSY", "restore b: resv lock of b is held by host"],
    ]);
    m.unlock("b", "host");
    // the static importer may map while it holds the lock itself
    m.lock("b", "peer");
    expect(m.map({ attachment: "s", as: "m" }).interconnect).toBe("sgt");
    m.unmap("m");
    m.pin("d");
    m.unlock("b", "peer");
    refuses(m, [
      ["move pinned", () => m.move("b", SYSTEM(1, 0x20_0000n, 0x9000_0000n)), "EBUSY", "move b: b is pinned (1 pin(s))"],
      ["detach pinned", () => m.detach("d"), "EBUSY", "detach d: 0 live mapping(s) and 1 pin(s) remain"],
      ["dynamic unpin without the lock", () => m.unpin("d"), "EPERM", "unpin d: dynamic importer peer must hold the resv lock of b"],
    ]);
    m.lock("b", "peer");
    m.unpin("d");
    m.unlock("b", "peer");
    // the exporter holding its own lock does not block move, revoke or restore
    m.lock("b", "exp");
    expect(m.move("b", SYSTEM(1, 0x20_0000n, 0x9000_0000n))).toEqual({ notified: ["d"], stale: [] });
    expect(m.revoke("b")).toEqual({ notified: ["d"], stale: [] });
    refuses(m, [["attach revoked", () => m.attach({ buffer: "b", importer: "peer", as: "x", dynamic: true }), "ENODEV", "attach x: buffer b is revoked"]]);
    expect(m.restore("b")).toEqual({ notified: ["d"], stale: [] });
    expect(m.buffers.get("b")!.lock.holder).toBe("exp");
    m.dispose();
  });

  it("an interconnect without unmap: unmap is EOPNOTSUPP and detach releases the mapping", () => {
    const m = new DmaBufModel(core(), FABRIC);
    m.export({ ...EXP, ops: pinning({ interconnects: [{ name: "physvec", supportsInterconnects: () => true, map: (a) => physvecMap(a.buffer) }] }) });
    m.attach({ buffer: "b", importer: "cpu", as: "a", dynamic: true, allowIc: true, interconnects: ["physvec"] });
    m.lock("b", "cpu");
    m.map({ attachment: "a", as: "mp" });
    refuses(m, [["unmap", () => m.unmap("mp"), "EOPNOTSUPP", "unmap mp: physvec mappings have no unmap (released by detach)"]]);
    m.unlock("b", "cpu");
    m.detach("a");
    refuses(m, [["unmap released", () => m.unmap("mp"), "ENOENT", "unmap mp: mapping mp was released by detach"]]);
    m.dispose();
  });
});

describe("exporter ops that throw are EPROTO naming the exporter, the buffer and the op", () => {
  it("each op by name", () => {
    const m = new DmaBufModel(core(), FABRIC);
    const dyn = { dynamic: true, allowIc: true } as const;
    m.export({ ...EXP, buffer: "att", ops: plain({ attach: boom }) });
    m.export({ ...EXP, buffer: "sup", ops: pinning({ interconnects: [{ name: "physvec", supportsInterconnects: boom, map: (a) => physvecMap(a.buffer) }] }) });
    m.export({ ...EXP, buffer: "det", ops: plain({ detach: boom }) });
    m.export({ ...EXP, buffer: "um", ops: plain({ unmapDmaBuf: boom }) });
    m.export({
      ...EXP,
      buffer: "icu",
      ops: pinning({ interconnects: [{ name: "physvec", supportsInterconnects: () => true, map: (a) => physvecMap(a.buffer), unmap: boom }] }),
    });
    m.export({ ...EXP, buffer: "mi", ops: pinning({ interconnects: [{ name: "physvec", supportsInterconnects: () => true }], mapInterconnect: boom }) });
    m.export({ ...EXP, buffer: "pin", ops: pinning({ pin: boom }) });
    m.export({ ...EXP, buffer: "unpin", ops: pinning({ unpin: boom }) });
    m.attach({ buffer: "det", importer: "cpu", as: "det-a" });
    m.attach({ buffer: "um", importer: "cpu", as: "um-a" });
    m.map({ attachment: "um-a", as: "um-m" });
    m.attach({ buffer: "icu", importer: "cpu", as: "icu-a", ...dyn, interconnects: ["physvec"] });
    m.attach({ buffer: "mi", importer: "cpu", as: "mi-a", ...dyn, interconnects: ["physvec"] });
    m.attach({ buffer: "pin", importer: "cpu", as: "pin-a", dynamic: true });
    m.attach({ buffer: "pin", importer: "cpu", as: "pin-s" });
    m.attach({ buffer: "unpin", importer: "cpu", as: "unpin-a", dynamic: true });
    m.attach({ buffer: "unpin", importer: "cpu", as: "unpin-s" });
    m.map({ attachment: "unpin-s", as: "unpin-m" });
    const t = (b: string, op: string) => `exporter t of ${b}: ${op} threw Error: boom`;
    refuses(m, [
      ["attach", () => m.attach({ buffer: "att", importer: "cpu", as: "x" }), "EPROTO", t("att", "attach")],
      [
        "supportsInterconnects",
        () => m.attach({ buffer: "sup", importer: "cpu", as: "x", ...dyn, interconnects: ["physvec"] }),
        "EPROTO",
        t("sup", "supportsInterconnects"),
      ],
      ["detach", () => m.detach("det-a"), "EPROTO", t("det", "detach")],
      ["unmapDmaBuf", () => m.unmap("um-m"), "EPROTO", t("um", "unmapDmaBuf")],
      ["static map pins", () => m.map({ attachment: "pin-s", as: "x" }), "EPROTO", t("pin", "pin")],
      ["static unmap unpins", () => m.unmap("unpin-m"), "EPROTO", t("unpin", "unpin")],
    ]);
    m.lock("icu", "cpu");
    m.map({ attachment: "icu-a", as: "icu-m" });
    refuses(m, [["interconnect unmap", () => m.unmap("icu-m"), "EPROTO", t("icu", "physvec unmap")]]);
    m.unlock("icu", "cpu");
    m.lock("mi", "cpu");
    refuses(m, [["mapInterconnect", () => m.map({ attachment: "mi-a", as: "x" }), "EPROTO", t("mi", "mapInterconnect(physvec)")]]);
    m.unlock("mi", "cpu");
    m.lock("pin", "cpu");
    refuses(m, [["pin", () => m.pin("pin-a"), "EPROTO", t("pin", "pin")]]);
    m.unlock("pin", "cpu");
    m.lock("unpin", "cpu");
    m.pin("unpin-a");
    refuses(m, [["unpin", () => m.unpin("unpin-a"), "EPROTO", t("unpin", "unpin")]]);
    m.dispose();
  });

  it("release: a closed buffer's ops said no, the buffer stays open", () => {
    const m = new DmaBufModel(core(), FABRIC);
    m.export({ ...EXP, ops: plain({ release: boom }) });
    refuses(m, [["release", () => m.close("b"), "EPROTO", "exporter t of b: release threw Error: boom"]]);
    expect(m.buffers.get("b")!.closed).toBe(false);
    m.dispose();
  });
});
