// Entry lists: `count` entries of {addr: u64, len: u64} (16 bytes, little-endian) in
// one block, plus a lazily built prefix-sum array for O(log n) byte-offset lookup.
// Every operation that returns a list returns a new one (in `made`, see out.ts);
// inputs are never changed.

import { alloc, free, shrink, blockBytes } from "./alloc";
import { OK, ENOMEM, ERANGE, EOVERFLOW, R_ZERO_LEN, R_WRAP, R_ADDR_ALIGN, R_LEN_ALIGN, R_ARG, R_OVERLAP } from "./errors";
import { setOut, invalid, made } from "./out";

/** One entry (a phys_vec): `len` bytes from `addr`. Loops below read it as load<u64>(p)
 *  and load<u64>(p, 8), which the Entry layout pins (checked by the seam test). */
@unmanaged export class Entry {
  addr: u64;
  len: u64;
}
export const ENTRY: usize = offsetof<Entry>();

/** A list's header. */
@unmanaged export class ListHdr {
  /** The entry array: `count` Entry records. */
  entries: u32;
  count: u32;
  /** Prefix sums: `count` u64 end offsets, 0 until first needed. */
  prefix: u32;
  spare: u32;
}
export const U64_MAX: u64 = 0xFFFF_FFFF_FFFF_FFFF;
/** Most entries in one list. */
export const LIST_MAX: u32 = 0x0FFF_FFFF;

// @ts-ignore: decorator
@inline export function entriesOf(hdr: usize): usize { return <usize>changetype<ListHdr>(hdr).entries; }
// @ts-ignore: decorator
@inline export function countOf(hdr: usize): u32 { return changetype<ListHdr>(hdr).count; }
// @ts-ignore: decorator
@inline function prefixOf(hdr: usize): usize { return <usize>changetype<ListHdr>(hdr).prefix; }

/** Allocates a list header and room for `count` entries; 0 when out of memory. */
export function listCreate(count: u64): usize {
  if (count > <u64>LIST_MAX) return 0;
  let hdr = alloc(offsetof<ListHdr>());
  if (!hdr) return 0;
  let e = alloc(max<usize>(<usize>count * ENTRY, 16));
  if (!e) { free(hdr); return 0; }
  let l = changetype<ListHdr>(hdr);
  l.entries = <u32>e;
  l.count = <u32>count;
  l.prefix = 0;
  l.spare = 0;
  return hdr;
}

/** Frees a list and its prefix sums. */
export function listDestroy(hdr: usize): void {
  free(entriesOf(hdr));
  free(prefixOf(hdr));
  free(hdr);
}

/** Drops cached prefix sums (after the entries were written). */
export function listTouch(hdr: usize): void {
  free(prefixOf(hdr));
  changetype<ListHdr>(hdr).prefix = 0;
}

/** Sets the final count of a list filled with fewer entries than allocated. */
export function listTruncate(hdr: usize, count: u32): void {
  changetype<ListHdr>(hdr).count = count;
  shrink(entriesOf(hdr), max<usize>(<usize>count * ENTRY, 16));
}

/** Bytes the list occupies (header, entries, prefix sums). */
export function listBytes(hdr: usize): u64 {
  return blockBytes(hdr) + blockBytes(entriesOf(hdr)) + blockBytes(prefixOf(hdr));
}

/** Reason an entry is not usable (0 = fine): zero length or addr + len - 1 wraps. */
// @ts-ignore: decorator
@inline export function entryFault(addr: u64, len: u64): u64 {
  return len == 0 ? R_ZERO_LEN : (len - 1 > ~addr ? R_WRAP : 0);
}

/** OK, or EINVAL at the first entry with len == 0 or a wrap. */
export function firstFault(src: usize, n: u32): i32 {
  let end = src + <usize>n * ENTRY;
  for (let p = src; p < end; p += ENTRY) {
    let a = load<u64>(p);
    let l = load<u64>(p, 8);
    if (l - 1 > ~a || l == 0) return invalid(<u64>((p - src) >> 4), entryFault(a, l));
  }
  return OK;
}

