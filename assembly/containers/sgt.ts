// sgt: a scatter-gather table without page pointers, as dma_buf_phys_vec_to_sgt()
// builds it: a header and an array of Scatterlist records mirroring the 64-bit
// struct scatterlist. Building splits entries at min(maxSeg, UINT_MAX) and the
// boundary mask, like fill_sg_entry() and the importer's segment limits.

import { alloc, free, blockBytes } from "../alloc";
import { OK, ENOMEM } from "../errors";
import { listSplit, listDestroy, entriesOf, countOf, U64_MAX } from "../list";
import { made } from "../out";
import {
  BuildArgs, statusWord, noHeader, putRead, READ_BATCH,
  OP_BUILD, OP_COUNT, OP_BYTES, OP_DESTROY, OP_READ, OP_DATA, OP_RECORD, OP_PLAIN, OP_HEADER, OP_NAME,
} from "./kind";

/** struct scatterlist (64-bit, without a page): 32 bytes. */
@unmanaged export class Scatterlist {
  /** 0; SG_END (0x2) on the last entry. */
  page_link: u64;
  offset: u32;
  length: u32;
  dma_address: u64;
  dma_length: u32;
  pad: u32;
}
export const SG_STRIDE: usize = offsetof<Scatterlist>();

/** struct sg_table. */
@unmanaged class SgTable {
  sgl: u32;
  nents: u32;
  orig_nents: u32;
  /** 0, or PG_* flags of a table built from pages (assembly/pages.ts). */
  flags: u32;
}

export const SG_END: u64 = 0x2;
export const UINT_MAX: u64 = 0xFFFF_FFFF;

// @ts-ignore: decorator
@inline function table(c: usize): SgTable { return changetype<SgTable>(c); }
// @ts-ignore: decorator
@inline export function sgtData(c: usize): usize { return <usize>table(c).sgl; }
// @ts-ignore: decorator
@inline export function sgtCount(c: usize): u32 { return table(c).nents; }
// @ts-ignore: decorator
@inline function sg(c: usize, i: u64): Scatterlist { return changetype<Scatterlist>(<usize>table(c).sgl + <usize>i * SG_STRIDE); }

/**
 * The table straight from the list's entries when no mask applies and every entry is
 * valid and at most `cap` bytes (the split would copy each one as it is): one pass, no
 * split list. 0 when an entry is not so, or on no memory: sgtBuild then splits, and
 * reports what the split reports.
 */
function sgtDirect(list: usize, cap: u64): usize {
  let n = countOf(list);
  let c = alloc(offsetof<SgTable>());
  let d = c ? alloc(max<usize>(<usize>n * SG_STRIDE, 16)) : 0;
  if (!d) { free(c); return 0; }
  let s = entriesOf(list);
  for (let i: u32 = 0; i < n; i++) {
    let a = load<u64>(s + (<usize>i << 4));
    let l = load<u64>(s + (<usize>i << 4), 8);
    // valid (l != 0, no wrap) and no longer than cap: l - 1 wraps to U64_MAX when l == 0
    if (l - 1 > ~a || l - 1 >= cap) { free(d); free(c); return 0; }
    let e = changetype<Scatterlist>(d + <usize>i * SG_STRIDE);
    e.page_link = i + 1 == n ? SG_END : 0;
    e.offset = 0;
    e.length = 0;
    e.dma_address = a;
    e.dma_length = <u32>l;
    e.pad = 0;
  }
  let t = table(c);
  t.sgl = <u32>d;
  t.nents = n;
  t.orig_nents = n;
  t.flags = 0;
  return c;
}

function sgtBuild(list: usize, args: BuildArgs): i32 {
  let cap = args.maxSeg < UINT_MAX ? args.maxSeg : UINT_MAX;
  if (args.mask == U64_MAX && cap != 0) {
    let c = sgtDirect(list, cap);
    if (c) { made = c; return OK; }
  }
  let st = listSplit(list, cap, args.mask);
  if (st < 0) return st;
  let pieces = made;
  let n = countOf(pieces);
  let c = alloc(offsetof<SgTable>());
  let d = c ? alloc(max<usize>(<usize>n * SG_STRIDE, 16)) : 0;
  if (!d) { free(c); listDestroy(pieces); return ENOMEM; }
  let t = table(c);
  t.sgl = <u32>d;
  t.nents = n;
  t.orig_nents = n;
  t.flags = 0;
  let s = entriesOf(pieces);
  for (let i: u32 = 0; i < n; i++) {
    let e = sg(c, i);
    e.page_link = i + 1 == n ? SG_END : 0;
    e.offset = 0;
    e.length = 0;
    e.dma_address = load<u64>(s + (<usize>i << 4));
    e.dma_length = <u32>load<u64>(s + (<usize>i << 4), 8);
    e.pad = 0;
  }
  listDestroy(pieces);
  made = c;
  return OK;
}

export function sgtKind(op: u32, c: usize, x: u64): u64 {
  switch (op) {
    case OP_BUILD: return statusWord(sgtBuild(c, changetype<BuildArgs>(<usize>x)));
    case OP_COUNT: return table(c).nents;
    case OP_BYTES: return blockBytes(c) + blockBytes(table(c).sgl);
    case OP_DESTROY: { free(table(c).sgl); free(c); return 0; }
    case OP_READ: {
      let n = <u64>table(c).nents;
      if (x >= n) return 0;
      let k = <u32>min<u64>(n - x, READ_BATCH);
      for (let i: u32 = 0; i < k; i++) {
        let e = sg(c, x + i);
        putRead(i, x + i, e.dma_address, e.dma_length);
      }
      return k;
    }
    case OP_DATA: return table(c).sgl;
    case OP_RECORD: return SG_STRIDE;
    case OP_PLAIN: return 0;
    case OP_HEADER: return noHeader();
    case OP_NAME: return changetype<usize>("sgt");
  }
  abort("sgt: unknown op");
  return 0;
}
