// Entries from an array of pages, with the semantics of the kernel's
// sg_alloc_table_from_pages_segment() and sg_alloc_append_table_from_pages()
// (lib/scatterlist.c): physically contiguous pages merge into one entry of at most
// max_segment bytes (rounded down to whole pages; below one page is EINVAL), the first
// page's offset counts against the first entry, and the total size cuts the last one.
// The append variant first grows the table's last entry with pages that continue it,
// then adds entries; the table stays open (no SG_END) while pages are left to come.
// Pages are given as page frame numbers (u64) in a scratch buffer. docs/pages.md.
//
// An sgt built here is a K_SGT container (assembly/containers/sgt.ts) whose records also
// carry the pages: page_link = page address (| SG_END on the last entry once finished),
// offset and length as sg_set_page() sets them, dma_address / dma_length = the entry
// (a direct mapping). The header's spare word holds PG_FROM_PAGES | PG_OPEN | page shift.

import { alloc, free, blockBytes } from "./alloc";
import { hNew, hGet, K_LIST, K_BUF } from "./handles";
import { kindOf } from "./containers/registry";
import { OK, EBADF, ENOMEM, R_ARG, R_WRAP } from "./errors";
import { invalid } from "./out";
import { listCreate, listDestroy, listTruncate, entriesOf, U64_MAX } from "./list";
import { SG_STRIDE, SG_END, UINT_MAX, sgtData, sgtCount, sgtKind } from "./containers/sgt";

const K_SGT = kindOf(sgtKind);

const PG_SHIFT_MASK: u32 = 0xff;
const PG_OPEN: u32 = 0x100;
const PG_FROM_PAGES: u32 = 0x200;
/** Reason (OUT[1]) for an append to an sgt that cannot take one. */
const R_NOT_APPENDABLE: u64 = R_ARG;

// One call's parameters and the plan computed from them.
let pfns: usize = 0;
let npages: u32 = 0;
let shift: u32 = 12;
let maxSeg: u64 = 0;
/** Pages folded into the previous entry, its new length, and the new entries. */
let merged: u32 = 0;
let prvLen: u64 = 0;
let chunks: u32 = 0;

// @ts-ignore: decorator
@inline function pfn(i: u32): u64 { return load<u64>(pfns + (<usize>i << 3)); }

/**
 * Checks one call's arguments; OK or EINVAL (R_ARG for an argument, R_WRAP with the
 * index of a page whose bytes pass 2^64 - 1). Rules: at least one page; max_segment,
 * capped at UINT_MAX and rounded down to whole pages, at least one page; offset below
 * one page; the pages hold exactly offset + size bytes, the last page at least in part.
 * The pages themselves are checked here only when `pages` is set (pages_to_list checks
 * them in its one pass instead: pfnFault).
 */
function setup(buf: usize, n: u32, pageShift: u32, offset: u64, size: u64, maxSegment: u64, pages: bool): i32 {
  if (pageShift < 12 || pageShift > 16 || n == 0) return invalid(U64_MAX, R_ARG);
  if (<u64>n * 8 > blockBytes(buf) - 16) return invalid(U64_MAX, R_ARG);
  let page = <u64>1 << pageShift;
  let seg = (maxSegment < UINT_MAX ? maxSegment : UINT_MAX) & ~(page - 1);
  if (seg < page || offset >= page || size == 0) return invalid(U64_MAX, R_ARG);
  let bytes = <u64>n << pageShift;
  if (size > bytes - offset || offset + size <= bytes - page) return invalid(U64_MAX, R_ARG);
  pfns = buf;
  npages = n;
  shift = pageShift;
  maxSeg = seg;
  return pages ? pfnFault() : OK;
}

/** EINVAL (R_WRAP) at the first page whose bytes pass 2^64 - 1, or OK. */
function pfnFault(): i32 {
  let top = U64_MAX >> shift;
  for (let i: u32 = 0; i < npages; i++) if (pfn(i) > top) return invalid(i, R_WRAP);
  return OK;
}

/**
 * pages_to_list's one pass: each run of contiguous pages (cut every max_segment bytes)
 * is found two pages per step in v128 lanes (a run of one page by one compare) (page j continues the run from `cur` when
 * pfn(j) = pfn(cur) + (j - cur)) and written at once as an entry at dst (room for one
 * entry per page); the offset shortens the first, the size cuts the last. The pages are
 * checked on the way: the OR of them all has no bit at or above 64 - shift when none
 * passes 2^64 - 1 in bytes. Returns the entries written, or U64_MAX when a page is bad.
 */