/** EINVAL at the first entry with len == 0, a wrap, or (align > 0) a misaligned addr or len. */
export function listValidate(hdr: usize, align: u64): i32 {
  if (align & (align - 1)) return invalid(U64_MAX, R_ARG);
  let mask = align ? align - 1 : 0;
  let p = entriesOf(hdr);
  let n = countOf(hdr);
  for (let i: u32 = 0; i < n; i++, p += ENTRY) {
    let a = load<u64>(p);
    let l = load<u64>(p, 8);
    let f = entryFault(a, l);
    if (f) return invalid(i, f);
    if (a & mask) return invalid(i, R_ADDR_ALIGN);
    if (l & mask) return invalid(i, R_LEN_ALIGN);
  }
  return OK;
}

/** OUT[0] = sum of len; EOVERFLOW when it passes 2^64 - 1. */
export function listTotal(hdr: usize): i32 {
  let p = entriesOf(hdr);
  let end = p + <usize>countOf(hdr) * ENTRY;
  let s: u64 = 0;
  for (; p < end; p += ENTRY) {
    let t = s + load<u64>(p, 8);
    if (t < s) return EOVERFLOW;
    s = t;
  }
  setOut(0, s);
  return OK;
}

/** OUT[0] = lowest addr, OUT[1] = highest last byte (addr + len - 1). Needs valid entries. */
export function listBounds(hdr: usize): i32 {
  let p = entriesOf(hdr);
  let n = countOf(hdr);
  let lo: u64 = U64_MAX;
  let hi: u64 = 0;
  for (let i: u32 = 0; i < n; i++, p += ENTRY) {
    let a = load<u64>(p);
    let l = load<u64>(p, 8);
    let f = entryFault(a, l);
    if (f) return invalid(i, f);
    if (a < lo) lo = a;
    if (a + (l - 1) > hi) hi = a + (l - 1);
  }
  setOut(0, lo);
  setOut(1, hi);
  return OK;
}

/** Merges runs where a.addr + a.len == b.addr (without wrapping). Needs valid entries. */
export function listCoalesce(hdr: usize): i32 {
  let n = countOf(hdr);
  let src = entriesOf(hdr);
  let out = listCreate(n);
  if (!out) return ENOMEM;
  let dst = entriesOf(out);
  let m: u32 = 0;
  let bad = false;
  if (n) {
    // branch-free: the current run is rewritten at d every step and d moves on when a
    // run ends (selects, not a branch that mispredicts on ~30% random merges)
    let ra = load<u64>(src);
    let rl = load<u64>(src, 8);
    let d = dst;
    store<u64>(d, ra);
    store<u64>(d, rl, 8);
    let end = src + <usize>n * ENTRY;
    for (let p = src + ENTRY; p < end; p += ENTRY) {
      let a = load<u64>(p);
      let l = load<u64>(p, 8);
      bad |= (l - 1 > ~a) | (l == 0);
      let re = ra + rl;
      let merge = (re == a) & (re != 0) & (rl + l > rl);
      d += select<usize>(0, ENTRY, merge);
      ra = select<u64>(ra, a, merge);
      rl = select<u64>(rl + l, l, merge);
      store<u64>(d, ra);
      store<u64>(d, rl, 8);
    }
    m = <u32>((d - dst) >> 4) + 1;
    // validity is checked in the same pass; the first bad entry is then looked up
    let l0 = load<u64>(src, 8);
    bad |= (l0 - 1 > ~load<u64>(src)) | (l0 == 0);
  }
  if (bad) {
    listDestroy(out);
    return firstFault(src, n);
  }
  listTruncate(out, m);
  made = out;
  return OK;
}

// listSplit's parts are @inline: each is called once per call, and inlined the module
// stays as small as when they were one function (the browser bundle has a budget).

/** What splitPieces returns for an entry whose pieces are more than a list holds. */
const SPLIT_MANY: u64 = U64_MAX;

