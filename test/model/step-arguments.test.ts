// The model's step arguments: backing specs, interconnect lists, name lengths and the
// scenario step keys that may ride along; each refusal names the field and the rule.
import { describe, expect, it } from "vitest";
import type { DmaBufError } from "../../ts/core/errors.js";
import { U64_MAX } from "../../ts/core/u64.js";
import type { DmaBufModel } from "../../ts/model/model.js";
import { world, fails, MMIO, SYSTEM, BAR0 } from "./world.js";

function refusal(m: DmaBufModel, step: () => unknown): DmaBufError {
  let err: unknown;
  fails(m, "EINVAL", () => {
    try {
      return step();
    } catch (e) {
      err = e;
      throw e;
    }
  });
  return err as DmaBufError;
}

const base = { buffer: "b", exporter: "exp", size: 0x20_0000n, dynamic: true };

describe("export refuses a bad backing or interconnect list, naming the field", () => {
  it.each<[string, Record<string, unknown>, (string | number)[], string]>([
    ["backing kind", { backing: { kind: "vram", ranges: [] } }, ["backing", "kind"], 'export b: backing.kind must be "system" or "mmio", not "vram"'],
    ["backing kind missing", { backing: { ranges: [] } }, ["backing", "kind"], 'export b: backing.kind must be "system" or "mmio", not undefined'],
    [
      "ranges not a list",
      { backing: { kind: "mmio", ranges: "0x1000" } },
      ["backing", "ranges"],
      "export b: backing.ranges must be an array of {addr, len} or a BigUint64Array",
    ],
    [
      "ranges an odd BigUint64Array",
      { backing: { kind: "mmio", ranges: BigUint64Array.of(BAR0, 0x20_0000n, 0n) } },
      ["backing", "ranges"],
      "export b: backing.ranges must hold addr, len pairs",
    ],
    [
      "range not an object",
      { backing: { kind: "mmio", ranges: [[BAR0, 0x20_0000n]] } },
      ["backing", "ranges", 0],
      "export b: backing.ranges.0 must be an object",
    ],
    [
      "range unknown key",
      { backing: { kind: "mmio", ranges: [{ addr: BAR0, len: 0x20_0000n, size: 1n }] } },
      ["backing", "ranges", 0, "size"],
      "export b: backing.ranges.0.size is not a known argument",
    ],
    [
      "range op key (only a step's own keys may ride along)",
      { backing: { kind: "mmio", ranges: [{ addr: BAR0, len: 0x20_0000n, op: "x" }] } },
      ["backing", "ranges", 0, "op"],
      "export b: backing.ranges.0.op is not a known argument",
    ],
    [
      "range addr not bigint",
      { backing: { kind: "mmio", ranges: [{ addr: 1, len: 0x20_0000n }] } },
      ["backing", "ranges", 0, "addr"],
      "export b: backing.ranges.0.addr must be a bigint",
    ],
    [
      "second range len above u64",
      {
        backing: {
          kind: "mmio",
          ranges: [
            { addr: BAR0, len: 0x10_0000n },
            { addr: BAR0, len: U64_MAX + 1n },
          ],
        },
      },
      ["backing", "ranges", 1, "len"],
      "export b: backing.ranges.1.len must be in [0, 2^64 - 1]",
    ],
    [
      "interconnects not a list",
      { backing: MMIO(), interconnects: "sgt" },
      ["interconnects"],
      "export b: interconnects must be an array of interconnect names",
    ],
    [
      "interconnect not registered",
      { backing: MMIO(), interconnects: ["sgt", "nvlink"] },
      ["interconnects", 1],
      "export b: interconnects.1 is not a registered interconnect (sgt, physvec, iov)",
    ],
    [
      "interconnect not a string",
      { backing: MMIO(), interconnects: [0] },
      ["interconnects", 0],
      "export b: interconnects.0 is not a registered interconnect (sgt, physvec, iov)",
    ],
  ])("%s", (_, extra, path, message) => {
    const m = world();
    const e = refusal(m, () => m.export({ ...base, ...extra } as never));
    expect({ code: e.code, path: e.path, message: e.message }).toEqual({ code: "EINVAL", path, message });
    m.dispose();
  });

  it("a BigUint64Array of addr, len pairs is a backing like the {addr, len} list", () => {
    const m = world();
    const { ranges } = MMIO();
    m.export({ ...base, backing: { kind: "mmio", ranges: BigUint64Array.from(ranges.flatMap((r) => [r.addr, r.len])) } });
    m.export({ ...base, buffer: "c", backing: MMIO() });
    const [b, c] = m.snapshot().buffers as { name: string; backing: unknown }[];
    expect([b!.name, c!.name]).toEqual(["b", "c"]);
    expect(b!.backing).toEqual({ kind: "mmio", hash: expect.any(String), bar: 0 });
    expect(b!.backing).toEqual(c!.backing); // same ranges, same hash
    m.dispose();
  });

  it("move refuses a bad backing the same way, and a good one replaces the backing", () => {
    const m = world();
    m.export({ ...base, backing: MMIO() });
    const e = refusal(m, () => m.move("b", { kind: "system", ranges: [{ addr: 0n, len: -1n }] }));
    expect([e.path, e.message]).toEqual([["backing", "ranges", 0, "len"], "move b: backing.ranges.0.len must be in [0, 2^64 - 1]"]);
    m.move("b", SYSTEM(1, 0x20_0000n));
    expect((m.snapshot().buffers as { backing: { kind: string } }[])[0]!.backing.kind).toBe("system");
    m.dispose();
  });
});

describe("names and step keys", () => {
  it("a name may have 256 characters, not 257", () => {
    const m = world();
    const long = "n".repeat(256);
    m.export({ ...base, buffer: long, backing: MMIO() });
    expect(m.buffers.has(long)).toBe(true);
    const e = refusal(m, () => m.export({ ...base, buffer: `${long}n`, backing: MMIO() }));
    expect([e.path, e.message]).toEqual([["buffer"], "export: buffer is longer than 256 characters"]);
    m.dispose();
  });

  it("a scenario step passed whole keeps its op and expect; other unknown keys are refused", () => {
    const m = world();
    m.export({ op: "export", expect: "ok", ...base, backing: MMIO() } as never);
    expect(m.buffers.has("b")).toBe(true);
    const e = refusal(m, () => m.export({ ...base, buffer: "c", backing: MMIO(), expects: "ok" } as never));
    expect([e.path, e.message]).toEqual([["expects"], "export: expects is not a known argument"]);
    m.dispose();
  });
});
