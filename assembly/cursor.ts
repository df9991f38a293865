// Chunk cursor over any entry source: yields pieces of at most k bytes (k = 0: whole
// entries), never spanning two entries. The source is resolved by handle on every
// call, so a cursor over a freed source reports EBADF instead of reading freed memory.

import { alloc, free } from "./alloc";
import { hGet, hKind } from "./handles";
import { EBADF } from "./errors";
import { isEntrySource, readFrom, ctCount, plainEntries } from "./containers/container";
import { rdA, rdL, rdPos } from "./containers/kind";

/** A cursor's state. */
@unmanaged class Cursor {
  /** Handle of the source. */
  src: u32;
  /** 1 once the last chunk went out. */
  done: u32;
  /** Largest chunk (0: whole entries). */
  k: u64;
  /** Position of the current entry. */
  pos: u64;
  /** Bytes of it already handed out. */
  off: u64;
}

export function cursorCreate(src: u32, k: u64): usize {
  let c = alloc(offsetof<Cursor>());
  if (!c) return 0;
  let s = changetype<Cursor>(c);
  s.src = src;
  s.k = k;
  cursorReset(c);
  return c;
}

export function cursorDestroy(c: usize): void { free(c); }

export function cursorReset(c: usize): void {
  let s = changetype<Cursor>(c);
  s.done = 0;
  s.pos = 0;
  s.off = 0;
}

/** Bytes of the entry still to emit after emitChunks: 0 when it is done. */
let leftover: u64 = 0;

/**
 * Writes the chunks of `rem` bytes from `a` (pieces of kk bytes, then the tail) at o,
 * stopping at oEnd; returns the new o and leaves the bytes not written in `leftover`.
 * The full chunks go out in a counted loop of one v128 store each (a shift, not a
 * division, when kk is a power of two: ks < 64).
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
 *  Lists and kinds with plain {addr, len} records are read straight from their arrays;
 *  other kinds go through readFrom, one entry at a time. */
export function cursorNext(c: usize, out: usize, max: u32): i32 {
  let s = changetype<Cursor>(c);
  let kind = hKind(s.src);
  if (!isEntrySource(kind)) return EBADF;
  let obj = hGet(s.src, kind);
  if (s.done) return 0;
  let pos = s.pos;
  let off = s.off;
  // k = 0: whole entries (a piece never exceeds the entry's rest)
  let kk = s.k ? s.k : 0xFFFF_FFFF_FFFF_FFFF;
  let ks: u64 = (kk & (kk - 1)) == 0 ? ctz(kk) : 64;
  let o = out;
  let oEnd = out + (<usize>max << 4);
  let base = plainEntries(kind, obj);
  if (base) {
    let count = ctCount(kind, obj);
    let p = base + (<usize>pos << 4);
    while (o < oEnd && pos < count) {
      let l = load<u64>(p, 8);
      o = emitChunks(o, oEnd, load<u64>(p) + off, l - off, kk, ks);
      if (leftover) { off = l - leftover; break; }
      off = 0;
      pos++;
      p += 16;
    }
    if (pos >= count) s.done = 1;
  } else {
    while (o < oEnd) {
      if (!readFrom(kind, obj, pos)) { s.done = 1; break; }
      pos = rdPos;
      o = emitChunks(o, oEnd, rdA + off, rdL - off, kk, ks);
      if (leftover) { off = rdL - leftover; break; }
      off = 0;
      pos++;
      if (pos == 0) { s.done = 1; break; }
    }
  }
  s.pos = pos;
  s.off = off;
  return <i32>((o - out) >> 4);
}
