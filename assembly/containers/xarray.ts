// xarray: a sparse radix tree, 64 slots per node like the kernel's xarray, mapping a
// u64 index to an entry {addr, len}. Internal nodes hold 64 child pointers; leaf nodes
// (shift 0) hold 64 entries inline. Every node starts with a NodeHdr (bitmap of
// occupied slots, shift). Empty nodes are freed on erase; the height never shrinks.

import { alloc, free, blockBytes } from "../alloc";
import { OK, ENOMEM } from "../errors";
import { setOut, made } from "../out";
import { ENTRY, entriesOf, countOf, firstFault } from "../list";
import {
  statusWord, noHeader, putRead, READ_BATCH,
  OP_BUILD, OP_COUNT, OP_BYTES, OP_DESTROY, OP_READ, OP_DATA, OP_RECORD, OP_PLAIN, OP_HEADER, OP_NAME,
} from "./kind";

/** The xarray's header. */
@unmanaged class XaHdr {
  root: u32;
  height: u32;
  count: u64;
  nodes: u32;
  spare: u32;
}
/** Every node's header; then 64 child pointers (u32, inner) or 64 entries (leaf). */
@unmanaged class NodeHdr {
  bitmap: u64;
  /** 6 * level; 0 for a leaf. */
  shift: u32;
  spare: u32;
}

const NODE_HDR: usize = offsetof<NodeHdr>();
const INNER_BYTES: usize = NODE_HDR + 64 * 4;
const LEAF_BYTES: usize = NODE_HDR + 64 * ENTRY;

// @ts-ignore: decorator
@inline function xa(x: usize): XaHdr { return changetype<XaHdr>(x); }
// @ts-ignore: decorator
@inline export function xaRoot(x: usize): usize { return <usize>xa(x).root; }
// @ts-ignore: decorator
@inline export function xaHeight(x: usize): u32 { return xa(x).height; }
// @ts-ignore: decorator
@inline export function xaCount(x: usize): u64 { return xa(x).count; }
// @ts-ignore: decorator
@inline export function xaNodes(x: usize): u32 { return xa(x).nodes; }

export function xaCreate(): usize {
  let x = alloc(offsetof<XaHdr>());
  if (x) memory.fill(x, 0, offsetof<XaHdr>());
  return x;
}

function freeTree(node: usize): void {
  let shift = changetype<NodeHdr>(node).shift;
  if (shift) {
    let bits = changetype<NodeHdr>(node).bitmap;
    while (bits) {
      let s = <usize>ctz(bits);
      bits &= bits - 1;
      freeTree(<usize>load<u32>(node + NODE_HDR + (s << 2)));
    }
  }
  free(node);
}

export function xaDestroy(x: usize): void {
  if (xaRoot(x)) freeTree(xaRoot(x));
  free(x);
}

function treeBytes(node: usize): u64 {
  let b = blockBytes(node);
  if (changetype<NodeHdr>(node).shift) {
    let bits = changetype<NodeHdr>(node).bitmap;
    while (bits) {
      let s = <usize>ctz(bits);
      bits &= bits - 1;
      b += treeBytes(<usize>load<u32>(node + NODE_HDR + (s << 2)));
    }
  }
  return b;
}

export function xaBytes(x: usize): u64 {
  return blockBytes(x) + (xaRoot(x) ? treeBytes(xaRoot(x)) : 0);
}

/** Levels needed so that `index` fits: the least h >= 1 with index < 64^h. */
function levelsFor(index: u64): u32 {
  let h: u32 = 1;
  while (h < 11 && (index >> (6 * <u64>h)) != 0) h++;
  return h;
}

// Nodes reserved (in order of use: inner nodes top-down, then the leaf) before a store
// changes anything, so that ENOMEM leaves the tree as it was.
const stash: usize = memory.data(16 * 4, 16);
let stashed: u32 = 0;
let taken: u32 = 0;

function takeNode(shift: u32): usize {
  let n = <usize>load<u32>(stash + (<usize>(taken++) << 2));
  memory.fill(n, 0, NODE_HDR);
  changetype<NodeHdr>(n).shift = shift;
  return n;
}

