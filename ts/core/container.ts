import { getCore, type Core } from "./loader.js";
import { CoreObject } from "./handle.js";
import { RangeList, checkStatus } from "./range-list.js";
import { chunksOf, forEachChunkBatch } from "./chunks.js";
import { DmaBufError } from "./errors.js";
import { U64_MAX, UINT_MAX } from "./u64.js";
import { appendPagesStatus, type AppendOptions } from "./pages.js";

/** The five mapping designs of the RFC v2 discussion. */
export const CONTAINER_KINDS = ["sgt", "physvec", "mapping", "ranges", "xarray"] as const;
export type ContainerKind = (typeof CONTAINER_KINDS)[number];

const KIND_ID: Record<ContainerKind, number> = { sgt: 2, physvec: 3, mapping: 4, ranges: 5, xarray: 6 };
const ID_KIND = new Map<number, ContainerKind>(Object.entries(KIND_ID).map(([k, v]) => [v, k as ContainerKind]));

/** Build parameters; each kind reads the ones that concern it. */
export interface ContainerOptions {
  /** sgt: largest segment (capped at UINT_MAX). Default UINT_MAX. */
  maxSegment?: bigint;
  /** sgt: segments do not cross (mask + 1) boundaries. Default all ones (none). */
  boundaryMask?: bigint;
  /** physvec: the P2P provider: owner device id and bus offset. Default none. */
  provider?: { owner: number; busOffset: bigint };
  /** mapping: mapData; ranges: rangesData. Default 0. */
  data?: bigint;
}

const freeContainer = (c: Core, h: number) => void c.exports.ct_free(h);

/**
 * A mapping in one of the five designs, each with its own layout in wasm memory
 * (see assembly/containers/). A container is representation only: the entries read
 * back are the list it was built from (sgt splits entries over UINT_MAX).
 */
export class Container extends CoreObject {
  readonly kind: ContainerKind;

  private constructor(core: Core, h: number, kind: ContainerKind) {
    super(core, h, `${kind} container`, freeContainer);
    this.kind = kind;
  }

  /** Builds a container of `kind` from a list of valid entries (EINVAL names a bad one). */
  static fromList(kind: ContainerKind, list: RangeList, opts: ContainerOptions = {}): Container {
    const c = list.core;
    const e = c.exports;
    let st: number;
    switch (kind) {
      case "sgt":
        st = e.sgt_from_list(list.handle, opts.maxSegment ?? UINT_MAX, opts.boundaryMask ?? U64_MAX);
        break;
      case "xarray":
        st = e.xa_from_list(list.handle);
        break;
      case "physvec":
        st = e.flat_from_list(KIND_ID.physvec, list.handle, opts.provider?.busOffset ?? 0n, opts.provider?.owner ?? 0, opts.provider ? 1 : 0);
        break;
      default:
        st = e.flat_from_list(KIND_ID[kind], list.handle, opts.data ?? 0n, 0, 0);
    }
    return new Container(c, checkStatus(c, st, `${kind} container`), kind);
  }

  /**
   * An sgt built from page frame numbers as sg_alloc_append_table_from_pages() builds it
   * (sg_alloc_table_from_pages_segment() when leftPages is 0): contiguous pages merge,
   * records carry page, offset and length. leftPages > 0 leaves it open for appendPages().
   */
  static fromPages(pfns: BigUint64Array | Iterable<bigint | number>, opts: AppendOptions = {}, core: Core = getCore()): Container {
    const what = "Container.fromPages";
    return new Container(core, checkStatus(core, appendPagesStatus(core, what, 0, pfns, opts), what), "sgt");
  }

  /**
   * sg_alloc_append_table_from_pages() on this table (an sgt from fromPages left open):
   * pages continuing the last entry grow it within maxSegment, the rest add entries.
   * Nothing changes on failure. raw() views are invalid afterwards.
   */
  appendPages(pfns: BigUint64Array | Iterable<bigint | number>, opts: AppendOptions = {}): void {
    const what = "appendPages";
    const closed = () => new DmaBufError("EINVAL", `${what}: this ${this.kind} cannot take an append: it must be an sgt from Container.fromPages, left open (leftPages > 0), with the same pageSize and its last entry ending on a page boundary`);
    if (this.kind !== "sgt") throw closed();
    const st = appendPagesStatus(this.core, what, this.handle, pfns, opts);
    // the arguments were checked above the core: an argument EINVAL now is the table's state
    if (st === -22 && this.core.out(0) === U64_MAX) throw closed();
    checkStatus(this.core, st, what);
  }

