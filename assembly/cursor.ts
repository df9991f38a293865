// Chunk cursor over any entry source: yields pieces of at most k bytes (k = 0: whole
// entries), never spanning two entries. The source is resolved by handle on every
// call, so a cursor over a freed source reports EBADF instead of reading freed memory.

import { alloc, free } from "./alloc";
import { hGet, hKind } from "./handles";
import { OK, EBADF, EOVERFLOW } from "./errors";
import { setOut } from "./out";
import { isEntrySource, readFrom, ctCount, plainEntries } from "./containers/container";
import { rdA, rdL, rdPos } from "./containers/kind";
import { U64_MAX } from "./list";

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
  s.done = 0;
  s.k = k;
  s.pos = 0;
  s.off = 0;
  return c;
}

export function cursorDestroy(c: usize): void { free(c); }

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
  let ks: u64 = popcnt(kk) == 1 ? ctz(kk) : 64;
  let o = out;
  let oEnd = out + (<usize>max << 4);
  let base = plainEntries(kind, obj);
  let count = base ? ctCount(kind, obj) : 0;
  // one loop for both sources (emitChunks is inlined once): plain records are read
  // straight from their array, other kinds through readFrom
  while (o < oEnd) {
    let a: u64, l: u64;
    if (base) {
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
    o = emitChunks(o, oEnd, a + off, l - off, kk, ks);
    if (leftover) { off = l - leftover; break; }
    off = 0;
    pos++;
    if (pos == 0) { s.done = 1; break; }
  }
  s.pos = pos;
  s.off = off;
  return <i32>((o - out) >> 4);
}

/** XOR of 0, 1, …, n (n = 2^64 - 1 gives 0, so n = q - 1 for q = 0 is the empty XOR):
 *  n, 1, n + 1, 0 for n % 4 = 0, 1, 2, 3, without a branch. */
// @ts-ignore: decorator
@inline function xorUpTo(n: u64): u64 {
  return (n & ~(<u64>1) & ((n & 1) - 1)) | ((n ^ (n >> 1)) & 1);
}

// The running sums of chunkSummary.
let sCount: u64 = 0;
let sBytes: u64 = 0;
let sXor: u64 = 0;
let sOvf: u64 = 0;

/**
 * Adds the chunks of one entry (a, l) to the sums (k = 2^64 - 1 for whole entries). k a
 * power of two (s = log2 k): chunk i starts at ((q + i) << s) | c with q = a >> s, so the
 * XOR is that of the run q .. q + m - 1, shifted, and c once if m is odd. Any other k:
 * one step per chunk.
 */
function addEntry(a: u64, l: u64, k: u64): void {
  let t = sBytes + l;
  sOvf |= <u64>(t < sBytes);
  sBytes = t;
  if (popcnt(k) == 1) {
    let s = ctz(k);
    let mask = k - 1;
    let m = (l >> s) + <u64>((l & mask) != 0);
    let q = a >> s;
    sCount += m;
    sXor ^= ((xorUpTo(q + m - 1) ^ xorUpTo(q - 1)) << s) | (a & mask & (0 - (m & 1)));
  } else if (l) {
    let m = (l - 1) / k + 1;
    sCount += m;
    let x: u64 = 0;
    for (let i: u64 = 0; i < m; i++) {
      x ^= a;
      a += k;
    }
    sXor ^= x;
  }
}

/**
 * The sums over `pairs` pairs of plain entries at p for k = 2^s, s <= 32 (the hot path),
 * two entries per step in v128 lanes. With g(n) = XOR of 0 .. n - 1 (0, n - 1, 1, n for
 * n % 4 = 0 .. 3: (n & ~1 when n is odd) | bit 1 of n), q = a >> s, c = a & (k - 1) and
 * m = ceil(l / k), the chunks XOR to ((g(q + m) ^ g(q)) << s) | (c when m is odd). The
 * lanes hold a and e = a + (m << s), whose bits from s up are q << s and (q + m) << s and
 * whose low bits are both c: every part linear in XOR (bit 1 of n, moved to bit s) is
 * summed across entries and masked once at the end, and per entry only "the value if its
 * bit s is set" remains for e and a; its low bits XOR to c exactly when bits s of e and a
 * differ, that is when m is odd. The count comes from the sums (no variable shift per
 * step): sum(m << s) = bytes + P (mod 2^64) with P = sum((-l) & (k - 1)) < 2^60, so count
 * = (bytes + P) >> s. The bytes are summed mod 2^64 beside the sum of their high 32-bit
 * halves, which gives the exact sum (no lane can wrap: at most LIST_MAX entries) for the
 * overflow check.
 */
