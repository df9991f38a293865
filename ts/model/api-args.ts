/**
 * The public API's arguments (docs/rules.md#api-arguments): the types of
 * DmaBufModel's options and step arguments, and the checks that turn what a caller
 * passed into what the lifecycle rules read. Each check throws EINVAL naming the
 * argument (a JSON path) before any state changes; none of them is a lifecycle rule.
 */
import type { ContainerKind } from "../core/container.js";
import { BUILTIN_INTERCONNECTS, type InterconnectDef, type InterconnectRegistry } from "./interconnects.js";
import { readModelOptions } from "./options.js";
import type { BackingSpec, DmaBufOps, ExporterFactory } from "./ops.js";
import { importerFromFlags, type ImporterFlags, type ImporterOps } from "./importer.js";

type Path = (string | number)[];
import { userCode } from "./calls.js";
import { DEFAULT_PROFILE, isProfileName, PROFILE_NAMES, type ProfileName, type ProfileRules } from "./profiles.js";
import { checkDirection, type Direction } from "./direction.js";
import { bad, checkBacking, checkBool, checkContainer, checkInterconnects, checkName, checkObject, checkU64, isObject } from "./args.js";

/** Options of `new DmaBufModel(core, topology, opts)`: the exporter factory and the interconnects it knows. */
export interface ModelOptions {
  /** Builds the exporter ops of an export given in the flag form (no `ops`); the scenario layer passes one. */
  exporter?: ExporterFactory;
  /** The interconnects this model knows (default: sgt, physvec, iov). Must include sgt. */
  interconnects?: readonly InterconnectDef[];
  /** The rule profile (docs/rules.md#profiles): "rfc-v2", "mainline" or "mapping-types"; default the topology's `profile`, else "rfc-v2". */
  profile?: ProfileName;
  /** Turn on the DMA-API debug checker (docs/rules.md#dma-debug): steps' trace records gain `warnings`; outcomes do not change. Default the topology's `dmaDebug` (a scenario's), else false. */
  dmaDebug?: boolean;
}

/** Arguments of DmaBufModel.export: the buffer's name, exporter device, size in bytes, backing and ops or flags. */
export interface ExportArgs {
  buffer: string;
  exporter: string;
  size: bigint;
  backing: BackingSpec;
  /** The exporter's ops; without them the model's `exporter` factory builds them from the flags below. */
  ops?: DmaBufOps;
  dynamic?: boolean;
  pinnable?: boolean;
  interconnects?: readonly string[];
}

export interface AttachArgs extends ImporterFlags {
  buffer: string;
  importer: string;
  as: string;
  /** The importer's ops (struct dma_buf_attach_ops); instead of the flags. */
  ops?: ImporterOps;
}

/**
 * Arguments of DmaBufModel.map: the attachment to map, the new mapping's name (default
 * "#<i>", i the index of the call among the model's steps, as in scenarios) and the
 * container kind (default: the interconnect's).
 */
export interface MapArgs {
  attachment: string;
  as?: string;
  container?: ContainerKind;
  /** A sub-range of a physvec map (iommufd's IOMMU_IOAS_MAP_FILE start, length); profiles without sub-range maps refuse it (EINVAL). */
  range?: { offset: bigint; length: bigint };
  /** The DMA direction (default bidirectional); the exporter's map receives it, and the result names it when given. */
  direction?: Direction;
}

const EXPORT_KEYS = ["buffer", "exporter", "size", "backing", "ops", "dynamic", "pinnable", "interconnects"] as const;
const EXPORT_FLAGS = ["dynamic", "pinnable", "interconnects"] as const;
const ATTACH_FLAGS = ["dynamic", "peer2peer", "allowIc", "interconnects", "moveNotify", "revocable", "unmapOnInvalidate", "invalidateMappings"] as const;
const ATTACH_KEYS = ["buffer", "importer", "as", "ops", ...ATTACH_FLAGS] as const;
const IMPORTER_KEYS = [
  "moveNotify",
  "invalidateMappings",
  "revocable",
  "unmapOnInvalidate",
  "allowPeer2peer",
  "supportsInterconnects",
  "interconnects",
] as const;
const MAP_KEYS = ["attachment", "as", "container", "range", "direction"] as const;

