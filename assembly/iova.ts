// Per-device IOVA allocator: page-granular (4096) first-fit, lowest address first, over
// [base, base + size). Free extents live in a treap keyed by start address and
// augmented with the largest extent length in each subtree, so the lowest fitting
// hole is found in O(log n) expected; frees merge with both neighbours.
// Header (48 bytes): root u32 | extents u32 | base u64 | size u64 | free u64 | seed u32 | regions u32.
// Node (48 bytes): start u64 | len u64 | maxLen u64 | left u32 | right u32 | prio u32.

import { alloc, free } from "./alloc";
import { OK, ENOMEM } from "./errors";
import { OUT, setOut, invalid } from "./out";
import { R_ARG, R_NOT_ALLOCATED } from "./errors";
import { entriesOf, countOf, listCreate, listDestroy } from "./list";

const PAGE: u64 = 4096;

// @ts-ignore: decorator
@inline function nStart(t: usize): u64 { return load<u64>(t); }
// @ts-ignore: decorator
@inline function nLen(t: usize): u64 { return load<u64>(t, 8); }
// @ts-ignore: decorator
@inline function nMax(t: usize): u64 { return t ? load<u64>(t, 16) : 0; }
// @ts-ignore: decorator
@inline function nLeft(t: usize): usize { return <usize>load<u32>(t, 24); }
// @ts-ignore: decorator
@inline function nRight(t: usize): usize { return <usize>load<u32>(t, 28); }
// @ts-ignore: decorator
@inline function nPrio(t: usize): u32 { return load<u32>(t, 32); }

function update(t: usize): void {
  let m = nLen(t);
  let l = nMax(nLeft(t));
  let r = nMax(nRight(t));
  if (l > m) m = l;
  if (r > m) m = r;
  store<u64>(t, m, 16);
}

let gL: usize = 0;
let gR: usize = 0;

/** Splits t into gL (start < key) and gR (start >= key). */
function split(t: usize, key: u64): void {
  if (!t) { gL = 0; gR = 0; return; }
  if (nStart(t) < key) {
    split(nRight(t), key);
    store<u32>(t, <u32>gL, 28);
    update(t);
    gL = t;
  } else {
    split(nLeft(t), key);
    store<u32>(t, <u32>gR, 24);
    update(t);
    gR = t;
  }
}

function merge(a: usize, b: usize): usize {
  if (!a) return b;
  if (!b) return a;
  if (nPrio(a) > nPrio(b)) {
    store<u32>(a, <u32>merge(nRight(a), b), 28);
    update(a);
    return a;
  }
  store<u32>(b, <u32>merge(a, nLeft(b)), 24);
  update(b);
  return b;
}

function nextPrio(h: usize): u32 {
  let x = load<u32>(h, 40);
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  store<u32>(h, x, 40);
  return x;
}

function initNode(h: usize, t: usize, start: u64, len: u64): void {
  store<u64>(t, start);
  store<u64>(t, len, 8);
  store<u64>(t, len, 16);
  store<u64>(t, 0, 24);
  store<u32>(t, nextPrio(h), 32);
}

/** A new allocator over [base, base + size); 0 with EINVAL/ENOMEM in iovaStatus. */
export let iovaStatus: i32 = 0;

export function iovaCreate(base: u64, size: u64): usize {
  if (size == 0 || (base | size) & (PAGE - 1) || size - 1 > ~base) {
    iovaStatus = invalid(0, R_ARG);
    return 0;
  }
  let h = alloc(48);
  let t = h ? alloc(48) : 0;
  if (!t) { free(h); iovaStatus = ENOMEM; return 0; }
  store<u32>(h, <u32>t);
  store<u32>(h, 1, 4);
  store<u64>(h, base, 8);
  store<u64>(h, size, 16);
  store<u64>(h, size, 24);
  store<u32>(h, 0x9E3779B9, 32);
  store<u32>(h, 0, 36);
  store<u32>(h, 0x2545F491, 40);
  initNode(h, t, base, size);
  iovaStatus = OK;
  return h;
}

