// The exported surface of the core. Every export takes handles and scalars and returns
// an i32 status: >= 0 success (a handle where one is made), < 0 a negated errno from
// errors.ts. u64 results and error details come back through OUT (see out.ts).

import "./abort";
import { alloc, free, memLiveBytes, memLiveBlocks, memFootprint, blockBytes } from "./alloc";
import { hNew, hGet, hKind, hRelease, handlesLive, handleTable, K_LIST, K_SGT, K_PHYSVEC, K_MAPPING, K_RANGES, K_XARRAY, K_CURSOR, K_IOVA, K_BUF } from "./handles";
import { OK, EBADF, ENOMEM, EINVAL } from "./errors";
import { OUT, setOut } from "./out";
import {
  listCreate, listDestroy, listTouch, entriesOf, countOf, listValidate, listTotal, listBounds,
  listCoalesce, listSplit, listSlice, listLookup, listLookupMany, listTranslate, listHash,
  listCheckDisjoint, made, fnvBytes, firstFault,
} from "./list";
import { flatBuild, flatStatus } from "./containers/flat";
import { sgtBuild, sgtStatus } from "./containers/sgt";
import { xaCreate, xaDestroy, xaStore, xaLoad, xaErase, xaFill, xaNodes, xaHeight, xaCount } from "./containers/xarray";
import { isEntrySource, ctCount, ctDestroy, ctBytes, ctToList, ctHash, ctLookup, resetReader } from "./containers/container";
import { cursorCreate, cursorDestroy, cursorNext, cursorReset } from "./cursor";
import { iovaCreate, iovaStatus, iovaDestroy, iovaAlloc, iovaFree, iovaStats, iovaMapEach, iovaUnmapEach, iovaMade } from "./iova";

/** Wraps a freshly made object in a handle, or frees it and reports ENOMEM. */
function issue(kind: u32, obj: usize): i32 {
  let h = hNew(kind, obj);
  if (h) return h;
  if (kind == K_CURSOR) cursorDestroy(obj);
  else if (kind == K_IOVA) iovaDestroy(obj);
  else if (kind == K_BUF) free(obj);
  else ctDestroy(kind, obj);
  return ENOMEM;
}

function issueList(st: i32): i32 {
  return st < 0 ? st : issue(K_LIST, made);
}

// ---- memory and handles ----
export function out_ptr(): usize { return OUT; }
export function mem_live_bytes(): u64 { return memLiveBytes(); }
export function mem_live_blocks(): u32 { return memLiveBlocks(); }
export function mem_footprint(): u64 { return memFootprint(); }
export function handles_live(): u32 { return handlesLive(); }
/** Bytes of the handle table itself (counted in mem_live_bytes as one block). */
export function handles_table_bytes(): u64 { return blockBytes(handleTable()); }
/** Kind of a live handle (1 list .. 9 buffer), or 0. */
export function handle_kind(h: u32): u32 { return hKind(h); }
/** Does nothing: measures the cost of one JS -> wasm call. */
export function noop(): void {}

/** A scratch buffer of `size` bytes for bulk input and output. */
export function buf_new(size: u32): i32 {
  let p = alloc(max<usize>(size, 16));
  return p ? issue(K_BUF, p) : ENOMEM;
}
export function buf_ptr(h: u32): usize { return hGet(h, K_BUF); }
export function buf_size(h: u32): u32 { let p = hGet(h, K_BUF); return p ? <u32>blockBytes(p) - 16 : 0; }
/** OUT[0] = FNV-1a 64 of the first n bytes of a buffer. */
export function buf_hash(h: u32, n: u32): i32 {
  let p = hGet(h, K_BUF);
  if (!p) return EBADF;
  if (<u64>n > blockBytes(p) - 16) return EINVAL;
  setOut(0, fnvBytes(p, n));
  return OK;
}
export function buf_free(h: u32): i32 {
  let p = hGet(h, K_BUF);
  if (!p) return EBADF;
  free(p);
  hRelease(h);
  return OK;
}

