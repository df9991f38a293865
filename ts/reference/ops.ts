/**
 * The range-list operations in plain TypeScript on bigint entries: the oracle the wasm
 * core is tested against and the baseline of the benchmarks. Same rules, same errors.
 */
import { DmaBufError, REASON_TEXT, reasonText } from "../core/errors.js";
import type { Entry } from "../core/range-list.js";
import { U64_MAX, UINT_MAX } from "../core/u64.js";

const M = U64_MAX;
const bad = (index: number, reason: number): never => {
  throw new DmaBufError("EINVAL", `entry ${index}: ${reasonText(reason)}`, [index]);
};
const badArg = (): never => {
  throw new DmaBufError("EINVAL", `argument: ${REASON_TEXT.ARG}`);
};

/** 0 when usable, 1 zero length, 2 wraps. */
export function entryFault(e: Entry): number {
  return e.len === 0n ? 1 : e.len - 1n > M - e.addr ? 2 : 0;
}

function requireValid(list: readonly Entry[]): void {
  list.forEach((e, i) => {
    const f = entryFault(e);
    if (f) bad(i, f);
  });
}

export function validate(list: readonly Entry[], align = 0n): void {
  if (align & (align - 1n)) badArg();
  const mask = align ? align - 1n : 0n;
  list.forEach((e, i) => {
    const f = entryFault(e);
    if (f) bad(i, f);
    if (e.addr & mask) bad(i, 3);
    if (e.len & mask) bad(i, 4);
  });
}

export function total(list: readonly Entry[]): bigint {
  let s = 0n;
  for (const e of list) {
    s += e.len;
    if (s > M) throw new DmaBufError("EOVERFLOW", "sum of len passes 2^64 - 1");
  }
  return s;
}

export function coalesce(list: readonly Entry[]): Entry[] {
  requireValid(list);
  const out: Entry[] = [];
  for (const e of list) {
    const run = out[out.length - 1];
    if (run && run.addr + run.len === e.addr && run.addr + run.len <= M && run.len + e.len <= M) run.len += e.len;
    else out.push({ ...e });
  }
  return out;
}

export function split(list: readonly Entry[], maxSeg: bigint, mask: bigint = M): Entry[] {
  if (maxSeg === 0n || ((mask + 1n) & M & mask) !== 0n) badArg();
  requireValid(list);
  const out: Entry[] = [];
  for (const e of list) {
    let { addr, len } = e;
    while (len > 0n) {
      let seg = len < maxSeg ? len : maxSeg;
      if (mask !== M) {
        const room = mask - (addr & mask) + 1n;
        if (seg > room) seg = room;
      }
      out.push({ addr, len: seg });
      addr = (addr + seg) & M;
      len -= seg;
    }
  }
  return out;
}

function prefix(list: readonly Entry[]): bigint[] {
  requireValid(list);
  let s = 0n;
  return list.map((e) => {
    s += e.len;
    if (s > M) throw new DmaBufError("EOVERFLOW", "sum of len passes 2^64 - 1");
    return s;
  });
}

function find(pre: readonly bigint[], off: bigint): number {
  let lo = 0;
  let hi = pre.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pre[mid]! > off) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function lookup(list: readonly Entry[], off: bigint): { index: number; offset: bigint } {
  const pre = prefix(list);
  const tot = pre.length ? pre[pre.length - 1]! : 0n;
  if (off >= tot) throw new DmaBufError("ERANGE", `offset ${off} is past the end`);
  const i = find(pre, off);
  return { index: i, offset: off - (pre[i]! - list[i]!.len) };
}

/** lookup() for many offsets with one prefix-sum pass: [index, offset] pairs. */
export function lookupMany(list: readonly Entry[], offsets: readonly bigint[]): [number, bigint][] {
  const pre = prefix(list);
  const tot = pre.length ? pre[pre.length - 1]! : 0n;
  return offsets.map((off) => {
    if (off >= tot) throw new DmaBufError("ERANGE", `offset ${off} is past the end`);
    const i = find(pre, off);
    return [i, off - (pre[i]! - list[i]!.len)];
  });
}

export function slice(list: readonly Entry[], off: bigint, length: bigint): Entry[] {
  const pre = prefix(list);
  const tot = pre.length ? pre[pre.length - 1]! : 0n;
  if (off > tot || length > tot - off) throw new DmaBufError("ERANGE", "slice past the end");
  if (length === 0n) return [];
  const i = find(pre, off);
  const j = find(pre, off + length - 1n);
  const out = list.slice(i, j + 1).map((e) => ({ ...e }));
  const head = off - (pre[i]! - list[i]!.len);
  out[0]!.addr += head;
  out[0]!.len -= head;
  out[out.length - 1]!.len -= pre[j]! - (off + length);
  return out;
}

export function translate(list: readonly Entry[], delta: bigint): Entry[] {
  return list.map((e) => ({ addr: (e.addr + delta) & M, len: e.len }));
}

const FNV_BASIS = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

/** FNV-1a 64 over bytes. */
export function fnv1a64(bytes: Uint8Array, h = FNV_BASIS): bigint {
  for (const b of bytes) h = ((h ^ BigInt(b)) * FNV_PRIME) & M;
  return h;
}

export function hash(list: readonly Entry[]): bigint {
  const bytes = new Uint8Array(list.length * 16);
  const dv = new DataView(bytes.buffer);
  list.forEach((e, i) => {
    dv.setBigUint64(16 * i, e.addr, true);
    dv.setBigUint64(16 * i + 8, e.len, true);
  });
  return fnv1a64(bytes);
}

/** Chunks of at most k bytes (0n: whole entries). */
export function chunks(list: readonly Entry[], k = 0n): Entry[] {
  const out: Entry[] = [];
  for (const e of list) {
    let off = 0n;
    while (off < e.len) {
      const rest = e.len - off;
      const take = k && rest > k ? k : rest;
      out.push({ addr: e.addr + off, len: take });
      off += take;
    }
  }
  return out;
}

/** Throws EINVAL (path = later index) when two entries share a byte; entries must be valid. */
export function checkDisjoint(list: readonly Entry[]): void {
  const order = list.map((e, i) => ({ a: e.addr, i })).sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.i - y.i));
  for (let k = 1; k < order.length; k++) {
    const p = order[k - 1]!.i;
    const q = order[k]!.i;
    if (list[p]!.addr + list[p]!.len - 1n >= list[q]!.addr) {
      throw new DmaBufError("EINVAL", `entries ${Math.min(p, q)} and ${Math.max(p, q)} overlap`, [Math.max(p, q)]);
    }
  }
}

/** What an sgt container holds: the list split at min(maxSeg, UINT_MAX) and the mask. */
export function sgtEntries(list: readonly Entry[], maxSeg = UINT_MAX, mask = M): Entry[] {
  return split(list, maxSeg < UINT_MAX ? maxSeg : UINT_MAX, mask);
}