function reserve(x: usize, index: u64): bool {
  let h = xaHeight(x);
  let want = levelsFor(index);
  let need: u32;
  let inners: u32;
  if (!xaRoot(x)) {
    need = want;
    inners = want - 1;
  } else {
    let levels = max(h, want);
    let virt = levels - h; // new top nodes: only their slot 0 leads on (to the old root)
    need = virt;
    inners = virt;
    let node = xaRoot(x);
    let shift = 6 * (levels - 1);
    while (shift) {
      let s = <u32>((index >> <u64>shift) & 63);
      let present: bool;
      if (virt) {
        present = s == 0;
        virt--;
      } else {
        present = (load<u64>(node) & (<u64>1 << s)) != 0;
        if (present) node = <usize>load<u32>(node + NODE_HDR + (<usize>s << 2));
      }
      if (!present) {
        need += shift / 6;
        inners += shift / 6 - 1;
        break;
      }
      shift -= 6;
    }
  }
  stashed = 0;
  taken = 0;
  for (let i: u32 = 0; i < need; i++) {
    let n = alloc(i < inners ? INNER_BYTES : LEAF_BYTES);
    if (!n) {
      while (stashed) free(<usize>load<u32>(stash + (<usize>(--stashed) << 2)));
      return false;
    }
    store<u32>(stash + (<usize>(stashed++) << 2), <u32>n);
  }
  return true;
}

/** Stores {a, l} at `index`; returns 1 if the slot was empty, 0 if replaced, ENOMEM. */
export function xaStore(x: usize, index: u64, a: u64, l: u64): i32 {
  if (!reserve(x, index)) return ENOMEM;
  let h = xaHeight(x);
  let want = levelsFor(index);
  if (!xaRoot(x)) {
    xa(x).root = <u32>takeNode(6 * (want - 1));
    xa(x).height = want;
    xa(x).nodes++;
    h = want;
  }
  while (h < want) {
    let top = takeNode(6 * h);
    store<u32>(top + NODE_HDR, <u32>xaRoot(x));
    changetype<NodeHdr>(top).bitmap = 1;
    xa(x).root = <u32>top;
    xa(x).nodes++;
    h++;
    xa(x).height = h;
  }
  let node = xaRoot(x);
  let shift = 6 * (h - 1);
  while (shift) {
    let s = <usize>((index >> <u64>shift) & 63);
    let slot = node + NODE_HDR + (s << 2);
    if (!(load<u64>(node) & (<u64>1 << s))) {
      let child = takeNode(shift - 6);
      store<u32>(slot, <u32>child);
      store<u64>(node, load<u64>(node) | (<u64>1 << s));
      xa(x).nodes++;
    }
    node = <usize>load<u32>(slot);
    shift -= 6;
  }
  // nodes reserved but not used (none when reserve counted right)
  while (taken < stashed) free(<usize>load<u32>(stash + (<usize>(taken++) << 2)));
  let s = <usize>(index & 63);
  let p = node + NODE_HDR + (s << 4);
  store<u64>(p, a);
  store<u64>(p, l, 8);
  let bit = <u64>1 << s;
  if (load<u64>(node) & bit) return 0;
  store<u64>(node, load<u64>(node) | bit);
  xa(x).count++;
  return 1;
}


/** The leaf holding `index`, or 0. */
function leafFor(x: usize, index: u64): usize {
  let h = xaHeight(x);
  if (!xaRoot(x) || levelsFor(index) > h) return 0;
  let node = xaRoot(x);
  let shift = 6 * (h - 1);
  while (shift) {
    let s = <usize>((index >> <u64>shift) & 63);
    if (!(load<u64>(node) & (<u64>1 << s))) return 0;
    node = <usize>load<u32>(node + NODE_HDR + (s << 2));
    shift -= 6;
  }
  return node;
}

/** 1 and OUT[0..1] = entry if `index` is present, else 0. */
export function xaLoad(x: usize, index: u64): i32 {
  let leaf = leafFor(x, index);
  let s = <usize>(index & 63);
  if (!leaf || !(load<u64>(leaf) & (<u64>1 << s))) return 0;
  setOut(0, load<u64>(leaf + NODE_HDR + (s << 4)));
  setOut(1, load<u64>(leaf + NODE_HDR + (s << 4), 8));
  return 1;
}

const path: usize = memory.data(16 * 4, 16);

/** Removes `index`; frees nodes left empty. Returns 1 if it was present, else 0. */
export function xaErase(x: usize, index: u64): i32 {
  let h = xaHeight(x);
  if (!xaRoot(x) || levelsFor(index) > h) return 0;
  let node = xaRoot(x);
  let shift = 6 * (h - 1);
  let depth: u32 = 0;
  while (true) {
    store<u32>(path + (<usize>(depth++) << 2), <u32>node);
    let s = <usize>((index >> <u64>shift) & 63);
    if (!(load<u64>(node) & (<u64>1 << s))) return 0;
    if (!shift) break;
    node = <usize>load<u32>(node + NODE_HDR + (s << 2));
    shift -= 6;
  }
  xa(x).count--;
  // clear bits bottom-up while nodes become empty
  shift = 0;
  while (depth) {
    let n = <usize>load<u32>(path + (<usize>(--depth) << 2));
    let s = (index >> <u64>shift) & 63;
    store<u64>(n, load<u64>(n) & ~(<u64>1 << s));
    if (load<u64>(n)) break;
    free(n);
    xa(x).nodes--;
    if (!depth) { xa(x).root = 0; xa(x).height = 0; }
    shift += 6;
  }
  return 1;
}