/** The pieces of one valid entry (1 when it needs no cut), or SPLIT_MANY. */
function splitPieces(a: u64, l: u64, maxSeg: u64, mask: u64): u64 {
  let noMask = mask == U64_MAX;
  if (l <= maxSeg && (noMask || (a & mask) + (l - 1) <= mask)) return 1;
  // at least ceil(l / maxSeg) pieces: more than a list holds would take ages to count
  if ((l - 1) / maxSeg >= <u64>LIST_MAX) return SPLIT_MANY;
  let pieces: u64 = 0;
  // one per window touched when a window is never cut (no wrap: the entry is valid)
  if (noMask) pieces = (l - 1) / maxSeg + 1;
  else if (maxSeg > mask) pieces = ((a & mask) + (l - 1) >> <u64>ctz(mask + 1)) + 1;
  else {
    while (l) {
      let seg = l < maxSeg ? l : maxSeg;
      let room = mask - (a & mask) + 1;
      if (seg > room) seg = room;
      a += seg;
      l -= seg;
      if (++pieces > <u64>LIST_MAX) break;
    }
  }
  return pieces > <u64>LIST_MAX ? SPLIT_MANY : pieces;
}

// The output of a split, written in one pass: a block of `cap` entries from `base`,
// grown (doubled, copied) when an entry needs more room than is left. 0 = failed.
let spBase: usize = 0;
let spLim: usize = 0;

/** Room for `need` more entries at d (d inside the block); the new d, or 0 when the
 *  entries would be more than a list holds or memory is out. Doubles the block (or, when
 *  memory is short, grows it by just what is needed). */
function splitGrow(d: usize, need: u64): usize {
  let used = d - spBase;
  let want = (<u64>used >> 4) + need;
  if (want > <u64>LIST_MAX) return 0;
  let cap = max<u64>(want, min<u64>(<u64>(spLim - spBase) >> 3, <u64>LIST_MAX));
  let b = alloc(<usize>(cap << 4));
  if (!b) {
    cap = want;
    b = alloc(<usize>max<u64>(cap << 4, 16));
    if (!b) return 0;
  }
  memory.copy(b, spBase, used);
  free(spBase);
  spBase = b;
  spLim = b + <usize>(cap << 4);
  return b + used;
}

/**
 * Writes the pieces of entries [p, end) from d, the general way: each entry's pieces are
 * counted (splitPieces), room is made, then they are written. Returns the end of the
 * written entries, or 0 when an entry is bad (p is then left where it failed: the
 * caller reports the first bad entry) or the pieces are more than a list holds.
 */
function splitRest(p: usize, end: usize, d: usize, maxSeg: u64, mask: u64): usize {
  let noMask = mask == U64_MAX;
  for (; p < end; p += ENTRY) {
    let a = load<u64>(p);
    let l = load<u64>(p, 8);
    if (l - 1 > ~a || l == 0) return 0;
    let c: u64 = l <= maxSeg && (noMask || (a & mask) + (l - 1) <= mask) ? 1 : splitPieces(a, l, maxSeg, mask);
    if (c == SPLIT_MANY) return 0;
    if (<u64>(spLim - d) < c << 4) {
      d = splitGrow(d, c);
      if (!d) return 0;
    }
    if (c == 1) {
      store<u64>(d, a);
      store<u64>(d, l, 8);
      d += ENTRY;
      continue;
    }
    while (l) {
      let seg = l < maxSeg ? l : maxSeg;
      if (!noMask) {
        let room = mask - (a & mask) + 1;
        if (seg > room) seg = room;
      }
      store<u64>(d, a);
      store<u64>(d, seg, 8);
      d += ENTRY;
      a += seg;
      l -= seg;
    }
  }
  return d;
}

/**
 * Without a mask: two entries per step in v128 lanes are checked and copied while none
 * is bad (l - 1 > ~a, or l == 0) or longer than maxSeg (l - 1 > maxSeg - 1, which l == 0
 * is too) and the block has room; returns where it stopped (the first step not copied).
 */
// @ts-ignore: decorator
@inline function splitCopyNoMask(p: usize, end: usize, d: usize, ms: v128, K: v128): usize {
  let stop = p + min<usize>((end - p) & ~31, (spLim - d) & ~31);
  for (; p < stop; p += 32, d += 32) {
    let e0 = v128.load(p), e1 = v128.load(p, 16);
    let x = i64x2.add(v128.shuffle<i64>(e0, e1, 1, 3), K);
    if (v128.any_true(v128.or(i64x2.gt_s(x, v128.xor(v128.shuffle<i64>(e0, e1, 0, 2), K)), i64x2.gt_s(x, ms)))) break;
    v128.store(d, e0);
    v128.store(d, e1, 16);
  }
  return p;
}