// ---- lists ----
/** A list of n entries, contents unset: the caller writes them at list_ptr. */
export function list_new(n: u32): i32 {
  let l = listCreate(n);
  return l ? issue(K_LIST, l) : ENOMEM;
}
export function list_ptr(h: u32): usize { let l = hGet(h, K_LIST); return l ? entriesOf(l) : 0; }
export function list_len(h: u32): i32 { let l = hGet(h, K_LIST); return l ? <i32>countOf(l) : EBADF; }
/** Must be called after writing entries of a list that was already used. */
export function list_touch(h: u32): i32 { let l = hGet(h, K_LIST); if (!l) return EBADF; listTouch(l); return OK; }
export function list_free(h: u32): i32 {
  let l = hGet(h, K_LIST);
  if (!l) return EBADF;
  listDestroy(l);
  hRelease(h);
  return OK;
}
export function list_validate(h: u32, align: u64): i32 { let l = hGet(h, K_LIST); return l ? listValidate(l, align) : EBADF; }
export function list_total(h: u32): i32 { let l = hGet(h, K_LIST); return l ? listTotal(l) : EBADF; }
export function list_bounds(h: u32): i32 { let l = hGet(h, K_LIST); return l ? listBounds(l) : EBADF; }
export function list_check_disjoint(h: u32): i32 { let l = hGet(h, K_LIST); return l ? listCheckDisjoint(l) : EBADF; }
export function list_coalesce(h: u32): i32 { let l = hGet(h, K_LIST); return l ? issueList(listCoalesce(l)) : EBADF; }
export function list_split(h: u32, maxSeg: u64, mask: u64): i32 { let l = hGet(h, K_LIST); return l ? issueList(listSplit(l, maxSeg, mask)) : EBADF; }
export function list_slice(h: u32, off: u64, len: u64): i32 { let l = hGet(h, K_LIST); return l ? issueList(listSlice(l, off, len)) : EBADF; }
export function list_translate(h: u32, delta: u64): i32 { let l = hGet(h, K_LIST); return l ? issueList(listTranslate(l, delta)) : EBADF; }
export function list_lookup(h: u32, off: u64): i32 { let l = hGet(h, K_LIST); return l ? listLookup(l, off) : EBADF; }
/** n offsets (u64) in buffer `inBuf`; {index, intra} u64 pairs written to buffer `outBuf`. */
export function list_lookup_many(h: u32, inBuf: u32, n: u32, outBuf: u32): i32 {
  let l = hGet(h, K_LIST);
  let i = hGet(inBuf, K_BUF);
  let o = hGet(outBuf, K_BUF);
  if (!l || !i || !o) return EBADF;
  if (<u64>n * 8 > blockBytes(i) - 16 || <u64>n * 16 > blockBytes(o) - 16) return EINVAL;
  return listLookupMany(l, i, n, o);
}
export function list_hash(h: u32): i32 { let l = hGet(h, K_LIST); return l ? listHash(l) : EBADF; }

// ---- containers ----
/** sgt from a list: split at min(maxSeg, UINT_MAX) and (mask + 1) boundaries. */
export function sgt_from_list(h: u32, maxSeg: u64, mask: u64): i32 {
  let l = hGet(h, K_LIST);
  if (!l) return EBADF;
  let c = sgtBuild(l, maxSeg, mask);
  return c ? issue(K_SGT, c) : sgtStatus;
}
/** physvec / mapping / ranges from a list. extra = busOffset, mapData or rangesData. */
export function flat_from_list(kind: u32, h: u32, extra: u64, owner: u32, hasProvider: u32): i32 {
  if (kind != K_PHYSVEC && kind != K_MAPPING && kind != K_RANGES) return EINVAL;
  let l = hGet(h, K_LIST);
  if (!l) return EBADF;
  let c = flatBuild(kind, l, extra, owner, hasProvider);
  return c ? issue(kind, c) : flatStatus;
}
/** OUT[0] = extra (busOffset / mapData / rangesData), OUT[1] = owner, OUT[2] = hasProvider. */
export function flat_header(h: u32): i32 {
  let kind = hKind(h);
  if (kind != K_PHYSVEC && kind != K_MAPPING && kind != K_RANGES) return EBADF;
  let c = hGet(h, kind);
  setOut(0, load<u64>(c, 8));
  setOut(1, load<u32>(c, 16));
  setOut(2, load<u32>(c, 20));
  return OK;
}
/** xarray holding entry i of the list at index i. */
export function xa_from_list(h: u32): i32 {
  let l = hGet(h, K_LIST);
  if (!l) return EBADF;
  let st = firstFault(entriesOf(l), countOf(l));
  if (st < 0) return st;
  let x = xaCreate();
  if (!x) return ENOMEM;
  st = xaFill(x, entriesOf(l), countOf(l));
  if (st < 0) { xaDestroy(x); return st; }
  return issue(K_XARRAY, x);
}
export function xa_new(): i32 { let x = xaCreate(); return x ? issue(K_XARRAY, x) : ENOMEM; }
/** 1 if the slot was empty, 0 if an entry was replaced. */
export function xa_store(h: u32, index: u64, addr: u64, len: u64): i32 {
  let x = hGet(h, K_XARRAY);
  return x ? xaStore(x, index, addr, len) : EBADF;
}
/** 1 and OUT[0..1] = entry, or 0 when absent. */
export function xa_load(h: u32, index: u64): i32 { let x = hGet(h, K_XARRAY); return x ? xaLoad(x, index) : EBADF; }
export function xa_erase(h: u32, index: u64): i32 { let x = hGet(h, K_XARRAY); return x ? xaErase(x, index) : EBADF; }
/** OUT[0] = nodes, OUT[1] = height, OUT[2] = entries. */
export function xa_info(h: u32): i32 {
  let x = hGet(h, K_XARRAY);
  if (!x) return EBADF;
  setOut(0, xaNodes(x));
  setOut(1, xaHeight(x));
  setOut(2, xaCount(x));
  return OK;
}