  /** An empty xarray, for xaStore / xaLoad / xaErase at arbitrary indices. */
  static xarray(core: Core): Container {
    return new Container(core, core.check(core.exports.xa_new(), "xarray"), "xarray");
  }

  /** Number of entries. */
  get count(): number {
    this.core.check(this.core.exports.ct_count(this.handle), "count");
    return Number(this.core.out(0));
  }

  /** Bytes it occupies in the core: headers, arrays or nodes, allocator block headers. */
  bytes(): bigint {
    this.core.check(this.core.exports.ct_bytes(this.handle), "bytes");
    return this.core.out(0);
  }

  /** The entries read back, as a new list. */
  toList(): RangeList {
    return RangeList.adopt(this.core, this.core.exports.ct_to_list(this.handle), "toList");
  }

  /** A container of another kind holding the same entries. */
  convert(kind: ContainerKind, opts: ContainerOptions = {}): Container {
    const list = this.toList();
    try {
      return Container.fromList(kind, list, { ...this.header(), ...opts });
    } finally {
      list.dispose();
    }
  }

  /**
   * The records as they lie in wasm memory (no copy; invalid once memory grows): u64
   * words, 2 per entry ({paddr, len} or struct range {start, end}), 4 per sgt entry
   * (page_link, offset | length << 32, dma_address, dma_length). Undefined for xarray.
   */
  raw(): BigUint64Array | undefined {
    if (this.kind === "xarray") return undefined;
    const ptr = this.core.exports.ct_data_ptr(this.handle);
    return new BigUint64Array(this.core.memory.buffer, ptr, this.count * (this.kind === "sgt" ? 4 : 2));
  }

  /** Header fields: physvec provider, mapData / rangesData. */
  header(): ContainerOptions {
    if (this.kind === "sgt" || this.kind === "xarray") return {};
    this.core.check(this.core.exports.flat_header(this.handle), "header");
    const extra = this.core.out(0);
    if (this.kind === "physvec") {
      return this.core.out(2) ? { provider: { owner: Number(this.core.out(1)), busOffset: extra } } : {};
    }
    return { data: extra };
  }

  /** FNV-1a 64 of the entries read back (the same for every kind). */
  hash(): bigint {
    this.core.check(this.core.exports.ct_hash(this.handle), "hash");
    return this.core.out(0);
  }

  /** Entry ordinal and intra offset of byte `offset`: a linear walk, as in sg_table. */
  lookup(offset: bigint): { index: number; offset: bigint } {
    this.core.check(this.core.exports.ct_lookup(this.handle, offset), "lookup", (c) => (c === "ERANGE" ? `offset ${offset} is past the end` : c));
    return { index: Number(this.core.out(0)), offset: this.core.out(1) };
  }

  /** Chunks of at most k bytes (0n: whole entries), in order. */
  chunks(k: bigint = 0n): IterableIterator<[bigint, bigint]> {
    return chunksOf(this.core, this.handle, k);
  }

  /** The fast path of chunks(): fn gets each batch as addr, len words over wasm memory (valid during the call). */
  chunkBatches(k: bigint, fn: (words: BigUint64Array) => void): void {
    forEachChunkBatch(this.core, this.handle, k, fn);
  }

  private xa(op: string): void {
    if (this.kind !== "xarray") throw new DmaBufError("EINVAL", `${op} needs an xarray, not ${this.kind}`);
  }

  /** xarray: stores an entry at `index`; true if the slot was empty. */
  xaStore(index: bigint, addr: bigint, len: bigint): boolean {
    this.xa("xaStore");
    return this.core.check(this.core.exports.xa_store(this.handle, index, addr, len), "xaStore") === 1;
  }

  /** xarray: the entry at `index`, or undefined. */
  xaLoad(index: bigint): { addr: bigint; len: bigint } | undefined {
    this.xa("xaLoad");
    if (!this.core.check(this.core.exports.xa_load(this.handle, index), "xaLoad")) return undefined;
    return { addr: this.core.out(0), len: this.core.out(1) };
  }

  /** xarray: removes `index`; true if it was present. */
  xaErase(index: bigint): boolean {
    this.xa("xaErase");
    return this.core.check(this.core.exports.xa_erase(this.handle, index), "xaErase") === 1;
  }

  /** xarray: node count and height of the radix tree. */
  xaInfo(): { nodes: number; height: number; entries: number } {
    this.xa("xaInfo");
    this.core.check(this.core.exports.xa_info(this.handle), "xaInfo");
    return { nodes: Number(this.core.out(0)), height: Number(this.core.out(1)), entries: Number(this.core.out(2)) };
  }

  static kindOf(core: Core, h: number): ContainerKind | undefined {
    return ID_KIND.get(core.exports.handle_kind(h));
  }
}
