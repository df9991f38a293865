// The core's allocator. Blocks carry a 16-byte header (u32 capacity, u32 info, 8 bytes
// spare); payloads are 16-byte aligned. Sizes up to 2048 bytes use 128 size classes of
// 16-byte steps (16, 32, ..., 2048) with LIFO free lists; larger blocks use an
// address-ordered first-fit list with coalescing (a free large block links the next
// one in its first payload word), and a freed block at the end of the heap lowers the
// top.
// Unlike the TLSF of --runtime minimal, a failed memory.grow returns 0 here
// instead of trapping, so callers report ENOMEM and stay usable.

/** A block: its header, then the payload. */
@unmanaged class Block {
  /** Payload bytes (a multiple of 16). */
  cap: u32;
  /** USED | LARGE | small class << 1; 0 when free in a small class list. */
  info: u32;
  spare: u64;
  /** First payload word: the next free block (small class lists and the large list). */
  next: u32;
}
/** Bytes of block header before every payload (what blockBytes adds). */
export const BLOCK_HDR: usize = offsetof<Block>("next");
const HDR: usize = BLOCK_HDR;

// @ts-ignore: decorator
@inline function blk(b: usize): Block { return changetype<Block>(b); }
const SMALL_MAX: usize = 2048;
const NCLASS: usize = 128;
const USED: u32 = 1;
const LARGE: u32 = 0x100;
/** A large block is split only if the rest can hold another large block. */
const SPLIT_MIN: usize = HDR + SMALL_MAX + 16;

const smallHeads: usize = memory.data(<i32>(NCLASS * 4), 16);
let top: usize = (__heap_base + 15) & ~<usize>15;
let largeHead: usize = 0;
let liveBytes: u64 = 0;
let liveBlocks: u32 = 0;

/** Bytes in use (payload capacity plus header) by live blocks. */
export function memLiveBytes(): u64 { return liveBytes; }
/** Number of live blocks. */
export function memLiveBlocks(): u32 { return liveBlocks; }
/** Bytes between the heap base and the current top (used or free). */
export function memFootprint(): u64 { return <u64>top - <u64>((__heap_base + 15) & ~<usize>15); }

function ensure(newTop: u64): bool {
  let limit = <u64>memory.size() << 16;
  if (newTop <= limit) return true;
  if (newTop > 0x1_0000_0000) return false;
  let pages = <i32>((newTop - limit + 0xffff) >> 16);
  let cur = memory.size();
  if (memory.grow(max(cur, pages)) < 0) {
    if (memory.grow(pages) < 0) return false;
  }
  return true;
}

function bump(cap: usize): usize {
  let start = top;
  let end = <u64>start + <u64>HDR + <u64>cap;
  if (!ensure(end)) return 0;
  top = <usize>end;
  blk(start).cap = <u32>cap;
  return start;
}

function classOf(size: usize): usize {
  return size <= 16 ? 0 : ((size + 15) >> 4) - 1;
}

/** First fit in the address-ordered list of free large blocks; splits off the rest. */
function largeFit(cap: usize): usize {
  let prev: usize = 0;
  let b = largeHead;
  while (b) {
    let bcap = <usize>blk(b).cap;
    let next = <usize>blk(b).next;
    if (bcap >= cap) {
      if (bcap - cap >= SPLIT_MIN) {
        let rest = b + HDR + cap;
        blk(rest).cap = <u32>(bcap - cap - HDR);
        blk(rest).info = LARGE;
        blk(rest).next = <u32>next;
        next = rest;
        blk(b).cap = <u32>cap;
      }
      if (prev) blk(prev).next = <u32>next; else largeHead = next;
      return b;
    }
    prev = b;
    b = next;
  }
  return 0;
}

/**
 * Walks the whole heap (blocks lie end to end from the base to the top), merges every
 * run of free blocks, small-class ones included, into one free large block, and
 * rebuilds the large list; a free run at the end lowers the top. Runs only when memory
 * cannot grow, so memory freed in small classes can serve large requests again.
 */
