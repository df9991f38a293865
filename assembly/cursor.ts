// Chunk cursor over any entry source: yields pieces of at most k bytes (k = 0: whole
// entries), never spanning two entries. State (32 bytes): src handle u32 | done u32 |
// k u64 | pos u64 | off u64. The source is resolved by handle on every call, so a
// cursor over a freed source reports EBADF instead of reading freed memory.

import { alloc, free } from "./alloc";
import { hGet, hKind, K_LIST, K_PHYSVEC, K_MAPPING } from "./handles";
import { entriesOf, countOf } from "./list";
import { flatData, flatCount } from "./containers/flat";
import { EBADF } from "./errors";
import { isEntrySource, readFrom, resetReader, rdA, rdL, rdPos } from "./containers/container";

export function cursorCreate(src: u32, k: u64): usize {
  let c = alloc(32);
  if (!c) return 0;
  store<u32>(c, src);
  store<u32>(c, 0, 4);
  store<u64>(c, k, 8);
  store<u64>(c, 0, 16);
  store<u64>(c, 0, 24);
  return c;
}

export function cursorDestroy(c: usize): void { free(c); }

export function cursorReset(c: usize): void {
  store<u32>(c, 0, 4);
  store<u64>(c, 0, 16);
  store<u64>(c, 0, 24);
}

/** Bytes of the entry still to emit after emitChunks: 0 when it is done. */
let leftover: u64 = 0;

/**
 * Writes the chunks of `rem` bytes from `a` (pieces of kk bytes, then the tail) at o,
 * stopping at oEnd; returns the new o and leaves the bytes not written in `leftover`.
 * The full chunks go out in a counted loop of one v128 store each (a shift, not a
 * division, when kk is a power of two).
 */
// @ts-ignore: decorator
@inline function emitChunks(o: usize, oEnd: usize, a: u64, rem: u64, kk: u64, ks: u64): usize {
  if (rem > kk) {
    let full = <usize>(ks < 64 ? (rem - 1) >> ks : (rem - 1) / kk);
    let room = (oEnd - o) >> 4;
    if (full > room) full = room;
    let stop = o + (full << 4);
    let v = i64x2.replace_lane(i64x2.splat(a), 1, kk);
    let inc = i64x2.replace_lane(i64x2.splat(kk), 1, 0);
    while (o < stop) {
      v128.store(o, v);
      v = i64x2.add(v, inc);
      o += 16;
    }
    a += <u64>full * kk;
    rem -= <u64>full * kk;
  }
  if (rem && o < oEnd) {
    store<u64>(o, a);
    store<u64>(o, rem, 8);
    o += 16;
    rem = 0;
  }
  leftover = rem;
  return o;
}

/** Writes up to `max` chunks {addr, len} at out; returns how many (0 = finished).
 *  Lists, physvec and mapping are read straight from their plain {addr, len} arrays;
 *  other kinds go through readFrom, one entry at a time. */
export function cursorNext(c: usize, out: usize, max: u32): i32 {
  let src = load<u32>(c);
  let kind = hKind(src);
  if (!isEntrySource(kind)) return EBADF;
  let obj = hGet(src, kind);
  if (load<u32>(c, 4)) return 0;
  let k = load<u64>(c, 8);
  let pos = load<u64>(c, 16);
  let off = load<u64>(c, 24);
  // k = 0: whole entries (a piece never exceeds the entry's rest)
  let kk = k ? k : 0xFFFF_FFFF_FFFF_FFFF;
  let ks: u64 = (kk & (kk - 1)) == 0 ? ctz(kk) : 64;
  let o = out;
  let oEnd = out + (<usize>max << 4);
  if (kind == K_LIST || kind == K_PHYSVEC || kind == K_MAPPING) {
    let count = <u64>(kind == K_LIST ? countOf(obj) : flatCount(obj));
    let p = (kind == K_LIST ? entriesOf(obj) : flatData(obj)) + (<usize>pos << 4);
    while (o < oEnd && pos < count) {
      let l = load<u64>(p, 8);
      o = emitChunks(o, oEnd, load<u64>(p) + off, l - off, kk, ks);
      if (leftover) { off = l - leftover; break; }
      off = 0;
      pos++;
      p += 16;
    }
    if (pos >= count) store<u32>(c, 1, 4);
  } else {
    resetReader();
    while (o < oEnd) {
      if (!readFrom(kind, obj, pos)) { store<u32>(c, 1, 4); break; }
      pos = rdPos;
      o = emitChunks(o, oEnd, rdA + off, rdL - off, kk, ks);
      if (leftover) { off = rdL - leftover; break; }
      off = 0;
      pos++;
      if (pos == 0) { store<u32>(c, 1, 4); break; }
    }
  }
  store<u64>(c, pos, 16);
  store<u64>(c, off, 24);
  return <i32>((o - out) >> 4);
}
