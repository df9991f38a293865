/**
 * The lifecycle reference (ts/reference/lifecycle.ts) on its own: it must give every
 * recorded golden output byte for byte (steps, codes, results), which the model also
 * gives, and it must decide each row of docs/rules.md#lifecycle where the rule says.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { LifecycleRef, ROWS, backingFault, type RefOutcome, type RefTopology, type RefStep } from "../../ts/reference/lifecycle.js";
import { hash } from "../../ts/reference/ops.js";
import { parseScenario, parseScenarioText } from "../../ts/scenario/validate.js";
import { DEMO_SCENARIO } from "../../ts/scenario/demo.js";
import type { Scenario } from "../../ts/scenario/schema.js";
import { runScenario } from "../../ts/scenario/runner.js";
import { core } from "../helpers.js";

const c = core();

const hex = (v: bigint) => "0x" + v.toString(16);

/** The `--json` step records the reference predicts for a scenario (docs/rules.md#output); warnings by rule (their messages are the model's). */
function predict(s: Scenario): unknown[] {
  const ref = new LifecycleRef(s);
  const records = s.steps.map((st, i) => {
    const o = ref.step(st, i);
    const rec: Record<string, unknown> = { i, op: st.op, ok: o.code === undefined };
    if (o.code) rec.error = o.code;
    const r = o.result as Record<string, unknown> | undefined;
    if (r && "container" in r) {
      rec.result = {
        interconnect: r.interconnect,
        container: r.container,
        nelms: r.nelms,
        bytes: hex(r.bytes as bigint),
        hash: "0x" + (r.hash as bigint).toString(16).padStart(16, "0"),
        ...(r.barNumber !== undefined ? { barNumber: r.barNumber } : {}),
        ...(r.direction !== undefined ? { direction: r.direction } : {}),
      };
    } else if (r) rec.result = r;
    const rules = [...(o.warnings ?? []), ...(i === s.steps.length - 1 ? ref.leaks() : [])];
    if (rules.length) rec.warnings = rules.map((rule) => ({ rule }));
    return rec;
  });
  return records;
}

/** A recorded output's steps with each warning reduced to its rule. */
const byRule = (steps: unknown[]) =>
  (steps as { warnings?: { rule: string }[] }[]).map((st) => (st.warnings ? { ...st, warnings: st.warnings.map(({ rule }) => ({ rule })) } : st));

const scenarios = new URL("../../scenarios/", import.meta.url);
const golden = new URL("../golden/", import.meta.url);

