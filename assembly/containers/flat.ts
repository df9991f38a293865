// Flat containers: a header plus one array of 16-byte records.
//   physvec  {provider: {owner u32, busOffset u64}, nelms, phys[] = {paddr u64, len u64}}
//   mapping  {phys[] = {paddr u64, len u64}, nents, mapData u64}
//   ranges   {ranges[] = struct range {start u64, end u64 (inclusive)}, nranges, rangesData u64}
// Header (32 bytes): data u32 | count u32 | extra u64 (busOffset, mapData or rangesData)
//                    | owner u32 | hasProvider u32 | spare u64.

import { alloc, free, blockBytes } from "../alloc";
import { ENOMEM } from "../errors";
import { entriesOf, countOf, firstFault } from "../list";
import { K_RANGES } from "../handles";

// @ts-ignore: decorator
@inline export function flatData(c: usize): usize { return <usize>load<u32>(c); }
// @ts-ignore: decorator
@inline export function flatCount(c: usize): u32 { return load<u32>(c, 4); }

/** Builds a flat container of `kind` from a list of valid entries; 0 + status in flatStatus. */
export let flatStatus: i32 = 0;

export function flatBuild(kind: u32, list: usize, extra: u64, owner: u32, hasProvider: u32): usize {
  let n = countOf(list);
  let src = entriesOf(list);
  let fault = firstFault(src, n);
  if (fault < 0) { flatStatus = fault; return 0; }
  let c = alloc(32);
  let d = c ? alloc(max<usize>(<usize>n << 4, 16)) : 0;
  if (!d) { free(c); flatStatus = ENOMEM; return 0; }
  store<u32>(c, <u32>d);
  store<u32>(c, n, 4);
  store<u64>(c, extra, 8);
  store<u32>(c, owner, 16);
  store<u32>(c, hasProvider, 20);
  store<u64>(c, 0, 24);
  if (kind == K_RANGES) {
    for (let i: u32 = 0; i < n; i++) {
      let p = src + (<usize>i << 4);
      let a = load<u64>(p);
      store<u64>(d + (<usize>i << 4), a);
      store<u64>(d + (<usize>i << 4), a + (load<u64>(p, 8) - 1), 8);
    }
  } else {
    memory.copy(d, src, <usize>n << 4);
  }
  flatStatus = 0;
  return c;
}

/** Entry i as {addr, len} into flatA / flatL. */
export let flatA: u64 = 0;
export let flatL: u64 = 0;

// @ts-ignore: decorator
@inline export function flatEntry(kind: u32, c: usize, i: u32): void {
  let p = flatData(c) + (<usize>i << 4);
  flatA = load<u64>(p);
  flatL = kind == K_RANGES ? load<u64>(p, 8) - flatA + 1 : load<u64>(p, 8);
}

export function flatDestroy(c: usize): void {
  free(flatData(c));
  free(c);
}

export function flatBytes(c: usize): u64 {
  return blockBytes(c) + blockBytes(flatData(c));
}
