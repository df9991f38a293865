import { Core, getCore, wasm, sameCore } from "./loader.js";
import { EntrySource, type EntryCalls } from "./source.js";
import { DmaBufError } from "./errors.js";
import { LAYOUT } from "./abi.js";
import { U64_MAX } from "./u64.js";
import { sumOverflow } from "./chunks.js";
import { pagesToListStatus, type PageOptions, type Pages } from "./pages.js";
import { U64Buffer } from "./u64-buffer.js";
import { u64Arg, deltaArg, countArg, u64LikeArg, wordsArg, instanceArg } from "./args.js";

/** One range: `len` bytes from `addr`. */
export interface Entry {
  addr: bigint;
  len: bigint;
}

/** Anything accepted where an entry is expected. */
export type EntryLike = Entry | { addr: bigint | number; len: bigint | number } | readonly [bigint | number, bigint | number];

const freeList = (c: Core, h: number) => void wasm(c).list_free(h);

/** A list's own core calls (the rest are shared with containers: EntrySource). */
const LIST_CALLS: EntryCalls = {
  hash: "list_hash",
  lookup: "list_lookup",
};

/** Most entries in one list (the core's LIST_MAX). */
export const MAX_ENTRIES: number = LAYOUT.LIST_MAX;

/** The core to use: the given one (checked) or the shared one. */
function coreArg(core: unknown, what: string): Core {
  return core === undefined ? getCore() : instanceArg(core, Core, what, "core");
}

/**
 * A list of {addr, len} entries (a phys_vec) in wasm linear memory. Operations run in
 * the core, one call per list; results are new lists. Read entries with view() (zero
 * copy) or entries() (a copy). Call dispose() when done.
 */
export class RangeList extends EntrySource {
  private constructor(core: Core, h: number) {
    super(core, h, "RangeList", freeList);
  }

  /** @internal */
  protected get calls(): EntryCalls {
    return LIST_CALLS;
  }

  /** Wraps a handle the core just issued (status checked). */
  static adopt(core: Core, status: number, what: string): RangeList {
    return new RangeList(core, core.check(status, what, "entry"));
  }

  /** A list with room for n entries (at most MAX_ENTRIES), all zero; fill it through view(), then touch(). */
  static allocate(n: number, core?: Core): RangeList {
    const what = "RangeList.allocate";
    countArg(n, what, "n", MAX_ENTRIES);
    const c = coreArg(core, what);
    const list = RangeList.adopt(c, wasm(c).list_new(n), what);
    new Uint8Array(c.memory.buffer, c.ptr(wasm(c).list_ptr(list.handle), what), n * LAYOUT.ENTRY_BYTES).fill(0);
    return list;
  }

  /** Builds a list from interleaved addr, len words (copied in one set()). */
  static fromBigUint64Array(words: BigUint64Array, core?: Core): RangeList {
    const what = "RangeList.fromBigUint64Array";
    wordsArg(words, what, "words");
    if (words.length % 2) throw new DmaBufError("EINVAL", `${what}: odd number of words (need addr, len pairs)`, ["words"]);
    countArg(words.length / 2, what, "words.length / 2", MAX_ENTRIES);
    const c = coreArg(core, what);
    const list = RangeList.adopt(c, wasm(c).list_new(words.length / 2), what);
    list.view().set(words);
    return list;
  }