/**
 * With pieces that end only at (mask + 1) boundaries (maxSeg > mask): an entry touching
 * c <= 3 windows is written without a branch on c: a middle window at d + 16, then its
 * last piece at d + 16 (c - 1), then its first piece at d (so each overwrites what c
 * does not keep). Room for 3 pieces is checked per entry. Stops at the first entry that
 * touches more windows, at an entry with no room, or at end; sets spBad when a bad entry
 * was written (its pieces are garbage: the call fails). Returns where it stopped; d in spD.
 */
let spD: usize = 0;
let spBad = false;
function splitWindows(p: usize, end: usize, d: usize, mask: u64): usize {
  let sh = ctz(mask + 1);
  let w = mask + 1;
  let bad = false;
  // each entry takes at most 3 pieces of room: entries up to stop fit
  let stop = p + min<usize>(end - p, (spLim - d) / (3 * ENTRY) * ENTRY);
  for (; p < stop; p += ENTRY) {
    let a = load<u64>(p);
    let l = load<u64>(p, 8);
    let l1 = l - 1;
    let e = a + l1;
    bad |= (e < a) | (l == 0);
    let r = a & mask;
    let c1 = (r + l1) >> sh; // windows touched - 1 (for a valid entry)
    if (c1 > 2) break;
    store<u64>(d, a - r + w, 16);
    store<u64>(d, w, 24);
    let q = d + (<usize>c1 << 4);
    store<u64>(q, e & ~mask);
    store<u64>(q, (e & mask) + 1, 8);
    store<u64>(d, a);
    store<u64>(d, select<u64>(w - r, l, c1 != 0), 8);
    d = q + ENTRY;
  }
  spD = d;
  spBad = bad;
  return p;
}

/** Splits every entry so no piece exceeds maxSeg bytes or crosses a (mask + 1) boundary,
 *  in one pass: entries are checked as they are written, into a block grown as needed
 *  (fast loops for the common cases, splitRest for an entry they leave). */
export function listSplit(hdr: usize, maxSeg: u64, mask: u64): i32 {
  if (maxSeg == 0 || ((mask + 1) & mask) != 0) return invalid(U64_MAX, R_ARG);
  let n = countOf(hdr);
  let src = entriesOf(hdr);
  let end = src + <usize>n * ENTRY;
  let noMask = mask == U64_MAX;
  let windows = !noMask && maxSeg > mask;
  // room for each entry as one piece (three when windows cut them: the common case)
  let cap = min<u64>(<u64>n * (windows ? 3 : 1), <u64>LIST_MAX);
  spBase = alloc(<usize>max<u64>(cap << 4, 16));
  if (!spBase && windows) {
    cap = n;
    spBase = alloc(<usize>max<u64>(cap << 4, 16));
  }
  if (!spBase) return ENOMEM;
  spLim = spBase + <usize>(cap << 4);
  // unsigned compares in v128 lanes are signed ones of values with the top bit flipped:
  // (l - 1) ^ 2^63 = l + K and ~a ^ 2^63 = a ^ K for K = 2^63 - 1
  let K = i64x2.splat(0x7FFF_FFFF_FFFF_FFFF);
  let ms = i64x2.splat((maxSeg - 1) ^ 0x8000_0000_0000_0000);
  let d = spBase;
  let p = src;
  let bad = false;
  while (p < end) {
    if (noMask) {
      let q = splitCopyNoMask(p, end, d, ms, K);
      d += q - p;
      p = q;
    } else if (windows) {
      p = splitWindows(p, end, d, mask);
      d = spD;
      bad |= spBad;
    }
    if (p >= end || bad) break;
    // the entry a fast loop left, the general way (all the rest when there is none)
    let stop = noMask || windows ? p + ENTRY : end;
    d = splitRest(p, stop, d, maxSeg, mask);
    if (!d) break;
    p = stop;
  }
  if (!d || bad) {
    free(spBase);
    // EINVAL at the first bad entry if there is one, else ENOMEM for too many pieces
    let st = firstFault(src, n);
    return st ? st : ENOMEM;
  }
  let out = alloc(offsetof<ListHdr>());
  if (!out) { free(spBase); return ENOMEM; }
  let l = changetype<ListHdr>(out);
  l.entries = <u32>spBase;
  l.count = <u32>((d - spBase) >> 4);
  l.prefix = 0;
  l.spare = 0;
  shrink(spBase, max<usize>(d - spBase, 16));
  made = out;
  return OK;
}