function walkOnce(offset: u64, size: u64, dst: usize): u64 {
  let runMax = <u64>(maxSeg >> shift);
  let n = <u64>npages;
  let rest = size;
  let off = offset;
  let d = dst;
  let acc: u64 = 0;
  let vacc = i64x2.splat(0);
  let two = i64x2.splat(2);
  let cur: u64 = 0;
  while (cur < n) {
    let first = pfn(<u32>cur);
    acc |= first;
    let lim = min<u64>(n, cur + runMax);
    let j = cur + 1;
    // a run of one page (scattered pages) is decided by one compare; a longer one goes
    // on two pages per step: want = the pfns pages j and j + 1 have if they continue it
    if (j < lim && pfn(<u32>j) == first + 1) {
      acc |= first + 1;
      j++;
      let want = i64x2.replace_lane(i64x2.splat(first + 2), 1, first + 3);
      for (; j + 1 < lim; j += 2) {
        let v = v128.load(pfns + (<usize>j << 3));
        vacc = v128.or(vacc, v);
        if (!i64x2.all_true(i64x2.eq(v, want))) break;
        want = i64x2.add(want, two);
      }
      if (j < lim) {
        let pj = pfn(<u32>j);
        acc |= pj;
        if (pj == first + (j - cur)) j++;
      }
    }
    let chunk = ((j - cur) << shift) - off;
    let len = rest < chunk ? rest : chunk;
    store<u64>(d, (first << shift) + off);
    store<u64>(d, len, 8);
    d += 16;
    rest -= len;
    off = 0;
    cur = j;
  }
  acc |= <u64>i64x2.extract_lane(vacc, 0) | <u64>i64x2.extract_lane(vacc, 1);
  return acc >> (64 - shift) ? U64_MAX : <u64>((d - dst) >> 4);
}

/**
 * Walks the pages as the kernel's loops do. With prvEnd != U64_MAX (appending), pages
 * that continue the previous entry (ending at prvEnd, len prevLen) grow it a page at a
 * time while it stays within max_segment. Then each run of contiguous pages, cut every
 * max_segment bytes, becomes one entry; the offset shortens the first, the size cuts the
 * last. Writes {addr, len} at dst when dst != 0; always sets merged, prvLen, chunks.
 */
function walk(offset: u64, size: u64, prvEnd: u64, prevLen: u64, dst: usize): void {
  let page = <u64>1 << shift;
  let rest = size;
  let i: u32 = 0;
  prvLen = prevLen;
  if (prvEnd != U64_MAX) {
    let want = prvEnd >> shift;
    while (i < npages && pfn(i) == want && prvLen + page <= maxSeg) {
      let take = rest < page ? rest : page;
      prvLen += take;
      rest -= take;
      i++;
      want++;
    }
  }
  merged = i;
  let m: u32 = 0;
  let off = offset;
  let cur = i;
  while (cur < npages) {
    let j = cur + 1;
    let segLen: u64 = 0;
    for (; j < npages; j++) {
      segLen += page;
      if (segLen >= maxSeg || pfn(j) != pfn(j - 1) + 1) break;
    }
    let chunk = (<u64>(j - cur) << shift) - off;
    let len = rest < chunk ? rest : chunk;
    if (dst) {
      let d = dst + (<usize>m << 4);
      store<u64>(d, (pfn(cur) << shift) + off);
      store<u64>(d, len, 8);
    }
    rest -= len;
    off = 0;
    cur = j;
    m++;
  }
  chunks = m;
}

/** A list of the entries sg_alloc_table_from_pages_segment() would build: in one pass
 *  into room for one entry per page (walkOnce), or, when that room is not to be had,
 *  counted first (walk) and written into a list of just the entries. */
export function pages_to_list(buf: u32, n: u32, pageShift: u32, offset: u64, size: u64, maxSegment: u64): i32 {
  let b = hGet(buf, K_BUF);
  if (!b) return EBADF;
  let st = setup(b, n, pageShift, offset, size, maxSegment, false);
  if (st < 0) return st;
  let l = listCreate(n);
  if (l) {
    let m = walkOnce(offset, size, entriesOf(l));
    if (m == U64_MAX) {
      listDestroy(l);
      return pfnFault();
    }
    listTruncate(l, <u32>m);
  } else {
    st = pfnFault();
    if (st < 0) return st;
    walk(offset, size, U64_MAX, 0, 0);
    l = listCreate(chunks);
    if (!l) return ENOMEM;
    walk(offset, size, U64_MAX, 0, entriesOf(l));
  }
  let h = hNew(K_LIST, l);
  if (!h) { listDestroy(l); return ENOMEM; }
  return h;
}

// @ts-ignore: decorator
@inline function putSg(sg: usize, addr: u64, len: u64, pageShift: u32): void {
  let mask = (<u64>1 << pageShift) - 1;
  store<u64>(sg, addr & ~mask);
  store<u32>(sg, <u32>(addr & mask), 8);
  store<u32>(sg, <u32>len, 12);
  store<u64>(sg, addr, 16);
  store<u64>(sg, len, 24); // dma_length u32 and the pad word
}

