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

/** Writes up to `max` chunks {addr, len} at out; returns how many (0 = finished).
 *  Each entry is read once (lists, physvec and mapping directly from their plain
 *  {addr, len} arrays, other kinds through readFrom); its chunks go out in a tight loop. */
export function cursorNext(c: usize, out: usize, max: u32): i32 {
  let src = load<u32>(c);
  let kind = hKind(src);
  if (!isEntrySource(kind)) return EBADF;
  let obj = hGet(src, kind);
  if (load<u32>(c, 4)) return 0;
  let k = load<u64>(c, 8);
  let pos = load<u64>(c, 16);
  let off = load<u64>(c, 24);
  let direct = kind == K_LIST || kind == K_PHYSVEC || kind == K_MAPPING;
  let base = direct ? (kind == K_LIST ? entriesOf(obj) : flatData(obj)) : 0;
  let count = direct ? <u64>(kind == K_LIST ? countOf(obj) : flatCount(obj)) : 0;
  let n: u32 = 0;
  let o = out;
  resetReader();
  while (n < max) {
    let a: u64;
    let l: u64;
    if (direct) {
      if (pos >= count) { store<u32>(c, 1, 4); break; }
      let p = base + (<usize>pos << 4);
      a = load<u64>(p);
      l = load<u64>(p, 8);
    } else {
      if (!readFrom(kind, obj, pos)) { store<u32>(c, 1, 4); break; }
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
      if (pos == 0) { store<u32>(c, 1, 4); break; }
    }
  }
  if (direct && pos >= count) store<u32>(c, 1, 4);
  store<u64>(c, pos, 16);
  store<u64>(c, off, 24);
  return <i32>n;
}
