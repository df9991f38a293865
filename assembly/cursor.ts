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

/** Writes up to `max` chunks {addr, len} at out; returns how many (0 = finished).
 *  Each entry is read once (lists and kinds with plain {addr, len} records directly
 *  from their arrays, other kinds through readFrom); its chunks go out in a tight loop. */
export function cursorNext(c: usize, out: usize, max: u32): i32 {
  let s = changetype<Cursor>(c);
  let kind = hKind(s.src);
  if (!isEntrySource(kind)) return EBADF;
  let obj = hGet(s.src, kind);
  if (s.done) return 0;
  let k = s.k;
  let pos = s.pos;
  let off = s.off;
  let base = plainEntries(kind, obj);
  let direct = base != 0;
  let count = direct ? ctCount(kind, obj) : 0;
  let n: u32 = 0;
  let o = out;
  while (n < max) {
    let a: u64;
    let l: u64;
    if (direct) {
      if (pos >= count) { s.done = 1; break; }
      let p = base + (<usize>pos << 4);
      a = load<u64>(p);
      l = load<u64>(p, 8);
    } else {
      if (!readFrom(kind, obj, pos)) { s.done = 1; break; }
      pos = rdPos;
      a = rdA;
      l = rdL;
    }
    let step = k ? k : l;
    while (n < max && off < l) {
      let rest = l - off;
      let take = rest > step ? step : rest;
      store<u64>(o, a + off);
      store<u64>(o, take, 8);
      o += 16;
      n++;
      off += take;
    }
    if (off == l) {
      off = 0;
      pos++;
      if (pos == 0) { s.done = 1; break; }
    }
  }
  if (direct && pos >= count) s.done = 1;
  s.pos = pos;
  s.off = off;
  return <i32>n;
}
