/**
 * Reading objects that user code hands the model (ops tables, products, arguments,
 * options) the way a hostile one cannot exploit (docs/rules.md#ops-contract):
 * - every field is read once, as an own data property: a getter or setter, an
 *   inherited key that the model knows, or a Proxy trap that throws is a DmaBufError
 *   naming the field, never a raw TypeError and never a value from Object.prototype;
 * - ops are synchronous: an op that returns a thenable (a Promise) is EPROTO, its
 *   settlement is observed (never an unhandled rejection) and a map product it
 *   fulfils with is given back (entries disposed, release() called);
 * - lists the model owns (backings, mappings' containers) are marked, so a product
 *   that returns one of them is refused instead of freed.
 */
import { DmaBufError } from "../core/errors.js";
import { CoreObject } from "../core/handle.js";

/** A message fragment for something user code threw. */
export function thrown(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return "an unprintable value";
  }
}

/** How a reader reports a field it cannot take: the field's key and what is wrong. */
export type Refuse = (key: string | undefined, msg: string) => never;

/** The own enumerable keys of `o` (a Proxy's ownKeys trap that throws is refused). */
export function ownKeys(o: object, refuse: Refuse): string[] {
  try {
    return Object.keys(o);
  } catch (e) {
    return refuse(undefined, `its keys cannot be read (threw ${thrown(e)})`);
  }
}

/**
 * Field `key` of `o`, read once as an own data property. Absent: undefined, unless an
 * inherited `key` exists (polluted Object.prototype, a class's method): refused.
 */
export function ownData(o: object, key: string, refuse: Refuse): unknown {
  let d: PropertyDescriptor | undefined;
  try {
    d = Object.getOwnPropertyDescriptor(o, key);
    if (!d && key in o) return refuse(key, "is inherited, not an own property (the model reads own data properties only)");
  } catch (e) {
    if (e instanceof DmaBufError) throw e;
    return refuse(key, `cannot be read (threw ${thrown(e)})`);
  }
  if (!d) return undefined;
  if (!("value" in d)) return refuse(key, "is a getter or setter, not a data property");
  return d.value;
}

/** A plain, frozen copy of `o`'s fields in `fields` (own data properties; absent fields are left out). */
export function readFields(o: object, fields: Iterable<string>, refuse: Refuse): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of fields) {
    const v = ownData(o, k, refuse);
    if (v !== undefined) out[k] = v;
  }
  return Object.freeze(out);
}

/** Whether `v` is an async function (refused where an op is expected: ops are synchronous). */
export function isAsyncFunction(v: unknown): boolean {
  if (typeof v !== "function") return false;
  const tag = Object.prototype.toString.call(v);
  return tag === "[object AsyncFunction]" || tag === "[object AsyncGeneratorFunction]";
}

/** Whether `v` is a thenable; a `then` that cannot even be read counts as one (it is hostile). */
function isThenable(v: unknown): v is PromiseLike<unknown> {
  if ((typeof v !== "object" || v === null) && typeof v !== "function") return false;
  try {
    return typeof (v as { then?: unknown }).then === "function";
  } catch {
    return true;
  }
}

/** Gives back a map product that arrived too late (an async op's): its entries and release(). */
function giveBackLate(v: unknown): void {
  try {
    if (typeof v !== "object" || v === null) return;
    const p = v as { entries?: unknown; release?: unknown };
    const e = p.entries;
    if (e instanceof CoreObject && !isOwned(e)) e.dispose();
    if (typeof p.release === "function") p.release();
  } catch {
    // the op broke the contract already; what its late product does is not the model's
  }
}

/**
 * `v`, the return value of user code `who`, unless it is a thenable: then its
 * settlement is observed (a rejection is handled, a fulfilled product given back) and
 * the call is EPROTO (ops are synchronous). The error's `cause` is the thenable.
 */
export function notThenable<T>(who: string, v: T): T {
  if (!isThenable(v)) return v;
  try {
    v.then(giveBackLate, () => {});
  } catch {
    // a thenable whose then throws settles nothing
  }
  const err = new DmaBufError("EPROTO", `${who} returned a thenable (a Promise): ops are synchronous`);
  Object.defineProperty(err, "cause", { value: v });
  throw err;
}

const owned = new WeakSet<object>();

/** Marks a list or container as the model's (a backing, a mapping's container): a product may not return it. */
export function own<T extends object>(x: T): T {
  owned.add(x);
  return x;
}

/** Whether the model owns `x`. */
export function isOwned(x: object): boolean {
  return owned.has(x);
}
