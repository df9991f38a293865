// move_notify callbacks that throw or call the model (docs/rules.md#callbacks): the step
// completes, every attachment is notified newest first, a callback's exception is
// recorded against its attachment, and a model call from inside a callback is EDEADLK.
import { describe, expect, it } from "vitest";
import type { DmaBufError } from "../../ts/core/errors.js";
import { world, MMIO, SYSTEM } from "./world.js";

describe("callbacks that throw or re-enter", () => {
  it("a throwing moveNotify: the step completes, the older attachments are still notified, the error is recorded against it", () => {
    const m = world();
    const calls: string[] = [];
    const boom = new Error("driver bug");
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true });
    for (const [as, importer] of [
      ["a1", "peer"],
      ["a2", "mmu"],
      ["a3", "host"],
    ] as const) {
      m.attach({
        buffer: "b",
        importer,
        as,
        dynamic: true,
        peer2peer: true,
        moveNotify: (a) => {
          calls.push(a);
          if (a === "a2") throw boom;
        },
      });
    }
    m.lock("b", "peer");
    m.map({ attachment: "a1", as: "m1" });
    m.unlock("b", "peer");
    const r = m.revoke("b");
    expect(calls).toEqual(["a3", "a2", "a1"]);
    expect(r).toEqual({ notified: ["a3", "a2", "a1"], stale: ["m1"], callbackErrors: [{ attachment: "a2", error: boom }] });
    const rec = m.trace.at(-1)!;
    expect(rec).toMatchObject({ op: "revoke", ok: true, notifications: ["a3", "a2", "a1"], callbackErrors: [{ attachment: "a2", error: boom }] });
    // not undone: the buffer is revoked and the mapping stale
    expect(m.buffers.get("b")!.revoked).toBe(true);
    expect(m.mappings.get("m1")!.stale).toBe(true);
    expect(m.buffers.get("b")!.lockHolder).toBeUndefined();
    // a step without throwing callbacks has no callbackErrors at all
    calls.length = 0;
    m.detach("a2");
    expect(m.restore("b")).toEqual({ notified: ["a3", "a1"], stale: [] });
    expect(m.trace.at(-1)!.callbackErrors).toBeUndefined();
    m.dispose();
  });

  it("a model call from inside moveNotify is refused with EDEADLK, changes nothing, and leaves no trace record", () => {
    const m = world();
    const seen: unknown[] = [];
    m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), dynamic: true });
    m.attach({
      buffer: "b",
      importer: "cpu",
      as: "a",
      dynamic: true,
      moveNotify: () => {
        // an importer that tries to unmap right away, then lets an EDEADLK escape
        try {
          m.unmap("ma");
        } catch (e) {
          seen.push((e as DmaBufError).code, (e as DmaBufError).message);
        }
        m.lock("b", "cpu");
      },
    });
    m.lock("b", "cpu");
    m.map({ attachment: "a", as: "ma" });
    m.unlock("b", "cpu");
    const before = m.trace.length;
    const r = m.move("b", SYSTEM(2, 0x10_0000n, 0x9000_0000n));
    expect(seen).toEqual(["EDEADLK", "unmap: called from inside a callback of the running move step (refused, nothing changed)"]);
    expect(r.notified).toEqual(["a"]);
    expect(r.stale).toEqual(["ma"]);
    expect((r.callbackErrors![0]!.error as DmaBufError).code).toBe("EDEADLK");
    // exactly one record for the move, with its own notifications; the mapping is still live
    expect(m.trace.length).toBe(before + 1);
    expect(m.trace.at(-1)).toMatchObject({ op: "move", ok: true, notifications: ["a"] });
    expect(m.mappings.get("ma")!.unmapped).toBe(false);
    expect(m.buffers.get("b")!.lockHolder).toBeUndefined();
    // and the model works normally afterwards
    m.lock("b", "cpu");
    m.unmap("ma");
    m.unlock("b", "cpu");
    m.dispose();
  });

  it("a product release() that throws at unmap is recorded against the attachment; the mapping is released", () => {
    const m = world();
    const bug = new RangeError("double free");
    m.export({
      buffer: "b",
      exporter: "exp",
      size: 0x20_0000n,
      backing: SYSTEM(),
      ops: {
        name: "leaky",
        mapDmaBuf: (a) => ({
          entries: a.buffer.backing.ranges.translate(0n),
          space: "cpu-phys",
          release: () => {
            throw bug;
          },
        }),
        unmapDmaBuf() {},
        release() {},
      },
    });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    m.map({ attachment: "a", as: "mm" });
    m.unmap("mm");
    expect(m.trace.at(-1)).toMatchObject({ op: "unmap", ok: true, callbackErrors: [{ attachment: "a", error: bug }] });
    expect(m.mappings.get("mm")!.unmapped).toBe(true);
    m.detach("a");
    m.dispose();
  });

  it("an exporter op that calls the model fails its step with EDEADLK and changes nothing", () => {
    const m = world();
    m.export({ buffer: "x", exporter: "exp", size: 0x20_0000n, backing: SYSTEM() });
    m.export({
      buffer: "b",
      exporter: "exp",
      size: 0x20_0000n,
      backing: SYSTEM(),
      ops: { name: "reentrant", mapDmaBuf: () => (m.close("x"), null!), unmapDmaBuf() {}, release() {} },
    });
    m.attach({ buffer: "b", importer: "cpu", as: "a" });
    expect(() => m.map({ attachment: "a", as: "mm" })).toThrow(expect.objectContaining({ code: "EDEADLK" }));
    expect(m.buffers.get("x")!.closed).toBe(false);
    expect(m.mappings.has("mm")).toBe(false);
    expect(m.trace.at(-1)).toMatchObject({ op: "map", ok: false, error: "EDEADLK" });
    m.dispose();
  });
});