/** The model's options, checked: the interconnect registry (sgt always in it) and the exporter factory. */
export function modelOptions(
  options: ModelOptions,
  topology: { profile?: unknown },
): { registry: InterconnectRegistry; exporter: ExporterFactory | undefined; profile: ProfileName; dmaDebug: boolean } {
  const { interconnects, exporter, profile, dmaDebug } = readModelOptions(options, BUILTIN_INTERCONNECTS);
  checkBool("model", dmaDebug, ["dmaDebug"]);
  const debugFromTopology = isObject(topology) ? (topology as { dmaDebug?: unknown }).dmaDebug : undefined;
  if (dmaDebug === undefined) checkBool("topology", debugFromTopology, ["dmaDebug"]);
  if (profile !== undefined && !isProfileName(profile)) bad("model", ["profile"], `must be one of ${PROFILE_NAMES.join(", ")}`);
  const fromTopology = isObject(topology) ? topology.profile : undefined;
  if (profile === undefined && fromTopology !== undefined && !isProfileName(fromTopology))
    bad("topology", ["profile"], `must be one of ${PROFILE_NAMES.join(", ")}`);
  const chosen = (profile as ProfileName | undefined) ?? (fromTopology as ProfileName | undefined) ?? DEFAULT_PROFILE;
  return { registry: interconnects, exporter, profile: chosen, dmaDebug: (dmaDebug ?? debugFromTopology) === true };
}

/** The name argument of a step that takes one name (`field` in messages), checked; returns the step's `what`. */
export function stepName(op: string, v: unknown, field: string): string {
  return `${op} ${checkName(op, v, [field])}`;
}

/** lock's and unlock's arguments, checked; returns the step's `what`. */
export function lockArgs(op: "lock" | "unlock", buffer: unknown, holder: unknown): string {
  const what = stepName(op, buffer, "buffer");
  checkName(what, holder, ["holder"]);
  return what;
}

/** move's arguments, checked; returns the step's `what`. */
export function moveArgs(buffer: unknown, backing: unknown): string {
  const what = stepName("move", buffer, "buffer");
  checkBacking(what, backing, ["backing"]);
  return what;
}

/** export's arguments, checked; returns the buffer's name, the step's `what` and the arguments as read once (own data). */
export function exportArgs(args: ExportArgs, registry: InterconnectRegistry): { name: string; what: string; args: ExportArgs } {
  const o = checkObject("export", args, EXPORT_KEYS);
  const name = checkName("export", o.buffer, ["buffer"]);
  const what = `export ${name}`;
  checkName(what, o.exporter, ["exporter"]);
  checkU64(what, o.size, ["size"]);
  checkBacking(what, o.backing, ["backing"]);
  checkBool(what, o.dynamic, ["dynamic"]);
  checkBool(what, o.pinnable, ["pinnable"]);
  checkInterconnects(what, o.interconnects, ["interconnects"], registry, false);
  return { name, what, args: o as unknown as ExportArgs };
}

/**
 * The exporter ops of an export (not yet checked against the ops contract): the ones
 * given, which leave no room for flags, or the factory's, built from the flags with
 * their defaults. Runs after the name and device checks of the step.
 */
export function exporterOps(
  args: ExportArgs,
  what: string,
  name: string,
  exporter: string,
  factory: ExporterFactory | undefined,
  rules: ProfileRules,
): unknown {
  if (args.ops !== undefined) {
    for (const k of EXPORT_FLAGS) if (args[k] !== undefined) bad(what, [k], "cannot be given with ops (the ops decide it)");
    return args.ops;
  }
  if (!factory) return bad(what, ["ops"], "is missing (pass exporter ops, or construct the model with an exporter factory)");
  const flags = {
    buffer: name,
    exporter,
    dynamic: args.dynamic ?? false,
    pinnable: args.pinnable ?? true,
    interconnects: [...new Set(args.interconnects ?? [])],
    rules,
  };
  return userCode(`export ${name}: the exporter factory`, () => factory(flags));
}

/** attach's arguments, checked; returns the attachment's name, the step's `what` and the importer ops. */
export function attachArgs(args: AttachArgs, registry: InterconnectRegistry): { name: string; what: string; ops: ImporterOps; args: AttachArgs } {
  const o = checkObject("attach", args, ATTACH_KEYS);
  const name = checkName("attach", o.as, ["as"]);
  const what = `attach ${name}`;
  checkName(what, o.buffer, ["buffer"]);
  checkName(what, o.importer, ["importer"]);
  return { name, what, ops: o.ops === undefined ? flagOps(what, o, registry) : givenOps(what, o, registry), args: o as unknown as AttachArgs };
}

