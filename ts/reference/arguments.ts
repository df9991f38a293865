/**
 * The argument rules, written from docs/rules.md (#api-arguments, #devices, #validation),
 * not from ts/model: which argument of a step, or which field of a topology or of the
 * model's options, the model must refuse before anything changes, and the path it must
 * name. The differential fuzzer feeds the model malformed steps, topologies and options
 * and compares the code and the path with these. Plain values; no wasm.
 *
 * A step is read as the scenario runner hands it to the model: `export` and `attach`
 * pass the step itself as their argument object (unknown keys are refused; `op` and
 * `expect` ride along), `map` passes `{attachment, as, container}` (a missing `as` is the
 * default name), the other ops pass their fields one by one.
 */
const M = 0xffff_ffff_ffff_ffffn;
const PAGE = 4096n;
const NAME_MAX = 256;

export type ArgPath = (string | number)[];
/** A refused argument: EINVAL, or ENOENT for a device's root, switch or pf that nothing declares. */
export interface ArgFault {
  code: "EINVAL" | "ENOENT";
  path: ArgPath;
}

const CONTAINERS = ["sgt", "physvec", "mapping", "ranges", "xarray"];
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isName = (v: unknown) => typeof v === "string" && v.length > 0 && v.length <= NAME_MAX;
const isU64 = (v: unknown): v is bigint => typeof v === "bigint" && v >= 0n && v <= M;
const isFlag = (v: unknown) => v === undefined || typeof v === "boolean";
const einval = (path: ArgPath): ArgFault => ({ code: "EINVAL", path });

/** The first key of `o` not in `known`, as a path under `at`. */
function unknownKey(o: Record<string, unknown>, known: readonly string[], at: ArgPath): ArgFault | undefined {
  const k = Object.keys(o).find((x) => !known.includes(x));
  return k === undefined ? undefined : einval([...at, k]);
}

type Check = (v: unknown, at: ArgPath, interconnects: readonly string[]) => ArgFault | undefined;

const name: Check = (v, at) => (isName(v) ? undefined : einval(at));
/** A map's `as`: absent (or null) is the default name "#<i>". */
const mapName: Check = (v, at) => (v === undefined || v === null ? undefined : name(v, at, []));
const optionalName: Check = (v, at) => (v === undefined ? undefined : name(v, at, []));
const u64: Check = (v, at) => (isU64(v) ? undefined : einval(at));
const flag: Check = (v, at) => (isFlag(v) ? undefined : einval(at));
const container: Check = (v, at) => (v === undefined || CONTAINERS.includes(v as string) ? undefined : einval(at));
/** A DMA direction (docs/rules.md#dma-debug): absent, or one of the three. */
const direction: Check = (v, at) => (v === undefined || ["bidirectional", "to-device", "from-device"].includes(v as string) ? undefined : einval(at));
/** A sync's flags: a list of at most 8 strings (which strings is a lifecycle rule). */
const syncFlags: Check = (v, at) => (Array.isArray(v) && v.length <= 8 && v.every((f) => typeof f === "string") ? undefined : einval(at));
/** A map's `range`: absent, or `{offset, length}` u64s (whether the profile allows it is a lifecycle row). */
const subRange: Check = (v, at) => {
  if (v === undefined) return undefined;
  if (!isRecord(v)) return einval(at);
  return unknownKey(v, ["offset", "length"], at) ?? u64(v.offset, [...at, "offset"], []) ?? u64(v.length, [...at, "length"], []);
};

/** A list of registered interconnect names; `nonEmpty` for an importer's list. */
const interconnectList =
  (nonEmpty: boolean): Check =>
  (v, at, registered) => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || (nonEmpty && !v.length)) return einval(at);
    const i = v.findIndex((n) => typeof n !== "string" || !registered.includes(n));
    return i < 0 ? undefined : einval([...at, i]);
  };

/** `{kind, ranges}`: kind system or mmio; ranges an array of `{addr, len}` u64s, or a BigUint64Array of pairs. */
const backing: Check = (v, at) => {
  if (!isRecord(v)) return einval(at);
  const extra = unknownKey(v, ["kind", "ranges"], at);
  if (extra) return extra;
  if (v.kind !== "system" && v.kind !== "mmio") return einval([...at, "kind"]);
  const rs = v.ranges;
  if (rs instanceof BigUint64Array) return rs.length % 2 ? einval([...at, "ranges"]) : undefined;
  if (!Array.isArray(rs)) return einval([...at, "ranges"]);
  for (let i = 0; i < rs.length; i++) {
    const e: unknown = rs[i];
    const ep = [...at, "ranges", i];
    if (!isRecord(e)) return einval(ep);
    const bad = unknownKey(e, ["addr", "len"], ep) ?? u64(e.addr, [...ep, "addr"], []) ?? u64(e.len, [...ep, "len"], []);
    if (bad) return bad;
  }
  return undefined;
};

