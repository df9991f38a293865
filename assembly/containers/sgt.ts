// sgt: a scatter-gather table without page pointers, as dma_buf_phys_vec_to_sgt()
// builds it. Entries mirror the 64-bit struct scatterlist (32 bytes):
//   page_link u64 (0; SG_END = 0x2 on the last) | offset u32 | length u32
//   | dma_address u64 | dma_length u32 | pad u32
// Header (16 bytes): sgl u32 | nents u32 | orig_nents u32 | spare u32.
// Building splits entries at min(maxSeg, UINT_MAX) and the boundary mask, like
// fill_sg_entry() and the importer's segment limits.

import { alloc, free, blockBytes } from "../alloc";
import { ENOMEM } from "../errors";
import { listSplit, listDestroy, made, entriesOf, countOf } from "../list";

export const SG_STRIDE: usize = 32;
const SG_END: u64 = 0x2;
const UINT_MAX: u64 = 0xFFFF_FFFF;

// @ts-ignore: decorator
@inline export function sgtData(c: usize): usize { return <usize>load<u32>(c); }
// @ts-ignore: decorator
@inline export function sgtCount(c: usize): u32 { return load<u32>(c, 4); }

export let sgtStatus: i32 = 0;

export function sgtBuild(list: usize, maxSeg: u64, mask: u64): usize {
  let st = listSplit(list, maxSeg < UINT_MAX ? maxSeg : UINT_MAX, mask);
  if (st < 0) { sgtStatus = st; return 0; }
  let pieces = made;
  let n = countOf(pieces);
  let c = alloc(16);
  let d = c ? alloc(max<usize>(<usize>n * SG_STRIDE, 16)) : 0;
  if (!d) { free(c); listDestroy(pieces); sgtStatus = ENOMEM; return 0; }
  store<u32>(c, <u32>d);
  store<u32>(c, n, 4);
  store<u32>(c, n, 8);
  store<u32>(c, 0, 12);
  let s = entriesOf(pieces);
  for (let i: u32 = 0; i < n; i++) {
    let sg = d + <usize>i * SG_STRIDE;
    store<u64>(sg, i + 1 == n ? SG_END : 0);
    store<u64>(sg, 0, 8);
    store<u64>(sg, load<u64>(s + (<usize>i << 4)), 16);
    store<u64>(sg, load<u64>(s + (<usize>i << 4), 8), 24);
  }
  listDestroy(pieces);
  sgtStatus = 0;
  return c;
}

// @ts-ignore: decorator
@inline export function sgtAddr(c: usize, i: u32): u64 { return load<u64>(sgtData(c) + <usize>i * SG_STRIDE, 16); }
// @ts-ignore: decorator
@inline export function sgtLen(c: usize, i: u32): u64 { return <u64>load<u32>(sgtData(c) + <usize>i * SG_STRIDE, 24); }

export function sgtDestroy(c: usize): void {
  free(sgtData(c));
  free(c);
}

export function sgtBytes(c: usize): u64 {
  return blockBytes(c) + blockBytes(sgtData(c));
}