/** The importer ops of attach's flag form. */
function flagOps(what: string, o: Record<string, unknown>, registry: InterconnectRegistry): ImporterOps {
  checkBool(what, o.dynamic, ["dynamic"]);
  checkBool(what, o.peer2peer, ["peer2peer"]);
  checkBool(what, o.allowIc, ["allowIc"]);
  checkBool(what, o.revocable, ["revocable"]);
  checkBool(what, o.unmapOnInvalidate, ["unmapOnInvalidate"]);
  checkInterconnects(what, o.interconnects, ["interconnects"], registry, true);
  const cb = callbackField(what, o, []);
  if (cb !== undefined && o.dynamic !== true) bad(what, [cb], "is given, so the importer is dynamic: say dynamic: true (or pass importer ops)");
  if (o.revocable === true && o.dynamic !== true) bad(what, ["revocable"], "needs dynamic: true (only an importer with ops can be revoked)");
  const revocable = o.dynamic === true && o.revocable !== false;
  if (o.unmapOnInvalidate !== undefined && !revocable) bad(what, ["unmapOnInvalidate"], "is only for revocable importers (dynamic, and revocable not false)");
  return importerFromFlags(o as ImporterFlags);
}

/** The importer ops attach was given (`ops`), checked field by field. */
function givenOps(what: string, o: Record<string, unknown>, registry: InterconnectRegistry): ImporterOps {
  for (const k of ATTACH_FLAGS) if (o[k] !== undefined) bad(what, [k], "cannot be given with ops (the importer ops decide it)");
  const ops = checkObject(what, o.ops, IMPORTER_KEYS, ["ops"]);
  const cb = callbackField(what, ops, ["ops"]);
  checkBool(what, ops.revocable, ["ops", "revocable"]);
  checkBool(what, ops.unmapOnInvalidate, ["ops", "unmapOnInvalidate"]);
  if (ops.revocable === true && cb === undefined)
    bad(what, ["ops", "revocable"], "needs invalidateMappings (only an importer with the callback can be revoked)");
  if (ops.unmapOnInvalidate !== undefined && (cb === undefined || ops.revocable === false))
    bad(what, ["ops", "unmapOnInvalidate"], "is only for revocable importers");
  checkBool(what, ops.allowPeer2peer, ["ops", "allowPeer2peer"]);
  checkBool(what, ops.supportsInterconnects, ["ops", "supportsInterconnects"]);
  if (ops.interconnects !== undefined) {
    if (!Array.isArray(ops.interconnects)) bad(what, ["ops", "interconnects"], "must be an array of {name}");
    const list = ops.interconnects as unknown[];
    list.forEach((m, i) => isObject(m) || bad(what, ["ops", "interconnects", i], "must be a match {name}"));
    checkInterconnects(
      what,
      list.map((m) => (m as { name: unknown }).name),
      ["ops", "interconnects"],
      registry,
      true,
    );
  }
  return o.ops as ImporterOps;
}

/** Which of invalidateMappings and its alias moveNotify `o` gives (a function; not both), or undefined. */
function callbackField(what: string, o: Record<string, unknown>, at: Path): "invalidateMappings" | "moveNotify" | undefined {
  const given = (["invalidateMappings", "moveNotify"] as const).filter((k) => o[k] !== undefined);
  for (const k of given) if (typeof o[k] !== "function") bad(what, [...at, k], "must be a function");
  if (given.length > 1) bad(what, [...at, "moveNotify"], "is the old name of invalidateMappings: give one of the two");
  return given[0];
}

/** map's arguments, checked; returns the mapping's name (`#<steps>` without `as`) and the step's `what`. */
export function mapArgs(args: MapArgs, steps: number): { name: string; what: string; args: MapArgs } {
  const o = checkObject("map", args, MAP_KEYS);
  // like a scenario's map without `as`: "#<i>", i the index of this call among the model's steps
  const name = o.as === undefined ? `#${steps}` : checkName("map", o.as, ["as"]);
  const what = `map ${name}`;
  checkName(what, o.attachment, ["attachment"]);
  checkContainer(what, o.container, ["container"]);
  checkDirection(what, o.direction, ["direction"]);
  if (o.range !== undefined) {
    const r = checkObject(what, o.range, ["offset", "length"], ["range"]);
    checkU64(what, r.offset, ["range", "offset"]);
    checkU64(what, r.length, ["range", "length"]);
  }
  return { name, what, args: o as unknown as MapArgs };
}
