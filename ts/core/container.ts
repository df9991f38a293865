import { Core, getCore, wasm } from "./loader.js";
import { EntrySource, type EntryCalls } from "./source.js";
import { RangeList } from "./range-list.js";
import { DmaBufError } from "./errors.js";
import { U64_MAX, UINT_MAX } from "./u64.js";
import { CONTAINER_KINDS, CONTAINER_KIND, LAYOUT, STATUS } from "./abi.js";
import { u64Arg, countArg, instanceArg, oneOfArg, optionsArg } from "./args.js";
import { appendPagesStatus, type AppendOptions, type Pages } from "./pages.js";
import { U64Buffer } from "./u64-buffer.js";

/** The five mapping designs of the RFC v2 discussion (the core's registered container kinds). */
export { CONTAINER_KINDS };
/** One of CONTAINER_KINDS: the mapping design a Container is, and `map --container` accepts. */
export type ContainerKind = (typeof CONTAINER_KINDS)[number];

const KIND_BY_ID = new Map<number, ContainerKind>(CONTAINER_KINDS.map((k) => [CONTAINER_KIND[k].kind, k]));

/** Build parameters; each kind reads the ones that concern it. */
export interface ContainerOptions {
  /** sgt: largest segment (capped at UINT_MAX). Default UINT_MAX. */
  maxSegment?: bigint;
  /** sgt: segments do not cross (mask + 1) boundaries. Default all ones (none). */
  boundaryMask?: bigint;
  /** physvec: the P2P provider: owner device id (u32) and bus offset. Default none. */
  provider?: { owner: number; busOffset: bigint };
  /** mapping: mapData; ranges: rangesData. Default 0. */
  data?: bigint;
}

const freeContainer = (c: Core, h: number) => void wasm(c).ct_free(h);

/** A container's own core calls (the rest are shared with lists: EntrySource). */
const CONTAINER_CALLS: EntryCalls = {
  hash: "ct_hash",
  lookup: "ct_lookup",
};

/** A physvec provider, `{owner: u32 device id, busOffset: u64}`; EINVAL or ERANGE naming the field otherwise. */
export function providerArg(v: unknown, what: string, name: string): { owner: number; busOffset: bigint } {
  const p = optionsArg<{ owner: unknown; busOffset: unknown }>(v, what, name);
  return { owner: countArg(p.owner, what, `${name}.owner`, 0xffff_ffff), busOffset: u64Arg(p.busOffset, what, `${name}.busOffset`) };
}

/** Checks options; returns the core's build arguments. */
function buildArgs(what: string, opts: unknown): [maxSeg: bigint, mask: bigint, data: bigint, busOffset: bigint, owner: number, flags: number] {
  const o = optionsArg<ContainerOptions>(opts, what, "opts");
  const maxSeg = o.maxSegment === undefined ? UINT_MAX : u64Arg(o.maxSegment, what, "opts.maxSegment");
  const mask = o.boundaryMask === undefined ? U64_MAX : u64Arg(o.boundaryMask, what, "opts.boundaryMask");
  const data = o.data === undefined ? 0n : u64Arg(o.data, what, "opts.data");
  if (o.provider === undefined) return [maxSeg, mask, data, 0n, 0, 0];
  const { owner, busOffset } = providerArg(o.provider, what, "opts.provider");
  return [maxSeg, mask, data, busOffset, owner, LAYOUT.BUILD_PROVIDER];
}

/**
 * A mapping in one of the five designs, each with its own layout in wasm memory
 * (see assembly/containers/). A container is representation only: the entries read
 * back are the list it was built from (sgt splits entries over UINT_MAX).
 */
export class Container extends EntrySource {
  readonly kind: ContainerKind;

  private constructor(core: Core, h: number, kind: ContainerKind) {
    super(core, h, `${kind} container`, freeContainer);
    this.kind = kind;
  }

  /** @internal */
  protected get calls(): EntryCalls {
    return CONTAINER_CALLS;
  }

  /** Builds a container of `kind` from a list of valid entries (EINVAL names a bad one). */
  static fromList(kind: ContainerKind, list: RangeList, opts: ContainerOptions = {}): Container {
    const what = `Container.fromList`;
    oneOfArg(kind, CONTAINER_KINDS, what, "kind");
    const l = instanceArg(list, RangeList, what, "list");
    const args = buildArgs(what, opts);
    const c = l.core;
    const st = wasm(c).ct_from_list(CONTAINER_KIND[kind].kind, l.handle, ...args);
    return new Container(c, c.check(st, `${kind} container`, "entry"), kind);
  }

  /**
   * An sgt built from page frame numbers as sg_alloc_append_table_from_pages() builds it
   * (sg_alloc_table_from_pages_segment() when leftPages is 0): contiguous pages merge,
   * records carry page, offset and length. leftPages > 0 leaves it open for appendPages().
   */
  static fromPages(pfns: Pages, opts: AppendOptions = {}, core?: Core): Container {
    const what = "Container.fromPages";
    const c = core === undefined ? (pfns instanceof U64Buffer ? pfns.core : getCore()) : instanceArg(core, Core, what, "core");
    return new Container(c, c.check(appendPagesStatus(c, what, 0, pfns, opts), what, "entry"), "sgt");
  }

