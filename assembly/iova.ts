// Per-device IOVA allocator: page-granular (4096) first-fit, lowest address first, over
// [base, base + size). Free extents live in a treap keyed by start address and
// augmented with the largest extent length in each subtree, so the lowest fitting
// hole is found in O(log n) expected; frees merge with both neighbours. Treap
// priorities come from a per-allocator xorshift with a fixed seed, so the tree's shape
// (and everything else) is deterministic.

import { alloc, free } from "./alloc";
import { OK, ENOMEM } from "./errors";
import { OUT, setOut, invalid, made } from "./out";
import { R_ARG, R_NOT_ALLOCATED } from "./errors";
import { entriesOf, countOf, listCreate, listDestroy } from "./list";

/** An allocator's header. */
@unmanaged class Iova {
  /** Root of the treap of free extents. */
  root: u32;
  /** Number of free extents. */
  extents: u32;
  base: u64;
  size: u64;
  /** Free bytes. */
  free: u64;
  /** Live regions (allocated and not freed). */
  regions: u32;
  /** xorshift32 state for treap priorities. */
  rng: u32;
}
/** A free extent: a treap node keyed by start, augmented with maxLen of its subtree. */
@unmanaged class Extent {
  start: u64;
  len: u64;
  maxLen: u64;
  left: u32;
  right: u32;
  prio: u32;
  spare: u32;
}
const RNG_SEED: u32 = 0x2545F491;

const PAGE: u64 = 4096;

// @ts-ignore: decorator
@inline function hdr(h: usize): Iova { return changetype<Iova>(h); }
// @ts-ignore: decorator
@inline function ext(t: usize): Extent { return changetype<Extent>(t); }
// @ts-ignore: decorator
@inline function nStart(t: usize): u64 { return ext(t).start; }
// @ts-ignore: decorator
@inline function nLen(t: usize): u64 { return ext(t).len; }
// @ts-ignore: decorator
@inline function nMax(t: usize): u64 { return t ? ext(t).maxLen : 0; }
// @ts-ignore: decorator
@inline function nLeft(t: usize): usize { return <usize>ext(t).left; }
// @ts-ignore: decorator
@inline function nRight(t: usize): usize { return <usize>ext(t).right; }
// @ts-ignore: decorator
@inline function nPrio(t: usize): u32 { return ext(t).prio; }
// @ts-ignore: decorator
@inline function setLeft(t: usize, v: usize): void { ext(t).left = <u32>v; }
// @ts-ignore: decorator
@inline function setRight(t: usize, v: usize): void { ext(t).right = <u32>v; }
// @ts-ignore: decorator
@inline function root(h: usize): usize { return <usize>hdr(h).root; }
// @ts-ignore: decorator
@inline function setRoot(h: usize, t: usize): void { hdr(h).root = <u32>t; }

function update(t: usize): void {
  let m = nLen(t);
  let l = nMax(nLeft(t));
  let r = nMax(nRight(t));
  if (l > m) m = l;
  if (r > m) m = r;
  ext(t).maxLen = m;
}

let gL: usize = 0;
let gR: usize = 0;

/** Splits t into gL (start < key) and gR (start >= key). */
function split(t: usize, key: u64): void {
  if (!t) { gL = 0; gR = 0; return; }
  if (nStart(t) < key) {
    split(nRight(t), key);
    setRight(t, gL);
    update(t);
    gL = t;
  } else {
    split(nLeft(t), key);
    setLeft(t, gR);
    update(t);
    gR = t;
  }
}

function merge(a: usize, b: usize): usize {
  if (!a) return b;
  if (!b) return a;
  if (nPrio(a) > nPrio(b)) {
    setRight(a, merge(nRight(a), b));
    update(a);
    return a;
  }
  setLeft(b, merge(a, nLeft(b)));
  update(b);
  return b;
}

function nextPrio(h: usize): u32 {
  let x = hdr(h).rng;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  hdr(h).rng = x;
  return x;
}

function initNode(h: usize, t: usize, start: u64, len: u64): void {
  let e = ext(t);
  e.start = start;
  e.len = len;
  e.maxLen = len;
  e.left = 0;
  e.right = 0;
  e.prio = nextPrio(h);
  e.spare = 0;
}

/** A new allocator over [base, base + size), into `made`. */
export function iovaCreate(base: u64, size: u64): i32 {
  if (size == 0 || (base | size) & (PAGE - 1) || size - 1 > ~base) return invalid(0, R_ARG);
  let h = alloc(offsetof<Iova>());
  let t = h ? alloc(offsetof<Extent>()) : 0;
  if (!t) { free(h); return ENOMEM; }
  let a = hdr(h);
  a.root = <u32>t;
  a.extents = 1;
  a.base = base;
  a.size = size;
  a.free = size;
  a.regions = 0;
  a.rng = RNG_SEED;
  initNode(h, t, base, size);
  made = h;
  return OK;
}

function freeAll(t: usize): void {
  if (!t) return;
  freeAll(nLeft(t));
  freeAll(nRight(t));
  free(t);
}

export function iovaDestroy(h: usize): void {
  freeAll(root(h));
  free(h);
}

// @ts-ignore: decorator
@inline function roundPages(size: u64): u64 { return (size + (PAGE - 1)) & ~(PAGE - 1); }

/** Removes and returns the node with start == key (which must exist). */
function detach(h: usize, key: u64): usize {
  split(root(h), key);
  let l = gL;
  split(gR, key + 1);
  let node = gL;
  setRoot(h, merge(l, gR));
  setLeft(node, 0);
  setRight(node, 0);
  return node;
}

function insert(h: usize, node: usize): void {
  update(node);
  split(root(h), nStart(node));
  setRoot(h, merge(merge(gL, node), gR));
}

