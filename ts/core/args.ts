/**
 * Argument checks of the public API. A value of the wrong type (not a bigint, NaN, a
 * fraction, not an object, ...) is DmaBufError EINVAL; an integer of the right type
 * outside its range is ERANGE. Both name the function and the argument, and are thrown
 * before anything changes.
 */
import { DmaBufError } from "./errors.js";

const U64_MAX = 0xffff_ffff_ffff_ffffn;

function describe(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  if (typeof v === "symbol") return "a symbol";
  if (typeof v === "function") return "a function";
  return Array.isArray(v) ? "an array" : `a ${(v as object).constructor?.name ?? "object"}`;
}

function invalid(what: string, name: string, rule: string, v: unknown): never {
  throw new DmaBufError("EINVAL", `${what}: ${name} must be ${rule}, got ${describe(v)}`, [name]);
}

function outOfRange(what: string, name: string, rule: string, v: unknown): never {
  throw new DmaBufError("ERANGE", `${what}: ${name} = ${describe(v)} is out of range (${rule})`, [name]);
}

/** A u64: a bigint in [0, 2^64 - 1]. */
export function u64Arg(v: unknown, what: string, name: string): bigint {
  if (typeof v !== "bigint") invalid(what, name, "a bigint", v);
  if (v < 0n || v > U64_MAX) outOfRange(what, name, "0 to 2^64 - 1", v);
  return v;
}

/** A signed offset in (-2^64, 2^64), reduced to u64 (two's complement). */
export function deltaArg(v: unknown, what: string, name: string): bigint {
  if (typeof v !== "bigint") invalid(what, name, "a bigint", v);
  if (v < -U64_MAX || v > U64_MAX) outOfRange(what, name, "-(2^64 - 1) to 2^64 - 1", v);
  return BigInt.asUintN(64, v);
}

/** An integer Number in [min, max]. */
export function countArg(v: unknown, what: string, name: string, max: number, min = 0): number {
  if (typeof v !== "number" || !Number.isInteger(v)) invalid(what, name, "an integer number", v);
  if (v < min || v > max) outOfRange(what, name, `${min} to ${max}`, v);
  return v;
}

/** A u64 given as a bigint or a safe integer Number. */
export function u64LikeArg(v: unknown, what: string, name: string): bigint {
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) invalid(what, name, "a bigint or a safe integer", v);
    v = BigInt(v);
  }
  return u64Arg(v, what, name);
}

/** True when v is a typed array of that class, from this realm or another (a worker, a vm context). */
function isTyped(v: unknown, tag: string): boolean {
  return ArrayBuffer.isView(v) && (v as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] === tag;
}

/** A BigUint64Array. */
export function wordsArg(v: unknown, what: string, name: string): BigUint64Array {
  if (!isTyped(v, "BigUint64Array")) invalid(what, name, "a BigUint64Array", v);
  return v as BigUint64Array;
}

/** An options object (or undefined: {}). */
export function optionsArg<T extends object>(v: unknown, what: string, name: string): T {
  if (v === undefined) return {} as T;
  if (typeof v !== "object" || v === null || Array.isArray(v)) invalid(what, name, "an options object", v);
  return v as T;
}

/** One of a fixed set of strings. */
export function oneOfArg<T extends string>(v: unknown, options: readonly T[], what: string, name: string): T {
  if (typeof v !== "string" || !(options as readonly string[]).includes(v)) invalid(what, name, `one of ${options.map((o) => `"${o}"`).join(", ")}`, v);
  return v as T;
}

/** A function. */
export function fnArg<F extends (...a: never[]) => unknown>(v: unknown, what: string, name: string): F {
  if (typeof v !== "function") invalid(what, name, "a function", v);
  return v as F;
}

/** An instance of a class. */
export function instanceArg<T>(v: unknown, cls: { readonly prototype: T; readonly name: string }, what: string, name: string): T {
  if (!(v instanceof (cls as unknown as new () => T))) invalid(what, name, `a ${cls.name}`, v);
  return v;
}

/** A string. */
export function stringArg(v: unknown, what: string, name: string): string {
  if (typeof v !== "string") invalid(what, name, "a string", v);
  return v;
}

/** A Uint8Array. */
export function bytesArg(v: unknown, what: string, name: string): Uint8Array {
  if (!isTyped(v, "Uint8Array")) invalid(what, name, "a Uint8Array", v);
  return v as Uint8Array;
}