  /** Builds a list from entries ({addr, len} objects or [addr, len] pairs; bigints or safe integers). */
  static from(entries: Iterable<EntryLike>, core?: Core): RangeList {
    const what = "RangeList.from";
    if (typeof entries !== "object" || entries === null || typeof (entries as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
      throw new DmaBufError("EINVAL", `${what}: entries must be an iterable of {addr, len} or [addr, len]`, ["entries"]);
    }
    const arr = Array.isArray(entries) ? (entries as unknown[]) : [...entries];
    countArg(arr.length, what, "entries.length", MAX_ENTRIES);
    const words = new BigUint64Array(arr.length * 2);
    arr.forEach((e, i) => {
      if (typeof e !== "object" || e === null) throw new DmaBufError("EINVAL", `${what}: entries[${i}] must be {addr, len} or [addr, len]`, [`entries[${i}]`]);
      const [a, l] = Array.isArray(e) ? e : [(e as Entry).addr, (e as Entry).len];
      words[2 * i] = u64LikeArg(a, what, `entries[${i}].addr`);
      words[2 * i + 1] = u64LikeArg(l, what, `entries[${i}].len`);
    });
    return RangeList.fromBigUint64Array(words, core);
  }

  /**
   * The entries the kernel's sg_alloc_table_from_pages_segment() builds from these page
   * frame numbers: contiguous pages merge up to maxSegment (rounded down to whole pages),
   * the offset shortens the first entry, size cuts the last. A U64Buffer is read where it
   * lies in the core (no copy; its core is the default). See docs/pages.md.
   */
  static fromPages(pfns: Pages, opts: PageOptions = {}, core?: Core): RangeList {
    const what = "RangeList.fromPages";
    const c = core === undefined && pfns instanceof U64Buffer ? pfns.core : coreArg(core, what);
    return RangeList.adopt(c, pagesToListStatus(c, what, pfns, opts), what);
  }

  /** Number of entries. */
  get length(): number {
    return this.core.check(wasm(this.core).list_len(this.handle), "RangeList.length");
  }

  /**
   * The entries as interleaved addr, len words, over wasm memory (no copy). The view
   * is invalid once memory grows: call view() again after any other operation.
   */
  view(): BigUint64Array {
    const ptr = this.core.ptr(wasm(this.core).list_ptr(this.handle), "view");
    return new BigUint64Array(this.core.memory.buffer, ptr, this.length * 2);
  }

  /** Must follow writes through view() once the list was used (drops cached sums). */
  touch(): void {
    this.core.check(wasm(this.core).list_touch(this.handle), "touch");
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
    u64Arg(align, "validate", "align");
    this.core.check(wasm(this.core).list_validate(this.handle, align), "validate", "entry");
  }

  /** Sum of len; EOVERFLOW past 2^64 - 1. */
  total(): bigint {
    this.core.check(wasm(this.core).list_total(this.handle), "total", sumOverflow);
    return this.core.out(0);
  }

  /** Lowest addr and highest last byte. */
  bounds(): { lo: bigint; hi: bigint } {
    this.core.check(wasm(this.core).list_bounds(this.handle), "bounds", "entry");
    return { lo: this.core.out(0), hi: this.core.out(1) };
  }

  /** Throws EINVAL naming two entries that share a byte. */
  checkDisjoint(): void {
    this.core.check(wasm(this.core).list_check_disjoint(this.handle), "checkDisjoint", "entry");
  }

  /**
   * The index of the first entry (in list order) whose bytes, shifted back by `delta`
   * (`addr - delta`, wrapping), do not all lie inside the union of `within`'s entries
   * (touching and overlapping entries of `within` merge; any order), or -1 when every
   * entry does. Answers "is this mapping inside its backing / its IOVA regions?" in one
   * core call: O(n + m) when both lists are in address order. A last byte past 2^64 - 1
   * lies outside; an entry of len 0 is inside when the byte before it is covered.
   */
  firstOutside(within: RangeList, delta: bigint = 0n): number {
    const what = "firstOutside";
    const w = RangeList.handleIn(this.core, within, what, "within");
    const d = deltaArg(delta, what, "delta");
    this.core.check(wasm(this.core).list_first_outside(this.handle, w, d), what);
    const i = this.core.out(0);
    return i === U64_MAX ? -1 : Number(i);
  }

  /** Merges neighbours where a.addr + a.len == b.addr. */
  coalesce(): RangeList {
    return RangeList.adopt(this.core, wasm(this.core).list_coalesce(this.handle), "coalesce");
  }

  /** Pieces of at most maxSeg bytes that do not cross a (mask + 1) boundary. */
  split(maxSeg: bigint, boundaryMask: bigint = U64_MAX): RangeList {
    u64Arg(maxSeg, "split", "maxSeg");
    u64Arg(boundaryMask, "split", "boundaryMask");
    return RangeList.adopt(this.core, wasm(this.core).list_split(this.handle, maxSeg, boundaryMask), "split");
  }

  /** The entries covering bytes [offset, offset + length). ERANGE past the end. */
  slice(offset: bigint, length: bigint): RangeList {
    u64Arg(offset, "slice", "offset");
    u64Arg(length, "slice", "length");
    return RangeList.adopt(this.core, wasm(this.core).list_slice(this.handle, offset, length), "slice");
  }

  /** addr += delta (two's complement, wrapping) for every entry; -(2^64 - 1) <= delta <= 2^64 - 1. */
  translate(delta: bigint): RangeList {
    const d = deltaArg(delta, "translate", "delta");
    return RangeList.adopt(this.core, wasm(this.core).list_translate(this.handle, d), "translate");
  }

  /**
   * lookup() for many offsets in one call: interleaved index, intra-offset words (two per
   * offset), in a new array, or written into `into` (at least two words per offset; the
   * rest is left alone) and returned. A caller looking up in a loop can so reuse one
   * array: a fresh 16 MB array per million offsets costs more than the lookups where a
   * new allocation means new pages.
   *
   * Offsets in a U64Buffer are read where they lie (a BigUint64Array is copied in), and
   * with `into` a U64Buffer the results are written straight there: the returned array is
   * then a view of it (valid until the core's memory grows). The searches run 16 at a
   * time, so their cache misses overlap.
   */
  lookupMany(offsets: BigUint64Array | U64Buffer, into?: BigUint64Array | U64Buffer): BigUint64Array {
    const what = "lookupMany";
    const c = this.core;
    const x = wasm(c);
    const inBuf = offsets instanceof U64Buffer ? bufferIn(c, offsets, what, "offsets") : undefined;
    const n = countArg(inBuf ? offsets.length : wordsArg(offsets, what, "offsets").length, what, "offsets.length", MAX_ENTRIES);
    const outBuf = into instanceof U64Buffer ? bufferIn(c, into, what, "into") : undefined;
    if (into !== undefined) countArg(outBuf ? into.length : wordsArg(into, what, "into").length, what, "into.length", Infinity, 2 * n);
    const h = this.handle;
    const inH = inBuf ?? c.check(x.buf_new(Math.max(n * 8, 16)), what);
    try {
      const outH = outBuf ?? c.scratch(n * 16);
      if (!inBuf) new BigUint64Array(c.memory.buffer, c.ptr(x.buf_ptr(inH), what), n).set(offsets as BigUint64Array);
      c.check(x.list_lookup_many(h, inH, n, outH), what, (code) => (code === "ERANGE" ? `offset at position ${c.out(0)} is past the end` : code));
      if (outBuf) return (into as U64Buffer).view().subarray(0, 2 * n);
      const view = new BigUint64Array(c.memory.buffer, c.scratchPtr(), n * 2);
      if (!into) return view.slice();
      (into as BigUint64Array).set(view);
      return into as BigUint64Array;
    } finally {
      if (!inBuf) x.buf_free(inH);
    }
  }

  /** The handle of `list` for an operation of `core`: EXDEV if it belongs to another core. */
  static handleIn(core: Core, list: unknown, what: string, name = "list"): number {
    const l = instanceArg(list, RangeList, what, name);
    sameCore(core, l, what);
    return l.handle;
  }
}

/** The handle of a U64Buffer given to `what` (EXDEV if it is another core's, EBADF if disposed). */
function bufferIn(core: Core, b: U64Buffer, what: string, name: string): number {
  instanceArg(b, U64Buffer, what, name);
  sameCore(core, b, what);
  return b.handle;
}
