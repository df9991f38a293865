// One reader over every entry source: a list or a container of any registered kind.
// readFrom(kind, obj, pos) finds the first entry at position >= pos (an ordinal for
// arrays, an index for sparse kinds) and leaves it in rdA / rdL / rdPos (kind.ts).

import { K_LIST } from "../handles";
import { entriesOf, countOf, listDestroy, listBytes, listCreate, fnvU64, fnvBasis, ENTRY } from "../list";
import { OK, ENOMEM, ERANGE } from "../errors";
import { setOut, made } from "../out";
import { rdA, rdL, rdPos, OP_COUNT, OP_READ, OP_DESTROY, OP_BYTES, OP_DATA, OP_PLAIN } from "./kind";
import { isContainer, ctOp } from "./registry";

/** A list or a registered container kind. */
export function isEntrySource(kind: u32): bool { return kind == K_LIST || isContainer(kind); }

/** Number of entries. */
export function ctCount(kind: u32, c: usize): u64 {
  return kind == K_LIST ? <u64>countOf(c) : ctOp(kind, OP_COUNT, c, 0);
}

/** The entry array of a list, or the record array of a container whose records are
 *  plain Entry {addr, len} (0 for any other kind): cursors read it directly. */
export function plainEntries(kind: u32, c: usize): usize {
  if (kind == K_LIST) return entriesOf(c);
  return ctOp(kind, OP_PLAIN, c, 0) ? <usize>ctOp(kind, OP_DATA, c, 0) : 0;
}

export function readFrom(kind: u32, c: usize, pos: u64): bool {
  if (kind != K_LIST) return ctOp(kind, OP_READ, c, pos) != 0;
  if (pos >= <u64>countOf(c)) return false;
  let p = entriesOf(c) + <usize>pos * ENTRY;
  rdPos = pos;
  rdA = load<u64>(p);
  rdL = load<u64>(p, 8);
  return true;
}

export function ctDestroy(kind: u32, c: usize): void {
  if (kind == K_LIST) listDestroy(c);
  else ctOp(kind, OP_DESTROY, c, 0);
}

export function ctBytes(kind: u32, c: usize): u64 {
  return kind == K_LIST ? listBytes(c) : ctOp(kind, OP_BYTES, c, 0);
}

/** A new list (in `made`) holding the entries read back from any source, in order. */
export function ctToList(kind: u32, c: usize): i32 {
  let n = ctCount(kind, c);
  let out = listCreate(n);
  if (!out) return ENOMEM;
  let d = entriesOf(out);
  let pos: u64 = 0;
  while (readFrom(kind, c, pos)) {
    store<u64>(d, rdA);
    store<u64>(d, rdL, 8);
    d += ENTRY;
    pos = rdPos + 1;
    if (pos == 0) break;
  }
  made = out;
  return OK;
}

/** OUT[0] = FNV-1a 64 of the entries read back. */
export function ctHash(kind: u32, c: usize): i32 {
  let h = fnvBasis();
  let pos: u64 = 0;
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
