// Handle table. A handle is (generation << 20) | slot: always a positive i32, never 0.
// Each slot is a Slot {ptr, meta = generation << 8 | kind}; kind 0 marks a free slot
// whose ptr links the free list. A freed or foreign handle resolves to 0, so a stale
// handle is an EBADF, never a use of freed memory. Generations run 1..2047; a slot that
// reached 2047 is retired when released, so no handle value is ever issued twice. The
// table therefore issues at most 2^20 slots x 2047 = about 2^31 handles in a core's
// life; past that hNew returns 0 (ENOMEM) like a full table (docs/core.md#handles).

import { alloc, free } from "./alloc";

// Handle kinds. Container kinds are K_CONTAINER + their row in containers/registry.ts.
export const K_LIST: u32 = 1;
export const K_CURSOR: u32 = 2;
export const K_IOVA: u32 = 3;
export const K_BUF: u32 = 4;
export const K_CONTAINER: u32 = 16;

@unmanaged class Slot {
  /** The object, or the next free slot. */
  ptr: u32;
  /** generation << 8 | kind (0 = free). */
  meta: u32;
}
const SLOT: usize = offsetof<Slot>();
// @ts-ignore: decorator
@inline function slotAt(slot: u32): Slot { return changetype<Slot>(table + <usize>slot * SLOT); }

const SLOT_BITS: u32 = 20;
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
const NONE: u32 = 0xFFFF_FFFF;
/** The last generation of a slot: (GEN_MAX << SLOT_BITS) | slot is still a positive i32. */
const GEN_MAX: u32 = 2047;

let table: usize = 0;
let cap: u32 = 0;
let used: u32 = 0;
let freeHead: u32 = NONE;
let live: u32 = 0;

/** The handle table's block (0 before the first handle): grows, never shrinks. */
export function handleTable(): usize { return table; }

/** Number of live handles. */
export function handlesLive(): u32 { return live; }

/** Issues a handle for `ptr` of `kind`; returns 0 when the table cannot grow. */
export function hNew(kind: u32, ptr: usize): i32 {
  let slot: u32;
  let gen: u32;
  if (freeHead != NONE) {
    slot = freeHead;
    let s = slotAt(slot);
    freeHead = s.ptr;
    gen = (s.meta >> 8) + 1; // at most GEN_MAX: hRelease retires a slot at GEN_MAX
  } else {
    if (used == cap) {
      if (cap == SLOT_MASK + 1) return 0;
      let ncap = cap ? min(cap << 1, SLOT_MASK + 1) : 64;
      let nt = alloc(<usize>ncap * SLOT);
      if (!nt) return 0;
      if (table) {
        memory.copy(nt, table, <usize>cap * SLOT);
        free(table);
      }
      table = nt;
      cap = ncap;
    }
    slot = used++;
    gen = 1;
  }
  let s = slotAt(slot);
  s.ptr = <u32>ptr;
  s.meta = (gen << 8) | kind;
  live++;
  return <i32>((gen << SLOT_BITS) | slot);
}

/** The live slot of handle h, or null. */
function slotOf(h: u32): Slot | null {
  let slot = h & SLOT_MASK;
  if (h == 0 || slot >= used) return null;
  let s = slotAt(slot);
  if ((s.meta >> 8) != (h >> SLOT_BITS) || (s.meta & 0xFF) == 0) return null;
  return s;
}

/** The object of a live handle of `kind`, or 0. */
export function hGet(h: u32, kind: u32): usize {
  let s = slotOf(h);
  if (!s || (s.meta & 0xFF) != kind) return 0;
  return <usize>s.ptr;
}

/** The kind of a live handle, or 0. */
export function hKind(h: u32): u32 {
  let s = slotOf(h);
  return s ? s.meta & 0xFF : 0;
}

/** Retires a live handle; later use of it resolves to 0. */
export function hRelease(h: u32): void {
  let s = slotOf(h);
  if (!s) return;
  s.meta &= ~<u32>0xFF;
  live--;
  // a slot whose generation is spent is retired, never reused: reusing it would wrap the
  // generation and bring the slot's first handle back to life
  if ((s.meta >> 8) >= GEN_MAX) return;
  s.ptr = freeHead;
  freeHead = h & SLOT_MASK;
}
