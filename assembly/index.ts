// The exported surface of the core. One result convention (out.ts): every export
// returns an i32 status, >= 0 success (a handle, count or flag, as documented), < 0 a
// negated errno from errors.ts; u64 values, addresses and sizes come back in OUT.
// The constants exported at the end are the ABI's numbers; scripts/gen-abi.mjs reads
// them (and these signatures) into ts/core/abi.ts, and test/core/seam.test.ts checks
// the TS view against this module.

import "./abort";
import { alloc, free, memLiveBytes, memLiveBlocks, memFootprint, blockBytes, BLOCK_HDR } from "./alloc";
import { hNew, hGet, hKind, hRelease, handlesLive, handleTable, K_LIST, K_CURSOR, K_IOVA, K_BUF, K_CONTAINER } from "./handles";
import { OK, EBADF, ENOMEM, EINVAL } from "./errors";
import { OUT, setOut, made } from "./out";
import {
  Entry, ENTRY, listCreate, listDestroy, listTouch, entriesOf, countOf, listValidate, listTotal, listBounds,
  listCoalesce, listSplit, listSlice, listLookup, listLookupMany, listTranslate, listHash,
  listCheckDisjoint, listFirstOutside, listTotalWithin, fnvBytes, LIST_MAX,
} from "./list";
import { xaCreate, xaStore, xaLoad, xaErase, xaNodes, xaHeight, xaCount, xarrayKind } from "./containers/xarray";
import { isEntrySource, ctCount, ctDestroy, ctBytes, ctToList, ctHash, ctLookup, resetReader } from "./containers/container";
import { isContainer, ctOp, containerKinds, kindOf } from "./containers/registry";
import { BuildArgs, OP_BUILD, OP_DATA, OP_RECORD, OP_HEADER, OP_NAME } from "./containers/kind";
import { Scatterlist, SG_STRIDE } from "./containers/sgt";
import { cursorCreate, cursorDestroy, cursorNext, chunkSummary } from "./cursor";
import { iovaCreate, iovaDestroy, iovaAlloc, iovaFree, iovaStats, iovaMapEach, iovaUnmapEach } from "./iova";

/** Wraps a freshly made object in a handle, or destroys it and reports ENOMEM. */
function issue(kind: u32, obj: usize): i32 {
  let h = hNew(kind, obj);
  if (h) return h;
  if (kind == K_CURSOR) cursorDestroy(obj);
  else if (kind == K_IOVA) iovaDestroy(obj);
  else if (kind == K_BUF) free(obj);
  else if (kind == K_LIST || isContainer(kind)) ctDestroy(kind, obj);
  else abort("issue: unknown handle kind");
  return ENOMEM;
}

/** A status from a maker: the object in `made` gets a handle of `kind`. */
function issueMade(kind: u32, st: i32): i32 {
  return st < 0 ? st : issue(kind, made);
}

/** OK with OUT[0] = v. */
function outOk(v: u64): i32 {
  setOut(0, v);
  return OK;
}

// ---- memory and handles ----
/** The address of OUT: the one address returned as a status (static data, < 64 KiB). */
export function out_ptr(): i32 { return <i32>OUT; }
/** OUT[0] = live heap bytes, [1] = live blocks, [2] = heap footprint, [3] = live
 *  handles, [4] = bytes of the handle table (counted in [0] as one block). */
export function mem_stats(): i32 {
  setOut(0, memLiveBytes());
  setOut(1, memLiveBlocks());
  setOut(2, memFootprint());
  setOut(3, handlesLive());
  setOut(4, blockBytes(handleTable()));
  return OK;
}
/** Kind of a live handle, or 0. */
export function handle_kind(h: u32): i32 { return <i32>hKind(h); }
/** Does nothing: measures the cost of one JS -> wasm call. */
export function noop(): i32 { return OK; }

/** A scratch buffer of `size` bytes for bulk input and output. */
export function buf_new(size: u32): i32 {
  let p = alloc(max<usize>(size, 16));
  return p ? issue(K_BUF, p) : ENOMEM;
}
/** OUT[0] = address of the buffer's bytes. */
export function buf_ptr(h: u32): i32 { let p = hGet(h, K_BUF); return p ? outOk(p) : EBADF; }
/** OUT[0] = usable bytes of the buffer. */
export function buf_size(h: u32): i32 { let p = hGet(h, K_BUF); return p ? outOk(blockBytes(p) - BLOCK_HDR) : EBADF; }
/** OUT[0] = FNV-1a 64 of the first n bytes of a buffer. */
export function buf_hash(h: u32, n: u32): i32 {
  let p = hGet(h, K_BUF);
  if (!p) return EBADF;
  if (<u64>n > blockBytes(p) - BLOCK_HDR) return EINVAL;
  return outOk(fnvBytes(p, n));
}
export function buf_free(h: u32): i32 {
  let p = hGet(h, K_BUF);
  if (!p) return EBADF;
  free(p);
  hRelease(h);
  return OK;
}