  /**
   * sg_alloc_append_table_from_pages() on this table (an sgt from fromPages left open):
   * pages continuing the last entry grow it within maxSegment, the rest add entries.
   * Nothing changes on failure. raw() views are invalid afterwards.
   */
  appendPages(pfns: Pages, opts: AppendOptions = {}): void {
    const what = "appendPages";
    const closed = () =>
      new DmaBufError(
        "EINVAL",
        `${what}: this ${this.kind} cannot take an append: it must be an sgt from Container.fromPages, left open (leftPages > 0), with the same pageSize and its last entry ending on a page boundary`,
      );
    if (this.kind !== "sgt") throw closed();
    const st = appendPagesStatus(this.core, what, this.handle, pfns, opts);
    // the arguments were checked above the core: an argument EINVAL now is the table's state
    if (st === STATUS.EINVAL && this.core.out(0) === U64_MAX) throw closed();
    this.core.check(st, what, "entry");
  }

  /** An empty xarray, for xaStore / xaLoad / xaErase at arbitrary indices. */
  static xarray(core: Core): Container {
    instanceArg(core, Core, "Container.xarray", "core");
    return new Container(core, core.check(wasm(core).xa_new(), "xarray"), "xarray");
  }

  /** Number of entries. */
  get count(): number {
    this.core.check(wasm(this.core).ct_count(this.handle), "count");
    return Number(this.core.out(0));
  }

  /** The entries read back, as a new list. */
  toList(): RangeList {
    return RangeList.adopt(this.core, wasm(this.core).ct_to_list(this.handle), "toList");
  }

  /** A container of another kind holding the same entries. */
  convert(kind: ContainerKind, opts: ContainerOptions = {}): Container {
    oneOfArg(kind, CONTAINER_KINDS, "convert", "kind");
    const extra = optionsArg<ContainerOptions>(opts, "convert", "opts");
    const list = this.toList();
    try {
      return Container.fromList(kind, list, { ...this.header(), ...extra });
    } finally {
      list.dispose();
    }
  }

  /**
   * The records as they lie in wasm memory (no copy; invalid once memory grows): u64
   * words, 2 per entry ({paddr, len} or struct range {start, end}), 4 per sgt entry
   * (page_link, offset | length << 32, dma_address, dma_length). Undefined for a kind
   * without a record array (xarray).
   */
  raw(): BigUint64Array | undefined {
    const c = this.core;
    const ptr = c.ptr(wasm(c).ct_data(this.handle), "raw");
    const recordBytes = Number(c.out(1));
    if (!recordBytes) return undefined;
    return new BigUint64Array(c.memory.buffer, ptr, (this.count * recordBytes) / 8);
  }

  /** Header fields: physvec provider, mapData / rangesData. */
  header(): ContainerOptions {
    const c = this.core;
    c.check(wasm(c).ct_header(this.handle), "header");
    const flags = Number(c.out(2));
    if (flags & LAYOUT.HDR_PROVIDER) return { provider: { owner: Number(c.out(1)), busOffset: c.out(0) } };
    if (flags & LAYOUT.HDR_DATA) return { data: c.out(0) };
    return {};
  }

  #xa(op: string): number {
    if (this.kind !== "xarray") throw new DmaBufError("EINVAL", `${op} needs an xarray, not ${this.kind}`);
    return this.handle;
  }

  /** xarray: stores an entry at `index`; true if the slot was empty. */
  xaStore(index: bigint, addr: bigint, len: bigint): boolean {
    const h = this.#xa("xaStore");
    u64Arg(index, "xaStore", "index");
    u64Arg(addr, "xaStore", "addr");
    u64Arg(len, "xaStore", "len");
    return this.core.check(wasm(this.core).xa_store(h, index, addr, len), "xaStore") === 1;
  }

  /** xarray: the entry at `index`, or undefined. */
  xaLoad(index: bigint): { addr: bigint; len: bigint } | undefined {
    const h = this.#xa("xaLoad");
    u64Arg(index, "xaLoad", "index");
    if (!this.core.check(wasm(this.core).xa_load(h, index), "xaLoad")) return undefined;
    return { addr: this.core.out(0), len: this.core.out(1) };
  }

  /** xarray: removes `index`; true if it was present. */
  xaErase(index: bigint): boolean {
    const h = this.#xa("xaErase");
    u64Arg(index, "xaErase", "index");
    return this.core.check(wasm(this.core).xa_erase(h, index), "xaErase") === 1;
  }

  /** xarray: node count and height of the radix tree. */
  xaInfo(): { nodes: number; height: number; entries: number } {
    const h = this.#xa("xaInfo");
    this.core.check(wasm(this.core).xa_info(h), "xaInfo");
    return { nodes: Number(this.core.out(0)), height: Number(this.core.out(1)), entries: Number(this.core.out(2)) };
  }

  /** The container kind of handle `h` of `core`, or undefined for any other handle. */
  static kindOf(core: Core, h: number): ContainerKind | undefined {
    instanceArg(core, Core, "Container.kindOf", "core");
    countArg(h, "Container.kindOf", "h", 0x7fff_ffff);
    return KIND_BY_ID.get(wasm(core).handle_kind(h));
  }
}
