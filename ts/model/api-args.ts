/**
 * The public API's arguments (docs/rules.md#api-arguments): the types of
 * DmaBufModel's options and step arguments, and the checks that turn what a caller
 * passed into what the lifecycle rules read. Each check throws EINVAL naming the
 * argument (a JSON path) before any state changes; none of them is a lifecycle rule.
 */
import type { ContainerKind } from "../core/container.js";
import { BUILTIN_INTERCONNECTS, type InterconnectDef, type InterconnectRegistry } from "./interconnects.js";
import type { BackingSpec, DmaBufOps, ExporterFactory } from "./ops.js";
import { importerFromFlags, type ImporterFlags, type ImporterOps } from "./importer.js";
import { userCode } from "./calls.js";
import { bad, checkBacking, checkBool, checkContainer, checkInterconnects, checkName, checkObject, checkU64, isObject } from "./args.js";

/** Options of `new DmaBufModel(core, topology, opts)`: the exporter factory and the interconnects it knows. */
export interface ModelOptions {
  /** Builds the exporter ops of an export given in the flag form (no `ops`); the scenario layer passes one. */
  exporter?: ExporterFactory;
  /** The interconnects this model knows (default: sgt, physvec, iov). Must include sgt. */
  interconnects?: readonly InterconnectDef[];
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

/** Arguments of DmaBufModel.map: the attachment to map, the new mapping's name and the container kind (default: the interconnect's). */
export interface MapArgs {
  attachment: string;
  as: string;
  container?: ContainerKind;
}

const EXPORT_KEYS = ["buffer", "exporter", "size", "backing", "ops", "dynamic", "pinnable", "interconnects"] as const;
const EXPORT_FLAGS = ["dynamic", "pinnable", "interconnects"] as const;
const ATTACH_KEYS = ["buffer", "importer", "as", "ops", "dynamic", "peer2peer", "allowIc", "interconnects", "moveNotify"] as const;
const ATTACH_FLAGS = ["dynamic", "peer2peer", "allowIc", "interconnects", "moveNotify"] as const;
const IMPORTER_KEYS = ["moveNotify", "allowPeer2peer", "supportsInterconnects", "interconnects"] as const;
const MAP_KEYS = ["attachment", "as", "container"] as const;

/** The model's options, checked: the interconnect registry (sgt always in it) and the exporter factory. */
export function modelOptions(options: ModelOptions): { registry: InterconnectRegistry; exporter: ExporterFactory | undefined } {
  if (!isObject(options as unknown)) bad("model", ["options"], "must be an object");
  for (const k of Object.keys(options)) if (k !== "exporter" && k !== "interconnects") bad("model", [k], "is not a known option (exporter, interconnects)");
  const defs = options.interconnects ?? BUILTIN_INTERCONNECTS;
  if (!Array.isArray(defs)) bad("model", ["interconnects"], "must be an array of {name, defaultContainer}");
  const reg = new Map<string, InterconnectDef>();
  defs.forEach((d, i) => {
    checkName("model", d?.name, ["interconnects", i, "name"]);
    checkContainer("model", d.defaultContainer, ["interconnects", i, "defaultContainer"]);
    if (d.defaultContainer === undefined) bad("model", ["interconnects", i, "defaultContainer"], "is missing");
    if (reg.has(d.name)) bad("model", ["interconnects", i, "name"], `registers ${d.name} twice`);
    reg.set(d.name, { name: d.name, defaultContainer: d.defaultContainer });
  });
  if (!reg.has("sgt")) bad("model", ["interconnects"], "must include sgt");
  if (options.exporter !== undefined && typeof options.exporter !== "function") bad("model", ["exporter"], "must be a function");
  return { registry: reg, exporter: options.exporter };
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

/** export's arguments, checked; returns the buffer's name and the step's `what`. */
export function exportArgs(args: ExportArgs, registry: InterconnectRegistry): { name: string; what: string } {
  const o = checkObject("export", args, EXPORT_KEYS);
  const name = checkName("export", o.buffer, ["buffer"]);
  const what = `export ${name}`;
  checkName(what, o.exporter, ["exporter"]);
  checkU64(what, o.size, ["size"]);
  checkBacking(what, o.backing, ["backing"]);
  checkBool(what, o.dynamic, ["dynamic"]);
  checkBool(what, o.pinnable, ["pinnable"]);
  checkInterconnects(what, o.interconnects, ["interconnects"], registry, false);
  return { name, what };
}

/**
 * The exporter ops of an export (not yet checked against the ops contract): the ones
 * given, which leave no room for flags, or the factory's, built from the flags with
 * their defaults. Runs after the name and device checks of the step.
 */
export function exporterOps(args: ExportArgs, what: string, name: string, exporter: string, factory: ExporterFactory | undefined): unknown {
  if (args.ops !== undefined) {
    for (const k of EXPORT_FLAGS) if (args[k] !== undefined) bad(what, [k], "cannot be given with ops (the ops decide it)");
    return args.ops;
  }
  if (!factory) return bad(what, ["ops"], "is missing (pass exporter ops, or construct the model with an exporter factory)");
  const flags = { buffer: name, exporter, dynamic: args.dynamic ?? false, pinnable: args.pinnable ?? true, interconnects: [...new Set(args.interconnects ?? [])] };
  return userCode(`export ${name}: the exporter factory`, () => factory(flags));
}

/** attach's arguments, checked; returns the attachment's name, the step's `what` and the importer ops. */
export function attachArgs(args: AttachArgs, registry: InterconnectRegistry): { name: string; what: string; ops: ImporterOps } {
  const o = checkObject("attach", args, ATTACH_KEYS);
  const name = checkName("attach", o.as, ["as"]);
  const what = `attach ${name}`;
  checkName(what, o.buffer, ["buffer"]);
  checkName(what, o.importer, ["importer"]);
  return { name, what, ops: o.ops === undefined ? flagOps(what, o, registry) : givenOps(what, o, registry) };
}

/** The importer ops of attach's flag form. */
function flagOps(what: string, o: Record<string, unknown>, registry: InterconnectRegistry): ImporterOps {
  checkBool(what, o.dynamic, ["dynamic"]);
  checkBool(what, o.peer2peer, ["peer2peer"]);
  checkBool(what, o.allowIc, ["allowIc"]);
  checkInterconnects(what, o.interconnects, ["interconnects"], registry, true);
  if (o.moveNotify !== undefined) {
    if (typeof o.moveNotify !== "function") bad(what, ["moveNotify"], "must be a function");
    if (o.dynamic !== true) bad(what, ["moveNotify"], "is given, so the importer is dynamic: say dynamic: true (or pass importer ops)");
  }
  return importerFromFlags(o as ImporterFlags);
}

/** The importer ops attach was given (`ops`), checked field by field. */
function givenOps(what: string, o: Record<string, unknown>, registry: InterconnectRegistry): ImporterOps {
  for (const k of ATTACH_FLAGS) if (o[k] !== undefined) bad(what, [k], "cannot be given with ops (the importer ops decide it)");
  const ops = checkObject(what, o.ops, IMPORTER_KEYS, ["ops"]);
  if (ops.moveNotify !== undefined && typeof ops.moveNotify !== "function") bad(what, ["ops", "moveNotify"], "must be a function");
  checkBool(what, ops.allowPeer2peer, ["ops", "allowPeer2peer"]);
  checkBool(what, ops.supportsInterconnects, ["ops", "supportsInterconnects"]);
  if (ops.interconnects !== undefined) {
    if (!Array.isArray(ops.interconnects)) bad(what, ["ops", "interconnects"], "must be an array of {name}");
    const list = ops.interconnects as unknown[];
    list.forEach((m, i) => isObject(m) || bad(what, ["ops", "interconnects", i], "must be a match {name}"));
    checkInterconnects(what, list.map((m) => (m as { name: unknown }).name), ["ops", "interconnects"], registry, true);
  }
  return o.ops as ImporterOps;
}

/** map's arguments, checked; returns the mapping's name and the step's `what`. */
export function mapArgs(args: MapArgs): { name: string; what: string } {
  const o = checkObject("map", args, MAP_KEYS);
  const name = checkName("map", o.as, ["as"]);
  const what = `map ${name}`;
  checkName(what, o.attachment, ["attachment"]);
  checkContainer(what, o.container, ["container"]);
  return { name, what };
}