// ---- lists ----
/** A list of n entries (n <= LIST_MAX), contents unset: the caller writes them at list_ptr. */
export function list_new(n: u32): i32 {
  if (n > LIST_MAX) return ENOMEM;
  let l = listCreate(n);
  return l ? issue(K_LIST, l) : ENOMEM;
}
/** OUT[0] = address of the entries. */
export function list_ptr(h: u32): i32 { let l = hGet(h, K_LIST); return l ? outOk(entriesOf(l)) : EBADF; }
/** The number of entries (<= LIST_MAX, so always a non-negative i32). */
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
/** OUT[0] = index of the first entry of list h not inside the union of list `within`
 *  once shifted back by delta (addr - delta), or U64_MAX when all are (list.ts). */
export function list_first_outside(h: u32, within: u32, delta: u64): i32 {
  let l = hGet(h, K_LIST);
  let w = hGet(within, K_LIST);
  return l && w ? listFirstOutside(l, w, delta) : EBADF;
}
/** The map product check (ts/model/contract.ts) in one pass: OUT[0] = total bytes of list h,
 *  OUT[1] = list_first_outside(h, within, delta)'s answer; EOVERFLOW as list_total (list.ts). */
export function list_total_within(h: u32, within: u32, delta: u64): i32 {
  let l = hGet(h, K_LIST);
  let w = hGet(within, K_LIST);
  return l && w ? listTotalWithin(l, w, delta) : EBADF;
}
export function list_coalesce(h: u32): i32 { let l = hGet(h, K_LIST); return l ? issueMade(K_LIST, listCoalesce(l)) : EBADF; }
export function list_split(h: u32, maxSeg: u64, mask: u64): i32 { let l = hGet(h, K_LIST); return l ? issueMade(K_LIST, listSplit(l, maxSeg, mask)) : EBADF; }
export function list_slice(h: u32, off: u64, len: u64): i32 { let l = hGet(h, K_LIST); return l ? issueMade(K_LIST, listSlice(l, off, len)) : EBADF; }
export function list_translate(h: u32, delta: u64): i32 { let l = hGet(h, K_LIST); return l ? issueMade(K_LIST, listTranslate(l, delta)) : EBADF; }
export function list_lookup(h: u32, off: u64): i32 { let l = hGet(h, K_LIST); return l ? listLookup(l, off) : EBADF; }
/** n offsets (u64) in buffer `inBuf`; {index, intra} u64 pairs written to buffer `outBuf`. */
export function list_lookup_many(h: u32, inBuf: u32, n: u32, outBuf: u32): i32 {
  let l = hGet(h, K_LIST);
  let i = hGet(inBuf, K_BUF);
  let o = hGet(outBuf, K_BUF);
  if (!l || !i || !o) return EBADF;
  if (<u64>n * 8 > blockBytes(i) - BLOCK_HDR || <u64>n * 16 > blockBytes(o) - BLOCK_HDR) return EINVAL;
  return listLookupMany(l, i, n, o);
}
export function list_hash(h: u32): i32 { let l = hGet(h, K_LIST); return l ? listHash(l) : EBADF; }

// ---- containers ----
const buildArgs = changetype<BuildArgs>(memory.data(<i32>offsetof<BuildArgs>(), 16));

/** Number of container kinds (registry.ts). */
export function ct_kinds(): i32 { return <i32>containerKinds(); }
/** Container kind number i: OUT[0] = its handle kind, OUT[1] = address of its name
 *  (UTF-16), OUT[2] = the name's bytes, OUT[3] = bytes per record (0: no record array). */
export function ct_kind_info(i: u32): i32 {
  if (i >= containerKinds()) return EINVAL;
  let kind = K_CONTAINER + i;
  let name = <usize>ctOp(kind, OP_NAME, 0, 0);
  setOut(0, kind);
  setOut(1, name);
  setOut(2, load<u32>(name - 4));
  setOut(3, ctOp(kind, OP_RECORD, 0, 0));
  return OK;
}
/** A container of `kind` from a list; each kind reads the parameters that concern it
 *  (kind.ts, BuildArgs). */
export function ct_from_list(kind: u32, h: u32, maxSeg: u64, mask: u64, data: u64, busOffset: u64, owner: u32, flags: u32): i32 {
  let l = hGet(h, K_LIST);
  if (!l) return EBADF;
  buildArgs.maxSeg = maxSeg;
  buildArgs.mask = mask;
  buildArgs.data = data;
  buildArgs.busOffset = busOffset;
  buildArgs.owner = owner;
  buildArgs.flags = flags;
  return issueMade(kind, <i32>ctOp(kind, OP_BUILD, l, changetype<usize>(buildArgs)));
}
/** OUT[0] = extra (busOffset / mapData / rangesData), OUT[1] = owner, OUT[2] = HDR_* flags. */
export function ct_header(h: u32): i32 {
  let k = hKind(h);
  if (!isContainer(k)) return EBADF;
  ctOp(k, OP_HEADER, hGet(h, k), 0);
  return OK;
}

const K_XARRAY = kindOf(xarrayKind);