/** Builds the prefix sums (end offset of each entry) if missing. */
export function ensurePrefix(hdr: usize): i32 {
  if (prefixOf(hdr)) return OK;
  let n = countOf(hdr);
  let pre = alloc(max<usize>(<usize>n << 3, 16));
  if (!pre) return ENOMEM;
  let p = entriesOf(hdr);
  let s: u64 = 0;
  for (let i: u32 = 0; i < n; i++, p += ENTRY) {
    let l = load<u64>(p, 8);
    let f = entryFault(load<u64>(p), l);
    if (f) { free(pre); return invalid(i, f); }
    let t = s + l;
    if (t < s) { free(pre); return EOVERFLOW; }
    s = t;
    store<u64>(pre + (<usize>i << 3), s);
  }
  changetype<ListHdr>(hdr).prefix = <u32>pre;
  return OK;
}

// @ts-ignore: decorator
@inline function prefixTotal(hdr: usize): u64 {
  let n = countOf(hdr);
  return n ? load<u64>(prefixOf(hdr) + ((<usize>n - 1) << 3)) : 0;
}

/** Index of the entry holding byte `off` (off < total), by binary search on prefix sums. */
// @ts-ignore: decorator
@inline function findEntry(pre: usize, n: u32, off: u64): u32 {
  let lo: u32 = 0;
  let hi: u32 = n - 1;
  while (lo < hi) {
    let mid = (lo + hi) >>> 1;
    if (load<u64>(pre + (<usize>mid << 3)) > off) hi = mid; else lo = mid + 1;
  }
  return lo;
}

/** findEntry as a call (one copy for the single lookups; lookupMany keeps it inline). */
function findOne(pre: usize, n: u32, off: u64): u32 { return findEntry(pre, n, off); }

/** Where entry i starts: the prefix sum of the entry before (for i = 0 the load reads
 *  the block header before the sums, and the select drops it). */
// @ts-ignore: decorator
@inline function startOf(pre: usize, i: u32): u64 {
  return select<u64>(load<u64>(pre + (<usize>i << 3) - 8), 0, i != 0);
}

/** OUT[0] = index of the entry holding byte `off`, OUT[1] = offset inside it. */
export function listLookup(hdr: usize, off: u64): i32 {
  let st = ensurePrefix(hdr);
  if (st < 0) return st;
  if (off >= prefixTotal(hdr)) return ERANGE;
  let pre = prefixOf(hdr);
  let i = findOne(pre, countOf(hdr), off);
  setOut(0, i);
  setOut(1, off - startOf(pre, i));
  return OK;
}

/** Searches run side by side in listLookupMany: their cache misses overlap. */
const LK: u32 = 16;
/** The searches' current bases (u32 each). */
const lkBase: usize = memory.data(<i32>(LK << 2), 16);

/** Looks up n offsets (u64 at inPtr); writes {index: u64, intra: u64} pairs at outPtr.
 *  ERANGE with OUT[0] = position of the first offset past the end (the results of
 *  the groups of LK offsets before it are written). */