/** Any entry source (list or container): */
function source(h: u32): usize {
  let k = hKind(h);
  return isEntrySource(k) ? hGet(h, k) : 0;
}
/** OUT[0] = number of entries. */
export function ct_count(h: u32): i32 { let c = source(h); if (!c) return EBADF; setOut(0, ctCount(hKind(h), c)); return OK; }
/** OUT[0] = bytes the object occupies, headers and allocator block headers included. */
export function ct_bytes(h: u32): i32 { let c = source(h); if (!c) return EBADF; setOut(0, ctBytes(hKind(h), c)); return OK; }
/** Address of the record array of a list, sgt, physvec, mapping or ranges (0 for an xarray). */
export function ct_data_ptr(h: u32): usize {
  let k = hKind(h);
  let c = source(h);
  if (!c || k == K_XARRAY) return 0;
  return <usize>load<u32>(c);
}
/** A new list with the entries read back. */
export function ct_to_list(h: u32): i32 {
  let c = source(h);
  if (!c) return EBADF;
  let l = ctToList(hKind(h), c);
  return l ? issue(K_LIST, l) : ENOMEM;
}
export function ct_hash(h: u32): i32 { let c = source(h); return c ? ctHash(hKind(h), c) : EBADF; }
export function ct_lookup(h: u32, off: u64): i32 { let c = source(h); return c ? ctLookup(hKind(h), c, off) : EBADF; }
export function ct_free(h: u32): i32 {
  let k = hKind(h);
  if (!isEntrySource(k) || k == K_LIST) return EBADF;
  ctDestroy(k, hGet(h, k));
  hRelease(h);
  return OK;
}

// ---- cursors ----
/** A cursor yielding chunks of at most k bytes (0 = whole entries) from any source. */
export function cur_new(src: u32, k: u64): i32 {
  if (!source(src)) return EBADF;
  let c = cursorCreate(src, k);
  return c ? issue(K_CURSOR, c) : ENOMEM;
}
/** Writes up to max chunks into buffer `outBuf`; returns the count (0 = finished). */
export function cur_next(h: u32, outBuf: u32, max: u32): i32 {
  let c = hGet(h, K_CURSOR);
  let o = hGet(outBuf, K_BUF);
  if (!c || !o) return EBADF;
  if (<u64>max * 16 > blockBytes(o) - 16) return EINVAL;
  return cursorNext(c, o, max);
}
export function cur_reset(h: u32): i32 { let c = hGet(h, K_CURSOR); if (!c) return EBADF; cursorReset(c); return OK; }
export function cur_free(h: u32): i32 {
  let c = hGet(h, K_CURSOR);
  if (!c) return EBADF;
  cursorDestroy(c);
  hRelease(h);
  return OK;
}

// ---- IOVA allocators ----
export function iova_new(base: u64, size: u64): i32 {
  let a = iovaCreate(base, size);
  return a ? issue(K_IOVA, a) : iovaStatus;
}
export function iova_alloc(h: u32, size: u64): i32 { let a = hGet(h, K_IOVA); return a ? iovaAlloc(a, size) : EBADF; }
export function iova_free(h: u32, addr: u64, size: u64): i32 { let a = hGet(h, K_IOVA); return a ? iovaFree(a, addr, size) : EBADF; }
export function iova_stats(h: u32): i32 { let a = hGet(h, K_IOVA); return a ? iovaStats(a) : EBADF; }
/** A new list giving each entry of `list` its own region (per-range dma_map_phys). */
export function iova_map_each(h: u32, list: u32): i32 {
  let a = hGet(h, K_IOVA);
  let l = hGet(list, K_LIST);
  if (!a || !l) return EBADF;
  let st = iovaMapEach(a, l);
  return st < 0 ? st : issue(K_LIST, iovaMade);
}
export function iova_unmap_each(h: u32, list: u32): i32 {
  let a = hGet(h, K_IOVA);
  let l = hGet(list, K_LIST);
  return a && l ? iovaUnmapEach(a, l) : EBADF;
}
export function iova_free_all(h: u32): i32 {
  let a = hGet(h, K_IOVA);
  if (!a) return EBADF;
  iovaDestroy(a);
  hRelease(h);
  return OK;
}


// ---- pages (assembly/pages.ts) ----
export { pages_to_list, sgt_append_pages } from "./pages";