/** An empty xarray. */
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

/** Any entry source (list or container), or 0. */
function source(h: u32): usize {
  let k = hKind(h);
  return isEntrySource(k) ? hGet(h, k) : 0;
}
/** OUT[0] = number of entries. */
export function ct_count(h: u32): i32 { let c = source(h); return c ? outOk(ctCount(hKind(h), c)) : EBADF; }
/** OUT[0] = bytes the object occupies, headers and allocator block headers included. */
export function ct_bytes(h: u32): i32 { let c = source(h); return c ? outOk(ctBytes(hKind(h), c)) : EBADF; }
/** OUT[0] = address of the record array (0 for a kind without one), OUT[1] = bytes per record. */
export function ct_data(h: u32): i32 {
  let k = hKind(h);
  if (k == K_LIST) { let l = hGet(h, k); setOut(1, ENTRY); return outOk(entriesOf(l)); }
  if (!isContainer(k)) return EBADF;
  let c = hGet(h, k);
  setOut(1, ctOp(k, OP_RECORD, c, 0));
  return outOk(ctOp(k, OP_DATA, c, 0));
}
/** A new list with the entries read back. */
export function ct_to_list(h: u32): i32 { let c = source(h); return c ? issueMade(K_LIST, ctToList(hKind(h), c)) : EBADF; }
export function ct_hash(h: u32): i32 { let c = source(h); return c ? ctHash(hKind(h), c) : EBADF; }
export function ct_lookup(h: u32, off: u64): i32 { let c = source(h); return c ? ctLookup(hKind(h), c, off) : EBADF; }
export function ct_free(h: u32): i32 {
  let k = hKind(h);
  if (!isContainer(k)) return EBADF;
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
  if (<u64>max * ENTRY > blockBytes(o) - BLOCK_HDR) return EINVAL;
  resetReader();
  return cursorNext(c, o, max);
}
/** The chunks of at most k bytes of any source, reduced: OUT[0] = count, OUT[1] = bytes,
 *  OUT[2] = XOR of their addresses; EOVERFLOW when the bytes pass 2^64 - 1 (cursor.ts). */
export function chunk_summary(src: u32, k: u64): i32 {
  let c = source(src);
  if (!c) return EBADF;
  resetReader();
  return chunkSummary(hKind(src), c, k);
}
export function cur_free(h: u32): i32 {
  let c = hGet(h, K_CURSOR);
  if (!c) return EBADF;
  cursorDestroy(c);
  hRelease(h);
  return OK;
}

// ---- IOVA allocators ----
export function iova_new(base: u64, size: u64): i32 { return issueMade(K_IOVA, iovaCreate(base, size)); }
export function iova_alloc(h: u32, size: u64): i32 { let a = hGet(h, K_IOVA); return a ? iovaAlloc(a, size) : EBADF; }
export function iova_free(h: u32, addr: u64, size: u64): i32 { let a = hGet(h, K_IOVA); return a ? iovaFree(a, addr, size) : EBADF; }
export function iova_stats(h: u32): i32 { let a = hGet(h, K_IOVA); return a ? iovaStats(a) : EBADF; }
/** A new list giving each entry of `list` its own region (per-range dma_map_phys). */
export function iova_map_each(h: u32, list: u32): i32 {
  let a = hGet(h, K_IOVA);
  let l = hGet(list, K_LIST);
  if (!a || !l) return EBADF;
  return issueMade(K_LIST, iovaMapEach(a, l));
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

// ---- the ABI's numbers (read by scripts/gen-abi.mjs, checked by the seam test) ----
export { OK, EBADF, ENOMEM, EINVAL, ERANGE, EOVERFLOW } from "./errors";
export { R_ZERO_LEN, R_WRAP, R_ADDR_ALIGN, R_LEN_ALIGN, R_ARG, R_OVERLAP, R_NOT_ALLOCATED } from "./errors";
export { K_LIST, K_CURSOR, K_IOVA, K_BUF, K_CONTAINER } from "./handles";
export { OUT_SLOTS } from "./out";
export { BLOCK_HDR } from "./alloc";
export { LIST_MAX } from "./list";
export { BUILD_PROVIDER, HDR_PROVIDER, HDR_DATA } from "./containers/kind";
export const ENTRY_BYTES: u32 = <u32>ENTRY;
export const ENTRY_ADDR: u32 = <u32>offsetof<Entry>("addr");
export const ENTRY_LEN: u32 = <u32>offsetof<Entry>("len");
export const SG_BYTES: u32 = <u32>SG_STRIDE;
export const SG_PAGE_LINK: u32 = <u32>offsetof<Scatterlist>("page_link");
export const SG_OFFSET: u32 = <u32>offsetof<Scatterlist>("offset");
export const SG_LENGTH: u32 = <u32>offsetof<Scatterlist>("length");
export const SG_DMA_ADDRESS: u32 = <u32>offsetof<Scatterlist>("dma_address");
export const SG_DMA_LENGTH: u32 = <u32>offsetof<Scatterlist>("dma_length");