// sgt_append_pages's last step is @inline (one call site: the module stays as small).

/**
 * The last step of an append, which cannot fail: the records move to `fresh` if there
 * is one, the open entry grows if the pages continued it, the new entries (list tmp)
 * follow the `count` old ones, and the header takes the count and the flags.
 */
// @ts-ignore: decorator
@inline function appendCommit(c: usize, header: usize, data: usize, fresh: usize, count: u32, tmp: usize, pageShift: u32, leftPages: u32): void {
  let recs = fresh ? fresh : data;
  if (fresh) {
    if (c) free(data);
    store<u32>(header, <u32>fresh);
  }
  if (c && merged) {
    let last = recs + <usize>(count - 1) * SG_STRIDE;
    store<u32>(last, <u32>prvLen, 12);
    store<u64>(last, prvLen, 24);
  }
  let t = entriesOf(tmp);
  for (let k: u32 = 0; k < chunks; k++) {
    let p = t + (<usize>k << 4);
    putSg(recs + <usize>(count + k) * SG_STRIDE, load<u64>(p), load<u64>(p, 8), pageShift);
  }
  listDestroy(tmp);
  let nents = count + chunks;
  store<u32>(header, nents, 4);
  store<u32>(header, nents, 8);
  store<u32>(header, PG_FROM_PAGES | (leftPages ? PG_OPEN : 0) | pageShift, 12);
  if (!leftPages) {
    let last = recs + <usize>(nents - 1) * SG_STRIDE;
    store<u64>(last, load<u64>(last) | SG_END);
  }
}

/**
 * sg_alloc_append_table_from_pages(): h = 0 starts a table (sg_alloc_table_from_pages_
 * segment() when leftPages = 0); otherwise the pages are appended to sgt h, which must
 * have been built from pages with the same page size and left open. Returns the handle.
 * leftPages > 0 leaves the table open for more; 0 marks its last entry SG_END.
 * Nothing changes on failure.
 */
export function sgt_append_pages(h: u32, buf: u32, n: u32, pageShift: u32, offset: u64, size: u64, maxSegment: u64, leftPages: u32): i32 {
  let b = hGet(buf, K_BUF);
  let c: usize = 0;
  if (h) {
    c = hGet(h, K_SGT);
    if (!c) return EBADF;
  }
  if (!b) return EBADF;
  let st = setup(b, n, pageShift, offset, size, maxSegment, true);
  if (st < 0) return st;
  let count: u32 = 0;
  let prvEnd = U64_MAX;
  let prevLen: u64 = 0;
  if (c) {
    let flags = load<u32>(c, 12);
    // the kernel: WARN_ON(offset) on an append; appending after the end is a misuse
    if ((flags & PG_FROM_PAGES) == 0 || (flags & PG_OPEN) == 0 || (flags & PG_SHIFT_MASK) != pageShift || offset != 0) {
      return invalid(U64_MAX, R_NOT_APPENDABLE);
    }
    count = sgtCount(c);
    let last = sgtData(c) + <usize>(count - 1) * SG_STRIDE;
    prevLen = <u64>load<u32>(last, 12);
    prvEnd = load<u64>(last, 16) + prevLen;
    // an entry cut inside its last page cannot be continued
    if (prvEnd & ((<u64>1 << pageShift) - 1)) return invalid(U64_MAX, R_NOT_APPENDABLE);
  }
  walk(offset, size, prvEnd, prevLen, 0);
  let total = <u64>count + <u64>chunks;
  if (total > 0x0FFF_FFFF) return ENOMEM;
  let data: usize = c ? sgtData(c) : 0;
  let cap: u64 = c ? (blockBytes(data) - 16) / SG_STRIDE : 0;
  let fresh: usize = 0;
  let header: usize = c;
  if (!c) {
    header = alloc(16);
    if (!header) return ENOMEM;
  }
  if (total > cap) {
    let want = max<u64>(total, c ? cap * 2 : total);
    if (want > 0x0FFF_FFFF) want = total;
    fresh = alloc(max<usize>(<usize>want * SG_STRIDE, 16));
    if (!fresh) {
      if (!c) free(header);
      return ENOMEM;
    }
    if (c) memory.copy(fresh, data, <usize>count * SG_STRIDE);
  }
  // the list of new entries goes straight into the records' tail, then is spread out
  let tmp = listCreate(chunks);
  if (!tmp) {
    free(fresh);
    if (!c) free(header);
    return ENOMEM;
  }
  walk(offset, size, prvEnd, prevLen, entriesOf(tmp));
  let handle = <i32>h;
  if (!c) {
    handle = hNew(K_SGT, header);
    if (!handle) {
      listDestroy(tmp);
      free(fresh);
      free(header);
      return ENOMEM;
    }
  }
  appendCommit(c, header, data, fresh, count, tmp, pageShift, leftPages);
  return handle;
}