export function listLookupMany(hdr: usize, inPtr: usize, n: u32, outPtr: usize): i32 {
  let st = ensurePrefix(hdr);
  if (st < 0) return st;
  let total = prefixTotal(hdr);
  let pre = prefixOf(hdr);
  let cnt = countOf(hdr);
  let k: u32 = 0;
  // LK branch-free binary searches in lockstep: all have the same n, so the same
  // halving steps; base moves up by half while the sum before it is <= the offset
  for (; k + LK <= n; k += LK) {
    let offs = inPtr + (<usize>k << 3);
    for (let j: u32 = 0; j < LK; j++) {
      if (load<u64>(offs + (<usize>j << 3)) >= total) { setOut(0, k + j); return ERANGE; }
      store<u32>(lkBase + (<usize>j << 2), 0);
    }
    for (let len = cnt; len > 1; ) {
      let half = len >> 1;
      for (let j: usize = 0; j < <usize>LK; j++) {
        let b = load<u32>(lkBase + (j << 2));
        let up = load<u64>(pre + (<usize>(b + half - 1) << 3)) <= load<u64>(offs + (j << 3));
        store<u32>(lkBase + (j << 2), select<u32>(b + half, b, up));
      }
      len -= half;
    }
    for (let j: usize = 0; j < <usize>LK; j++) {
      let b = load<u32>(lkBase + (j << 2));
      let off = load<u64>(offs + (j << 3));
      let i = b + <u32>(load<u64>(pre + (<usize>b << 3)) <= off);
      let o = outPtr + ((<usize>k + j) << 4);
      store<u64>(o, i);
      store<u64>(o, off - startOf(pre, i), 8);
    }
  }
  for (; k < n; k++) {
    let off = load<u64>(inPtr + (<usize>k << 3));
    if (off >= total) { setOut(0, k); return ERANGE; }
    let i = findEntry(pre, cnt, off);
    let o = outPtr + (<usize>k << 4);
    store<u64>(o, i);
    // (the start from the prefix sum before, next to the ones the search just read: the
    // entry's len would be a miss in another array)
    store<u64>(o, off - startOf(pre, i), 8);
  }
  return OK;
}

/** The entries covering bytes [off, off + length) of the buffer the list describes. */
export function listSlice(hdr: usize, off: u64, length: u64): i32 {
  let st = ensurePrefix(hdr);
  if (st < 0) return st;
  let total = prefixTotal(hdr);
  if (off > total || length > total - off) return ERANGE;
  if (length == 0) {
    let out = listCreate(0);
    if (!out) return ENOMEM;
    made = out;
    return OK;
  }
  let pre = prefixOf(hdr);
  let n = countOf(hdr);
  let i = findOne(pre, n, off);
  let j = findOne(pre, n, off + (length - 1));
  let out = listCreate(j - i + 1);
  if (!out) return ENOMEM;
  let src = entriesOf(hdr);
  let d = entriesOf(out);
  memory.copy(d, src + <usize>i * ENTRY, <usize>(j - i + 1) * ENTRY);
  // trim the first entry's head and the last entry's tail
  let startI = load<u64>(pre + (<usize>i << 3)) - load<u64>(src + <usize>i * ENTRY, 8);
  let head = off - startI;
  store<u64>(d, load<u64>(d) + head);
  store<u64>(d, load<u64>(d, 8) - head, 8);
  let last = d + <usize>(j - i) * ENTRY;
  let tail = load<u64>(pre + (<usize>j << 3)) - (off + length);
  store<u64>(last, load<u64>(last, 8) - tail, 8);
  made = out;
  return OK;
}

/** Adds `delta` (two's complement, wrapping) to every addr. */
export function listTranslate(hdr: usize, delta: u64): i32 {
  let n = countOf(hdr);
  let out = listCreate(n);
  if (!out) return ENOMEM;
  let s = entriesOf(hdr);
  let d = entriesOf(out);
  let end = s + <usize>n * ENTRY;
  for (; s < end; s += ENTRY, d += ENTRY) {
    store<u64>(d, load<u64>(s) + delta);
    store<u64>(d, load<u64>(s, 8), 8);
  }
  made = out;
  return OK;
}

const FNV_BASIS: u64 = 0xcbf29ce484222325;
const FNV_PRIME: u64 = 0x100000001b3;

/** FNV-1a 64 of one u64 as 8 little-endian bytes, continuing from h. */
// @ts-ignore: decorator
@inline function fnvU64(h: u64, v: u64): u64 {
  h = (h ^ (v & 0xff)) * FNV_PRIME;
  h = (h ^ ((v >> 8) & 0xff)) * FNV_PRIME;
  h = (h ^ ((v >> 16) & 0xff)) * FNV_PRIME;
  h = (h ^ ((v >> 24) & 0xff)) * FNV_PRIME;
  h = (h ^ ((v >> 32) & 0xff)) * FNV_PRIME;
  h = (h ^ ((v >> 40) & 0xff)) * FNV_PRIME;
  h = (h ^ ((v >> 48) & 0xff)) * FNV_PRIME;
  h = (h ^ (v >> 56)) * FNV_PRIME;
  return h;
}

export function fnvBasis(): u64 { return FNV_BASIS; }