const IMPORTER_FLAGS = ["dynamic", "peer2peer", "allowIc", "interconnects", "moveNotify", "revocable", "unmapOnInvalidate", "invalidateMappings"];

/**
 * The invalidate callback under its two names (docs/rules.md#profiles row 3): each
 * given one must be a function, and not both may be given (the path names moveNotify).
 */
function callbackFault(o: Record<string, unknown>, at: ArgPath): { fault?: ArgFault; given: boolean } {
  for (const k of ["invalidateMappings", "moveNotify"]) if (o[k] !== undefined && typeof o[k] !== "function") return { fault: einval([...at, k]), given: true };
  if (o.invalidateMappings !== undefined && o.moveNotify !== undefined) return { fault: einval([...at, "moveNotify"]), given: true };
  return { given: o.invalidateMappings !== undefined || o.moveNotify !== undefined };
}

/**
 * An attach's importer: the flag form (`dynamic`, `peer2peer`, `allowIc`,
 * `interconnects`, and a `moveNotify` function that needs `dynamic: true`), or importer
 * ops `{moveNotify, allowPeer2peer, supportsInterconnects, interconnects: [{name}]}`
 * (then no flag may be given).
 */
function importerFault(step: Record<string, unknown>, registered: readonly string[]): ArgFault | undefined {
  if (step.ops === undefined) {
    const checks = [
      ["dynamic", flag],
      ["peer2peer", flag],
      ["allowIc", flag],
      ["revocable", flag],
      ["unmapOnInvalidate", flag],
      ["interconnects", interconnectList(true)],
    ] as const;
    for (const [k, check] of checks) {
      const bad = check(step[k], [k], registered);
      if (bad) return bad;
    }
    const cb = callbackFault(step, []);
    if (cb.fault) return cb.fault;
    if (cb.given && step.dynamic !== true) return einval([step.invalidateMappings !== undefined ? "invalidateMappings" : "moveNotify"]);
    if (step.revocable === true && step.dynamic !== true) return einval(["revocable"]);
    const revocable = step.dynamic === true && step.revocable !== false;
    return step.unmapOnInvalidate !== undefined && !revocable ? einval(["unmapOnInvalidate"]) : undefined;
  }
  const given = IMPORTER_FLAGS.find((k) => step[k] !== undefined);
  if (given) return einval([given]);
  const ops = step.ops;
  if (!isRecord(ops)) return einval(["ops"]);
  const known = ["moveNotify", "invalidateMappings", "revocable", "unmapOnInvalidate", "allowPeer2peer", "supportsInterconnects", "interconnects"];
  const extra = unknownKey(ops, known, ["ops"]);
  if (extra) return extra;
  const cb = callbackFault(ops, ["ops"]);
  const kind =
    cb.fault ??
    flag(ops.revocable, ["ops", "revocable"], []) ??
    flag(ops.unmapOnInvalidate, ["ops", "unmapOnInvalidate"], []) ??
    (ops.revocable === true && !cb.given ? einval(["ops", "revocable"]) : undefined) ??
    (ops.unmapOnInvalidate !== undefined && (!cb.given || ops.revocable === false) ? einval(["ops", "unmapOnInvalidate"]) : undefined);
  const bad = kind ?? flag(ops.allowPeer2peer, ["ops", "allowPeer2peer"], []) ?? flag(ops.supportsInterconnects, ["ops", "supportsInterconnects"], []);
  if (bad || ops.interconnects === undefined) return bad;
  const list = ops.interconnects;
  if (!Array.isArray(list)) return einval(["ops", "interconnects"]);
  const notMatch = list.findIndex((m) => !isRecord(m));
  if (notMatch >= 0) return einval(["ops", "interconnects", notMatch]);
  return interconnectList(true)(
    list.map((m: Record<string, unknown>) => m.name),
    ["ops", "interconnects"],
    registered,
  );
}