function sumPairs(p: usize, pairs: usize, k: u64): void {
  let vm = i64x2.splat(k - 1);
  let vk = i64x2.splat(k);
  let zero = i64x2.splat(0);
  let vl = zero, vh = zero, vM = zero, vT = zero, vU = zero;
  for (let stop = p + (pairs << 5); p < stop; p += 32) {
    let e0 = v128.load(p), e1 = v128.load(p, 16);
    let a = v128.shuffle<i64>(e0, e1, 0, 2);
    let l = v128.shuffle<i64>(e0, e1, 1, 3);
    vl = i64x2.add(vl, l);
    vh = i64x2.add(vh, i64x2.shr_u(l, 32));
    let mm = v128.andnot(i64x2.add(l, vm), vm);
    vM = i64x2.add(vM, mm);
    let e = i64x2.add(a, mm);
    vT = v128.xor(vT, v128.xor(v128.andnot(e, i64x2.eq(v128.and(e, vk), zero)), v128.andnot(a, i64x2.eq(v128.and(a, vk), zero))));
    vU = v128.xor(vU, v128.xor(e, a));
  }
  let bytes: u64 = i64x2.extract_lane(vl, 0) + i64x2.extract_lane(vl, 1);
  let hi: u64 = i64x2.extract_lane(vh, 0) + i64x2.extract_lane(vh, 1);
  hi += (bytes - (hi << 32)) >> 32;
  sOvf = <u64>(hi > 0xFFFF_FFFF);
  sBytes = bytes;
  let P: u64 = i64x2.extract_lane(vM, 0) + i64x2.extract_lane(vM, 1) - bytes;
  let s = ctz(k);
  sCount = (bytes >> s) + (((bytes & (k - 1)) + P) >> s);
  let U: u64 = i64x2.extract_lane(vU, 0) ^ i64x2.extract_lane(vU, 1);
  sXor = ((<u64>i64x2.extract_lane(vT, 0) ^ <u64>i64x2.extract_lane(vT, 1)) & ~k) ^ ((U >> 1) & k);
}

/**
 * The chunks a cursor with chunk size k would hand out, reduced in one pass: OUT[0] =
 * number of chunks, OUT[1] = their bytes, OUT[2] = XOR of their addresses (mod 2^64);
 * EOVERFLOW when the bytes pass 2^64 - 1. An entry of len l gives ceil(l / k) chunks
 * (1 for k = 0, none for l = 0) starting at a, a + k, a + 2k, …; for k = 0 or a power of
 * two each entry takes O(1), for any other k one step per chunk.
 */
export function chunkSummary(kind: u32, obj: usize, k: u64): i32 {
  sCount = 0;
  sBytes = 0;
  sXor = 0;
  sOvf = 0;
  let p = plainEntries(kind, obj);
  let pos: u64 = 0;
  // plain records (positions are ordinals) go two at a time; the rest one by one
  if (p && popcnt(k) == 1 && k <= 0x1_0000_0000) {
    pos = ctCount(kind, obj) >> 1;
    sumPairs(p, <usize>pos, k);
    pos <<= 1;
  }
  for (let kk = k ? k : U64_MAX; readFrom(kind, obj, pos); ) {
    addEntry(rdA, rdL, kk);
    pos = rdPos + 1;
    if (pos == 0) break;
  }
  if (sOvf) return EOVERFLOW;
  setOut(0, sCount);
  setOut(1, sBytes);
  setOut(2, sXor);
  return OK;
}
