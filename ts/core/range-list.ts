import type { Core } from "./loader.js";
import { getCore } from "./loader.js";
import { CoreObject } from "./handle.js";
import { DmaBufError, REASONS, type ErrorCode } from "./errors.js";
import { U64_MAX, u64 } from "./u64.js";
import { chunksOf, forEachChunkBatch } from "./chunks.js";
import { pagesToListStatus, type PageOptions } from "./pages.js";

/** One range: `len` bytes from `addr`. */
export interface Entry {
  addr: bigint;
  len: bigint;
}

/** Anything accepted where an entry is expected. */
export type EntryLike = Entry | { addr: bigint | number; len: bigint | number } | readonly [bigint | number, bigint | number];

const freeList = (c: Core, h: number) => void c.exports.list_free(h);

/**
 * Returns a non-negative core status. The core's EINVAL becomes a DmaBufError naming the
 * entry (OUT[0]) and the rule it broke (OUT[1]; for overlaps OUT[2] is the other entry);
 * every other code goes through core.check.
 */
export function checkStatus(core: Core, status: number, what: string, detail?: (code: ErrorCode) => string): number {
  if (status === -22) {
    const index = core.out(0);
    const reason = Number(core.out(1));
    if (reason === 6) throw new DmaBufError("EINVAL", `${what}: entries ${core.out(2)} and ${index} overlap`, [Number(index)]);
    const where = index === U64_MAX ? "argument" : `entry ${index}`;
    throw new DmaBufError("EINVAL", `${what}: ${where}: ${REASONS[reason] ?? "invalid"}`, index === U64_MAX ? [] : [Number(index)]);
  }
  return core.check(status, what, detail);
}

/**
 * A list of {addr, len} entries (a phys_vec) in wasm linear memory. Operations run in
 * the core, one call per list; results are new lists. Read entries with view() (zero
 * copy) or entries() (a copy). Call dispose() when done.
 */
export class RangeList extends CoreObject {
  private constructor(core: Core, h: number) {
    super(core, h, "RangeList", freeList);
  }

  /** Wraps a handle the core just issued (status checked). */
  static adopt(core: Core, status: number, what: string): RangeList {
    return new RangeList(core, checkStatus(core, status, what));
  }

  /** A list with room for n entries, all zero; fill it through view(), then touch(). */
  static allocate(n: number, core: Core = getCore()): RangeList {
    const list = RangeList.adopt(core, core.exports.list_new(n), "RangeList.allocate");
    list.view().fill(0n);
    return list;
  }

  /** Builds a list from interleaved addr, len words (copied in one set()). */
  static fromBigUint64Array(words: BigUint64Array, core: Core = getCore()): RangeList {
    if (words.length % 2) throw new DmaBufError("EINVAL", "RangeList.fromBigUint64Array: odd number of words (need addr, len pairs)");
    const list = RangeList.adopt(core, core.exports.list_new(words.length / 2), "RangeList.fromBigUint64Array");
    list.view().set(words);
    return list;
  }

  /** Builds a list from entries ({addr, len} objects or [addr, len] pairs). */
  static from(entries: Iterable<EntryLike>, core: Core = getCore()): RangeList {
    const arr = Array.isArray(entries) ? (entries as EntryLike[]) : [...entries];
    const words = new BigUint64Array(arr.length * 2);
    arr.forEach((e, i) => {
      const [a, l] = Array.isArray(e) ? e : [(e as Entry).addr, (e as Entry).len];
      words[2 * i] = u64(a);
      words[2 * i + 1] = u64(l);
    });
    return RangeList.fromBigUint64Array(words, core);
  }

  /**
   * The entries the kernel's sg_alloc_table_from_pages_segment() builds from these page
   * frame numbers: contiguous pages merge up to maxSegment (rounded down to whole pages),
   * the offset shortens the first entry, size cuts the last. See docs/pages.md.
   */
  static fromPages(pfns: BigUint64Array | Iterable<bigint | number>, opts: PageOptions = {}, core: Core = getCore()): RangeList {
    return RangeList.adopt(core, pagesToListStatus(core, "RangeList.fromPages", pfns, opts), "RangeList.fromPages");
  }

  /** Number of entries. */
  get length(): number {
    return this.core.check(this.core.exports.list_len(this.handle), "RangeList.length");
  }

  /**
   * The entries as interleaved addr, len words, over wasm memory (no copy). The view
   * is invalid once memory grows: call view() again after any other operation.
   */
  view(): BigUint64Array {
    const h = this.handle;
    const ptr = this.core.exports.list_ptr(h);
    return new BigUint64Array(this.core.memory.buffer, ptr, this.length * 2);
  }

