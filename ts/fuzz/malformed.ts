/**
 * Malformed input for the fuzzer: a generated step or topology with one argument or field
 * broken (a wrong type, an empty or overlong name, a u64 out of range or not a bigint, an
 * unknown key, a bad backing, an unregistered interconnect, a bad device field). The
 * generator only breaks things; what the model must answer (EINVAL or ENOENT, and the
 * path) comes from the reference (ts/reference/arguments.ts). Some breaks are no break
 * at all (a map's `as` left out is the default name): the reference says so too.
 */
import { PAGE, U64_MAX } from "../core/u64.js";
import type { Scenario, Step } from "../scenario/schema.js";
import type { Rng } from "./generate.js";

type Value = () => unknown;
const LONG = "n".repeat(257);
const BAD_NAMES: Value[] = [() => 7, () => "", () => LONG, () => null, () => undefined, () => ["x"]];
const BAD_U64S: Value[] = [() => 4096, () => -PAGE, () => U64_MAX + 1n, () => "0x1000", () => undefined, () => null];
const BAD_FLAGS: Value[] = [() => "yes", () => 1, () => null];
const BAD_LISTS: Value[] = [() => "sgt", () => [], () => ["sgt", "nvlink"], () => [7], () => null, () => ["physvec", "__proto__"]];
// never falsy: the runner leaves a falsy container out (the default)
const BAD_CONTAINERS: Value[] = [() => "SGT", () => 3, () => "list", () => true, () => "toString"];

type Backing = { kind: unknown; ranges: unknown };
/** Ways to break a backing (never its buffer rules: those are rows L2 and L20). */
const BAD_BACKINGS: ((b: Backing) => unknown)[] = [
  () => null,
  () => "system",
  (b) => ({ ...b, kind: "vram" }),
  (b) => ({ ranges: b.ranges }),
  (b) => ({ ...b, ranges: {} }),
  (b) => ({ ...b, ranges: [5] }),
  (b) => ({ ...b, ranges: (b.ranges as object[]).map((e, i) => (i ? e : { addr: (e as { addr: bigint }).addr })) }),
  (b) => ({ ...b, ranges: (b.ranges as object[]).map((e) => ({ ...e, flags: 1 })) }),
  (b) => ({ ...b, ranges: (b.ranges as { addr: bigint; len: bigint }[]).map((e, i) => (i ? e : { ...e, len: Number(e.len) })) }),
  (b) => ({ ...b, ranges: new BigUint64Array(3) }),
  (b) => ({ ...b, cached: true }),
];

/** The kind of each step field, for breaking it. */
const FIELDS: Record<string, "name" | "u64" | "flag" | "list" | "container" | "backing"> = {
  buffer: "name",
  exporter: "name",
  importer: "name",
  as: "name",
  attachment: "name",
  mapping: "name",
  holder: "name",
  size: "u64",
  dynamic: "flag",
  pinnable: "flag",
  peer2peer: "flag",
  allowIc: "flag",
  interconnects: "list",
  container: "container",
  backing: "backing",
};

/** The backing's ranges as one BigUint64Array of addr, len pairs: the API's other, valid form. */
export function packRanges(step: Step): Step {
  if (!("backing" in step)) return step;
  const words = new BigUint64Array(step.backing.ranges.flatMap((e) => [e.addr, e.len]));
  return { ...step, backing: { ...step.backing, ranges: words as unknown as { addr: bigint; len: bigint }[] } };
}

/** `step` with one argument broken (or, for `export` and `attach`, an unknown key added). */
export function breakStep(r: Rng, step: Step): Step {
  const out = { ...step } as Record<string, unknown>;
  const keys = Object.keys(FIELDS).filter((k) => k in step || (k === "as" && step.op === "map") || (k === "container" && step.op === "map"));
  if ((step.op === "export" || step.op === "attach") && r.chance(0.15)) out[r.pick(["color", "ops ", "Buffer"])] = 1;
  else {
    const k = r.pick(keys);
    const kind = FIELDS[k]!;
    out[k] =
      kind === "backing"
        ? r.pick(BAD_BACKINGS)(out[k] as Backing)
        : r.pick({ name: BAD_NAMES, u64: BAD_U64S, flag: BAD_FLAGS, list: BAD_LISTS, container: BAD_CONTAINERS }[kind])();
    if (out[k] === undefined) delete out[k];
  }
  return out as Step;
}

type Topo = Pick<Scenario, "hostBridges" | "switches" | "devices">;