/** FNV-1a 64 of n bytes at p. */
export function fnvBytes(p: usize, n: usize): u64 {
  let h = FNV_BASIS;
  for (let end = p + n; p < end; p++) h = (h ^ <u64>load<u8>(p)) * FNV_PRIME;
  return h;
}

/** FNV-1a 64 over addr then len (8 little-endian bytes each) of n records at p, `stride`
 *  bytes apart, continuing from h. */
export function fnvRecords(h: u64, p: usize, n: usize, stride: usize): u64 {
  for (let end = p + n * stride; p < end; p += stride) {
    h = fnvU64(h, load<u64>(p));
    h = fnvU64(h, load<u64>(p, 8));
  }
  return h;
}

/** OUT[0] = FNV-1a 64 over addr then len of each entry, 8 little-endian bytes each. */
export function listHash(hdr: usize): i32 {
  setOut(0, fnvRecords(FNV_BASIS, entriesOf(hdr), <usize>countOf(hdr), ENTRY));
  return OK;
}

// Heap sort of 16-byte {addr, index} records by (addr, index).
// @ts-ignore: decorator
@inline function recLess(base: usize, i: usize, j: usize): bool {
  let a = load<u64>(base + (i << 4));
  let b = load<u64>(base + (j << 4));
  return a < b || (a == b && load<u64>(base + (i << 4), 8) < load<u64>(base + (j << 4), 8));
}

function recSwap(base: usize, i: usize, j: usize): void {
  let pi = base + (i << 4);
  let pj = base + (j << 4);
  let a = load<u64>(pi);
  let b = load<u64>(pi, 8);
  store<u64>(pi, load<u64>(pj));
  store<u64>(pi, load<u64>(pj, 8), 8);
  store<u64>(pj, a);
  store<u64>(pj, b, 8);
}

function siftDown(base: usize, start: usize, n: usize): void {
  let root = start;
  while (true) {
    let child: usize = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && recLess(base, child, child + 1)) child++;
    if (!recLess(base, root, child)) return;
    recSwap(base, root, child);
    root = child;
  }
}

/** Sorts n records at base by (first u64, second u64). */
function heapSort(base: usize, n: usize): void {
  for (let s = n >> 1; s > 0; s--) siftDown(base, s - 1, n);
  for (let end = n - 1; end > 0; end--) {
    recSwap(base, 0, end);
    siftDown(base, 0, end);
  }
}

/** EINVAL (R_OVERLAP, OUT[0] = the later index, OUT[2] = the earlier one) if two entries
 *  share a byte. Entries must be valid. O(n log n), deterministic. */
export function listCheckDisjoint(hdr: usize): i32 {
  let n = <usize>countOf(hdr);
  if (n < 2) return OK;
  // fast path: entries already in address order need one linear pass
  // (the first overlap is reported only once the whole list is known to be sorted,
  // so the answer is the same as the sorted path's)
  let src0 = entriesOf(hdr);
  let sorted = true;
  let overlap: usize = 0;
  for (let k: usize = 1; k < n; k++) {
    let p = src0 + (k - 1) * ENTRY;
    let qa = load<u64>(p + ENTRY);
    if (load<u64>(p) > qa) { sorted = false; break; }
    if (!overlap && load<u64>(p) + (load<u64>(p, 8) - 1) >= qa) overlap = k;
  }
  if (sorted) {
    if (!overlap) return OK;
    let st = invalid(<u64>overlap, R_OVERLAP);
    setOut(2, <u64>(overlap - 1));
    return st;
  }
  let recs = alloc(n << 4);
  if (!recs) return ENOMEM;
  let src = entriesOf(hdr);
  for (let i: usize = 0; i < n; i++) {
    store<u64>(recs + (i << 4), load<u64>(src + i * ENTRY));
    store<u64>(recs + (i << 4), <u64>i, 8);
  }
  heapSort(recs, n);
  let st = OK;
  for (let k: usize = 1; k < n; k++) {
    let pi = <usize>load<u64>(recs + ((k - 1) << 4), 8);
    let qi = <usize>load<u64>(recs + (k << 4), 8);
    let pa = load<u64>(src + pi * ENTRY);
    let pl = load<u64>(src + pi * ENTRY, 8);
    if (pa + (pl - 1) >= load<u64>(src + qi * ENTRY)) {
      st = invalid(<u64>max(pi, qi), R_OVERLAP);
      setOut(2, <u64>min(pi, qi));
      break;
    }
  }
  free(recs);
  return st;
}