function freeAll(t: usize): void {
  if (!t) return;
  freeAll(nLeft(t));
  freeAll(nRight(t));
  free(t);
}

export function iovaDestroy(h: usize): void {
  freeAll(<usize>load<u32>(h));
  free(h);
}

// @ts-ignore: decorator
@inline function roundPages(size: u64): u64 { return (size + (PAGE - 1)) & ~(PAGE - 1); }

/** Removes and returns the node with start == key (which must exist). */
function detach(h: usize, key: u64): usize {
  split(<usize>load<u32>(h), key);
  let l = gL;
  split(gR, key + 1);
  let node = gL;
  store<u32>(h, <u32>merge(l, gR));
  store<u64>(node, 0, 24);
  return node;
}

function insert(h: usize, node: usize): void {
  update(node);
  split(<usize>load<u32>(h), nStart(node));
  store<u32>(h, <u32>merge(merge(gL, node), gR));
}

/** OUT[0] = the lowest address of a free run of `size` bytes (rounded up to pages). */
export function iovaAlloc(h: usize, size: u64): i32 {
  if (size == 0 || size > 0xFFFF_FFFF_FFFF_F000) return invalid(0, R_ARG);
  let need = roundPages(size);
  let t = <usize>load<u32>(h);
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
    store<u32>(h, load<u32>(h, 4) - 1, 4);
  } else {
    store<u64>(node, start + need);
    store<u64>(node, nLen(node) - need, 8);
    insert(h, node);
  }
  store<u64>(h, load<u64>(h, 24) - need, 24);
  store<u32>(h, load<u32>(h, 36) + 1, 36);
  setOut(0, start);
  return OK;
}

function rightmost(t: usize): usize { while (t && nRight(t)) t = nRight(t); return t; }
function leftmost(t: usize): usize { while (t && nLeft(t)) t = nLeft(t); return t; }

/** True when [addr, addr + need) is inside the space and overlaps no free extent. */
function isAllocated(h: usize, addr: u64, need: u64): bool {
  let base = load<u64>(h, 8);
  let size = load<u64>(h, 16);
  if (addr & (PAGE - 1) || addr < base || need > size || addr - base > size - need) return false;
  // the free extent with the greatest start <= addr + need - 1 must end at or before addr
  let t = <usize>load<u32>(h);
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
  let t = <usize>load<u32>(h);
  while (t) {
    if (nStart(t) < addr) { pred = t; t = nRight(t); } else { succ = t; t = nLeft(t); }
  }
  let joinPred = pred != 0 && nStart(pred) + nLen(pred) == addr;
  let joinSucc = succ != 0 && addr + need == nStart(succ);
  let node: usize = 0;
  if (!joinPred && !joinSucc) {
    node = alloc(48);
    if (!node) return ENOMEM;
  }
  split(<usize>load<u32>(h), addr);
  let l = gL;
  let r = gR;
  let extents = load<u32>(h, 4) + 1;
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
  store<u32>(h, <u32>merge(merge(l, node), r));
  store<u32>(h, extents, 4);
  store<u64>(h, load<u64>(h, 24) + need, 24);
  store<u32>(h, load<u32>(h, 36) - 1, 36);
  return OK;
}

/** OUT[0] = free bytes, OUT[1] = free extents, OUT[2] = largest extent, OUT[3] = live regions. */
export function iovaStats(h: usize): i32 {
  setOut(0, load<u64>(h, 24));
  setOut(1, load<u32>(h, 4));
  setOut(2, nMax(<usize>load<u32>(h)));
  setOut(3, load<u32>(h, 36));
  return OK;
}

export let iovaMade: usize = 0;

/** Gives every entry of a list its own region, in order; a new list of {iova, len}.
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
  iovaMade = out;
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