/** OUT[0] = the lowest address of a free run of `size` bytes (rounded up to pages). */
export function iovaAlloc(h: usize, size: u64): i32 {
  if (size == 0 || size > 0xFFFF_FFFF_FFFF_F000) return invalid(0, R_ARG);
  let need = roundPages(size);
  let t = root(h);
  if (nMax(t) < need) return ENOMEM;
  while (true) {
    let l = nLeft(t);
    if (l && nMax(l) >= need) t = l;
    else if (nLen(t) >= need) break;
    else t = nRight(t);
  }
  let start = nStart(t);
  let node = detach(h, start);
  if (nLen(node) == need) {
    free(node);
    hdr(h).extents--;
  } else {
    ext(node).start = start + need;
    ext(node).len = nLen(node) - need;
    insert(h, node);
  }
  hdr(h).free -= need;
  hdr(h).regions++;
  setOut(0, start);
  return OK;
}

function rightmost(t: usize): usize { while (t && nRight(t)) t = nRight(t); return t; }
function leftmost(t: usize): usize { while (t && nLeft(t)) t = nLeft(t); return t; }

/** True when [addr, addr + need) is inside the space and overlaps no free extent. */
function isAllocated(h: usize, addr: u64, need: u64): bool {
  let base = hdr(h).base;
  let size = hdr(h).size;
  if (addr & (PAGE - 1) || addr < base || need > size || addr - base > size - need) return false;
  // the free extent with the greatest start <= addr + need - 1 must end at or before addr
  let t = root(h);
  let best: usize = 0;
  let last = addr + (need - 1);
  while (t) {
    if (nStart(t) <= last) { best = t; t = nRight(t); } else t = nLeft(t);
  }
  return !best || nStart(best) + (nLen(best) - 1) < addr;
}

/** Returns [addr, addr + size) (rounded up to pages) to the free space. Needs a new
 *  node only when it merges with neither neighbour; that node is allocated first. */
export function iovaFree(h: usize, addr: u64, size: u64): i32 {
  if (size == 0) return invalid(0, R_ARG);
  let need = roundPages(size);
  if (!isAllocated(h, addr, need)) return invalid(addr, R_NOT_ALLOCATED);
  // neighbours: greatest start < addr, least start >= addr
  let pred: usize = 0;
  let succ: usize = 0;
  let t = root(h);
  while (t) {
    if (nStart(t) < addr) { pred = t; t = nRight(t); } else { succ = t; t = nLeft(t); }
  }
  let joinPred = pred != 0 && nStart(pred) + nLen(pred) == addr;
  let joinSucc = succ != 0 && addr + need == nStart(succ);
  let node: usize = 0;
  if (!joinPred && !joinSucc) {
    node = alloc(offsetof<Extent>());
    if (!node) return ENOMEM;
  }
  split(root(h), addr);
  let l = gL;
  let r = gR;
  let extents = hdr(h).extents + 1;
  let start = addr;
  let len = need;
  if (joinPred) {
    split(l, nStart(pred));
    l = gL;
    node = gR;
    start = nStart(pred);
    len += nLen(pred);
    extents--;
  }
  if (joinSucc) {
    split(r, nStart(succ) + 1);
    r = gR;
    len += nLen(gL);
    if (node) free(gL); else node = gL;
    extents--;
  }
  initNode(h, node, start, len);
  setRoot(h, merge(merge(l, node), r));
  hdr(h).extents = extents;
  hdr(h).free += need;
  hdr(h).regions--;
  return OK;
}

/** OUT[0] = free bytes, OUT[1] = free extents, OUT[2] = largest extent, OUT[3] = live regions. */
export function iovaStats(h: usize): i32 {
  setOut(0, hdr(h).free);
  setOut(1, hdr(h).extents);
  setOut(2, nMax(root(h)));
  setOut(3, hdr(h).regions);
  return OK;
}

/** Gives every entry of a list its own region, in order; a new list of {iova, len} in `made`.
 *  ENOMEM (OUT[0] = failing index) frees whatever it had allocated. */
export function iovaMapEach(h: usize, list: usize): i32 {
  let n = countOf(list);
  let out = listCreate(n);
  if (!out) return ENOMEM;
  let s = entriesOf(list);
  let d = entriesOf(out);
  for (let i: u32 = 0; i < n; i++) {
    let len = load<u64>(s + (<usize>i << 4), 8);
    let st = iovaAlloc(h, len);
    if (st < 0) {
      // undo in reverse order: each free then needs at most the node its alloc released
      for (let j = i; j > 0; j--) iovaFree(h, load<u64>(d + (<usize>(j - 1) << 4)), load<u64>(d + (<usize>(j - 1) << 4), 8));
      listDestroy(out);
      setOut(0, i);
      return st;
    }
    store<u64>(d + (<usize>i << 4), load<u64>(OUT));
    store<u64>(d + (<usize>i << 4), len, 8);
  }
  made = out;
  return OK;
}

/** Frees every {iova, len} of a list; checks all first so a bad list changes nothing. */
export function iovaUnmapEach(h: usize, list: usize): i32 {
  let n = countOf(list);
  let s = entriesOf(list);
  for (let i: u32 = 0; i < n; i++) {
    let p = s + (<usize>i << 4);
    let len = load<u64>(p, 8);
    if (len == 0 || !isAllocated(h, load<u64>(p), roundPages(len))) return invalid(i, R_NOT_ALLOCATED);
  }
  for (let i: u32 = 0; i < n; i++) {
    let p = s + (<usize>i << 4);
    let st = iovaFree(h, load<u64>(p), load<u64>(p, 8));
    if (st < 0) return st;
  }
  return OK;
}