/**
 * OUT[0] = index of the first entry of list `hdr` (in list order) whose bytes
 * [addr - delta, addr - delta + len - 1] (addr - delta mod 2^64; a last byte past 2^64 - 1
 * lies outside everything) do not all lie inside the union of the entries of list
 * `within`, or U64_MAX when every entry does. An entry of len 0 counts as inside when
 * the byte before it (if any) or its first byte is covered, as an empty interval would
 * be. Entries of `within` with len 0 cover nothing; one past 2^64 - 1 covers up to it.
 * O(n + m) when both lists are in address order (the usual case), else the union is
 * sorted (O(m log m)) and entries that go backwards take a binary search.
 */
export function listFirstOutside(hdr: usize, within: usize, delta: u64): i32 {
  let m = <usize>countOf(within);
  // the union as sorted, merged [first, last] records
  let iv = alloc(max<usize>(m << 4, 16));
  if (!iv) return ENOMEM;
  let u = unionRecords(iv, entriesOf(within), m);
  let bad = firstOutsideOf(entriesOf(hdr), <usize>countOf(hdr), iv, u, delta);
  free(iv);
  setOut(0, bad);
  return OK;
}

// listFirstOutside's two passes are @inline: one call site each, once per call.

/**
 * Writes the union of the m entries at w into iv as sorted [first, last] records,
 * touching and overlapping ones merged (len 0 covers nothing; one past 2^64 - 1 covers
 * up to it); returns how many.
 */
// @ts-ignore: decorator
@inline function unionRecords(iv: usize, w: usize, m: usize): usize {
  let k: usize = 0;
  let sorted = true;
  for (let i: usize = 0; i < m; i++) {
    let a = load<u64>(w + (i << 4));
    let l = load<u64>(w + (i << 4), 8);
    if (!l) continue;
    let last = l - 1 > ~a ? U64_MAX : a + (l - 1);
    if (k && load<u64>(iv + ((k - 1) << 4)) > a) sorted = false;
    store<u64>(iv + (k << 4), a);
    store<u64>(iv + (k << 4), last, 8);
    k++;
  }
  if (!sorted) heapSort(iv, k);
  // merge touching and overlapping records in place
  let u: usize = 0;
  for (let i: usize = 0; i < k; i++) {
    let a = load<u64>(iv + (i << 4));
    let last = load<u64>(iv + (i << 4), 8);
    let pl = u ? load<u64>(iv + ((u - 1) << 4), 8) : 0;
    if (u && (pl == U64_MAX || a <= pl + 1)) {
      if (last > pl) store<u64>(iv + ((u - 1) << 4), last, 8);
    } else {
      store<u64>(iv + (u << 4), a);
      store<u64>(iv + (u << 4), last, 8);
      u++;
    }
  }
  return u;
}

/** The index of the first of the n entries at p that, shifted back by delta, is not inside
 *  the u records at iv (unionRecords), or U64_MAX. */
// @ts-ignore: decorator
@inline function firstOutsideOf(p: usize, n: usize, iv: usize, u: usize, delta: u64): u64 {
  // j = the last record starting at or before s (u when none)
  let j: usize = u;
  let prev: u64 = 0;
  for (let i: usize = 0; i < n; i++) {
    let s = load<u64>(p + (i << 4)) - delta;
    let l = load<u64>(p + (i << 4), 8);
    if (j < u && s >= prev) {
      while (j + 1 < u && load<u64>(iv + ((j + 1) << 4)) <= s) j++;
    } else {
      // binary search: the last record with first <= s
      let lo: usize = 0, hi = u;
      while (lo < hi) {
        let mid = (lo + hi) >> 1;
        if (load<u64>(iv + (mid << 4)) <= s) lo = mid + 1;
        else hi = mid;
      }
      j = lo ? lo - 1 : u;
    }
    prev = s;
    let inside = false;
    if (j < u) {
      let last = load<u64>(iv + (j << 4), 8);
      inside = l ? s <= last && l - 1 <= last - s : s == 0 || s - 1 <= last;
    }
    if (!inside) return <u64>i;
  }
  return U64_MAX;
}