function reclaim(): void {
  memory.fill(smallHeads, 0, NCLASS * 4);
  largeHead = 0;
  let tail: usize = 0;
  let run: usize = 0;
  let b = (__heap_base + 15) & ~<usize>15;
  while (b < top) {
    let end = b + HDR + <usize>blk(b).cap;
    if (blk(b).info & USED) {
      run = 0;
    } else if (run) {
      blk(run).cap = <u32>(end - run - HDR);
    } else {
      run = b;
      blk(run).info = LARGE;
      blk(run).next = 0;
      if (tail) blk(tail).next = <u32>run; else largeHead = run;
      tail = run;
    }
    b = end;
  }
  if (run) {
    // the last run reaches the top: give it back to the bump area
    top = run;
    if (largeHead == run) largeHead = 0;
    else {
      let p = largeHead;
      while (<usize>blk(p).next != run) p = <usize>blk(p).next;
      blk(p).next = 0;
    }
  }
}

function take(size: usize, retry: bool): usize {
  if (size <= SMALL_MAX) {
    let cls = classOf(size);
    let headPtr = smallHeads + (cls << 2);
    let block = <usize>load<u32>(headPtr);
    if (block) {
      store<u32>(headPtr, blk(block).next);
    } else {
      let cap = (cls + 1) << 4;
      block = bump(cap);
      if (!block && retry) block = largeFit(cap);
      if (!block) return 0;
    }
    blk(block).info = USED | (<u32>cls << 1);
    return block;
  }
  let cap = (size + 15) & ~<usize>15;
  let block = largeFit(cap);
  if (!block) block = bump(cap);
  if (!block) return 0;
  blk(block).info = USED | LARGE;
  return block;
}

/** Allocates `size` bytes (uninitialised). Returns 0 when memory cannot grow. */
export function alloc(size: usize): usize {
  if (size > 0xF000_0000) return 0;
  let block = take(size, false);
  if (!block) {
    reclaim();
    block = take(size, true);
    if (!block) return 0;
  }
  liveBytes += <u64>blk(block).cap + HDR;
  liveBlocks++;
  return block + HDR;
}

/** Allocates `size` zeroed bytes. */
export function allocZeroed(size: usize): usize {
  let p = alloc(size);
  if (p) memory.fill(p, 0, size);
  return p;
}

function insertLarge(block: usize): void {
  let cap = <usize>blk(block).cap;
  let prev: usize = 0;
  let next = largeHead;
  while (next && next < block) {
    prev = next;
    next = <usize>blk(next).next;
  }
  // merge with the following free block
  if (next && block + HDR + cap == next) {
    cap += HDR + <usize>blk(next).cap;
    next = <usize>blk(next).next;
  }
  // merge with the preceding free block
  if (prev && prev + HDR + <usize>blk(prev).cap == block) {
    block = prev;
    cap += HDR + <usize>blk(prev).cap;
    prev = 0;
    let p = largeHead;
    while (p != block) { prev = p; p = <usize>blk(p).next; }
  }
  if (block + HDR + cap == top) {
    top = block;
    if (prev) blk(prev).next = <u32>next; else largeHead = next;
    return;
  }
  blk(block).cap = <u32>cap;
  blk(block).info = LARGE;
  blk(block).next = <u32>next;
  if (prev) blk(prev).next = <u32>block; else largeHead = block;
}

/** Frees a block from alloc. Freeing 0 or a block that is not in use does nothing. */
export function free(ptr: usize): void {
  if (!ptr) return;
  let block = ptr - HDR;
  let info = blk(block).info;
  if (!(info & USED)) return;
  liveBytes -= <u64>blk(block).cap + HDR;
  liveBlocks--;
  blk(block).info = 0;
  if (info & LARGE) {
    insertLarge(block);
  } else {
    let cls = <usize>(info >> 1);
    let headPtr = smallHeads + (cls << 2);
    blk(block).next = load<u32>(headPtr);
    store<u32>(headPtr, <u32>block);
  }
}

/** Gives back the tail of a large block beyond `size` bytes; the block stays at ptr. */
export function shrink(ptr: usize, size: usize): void {
  let block = ptr - HDR;
  if (!(blk(block).info & LARGE)) return;
  let cap = <usize>blk(block).cap;
  let want = max<usize>((size + 15) & ~<usize>15, SMALL_MAX + 16);
  if (cap - want < SPLIT_MIN) return;
  let rest = block + HDR + want;
  blk(rest).cap = <u32>(cap - want - HDR);
  blk(block).cap = <u32>want;
  liveBytes -= <u64>(cap - want);
  insertLarge(rest);
}

/** Payload capacity plus header of a live block: what it really costs. */
export function blockBytes(ptr: usize): u64 {
  return ptr ? <u64>blk(ptr - HDR).cap + HDR : 0;
}