describe("the lifecycle reference", () => {
  const files = readdirSync(scenarios).filter((f) => f.endsWith(".json"));
  it.each(files)("predicts the recorded output of scenarios/%s step by step", (f) => {
    const s = parseScenarioText(readFileSync(new URL(f, scenarios), "utf8"));
    const recorded = JSON.parse(readFileSync(new URL(f, golden), "utf8")) as { steps: unknown[] };
    expect(predict(s)).toEqual(byRule(recorded.steps));
  });

  it("predicts the warnings of the shipped scenarios under the checker, rule by rule", () => {
    for (const f of files) {
      const s = parseScenarioText(readFileSync(new URL(f, scenarios), "utf8"));
      const got = runScenario(s, c, { dmaDebug: true }).output.steps;
      expect(predict({ ...s, dmaDebug: true }), f).toEqual(byRule(got));
    }
  });

  it("predicts the demo's recorded output", () => {
    const recorded = JSON.parse(readFileSync(new URL("demo.json", golden), "utf8")) as { steps: unknown[] };
    expect(predict(parseScenario(DEMO_SCENARIO))).toEqual(recorded.steps);
  });

  // One small world where every row can be made to apply.
  const topo: RefTopology = {
    hostBridges: { rc0: { p2p: true }, rc1: { p2p: false } },
    switches: { sw0: { acsRedirect: false }, sw1: { acsRedirect: true } },
    devices: {
      vf: { root: "rc0", switch: "sw0", pf: "pf", bars: [{ index: 2, cpu: 0x10_0000_0000n, bus: 0x8000_0000n, size: 0x10_0000n }] },
      pf: { root: "rc0", switch: "sw0", iommu: { base: 0x1_0000_0000n, size: 0x8000n } },
      far: { root: "rc1" },
      acs: { root: "rc0", switch: "sw1", maxSegmentSize: 0x1000n },
      acs2: { root: "rc0", switch: "sw1" },
    },
  };
  const sys = (len: bigint) => ({ kind: "system" as const, ranges: [{ addr: 0x100000n, len }] });
  const mmio = (len: bigint) => ({ kind: "mmio" as const, ranges: [{ addr: 0x10_0000_0000n, len }] });

  /** Runs steps and returns the last outcome (the earlier ones must succeed). */
  function last(steps: RefStep[], broken?: LifecycleRef["broken"], profile?: string, world: RefTopology = topo): RefOutcome {
    const ref = new LifecycleRef({ ...world, profile }, broken);
    let o: RefOutcome | undefined;
    steps.forEach((st, i) => {
      if (o && o.code) throw new Error(`step ${i - 1} failed with ${o.code} (${o.row})`);
      o = ref.step(st, i);
    });
    return o!;
  }
  const exp = (extra: Partial<Extract<RefStep, { op: "export" }>> = {}): RefStep => ({
    op: "export",
    buffer: "b",
    exporter: "vf",
    size: 0x2000n,
    backing: sys(0x2000n),
    dynamic: true,
    ...extra,
  });
  const att = (extra: Partial<Extract<RefStep, { op: "attach" }>> = {}): RefStep => ({
    op: "attach",
    buffer: "b",
    importer: "pf",
    as: "a",
    dynamic: true,
    peer2peer: true,
    ...extra,
  });
  const lock = (holder = "pf"): RefStep => ({ op: "lock", buffer: "b", holder });
  const map: RefStep = { op: "map", attachment: "a", as: "m" };

  // a 16 EiB BAR, for mainline's u32 entry count (row P6)
  const huge: RefTopology = {
    ...topo,
    devices: { ...topo.devices, vf: { ...topo.devices.vf!, bars: [{ index: 2, cpu: 0n, bus: 0n, size: 0xffff_ffff_0000_0000n }] } },
  };
  const ML = "mainline";
  const cases: [string, RefStep[], LifecycleRef["broken"]?, string?, RefTopology?][] = [
    ["L1", [exp(), { op: "close", buffer: "b" }, { op: "revoke", buffer: "b" }]],
    ["A2", [exp(), att(), { op: "map", attachment: "a", as: "b" }]],
    ["P3", [exp(), att({ revocable: false })]],
    ["C1", [exp()], { exporter: "vf", at: "export" }],
    ["L2", [exp({ size: 0x3000n })]],
    // mapping-types: the importer's own request is checked before matching; matching before vfio's attach and the revoked check
    ["M2", [exp(), { op: "revoke", buffer: "b" }, att({ dynamic: false })], undefined, "mapping-types"],
    ["M1", [exp({ backing: mmio(0x2000n) }), { op: "revoke", buffer: "b" }, att({ peer2peer: false })], undefined, "mapping-types"],
    ["L3", [exp({ backing: mmio(0x2000n) }), att({ peer2peer: false })]],
    ["L4", [exp(), { op: "revoke", buffer: "b" }, att()]],
    ["P4", [exp({ backing: mmio(0x2000n) }), att({ revocable: false })], undefined, ML],
    ["L5", [exp(), att({ dynamic: false })]],
    ["L6", [exp(), att({ interconnects: ["physvec"], allowIc: true })]],
    ["L7", [exp(), lock(), lock()]],
    ["L8", [exp(), lock("far"), lock()]],
    ["L9", [exp(), lock("far"), { op: "unlock", buffer: "b", holder: "pf" }]],
    ["L10", [exp(), att(), map]],
    ["L10b", [exp(), att({ dynamic: false, peer2peer: false }), lock("far"), map]],
    [
      "P8",
      [
        exp({ backing: mmio(0x2000n), interconnects: ["physvec"] }),
        att({ interconnects: ["physvec"], allowIc: true }),
        lock(),
        { ...map, range: { offset: 0x1000n, length: 0x2000n } } as RefStep,
      ],
      undefined,
      ML,
    ],
    ["L11", [exp({ pinnable: false }), att({ dynamic: false, peer2peer: false }), map]],
    ["L12", [exp(), att(), { op: "revoke", buffer: "b" }, lock(), map]],
    ["L13", [exp({ backing: mmio(0x2000n) }), att({ importer: "far" }), lock("far"), map]],
    [
      "P7",
      [
        exp({
          interconnects: ["physvec"],
          backing: {
            kind: "mmio",
            ranges: [
              { addr: 0x10_0000_0000n, len: 0x1000n },
              { addr: 0x10_0000_2000n, len: 0x1000n },
            ],
          },
        }),
        att({ interconnects: ["physvec"], allowIc: true }),
        lock(),
        map,
      ],
      undefined,
      ML,
    ],
    [
      "P6",
      [exp({ size: 0xffff_ffff_0000_0000n, backing: { kind: "mmio", ranges: [{ addr: 0n, len: 0xffff_ffff_0000_0000n }] } }), att(), lock(), map],
      undefined,
      ML,
      huge,
    ],
    ["L14", [exp({ size: 0x10000n, backing: sys(0x10000n) }), att(), lock(), map]],
    ["C2", [exp(), att(), lock(), map], { exporter: "vf", at: "map" }],
    [
      "L15",
      [exp({ backing: mmio(0x2000n), interconnects: ["iov"] }), att({ interconnects: ["iov"], allowIc: true }), lock(), map, { op: "unmap", mapping: "m" }],
    ],
    ["L16", [exp(), att({ dynamic: false, peer2peer: false }), { op: "pin", attachment: "a" }]],
    ["L17", [exp({ pinnable: false }), att(), lock(), { op: "pin", attachment: "a" }]],
    ["L18", [exp(), att(), lock(), { op: "unpin", attachment: "a" }]],
    ["L19", [exp({ dynamic: false }), { op: "revoke", buffer: "b" }]],
    ["L20", [exp(), { op: "move", buffer: "b", backing: sys(0x1000n) }]],
    [
      "L21",
      [exp(), att(), lock(), { op: "pin", attachment: "a" }, { op: "unlock", buffer: "b", holder: "pf" }, { op: "move", buffer: "b", backing: sys(0x2000n) }],
    ],
    ["L22", [exp(), lock(), { op: "restore", buffer: "b" }]],
    ["P5", [exp(), att({ unmapOnInvalidate: false }), lock(), map, { op: "unlock", buffer: "b", holder: "pf" }, { op: "revoke", buffer: "b" }], undefined, ML],
    ["L23", [exp(), att(), lock(), { op: "pin", attachment: "a" }, { op: "detach", attachment: "a" }]],
    ["L24", [exp(), att(), { op: "close", buffer: "b" }]],
    ["S1", [exp(), { op: "sync", buffer: "b", flags: ["start", "read", "flush"] }]],
    ["S2", [exp(), { op: "sync", buffer: "b", flags: ["end"] }]],
    ["S3", [exp(), { op: "sync", buffer: "b", flags: ["start", "end", "write"] }]],
  ];

  it("has one case below for every row of the table", () => {
    expect(cases.map(([row]) => row)).toEqual(ROWS.map((r) => r.id));
  });

  it.each(cases)("row %s decides its step with its code", (row, steps, broken, profile, world) => {
    const o = last(steps, broken, profile, world);
    expect(o.row).toBe(row);
    expect(o.code).toBe(ROWS.find((r) => r.id === row)!.code);
    expect(o.result).toBeUndefined();
    expect(o.notified).toEqual([]);
  });

  it("follows the address rules: bus addresses over a switch, IOVA through the host bridge, split by the importer's limits", () => {
    const bus = last([exp({ backing: mmio(0x2000n) }), att(), lock(), map]);
    expect(bus.result).toMatchObject({ interconnect: "sgt", nelms: 1, bytes: 0x2000n, hash: hash([{ addr: 0x8000_0000n, len: 0x2000n }]) });
    const ref = new LifecycleRef(topo);
    [exp({ backing: mmio(0x2000n) }), att({ importer: "acs" }), lock("acs"), map].forEach((st, i) => ref.step(st, i));
    expect(ref.path("vf", "acs")).toBe("THRU_HOST_BRIDGE");
    expect(ref.path("acs", "acs2")).toBe("THRU_HOST_BRIDGE"); // ACS redirect sends P2P up to the root
    expect(ref.path("vf", "pf")).toBe("BUS_ADDR");
    expect(ref.path("vf", "far")).toBe("NOT_SUPPORTED");
    expect(ref.mappings.get("m")!.entries).toEqual([{ addr: 0x10_0000_0000n, len: 0x2000n }]); // mmio ignores the 4 KiB segment limit
    const ref2 = new LifecycleRef(topo);
    [exp(), att({ importer: "acs" }), lock("acs"), map].forEach((st, i) => ref2.step(st, i));
    expect(ref2.mappings.get("m")!.entries).toEqual([
      { addr: 0x100000n, len: 0x1000n },
      { addr: 0x101000n, len: 0x1000n },
    ]); // system honours it
  });

  it("notifies dynamic importers newest first and lists each mapping stale once, in map order", () => {
    const ref = new LifecycleRef(topo);
    const steps: RefStep[] = [
      exp(),
      att({ as: "a1" }),
      att({ as: "s", dynamic: false, peer2peer: false }),
      att({ as: "a2" }),
      lock(),
      { op: "map", attachment: "a2", as: "m1" },
      { op: "map", attachment: "a1", as: "m2" },
      { op: "unlock", buffer: "b", holder: "pf" },
      { op: "map", attachment: "s", as: "m3" },
      { op: "revoke", buffer: "b" },
      { op: "revoke", buffer: "b" },
      { op: "restore", buffer: "b" },
      { op: "restore", buffer: "b" },
    ];
    const outs = steps.map((st, i) => ref.step(st, i));
    expect(outs.slice(-4).map((o) => o.result)).toEqual([
      { notified: ["a2", "a1"], stale: ["m1", "m2", "m3"] },
      { notified: ["a2", "a1"], stale: [] },
      { notified: ["a2", "a1"], stale: [] },
      { notified: [], stale: [] },
    ]);
    expect(ref.iova.get("pf")!.regions).toBe(3); // stale mappings keep their IOVA
  });

  it("checks backings like export does", () => {
    const bars = topo.devices.vf!.bars!;
    expect(backingFault(bars, 0x2000n, mmio(0x2000n))).toEqual({ bar: bars[0] });
    expect(
      backingFault(bars, 0x2000n, {
        kind: "system",
        ranges: [
          { addr: 0n, len: 0x2000n },
          { addr: 0x1000n, len: 0x1000n },
        ],
      }).fault,
    ).toBe("overlap");
    expect(backingFault(bars, 0x2000n, { kind: "mmio", ranges: [{ addr: 0x10_000f_f000n, len: 0x2000n }] }).fault).toBe("not inside one BAR");
    expect(backingFault(bars, 0x1000n, { kind: "system", ranges: [{ addr: 0xffff_ffff_ffff_f000n, len: 0x2000n }] }).fault).toBe("bad range");
  });
});
