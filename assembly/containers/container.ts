// One reader over every entry source: a list or a container of any registered kind.
// readFrom(kind, obj, pos) finds the first entry at position >= pos (an ordinal for
// arrays, an index for sparse kinds) and leaves it in rdA / rdL / rdPos (kind.ts).
// Containers are read a batch at a time (OP_READ), so a kind's function is called once
// per READ_BATCH entries.

import { K_LIST } from "../handles";
import { entriesOf, countOf, listDestroy, listBytes, listCreate, fnvRecords, fnvBasis, ENTRY } from "../list";
import { OK, ENOMEM, ERANGE } from "../errors";
import { setOut, made } from "../out";
import { rdA, rdL, rdPos, readRec, putRead, ReadRec, READ_BATCH, OP_COUNT, OP_READ, OP_DESTROY, OP_BYTES, OP_DATA, OP_PLAIN } from "./kind";
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

// The batch OP_READ filled last: valid within one exported call (resetReader).
let bKind: u32 = 0;
let bObj: usize = 0;
let bFrom: u64 = 0;
let bN: u32 = 0;
let bI: u32 = 0;

/** Forgets the batch; every exported call that reads entries calls it first. */
export function resetReader(): void { bObj = 0; }

export function readFrom(kind: u32, c: usize, pos: u64): bool {
  if (kind == K_LIST) {
    if (pos >= <u64>countOf(c)) return false;
    let p = entriesOf(c) + <usize>pos * ENTRY;
    rdPos = pos;
    rdA = load<u64>(p);
    rdL = load<u64>(p, 8);
    return true;
  }
  // the batch answers when pos is inside it (or past its end when it held the last entry)
  if (bObj == c && bKind == kind && pos >= bFrom) {
    if (bI && readRec(bI - 1).pos >= pos) bI = 0; // asked again for an earlier entry
    while (bI < bN && readRec(bI).pos < pos) bI++;
    if (bI < bN) return serve();
    if (bN < READ_BATCH) return false;
  }
  bN = readBatch(kind, c, pos);
  bObj = c;
  bKind = kind;
  bFrom = pos;
  bI = 0;
  return bN ? serve() : false;
}

/** Hands out batch record bI (and moves past it). */
// @ts-ignore: decorator
@inline function serve(): bool {
  let r = readRec(bI++);
  rdPos = r.pos;
  rdA = r.addr;
  rdL = r.len;
  return true;
}

export function ctDestroy(kind: u32, c: usize): void {
  if (kind == K_LIST) listDestroy(c);
  else ctOp(kind, OP_DESTROY, c, 0);
}

export function ctBytes(kind: u32, c: usize): u64 {
  return kind == K_LIST ? listBytes(c) : ctOp(kind, OP_BYTES, c, 0);
}

/** Fills readBuf with up to READ_BATCH entries of any source, the first at position
 *  >= pos; returns how many (fewer: the source's last entry is among them). */
function readBatch(kind: u32, c: usize, pos: u64): u32 {
  if (kind != K_LIST) return <u32>ctOp(kind, OP_READ, c, pos);
  let n = <u64>countOf(c);
  if (pos >= n) return 0;
  let k = <u32>min<u64>(n - pos, READ_BATCH);
  let p = entriesOf(c) + <usize>pos * ENTRY;
  for (let i: u32 = 0; i < k; i++, p += ENTRY) putRead(i, pos + i, load<u64>(p), load<u64>(p, 8));
  return k;
}

/** Position after the last entry of a batch of k, or 0 when the source is done. */
// @ts-ignore: decorator
@inline function nextPos(k: u32): u64 {
  return k < READ_BATCH ? 0 : readRec(k - 1).pos + 1;
}

/** A new list (in `made`) holding the entries read back from any source, in order. */
export function ctToList(kind: u32, c: usize): i32 {
  resetReader(); // readBuf is overwritten below
  let out = listCreate(ctCount(kind, c));
  if (!out) return ENOMEM;
  let d = entriesOf(out);
  let pos: u64 = 0;
  do {
    let k = readBatch(kind, c, pos);
    for (let i: u32 = 0; i < k; i++, d += ENTRY) {
      store<u64>(d, readRec(i).addr);
      store<u64>(d, readRec(i).len, 8);
    }
    pos = nextPos(k);
  } while (pos);
  made = out;
  return OK;
}

/** OUT[0] = FNV-1a 64 of the entries read back. */
export function ctHash(kind: u32, c: usize): i32 {
  resetReader(); // readBuf is overwritten below
  let h = fnvBasis();
  let pos: u64 = 0;
  do {
    let k = readBatch(kind, c, pos);
    h = fnvRecords(h, changetype<usize>(readRec(0)) + offsetof<ReadRec>("addr"), k, offsetof<ReadRec>());
    pos = nextPos(k);
  } while (pos);
  setOut(0, h);
  return OK;
}

/** OUT[0] = ordinal of the entry holding byte `off`, OUT[1] = offset inside it.
 *  A linear walk: containers keep no prefix sums (as sg_table and friends do not). */
export function ctLookup(kind: u32, c: usize, off: u64): i32 {
  resetReader(); // readBuf is overwritten below
  let pos: u64 = 0;
  let ord: u64 = 0;
  do {
    let k = readBatch(kind, c, pos);
    for (let i: u32 = 0; i < k; i++, ord++) {
      let l = readRec(i).len;
      if (off < l) {
        setOut(0, ord);
        setOut(1, off);
        return OK;
      }
      off -= l;
    }
    pos = nextPos(k);
  } while (pos);
  return ERANGE;
}