/** `topo` (a fresh copy) with one field broken: a host bridge, a switch or a device field. */
export function breakTopology(r: Rng, topo: Topo): unknown {
  const t = structuredClone(topo) as Record<string, Record<string, Record<string, unknown>>>;
  const devices = Object.keys(t.devices!);
  const d = t.devices![r.pick(devices)]!;
  const bar = (d.bars as Record<string, unknown>[] | undefined)?.[0];
  const breaks: (() => void)[] = [
    () => (t.hostBridges!.rc0!.p2p = "yes"),
    () => (t.hostBridges!.rc1 = { p2p: true, acs: false }),
    () => (t.hostBridges![""] = {}),
    () => (t.switches!.sw1 = 5 as unknown as Record<string, unknown>),
    () => (t.switches!.sw0!.acsRedirect = 1),
    () => (t.hostBridges = [] as unknown as Record<string, Record<string, unknown>>),
    () => delete (t as Record<string, unknown>).devices,
    () => (t.devices![LONG] = {}),
    () => (d.root = "rc9"),
    () => (d.switch = r.pick(["sw9", "", 0])),
    () => (d.pf = r.pick(["d99", null])),
    () => (d.colour = "red"),
    () => (d.bars = r.pick([{}, [1, 2, 3, 4, 5, 6, 7].map((index) => ({ index, cpu: 0n, bus: 0n, size: PAGE }))])),
    () => bar && (bar.index = r.pick([6, -1, 1.5, "0"])),
    () => bar && (d.bars = [bar, { ...bar }]),
    () => bar && (bar[r.pick(["cpu", "bus", "size"])] = r.pick([1, -1n, U64_MAX + 1n])),
    () => bar && (bar.size = r.pick([0n, U64_MAX])),
    () => bar && (bar.rom = true),
    () =>
      (d.iommu = r.pick([
        null,
        { base: 0n },
        { base: 0n, size: PAGE, pasid: 1 },
        { base: 0x800n, size: PAGE },
        { base: 0n, size: 0n },
        { base: U64_MAX - PAGE + 1n, size: 2n * PAGE },
        { base: 0n, size: 0x1001n },
      ])),
    () => (d.maxSegmentSize = r.pick([0n, 1, -1n])),
    () => (d.segBoundaryMask = r.pick([0x1000n, 0xfffen, 5])),
  ];
  r.pick(breaks)();
  return t;
}

const sgt = { name: "sgt", defaultContainer: "sgt" };
/** Model options with one thing wrong (or, last, a valid registry of its own). */
const BAD_OPTIONS: unknown[] = [
  null,
  "fast",
  { colour: 1 },
  { interconnects: "sgt" },
  { interconnects: [] },
  { interconnects: [sgt, { ...sgt, defaultContainer: "ranges" }] },
  { interconnects: [{ ...sgt, name: "" }] },
  { interconnects: [null] },
  { interconnects: [{ name: "sgt" }] },
  { interconnects: [{ ...sgt, defaultContainer: "list" }] },
  { interconnects: [{ name: "physvec", defaultContainer: "physvec" }] },
  { exporter: "vfio" },
  { interconnects: [sgt, { name: "nvlink", defaultContainer: "xarray" }] },
];

/** A topology, and model options, one of the two broken (the options one time in four). */
export function breakConstruction(r: Rng, topo: Topo): { topology: unknown; options: unknown } {
  return r.chance(0.25) ? { topology: topo, options: r.pick(BAD_OPTIONS) } : { topology: breakTopology(r, topo), options: undefined };
}

/** A move_notify callback that does nothing, or one that throws (recorded against its attachment: docs/rules.md#callbacks). */
const CALLBACKS = [
  (): void => {},
  (attachment: string): void => {
    throw { thrown: "by a fuzz callback", attachment };
  },
];

/**
 * An attach step in the API's other forms: importer ops `{moveNotify, allowPeer2peer,
 * supportsInterconnects, interconnects: [{name}]}` for the flags, or the flags with a
 * `moveNotify` callback of their own (dynamic importers).
 */
export function importerForm(r: Rng, step: Extract<Step, { op: "attach" }>): Step {
  const cb = r.pick(CALLBACKS);
  if (r.chance(0.5)) return step.dynamic ? ({ ...step, moveNotify: cb } as Step) : step;
  const { dynamic, peer2peer, allowIc, interconnects, ...rest } = step;
  const ops: Record<string, unknown> = {};
  if (dynamic) ops.moveNotify = cb;
  if (peer2peer !== undefined) ops.allowPeer2peer = peer2peer;
  if (allowIc !== undefined) ops.supportsInterconnects = allowIc;
  if (interconnects) ops.interconnects = interconnects.map((name) => ({ name }));
  return { ...rest, ops } as Step;
}

/** An importer-ops attach broken in its ops, or given a flag beside them. */
const BAD_IMPORTER_OPS: ((ops: Record<string, unknown>) => Record<string, unknown>)[] = [
  () => ({ ops: "dynamic" }),
  (o) => ({ ops: { ...o, moveNotify: true } }),
  (o) => ({ ops: { ...o, allowPeer2peer: "yes" } }),
  (o) => ({ ops: { ...o, supportsInterconnects: 1 } }),
  (o) => ({ ops: { ...o, interconnects: { name: "sgt" } } }),
  (o) => ({ ops: { ...o, interconnects: [] } }),
  (o) => ({ ops: { ...o, interconnects: ["sgt"] } }),
  (o) => ({ ops: { ...o, interconnects: [{ name: "sgt" }, { name: "nvlink" }] } }),
  (o) => ({ ops: { ...o, move_notify: () => {} } }),
  (o) => ({ ops: o, dynamic: true }),
  (o) => ({ ops: o, interconnects: ["sgt"] }),
];

/**
 * The generated steps, now and then (3%) with one of them broken, or (5%) with backings
 * given as BigUint64Arrays; attach steps one time in five in another importer form
 * (then broken in it one time in ten).
 */
export function malform(r: Rng, steps: Step[]): Step[] {
  if (!steps.length) return steps;
  if (r.chance(0.03)) {
    const k = r.int(steps.length);
    return steps.map((st, j) => (j === k ? breakStep(r, st) : st));
  }
  if (steps[0]!.op === "attach" && r.chance(0.2)) {
    const st = importerForm(r, steps[0]!);
    return ["ops" in st && r.chance(0.1) ? ({ ...st, ...r.pick(BAD_IMPORTER_OPS)((st as { ops: Record<string, unknown> }).ops) } as Step) : st];
  }
  return r.chance(0.05) ? steps.map(packRanges) : steps;
}