/** Result of xaNext: the index found and the leaf slot address of its entry. */
export let nextIndex: u64 = 0;
export let nextEntry: usize = 0;

function findGE(node: usize, index: u64): bool {
  let shift = changetype<NodeHdr>(node).shift;
  let s = <u32>((index >> <u64>shift) & 63);
  let bits = load<u64>(node) & (~<u64>0 << s);
  while (bits) {
    let b = <u32>ctz(bits);
    bits &= bits - 1;
    if (b != s) {
      // a later subtree: start at its lowest index
      let span = shift + 6;
      let baseIdx = span >= 64 ? 0 : (index >> <u64>span) << <u64>span;
      index = baseIdx | (<u64>b << <u64>shift);
    }
    if (!shift) {
      nextIndex = index;
      nextEntry = node + NODE_HDR + (<usize>b << 4);
      return true;
    }
    if (findGE(<usize>load<u32>(node + NODE_HDR + (<usize>b << 2)), index)) return true;
    s = 64;
  }
  return false;
}

/** Finds the lowest present index >= `index` (nextIndex, nextEntry); false if none. */
export function xaNext(x: usize, index: u64): bool {
  if (!xaRoot(x)) return false;
  if (levelsFor(index) > xaHeight(x)) return false;
  return findGE(xaRoot(x), index);
}

/** Fills an xarray with entries 0..n-1 from a 16-byte entry array; ENOMEM leaves it empty. */
function xaFill(x: usize, src: usize, n: u32): i32 {
  let leaf: usize = 0;
  let leafBase: u64 = 0xFFFF_FFFF_FFFF_FFFF;
  for (let i: u32 = 0; i < n; i++) {
    let a = load<u64>(src + (<usize>i << 4));
    let l = load<u64>(src + (<usize>i << 4), 8);
    let base = <u64>(i & ~<u32>63);
    if (base == leafBase) {
      let s = <usize>(i & 63);
      store<u64>(leaf + NODE_HDR + (s << 4), a);
      store<u64>(leaf + NODE_HDR + (s << 4), l, 8);
      store<u64>(leaf, load<u64>(leaf) | (<u64>1 << s));
      xa(x).count++;
      continue;
    }
    if (xaStore(x, i, a, l) < 0) {
      if (xaRoot(x)) freeTree(xaRoot(x));
      memory.fill(x, 0, offsetof<XaHdr>());
      return ENOMEM;
    }
    leaf = leafFor(x, i);
    leafBase = base;
  }
  return OK;
}

/** An xarray holding entry i of a list of valid entries at index i, into `made`. */
function xaBuild(list: usize): i32 {
  let st = firstFault(entriesOf(list), countOf(list));
  if (st < 0) return st;
  let x = xaCreate();
  if (!x) return ENOMEM;
  st = xaFill(x, entriesOf(list), countOf(list));
  if (st < 0) { xaDestroy(x); return st; }
  made = x;
  return OK;
}

/** OP_READ: the entries at indices >= pos into readBuf, a leaf at a time. */
function xaRead(x: usize, pos: u64): u64 {
  let i: u32 = 0;
  while (i < READ_BATCH && xaNext(x, pos)) {
    let base = nextIndex & ~<u64>63;
    let leaf = nextEntry - NODE_HDR - <usize>(nextIndex & 63) * ENTRY;
    let bits = changetype<NodeHdr>(leaf).bitmap & (~<u64>0 << (nextIndex & 63));
    while (bits && i < READ_BATCH) {
      let s = <usize>ctz(bits);
      bits &= bits - 1;
      let e = leaf + NODE_HDR + s * ENTRY;
      putRead(i++, base | <u64>s, load<u64>(e), load<u64>(e, 8));
    }
    pos = base + 64;
    if (pos == 0) break;
  }
  return i;
}

export function xarrayKind(op: u32, c: usize, x: u64): u64 {
  switch (op) {
    case OP_BUILD: return statusWord(xaBuild(c));
    case OP_COUNT: return xaCount(c);
    case OP_BYTES: return xaBytes(c);
    case OP_DESTROY: { xaDestroy(c); return 0; }
    case OP_READ: return xaRead(c, x);
    case OP_DATA: return 0;
    case OP_RECORD: return 0;
    case OP_PLAIN: return 0;
    case OP_HEADER: return noHeader();
    case OP_NAME: return changetype<usize>("xarray");
  }
  abort("xarray: unknown op");
  return 0;
}
