/**
 * ModelOptions read the way every object from user code is (./untrusted.ts): own data
 * properties, once; an inherited `exporter` (a polluted Object.prototype) is refused,
 * never honoured. A list of interconnect definitions longer than MAX_INTERCONNECTS (a
 * sparse array of length 2^32 - 1) is refused before it is walked.
 */
import type { ExporterFactory } from "./ops.js";
import type { InterconnectDef } from "./interconnects.js";
import { bad, checkContainer, checkName, isObject } from "./args.js";
import { ownData, ownKeys, type Refuse } from "./untrusted.js";

/** The options a model takes. */
const MODEL_KEYS = ["exporter", "interconnects", "profile", "dmaDebug"];

/** The most interconnects a model registers. */
export const MAX_INTERCONNECTS = 64;

const refuseAt =
  (path: (string | number)[]): Refuse =>
  (k, msg) =>
    bad("model", k === undefined ? path : [...path, k], msg);

/** The options' exporter factory, interconnect registry and profile (checked by the caller); EINVAL naming the option otherwise. */
export function readModelOptions(
  options: unknown,
  builtin: readonly InterconnectDef[],
): { exporter: ExporterFactory | undefined; interconnects: ReadonlyMap<string, InterconnectDef>; profile: unknown; dmaDebug: unknown } {
  if (!isObject(options)) bad("model", ["options"], "must be an object");
  const top = refuseAt([]);
  for (const k of ownKeys(options, top)) if (!MODEL_KEYS.includes(k)) bad("model", [k], `is not a known option (${MODEL_KEYS.join(", ")})`);
  const exporter = ownData(options, "exporter", top);
  const profile = ownData(options, "profile", top);
  const dmaDebug = ownData(options, "dmaDebug", top);
  const defs = ownData(options, "interconnects", top) ?? builtin;
  if (!Array.isArray(defs)) bad("model", ["interconnects"], "must be an array of {name, defaultContainer}");
  const n = ownData(defs, "length", refuseAt(["interconnects"])) as number;
  if (n > MAX_INTERCONNECTS) bad("model", ["interconnects"], `registers ${n} interconnects, more than ${MAX_INTERCONNECTS}`);
  const reg = new Map<string, InterconnectDef>();
  for (let i = 0; i < n; i++) {
    const at = ["interconnects", i];
    const d = ownData(defs, String(i), refuseAt(["interconnects"]));
    // a definition that is no object has no name: refused at its name, like one without
    const name = checkName("model", isObject(d) ? ownData(d, "name", refuseAt(at)) : undefined, [...at, "name"]);
    if (!isObject(d)) return bad("model", [...at, "name"], "must be a name (a string)");
    const defaultContainer = ownData(d, "defaultContainer", refuseAt(at)) as InterconnectDef["defaultContainer"];
    checkContainer("model", defaultContainer, [...at, "defaultContainer"]);
    if (defaultContainer === undefined) bad("model", [...at, "defaultContainer"], "is missing");
    if (reg.has(name)) bad("model", [...at, "name"], `registers ${name} twice`);
    // what a built-in of that name is beyond its container (sgt: a scatterlist) stays with the name
    const scatterlist = builtin.find((x) => x.name === name)?.scatterlist;
    reg.set(name, scatterlist ? { name, defaultContainer, scatterlist } : { name, defaultContainer });
  }
  if (!reg.has("sgt")) bad("model", ["interconnects"], "must include sgt");
  if (exporter !== undefined && typeof exporter !== "function") bad("model", ["exporter"], "must be a function");
  return { exporter: exporter as ExporterFactory | undefined, interconnects: reg, profile, dmaDebug };
}