/**
 * Each op's arguments in the order they are checked; `object`: the step itself is the
 * argument object, with `keys` beyond its fields; `rest`: checked after the fields.
 */
const ARGUMENTS: Record<string, { object: boolean; keys?: string[]; fields: [string, Check][]; rest?: typeof importerFault }> = {
  export: {
    object: true,
    fields: [
      ["buffer", name],
      ["exporter", name],
      ["size", u64],
      ["backing", backing],
      ["dynamic", flag],
      ["pinnable", flag],
      ["interconnects", interconnectList(false)],
    ],
  },
  attach: {
    object: true,
    keys: ["ops", ...IMPORTER_FLAGS],
    fields: [
      ["as", name],
      ["buffer", name],
      ["importer", name],
    ],
    rest: importerFault,
  },
  map: {
    object: false,
    fields: [
      ["as", mapName],
      ["attachment", name],
      ["container", container],
      ["direction", direction],
      ["range", subRange],
    ],
  },
  unmap: {
    object: false,
    fields: [
      ["mapping", name],
      ["direction", direction],
    ],
  },
  sync: {
    object: false,
    fields: [
      ["buffer", name],
      ["flags", syncFlags],
    ],
  },
  detach: { object: false, fields: [["attachment", name]] },
  pin: { object: false, fields: [["attachment", name]] },
  unpin: { object: false, fields: [["attachment", name]] },
  lock: {
    object: false,
    fields: [
      ["buffer", name],
      ["holder", name],
    ],
  },
  unlock: {
    object: false,
    fields: [
      ["buffer", name],
      ["holder", name],
    ],
  },
  move: {
    object: false,
    fields: [
      ["buffer", name],
      ["backing", backing],
    ],
  },
  revoke: { object: false, fields: [["buffer", name]] },
  restore: { object: false, fields: [["buffer", name]] },
  close: { object: false, fields: [["buffer", name]] },
};

/** The refused argument of `step` (EINVAL and its path), or undefined when every argument is well formed. */
export function argumentFault(step: Record<string, unknown> & { op: string }, interconnects: readonly string[]): ArgFault | undefined {
  const spec = ARGUMENTS[step.op]!;
  if (spec.object) {
    const extra = unknownKey(step, [...spec.fields.map(([k]) => k), ...(spec.keys ?? []), "op", "expect"], []);
    if (extra) return extra;
  }
  for (const [k, check] of spec.fields) {
    const bad = check(step[k], [k], interconnects);
    if (bad) return bad;
  }
  return spec.rest?.(step, interconnects);
}

const DEVICE_KEYS = ["root", "switch", "bars", "iommu", "maxSegmentSize", "segBoundaryMask", "pf"];

/** The own entries of a record or a Map; undefined when `v` is neither. */
const entries = (v: unknown): [unknown, unknown][] | undefined => (v instanceof Map ? [...v.entries()] : isRecord(v) ? Object.entries(v) : undefined);

/** One device's own fields (docs/rules.md#devices, device sanity of #validation). */
function deviceFault(d: unknown, at: ArgPath): ArgFault | undefined {
  if (!isRecord(d)) return einval(at);
  const bad = unknownKey(d, DEVICE_KEYS, at) ?? (["root", "switch", "pf"] as const).map((k) => optionalName(d[k], [...at, k], [])).find(Boolean);
  if (bad) return bad;
  if (d.bars !== undefined) {
    if (!Array.isArray(d.bars) || d.bars.length > 6) return einval([...at, "bars"]);
    const seen = new Set<unknown>();
    for (let i = 0; i < d.bars.length; i++) {
      const b: unknown = d.bars[i];
      const bp = [...at, "bars", i];
      if (!isRecord(b)) return einval(bp);
      const extra = unknownKey(b, ["index", "cpu", "bus", "size"], bp);
      if (extra) return extra;
      if (!Number.isInteger(b.index) || (b.index as number) < 0 || (b.index as number) > 5 || seen.has(b.index)) return einval([...bp, "index"]);
      seen.add(b.index);
      const word = u64(b.cpu, [...bp, "cpu"], []) ?? u64(b.bus, [...bp, "bus"], []) ?? u64(b.size, [...bp, "size"], []);
      if (word) return word;
      const [cpu, bus, size] = [b.cpu, b.bus, b.size] as bigint[];
      if (size === 0n || cpu! + size! - 1n > M || bus! + size! - 1n > M) return einval([...bp, "size"]);
    }
  }
  if (d.iommu !== undefined) {
    if (!isRecord(d.iommu)) return einval([...at, "iommu"]);
    const io = d.iommu;
    const w = unknownKey(io, ["base", "size"], [...at, "iommu"]) ?? u64(io.base, [...at, "iommu", "base"], []) ?? u64(io.size, [...at, "iommu", "size"], []);
    if (w) return w;
  }
  if (d.maxSegmentSize !== undefined && (!isU64(d.maxSegmentSize) || d.maxSegmentSize === 0n)) return einval([...at, "maxSegmentSize"]);
  const mask = d.segBoundaryMask;
  if (mask !== undefined && (!isU64(mask) || (mask & (mask + 1n)) !== 0n)) return einval([...at, "segBoundaryMask"]);
  return undefined;
}

