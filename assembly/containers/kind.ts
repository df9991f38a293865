// What every container kind implements: one function `(op, c, x) => u64` per kind,
// registered by one row in registry.ts. The kind's own file answers every op below and
// ends its switch in abort(): an op it forgot is an internal error (EFAULT on the TS
// side), and test/core/seam.test.ts runs every op on every registered kind.

import { setOut } from "../out";

/** Build from a list: c = list header (entries valid: checked by the kind), x = address
 *  of BuildArgs. Returns the status (i32) and leaves the container in `made`. */
export const OP_BUILD: u32 = 0;
/** Number of entries. */
export const OP_COUNT: u32 = 1;
/** Bytes the container occupies, allocator block headers included. */
export const OP_BYTES: u32 = 2;
/** Frees the container. */
export const OP_DESTROY: u32 = 3;
/** Fills readBuf with up to READ_BATCH entries in order, the first at position >= x
 *  (an ordinal, or an index for sparse kinds); returns how many. Fewer than
 *  READ_BATCH: the last entry is among them. */
export const OP_READ: u32 = 4;
/** Address of the record array (0 when the kind has none). */
export const OP_DATA: u32 = 5;
/** Bytes per record of that array (0 when there is none). */
export const OP_RECORD: u32 = 6;
/** 1 when the records are plain Entry {addr, len} (read directly by cursors). */
export const OP_PLAIN: u32 = 7;
/** OUT[0] = extra (busOffset / mapData / rangesData), OUT[1] = owner, OUT[2] = HDR_* flags. */
export const OP_HEADER: u32 = 8;
/** The kind's name: a static string (what TS calls the kind). */
export const OP_NAME: u32 = 9;
/** Number of ops (the seam test runs 0 .. OPS - 1 on every kind). */
export const OPS: u32 = 10;

/** Build parameters; each kind reads the ones that concern it. */
@unmanaged export class BuildArgs {
  /** sgt: largest segment. */
  maxSeg: u64;
  /** sgt: pieces do not cross (mask + 1) boundaries. */
  mask: u64;
  /** mapping: mapData; ranges: rangesData. */
  data: u64;
  /** physvec: the provider's busOffset. */
  busOffset: u64;
  /** physvec: the provider's owner id. */
  owner: u32;
  /** BUILD_* flags. */
  flags: u32;
}
/** BuildArgs.flags: physvec has a P2P provider. */
export const BUILD_PROVIDER: u32 = 1;
/** OP_HEADER flags: the header has a provider (owner, busOffset in extra). */
export const HDR_PROVIDER: u64 = 1;
/** OP_HEADER flags: extra is mapData / rangesData. */
export const HDR_DATA: u64 = 2;

/** A kind's function. */
export type KindFn = (op: u32, c: usize, x: u64) => u64;

/** One entry read back, with its position. */
@unmanaged export class ReadRec {
  pos: u64;
  addr: u64;
  len: u64;
}
/** Entries per OP_READ: one indirect call per batch, not per entry. */
export const READ_BATCH: u32 = 64;
const REC: usize = offsetof<ReadRec>();
export const readBuf: usize = memory.data(<i32>(<usize>READ_BATCH * REC), 16);

/** Record i of readBuf. */
// @ts-ignore: decorator
@inline export function readRec(i: u32): ReadRec { return changetype<ReadRec>(readBuf + <usize>i * REC); }

/** Writes record i of readBuf. */
// @ts-ignore: decorator
@inline export function putRead(i: u32, pos: u64, addr: u64, len: u64): void {
  let r = readRec(i);
  r.pos = pos;
  r.addr = addr;
  r.len = len;
}

// The entry readFrom (container.ts) found.
export let rdA: u64 = 0;
export let rdL: u64 = 0;
export let rdPos: u64 = 0;

/** OP_HEADER for a kind whose header has no fields. */
export function noHeader(): u64 {
  setOut(0, 0);
  setOut(1, 0);
  setOut(2, 0);
  return 0;
}

/** OP_BUILD's status as the u64 a kind function returns, and back. */
// @ts-ignore: decorator
@inline export function statusWord(st: i32): u64 { return <u64><i64>st; }
