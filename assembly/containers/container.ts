// One reader over every entry source: a list or any of the five containers.
// readFrom(kind, obj, pos) finds the first entry at position >= pos (an ordinal for
// arrays, an index for the xarray) and leaves it in rdA / rdL / rdPos.

import { K_LIST, K_SGT, K_PHYSVEC, K_MAPPING, K_RANGES, K_XARRAY } from "../handles";
import { entriesOf, countOf, listDestroy, listBytes, listCreate, fnvU64, fnvBasis } from "../list";
import { flatCount, flatEntry, flatA, flatL, flatDestroy, flatBytes } from "./flat";
import { sgtCount, sgtAddr, sgtLen, sgtDestroy, sgtBytes } from "./sgt";
import { xaNext, nextIndex, nextEntry, xaCount, xaDestroy, xaBytes } from "./xarray";
import { OK, ERANGE } from "../errors";
import { setOut } from "../out";

export let rdA: u64 = 0;
export let rdL: u64 = 0;
export let rdPos: u64 = 0;

// Leaf cache for xarray walks; valid only inside one exported call (see resetReader).
let leaf: usize = 0;
let leafBase: u64 = 0;

/** Forgets cached xarray leaves; every exported entry point calls it first. */
export function resetReader(): void { leaf = 0; }

export function isEntrySource(kind: u32): bool { return kind >= K_LIST && kind <= K_XARRAY; }

/** Number of entries. */
export function ctCount(kind: u32, c: usize): u64 {
  if (kind == K_LIST) return countOf(c);
  if (kind == K_SGT) return sgtCount(c);
  if (kind == K_XARRAY) return xaCount(c);
  return flatCount(c);
}

export function readFrom(kind: u32, c: usize, pos: u64): bool {
  if (kind == K_XARRAY) {
    if (leaf && (pos & ~<u64>63) == leafBase) {
      let bits = load<u64>(leaf) & (~<u64>0 << (pos & 63));
      if (bits) {
        let s = <usize>ctz(bits);
        rdPos = leafBase | <u64>s;
        rdA = load<u64>(leaf + 16 + (s << 4));
        rdL = load<u64>(leaf + 16 + (s << 4), 8);
        return true;
      }
      pos = leafBase + 64;
      if (pos == 0) return false;
    }
    if (!xaNext(c, pos)) return false;
    rdPos = nextIndex;
    rdA = load<u64>(nextEntry);
    rdL = load<u64>(nextEntry, 8);
    leafBase = nextIndex & ~<u64>63;
    leaf = nextEntry - 16 - ((<usize>nextIndex & 63) << 4);
    return true;
  }
  if (pos >= ctCount(kind, c)) return false;
  rdPos = pos;
  let i = <u32>pos;
  if (kind == K_LIST) {
    let p = entriesOf(c) + (<usize>i << 4);
    rdA = load<u64>(p);
    rdL = load<u64>(p, 8);
  } else if (kind == K_SGT) {
    rdA = sgtAddr(c, i);
    rdL = sgtLen(c, i);
  } else {
    flatEntry(kind, c, i);
    rdA = flatA;
    rdL = flatL;
  }
  return true;
}

export function ctDestroy(kind: u32, c: usize): void {
  if (kind == K_LIST) listDestroy(c);
  else if (kind == K_SGT) sgtDestroy(c);
  else if (kind == K_XARRAY) xaDestroy(c);
  else flatDestroy(c);
}

export function ctBytes(kind: u32, c: usize): u64 {
  if (kind == K_LIST) return listBytes(c);
  if (kind == K_SGT) return sgtBytes(c);
  if (kind == K_XARRAY) return xaBytes(c);
  return flatBytes(c);
}

/** A new list holding the entries read back from any source, in order; 0 on ENOMEM. */
export function ctToList(kind: u32, c: usize): usize {
  let n = ctCount(kind, c);
  let out = listCreate(n);
  if (!out) return 0;
  let d = entriesOf(out);
  let pos: u64 = 0;
  resetReader();
  while (readFrom(kind, c, pos)) {
    store<u64>(d, rdA);
    store<u64>(d, rdL, 8);
    d += 16;
    pos = rdPos + 1;
    if (pos == 0) break;
  }
  return out;
}

/** OUT[0] = FNV-1a 64 of the entries read back. */
export function ctHash(kind: u32, c: usize): i32 {
  let h = fnvBasis();
  let pos: u64 = 0;
  resetReader();
  while (readFrom(kind, c, pos)) {
    h = fnvU64(fnvU64(h, rdA), rdL);
    pos = rdPos + 1;
    if (pos == 0) break;
  }
  setOut(0, h);
  return OK;
}

/** OUT[0] = ordinal of the entry holding byte `off`, OUT[1] = offset inside it.
 *  A linear walk: containers keep no prefix sums (as sg_table and friends do not). */
export function ctLookup(kind: u32, c: usize, off: u64): i32 {
  let pos: u64 = 0;
  let ord: u64 = 0;
  resetReader();
  while (readFrom(kind, c, pos)) {
    if (off < rdL) {
      setOut(0, ord);
      setOut(1, off);
      return OK;
    }
    off -= rdL;
    ord++;
    pos = rdPos + 1;
    if (pos == 0) break;
  }
  return ERANGE;
}