/**
 * The refused field of a topology, or undefined when it is well formed: host bridges,
 * then switches, then each device in order (its fields, then its `root` and `switch`
 * must be declared: ENOENT); then every `pf` must name a device (ENOENT); last, each
 * IOMMU window must be page aligned, non-empty and inside 2^64.
 */
export function topologyFault(spec: unknown): ArgFault | undefined {
  if (!isRecord(spec) && !(spec instanceof Map)) return einval(["topology"]);
  const top = spec as Record<string, unknown>;
  const declared: Record<string, Set<unknown>> = {};
  for (const [group, flagName] of [
    ["hostBridges", "p2p"],
    ["switches", "acsRedirect"],
  ] as const) {
    declared[group] = new Set();
    if (top[group] === undefined) continue;
    const es = entries(top[group]);
    if (!es) return einval([group]);
    for (const [n, v] of es) {
      const at = [group, n as string];
      if (!isName(n) || !isRecord(v)) return einval(at);
      const bad = unknownKey(v, [flagName], at) ?? flag(v[flagName], [...at, flagName], []);
      if (bad) return bad;
      declared[group].add(n);
    }
  }
  if (top.devices === undefined) return einval(["devices"]);
  const devices = entries(top.devices);
  if (!devices) return einval(["devices"]);
  for (const [n, d] of devices) {
    const at = ["devices", n as string];
    if (!isName(n)) return einval(at);
    const bad = deviceFault(d, at);
    if (bad) return bad;
    const dev = d as Record<string, unknown>;
    for (const [field, group] of [
      ["root", "hostBridges"],
      ["switch", "switches"],
    ] as const) {
      if (dev[field] !== undefined && !declared[group]!.has(dev[field])) return { code: "ENOENT", path: [...at, field] };
    }
  }
  const names = new Set(devices.map(([n]) => n));
  for (const [n, d] of devices) {
    const pf = (d as Record<string, unknown>).pf;
    if (pf !== undefined && !names.has(pf)) return { code: "ENOENT", path: ["devices", n as string, "pf"] };
  }
  for (const [n, d] of devices) {
    const io = (d as { iommu?: { base: bigint; size: bigint } }).iommu;
    if (io && (io.base % PAGE || io.size % PAGE || io.size === 0n || io.base + io.size - 1n > M)) return einval(["devices", n as string, "iommu"]);
  }
  return undefined;
}

/**
 * The refused field of a model's options, or undefined (docs/rules.md#api-arguments):
 * an object with only `exporter` (a function) and `interconnects` (default sgt, physvec,
 * iov: a list of `{name, defaultContainer}`, names unique, sgt among them).
 */
export function optionsFault(options: unknown): ArgFault | undefined {
  if (options === undefined) return undefined;
  if (!isRecord(options)) return einval(["options"]);
  const extra = unknownKey(options, ["exporter", "interconnects"], []);
  if (extra) return extra;
  const defs = options.interconnects;
  if (defs !== undefined) {
    if (!Array.isArray(defs)) return einval(["interconnects"]);
    const seen = new Set<unknown>();
    for (let i = 0; i < defs.length; i++) {
      const d: unknown = defs[i];
      const at = ["interconnects", i];
      if (!isRecord(d) || !isName(d.name)) return einval([...at, "name"]);
      if (!CONTAINERS.includes(d.defaultContainer as string)) return einval([...at, "defaultContainer"]);
      if (seen.has(d.name)) return einval([...at, "name"]);
      seen.add(d.name);
    }
    if (!seen.has("sgt")) return einval(["interconnects"]);
  }
  return options.exporter === undefined || typeof options.exporter === "function" ? undefined : einval(["exporter"]);
}
