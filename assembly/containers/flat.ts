// Flat containers: a header plus one array of 16-byte records. Three kinds share it:
//   physvec  {provider: {owner u32, busOffset u64}, nelms, phys[] = {paddr u64, len u64}}
//   mapping  {phys[] = {paddr u64, len u64}, nents, mapData u64}
//   ranges   {ranges[] = struct range {start u64, end u64 (inclusive)}, nranges, rangesData u64}

import { alloc, free, blockBytes } from "../alloc";
import { OK, ENOMEM } from "../errors";
import { entriesOf, countOf, firstFault, ENTRY } from "../list";
import { made, setOut } from "../out";
import {
  BuildArgs, BUILD_PROVIDER, HDR_PROVIDER, HDR_DATA, statusWord, putRead, READ_BATCH,
  OP_BUILD, OP_COUNT, OP_BYTES, OP_DESTROY, OP_READ, OP_DATA, OP_RECORD, OP_PLAIN, OP_HEADER, OP_NAME,
} from "./kind";

@unmanaged class FlatHdr {
  /** The record array: `count` records of ENTRY bytes. */
  data: u32;
  count: u32;
  /** busOffset (physvec), mapData (mapping) or rangesData (ranges). */
  extra: u64;
  /** physvec: provider owner id. */
  owner: u32;
  /** physvec: 1 when there is a provider. */
  hasProvider: u32;
  /** 1 for ranges: records are {start, end} with an inclusive end. */
  inclusive: u32;
  spare: u32;
}

// @ts-ignore: decorator
@inline function hdr(c: usize): FlatHdr { return changetype<FlatHdr>(c); }

/** Builds a flat container from a list of valid entries into `made`. */
function flatBuild(inclusive: bool, list: usize, extra: u64, owner: u32, provider: bool): i32 {
  let n = countOf(list);
  let src = entriesOf(list);
  let fault = firstFault(src, n);
  if (fault < 0) return fault;
  let c = alloc(offsetof<FlatHdr>());
  let d = c ? alloc(max<usize>(<usize>n * ENTRY, 16)) : 0;
  if (!d) { free(c); return ENOMEM; }
  let h = hdr(c);
  h.data = <u32>d;
  h.count = n;
  h.extra = extra;
  h.owner = owner;
  h.hasProvider = provider ? 1 : 0;
  h.inclusive = inclusive ? 1 : 0;
  h.spare = 0;
  if (inclusive) {
    for (let i: u32 = 0; i < n; i++) {
      let p = src + <usize>i * ENTRY;
      let a = load<u64>(p);
      store<u64>(d + <usize>i * ENTRY, a);
      store<u64>(d + <usize>i * ENTRY, a + (load<u64>(p, 8) - 1), 8);
    }
  } else {
    memory.copy(d, src, <usize>n * ENTRY);
  }
  made = c;
  return OK;
}

/** The ops shared by the three flat kinds: physvec has a provider (providerKind),
 *  mapping and ranges a data word; ranges stores inclusive ends. */
function flatOp(op: u32, c: usize, x: u64, inclusive: bool, providerKind: bool, name: string): u64 {
  switch (op) {
    case OP_BUILD: {
      let a = changetype<BuildArgs>(<usize>x);
      let p = providerKind && (a.flags & BUILD_PROVIDER) != 0;
      return statusWord(flatBuild(inclusive, c, providerKind ? (p ? a.busOffset : 0) : a.data, p ? a.owner : 0, p));
    }
    case OP_COUNT: return hdr(c).count;
    case OP_BYTES: return blockBytes(c) + blockBytes(hdr(c).data);
    case OP_DESTROY: { free(hdr(c).data); free(c); return 0; }
    case OP_READ: {
      let n = <u64>hdr(c).count;
      if (x >= n) return 0;
      let k = <u32>min<u64>(n - x, READ_BATCH);
      let p = <usize>hdr(c).data + <usize>x * ENTRY;
      let incl = hdr(c).inclusive != 0;
      for (let i: u32 = 0; i < k; i++, p += ENTRY) {
        let a = load<u64>(p);
        let b = load<u64>(p, 8);
        putRead(i, x + i, a, incl ? b - a + 1 : b);
      }
      return k;
    }
    case OP_DATA: return hdr(c).data;
    case OP_RECORD: return ENTRY;
    case OP_PLAIN: return hdr(c).inclusive ? 0 : 1;
    case OP_HEADER: {
      setOut(0, hdr(c).extra);
      setOut(1, hdr(c).owner);
      setOut(2, providerKind ? (hdr(c).hasProvider ? HDR_PROVIDER : 0) : HDR_DATA);
      return 0;
    }
    case OP_NAME: return changetype<usize>(name);
  }
  abort("flat container: unknown op");
  return 0;
}

export function physvecKind(op: u32, c: usize, x: u64): u64 { return flatOp(op, c, x, false, true, "physvec"); }
export function mappingKind(op: u32, c: usize, x: u64): u64 { return flatOp(op, c, x, false, false, "mapping"); }
export function rangesKind(op: u32, c: usize, x: u64): u64 { return flatOp(op, c, x, true, false, "ranges"); }