  /** Must follow writes through view() once the list was used (drops cached sums). */
  touch(): void {
    this.core.exports.list_touch(this.handle);
  }

  /** A copy of the entries. */
  entries(): Entry[] {
    const v = this.view();
    const out: Entry[] = new Array(v.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = { addr: v[2 * i]!, len: v[2 * i + 1]! };
    return out;
  }

  /** A copy of the interleaved words. */
  toBigUint64Array(): BigUint64Array {
    return this.view().slice();
  }

  /** Throws EINVAL naming the first entry with len 0, a wrap, or (align > 0) misalignment. */
  validate(align: bigint = 0n): void {
    checkStatus(this.core, this.core.exports.list_validate(this.handle, align), "validate");
  }

  /** Sum of len; EOVERFLOW past 2^64 - 1. */
  total(): bigint {
    this.core.check(this.core.exports.list_total(this.handle), "total", () => "sum of len passes 2^64 - 1");
    return this.core.out(0);
  }

  /** Lowest addr and highest last byte. */
  bounds(): { lo: bigint; hi: bigint } {
    checkStatus(this.core, this.core.exports.list_bounds(this.handle), "bounds");
    return { lo: this.core.out(0), hi: this.core.out(1) };
  }

  /** Throws EINVAL naming two entries that share a byte. */
  checkDisjoint(): void {
    checkStatus(this.core, this.core.exports.list_check_disjoint(this.handle), "checkDisjoint");
  }

  /** Merges neighbours where a.addr + a.len == b.addr. */
  coalesce(): RangeList {
    return RangeList.adopt(this.core, this.core.exports.list_coalesce(this.handle), "coalesce");
  }

  /** Pieces of at most maxSeg bytes that do not cross a (mask + 1) boundary. */
  split(maxSeg: bigint, boundaryMask: bigint = U64_MAX): RangeList {
    return RangeList.adopt(this.core, this.core.exports.list_split(this.handle, maxSeg, boundaryMask), "split");
  }

  /** The entries covering bytes [offset, offset + length). ERANGE past the end. */
  slice(offset: bigint, length: bigint): RangeList {
    return RangeList.adopt(this.core, this.core.exports.list_slice(this.handle, offset, length), "slice");
  }

  /** addr += delta (two's complement, wrapping) for every entry. */
  translate(delta: bigint): RangeList {
    return RangeList.adopt(this.core, this.core.exports.list_translate(this.handle, u64(delta)), "translate");
  }

  /** The entry holding byte `offset` and the offset inside it. O(log n). */
  lookup(offset: bigint): { index: number; offset: bigint } {
    checkStatus(this.core, this.core.exports.list_lookup(this.handle, offset), "lookup", (c) => (c === "ERANGE" ? `offset ${offset} is past the end` : c));
    return { index: Number(this.core.out(0)), offset: this.core.out(1) };
  }

  /** lookup() for many offsets in one call: returns interleaved index, intra-offset words. */
  lookupMany(offsets: BigUint64Array): BigUint64Array {
    const c = this.core;
    const n = offsets.length;
    const inH = c.exports.buf_new(Math.max(n * 8, 16));
    c.check(inH, "lookupMany");
    try {
      const outH = c.scratch(n * 16);
      new BigUint64Array(c.memory.buffer, c.exports.buf_ptr(inH), n).set(offsets);
      checkStatus(c, c.exports.list_lookup_many(this.handle, inH, n, outH), "lookupMany", (code) => (code === "ERANGE" ? `offset at position ${c.out(0)} is past the end` : code));
      return new BigUint64Array(c.memory.buffer, c.scratchPtr(), n * 2).slice();
    } finally {
      c.exports.buf_free(inH);
    }
  }

  /** FNV-1a 64 over addr then len of each entry (8 little-endian bytes each). */
  hash(): bigint {
    this.core.check(this.core.exports.list_hash(this.handle), "hash");
    return this.core.out(0);
  }

  /** Chunks of at most k bytes (0n: whole entries), fetched from the core in batches. */
  chunks(k: bigint = 0n): IterableIterator<[bigint, bigint]> {
    return chunksOf(this.core, this.handle, k);
  }

  /** The fast path of chunks(): fn gets each batch as addr, len words over wasm memory (valid during the call). */
  chunkBatches(k: bigint, fn: (words: BigUint64Array) => void): void {
    forEachChunkBatch(this.core, this.handle, k, fn);
  }

  /** Bytes the list occupies in the core (entries, headers, cached prefix sums). */
  bytes(): bigint {
    this.core.check(this.core.exports.ct_bytes(this.handle), "bytes");
    return this.core.out(0);
  }
}
