/**
 * Argument checks of the model's methods, as strict as the scenario schema
 * (docs/rules.md#api-arguments): EINVAL naming the argument, before any state changes.
 */
import { DmaBufError } from "../core/errors.js";
import { CONTAINER_KINDS } from "../core/container.js";
import { U64_MAX } from "../core/u64.js";
import { ownKeys, readFields } from "./untrusted.js";

/** Longest name (as in scenarios). */
export const NAME_MAX = 256;

/** Most ranges in one backing given as {addr, len} objects: 16 bytes each fill the core's 4 GiB. */
export const MAX_RANGES = 2 ** 28;

type Path = (string | number)[];

export function bad(what: string, path: Path, msg: string): never {
  throw new DmaBufError("EINVAL", `${what}: ${path.join(".")} ${msg}`, path);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `v` is an object with no keys beyond `known` (a scenario step's `op` and `expect` may
 * ride along). Returns a frozen copy of its known fields, each read once as an own data
 * property: a getter, an inherited known key (a polluted Object.prototype) or a Proxy
 * trap that throws is EINVAL naming it (./untrusted.ts).
 */
export function checkObject(what: string, v: unknown, known: readonly string[], path: Path = []): Record<string, unknown> {
  if (!isObject(v)) return bad(what, path.length ? path : ["arguments"], "must be an object");
  const refuse = (k: string | undefined, msg: string): never => bad(what, k === undefined ? (path.length ? path : ["arguments"]) : [...path, k], msg);
  for (const k of ownKeys(v, refuse)) {
    if (!known.includes(k) && !(path.length === 0 && (k === "op" || k === "expect"))) bad(what, [...path, k], "is not a known argument");
  }
  return readFields(v, known, refuse);
}

export function checkName(what: string, v: unknown, path: Path): string {
  if (typeof v !== "string") return bad(what, path, "must be a name (a string)");
  if (!v.length) bad(what, path, "cannot be empty");
  if (v.length > NAME_MAX) bad(what, path, `is longer than ${NAME_MAX} characters`);
  return v;
}

export function checkBool(what: string, v: unknown, path: Path): void {
  if (v !== undefined && typeof v !== "boolean") bad(what, path, "must be a boolean");
}

export function checkU64(what: string, v: unknown, path: Path): bigint {
  if (typeof v !== "bigint") return bad(what, path, "must be a bigint");
  if (v < 0n || v > U64_MAX) bad(what, path, "must be in [0, 2^64 - 1]");
  return v;
}

/** A backing spec: kind system or mmio, ranges as {addr, len} objects or a BigUint64Array of pairs. */
export function checkBacking(what: string, v: unknown, path: Path): void {
  const o = checkObject(what, v, ["kind", "ranges"], path);
  if (o.kind !== "system" && o.kind !== "mmio") bad(what, [...path, "kind"], `must be "system" or "mmio", not ${JSON.stringify(o.kind) ?? "undefined"}`);
  const r = o.ranges;
  if (r instanceof BigUint64Array) {
    if (r.length % 2) bad(what, [...path, "ranges"], "must hold addr, len pairs");
    return;
  }
  if (!Array.isArray(r)) return bad(what, [...path, "ranges"], "must be an array of {addr, len} or a BigUint64Array");
  if (r.length > MAX_RANGES) bad(what, [...path, "ranges"], `holds ${r.length} entries, more than ${MAX_RANGES} (the core's 4 GiB could not hold them)`);
  for (let i = 0; i < r.length; i++) {
    if (!(i in r)) bad(what, [...path, "ranges", i], "is a hole (a sparse array)");
    const eo = checkObject(what, r[i], ["addr", "len"], [...path, "ranges", i]);
    checkU64(what, eo.addr, [...path, "ranges", i, "addr"]);
    checkU64(what, eo.len, [...path, "ranges", i, "len"]);
  }
}

/** A list of interconnect names registered with the model; `nonEmpty` as an importer's list must be. */
export function checkInterconnects(what: string, v: unknown, path: Path, known: ReadonlyMap<string, unknown>, nonEmpty: boolean): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) return bad(what, path, "must be an array of interconnect names");
  if (nonEmpty && !v.length) bad(what, path, "cannot be empty");
  v.forEach((n, i) => {
    if (typeof n !== "string" || !known.has(n)) bad(what, [...path, i], `is not a registered interconnect (${[...known.keys()].join(", ")})`);
  });
}

export function checkContainer(what: string, v: unknown, path: Path): void {
  if (v !== undefined && !(CONTAINER_KINDS as readonly unknown[]).includes(v)) bad(what, path, `must be one of ${CONTAINER_KINDS.join(", ")}`);
}
