/**
 * The exporter's side of dma-buf, documented field by field like include/linux/dma-buf.h:
 * who calls each op, whether it is mandatory, which lock is held, what it returns.
 * Exporters are user-written objects (ts/exporters/ has three examples); the model is
 * the dma-buf core around them and enforces the core's side of every rule
 * (docs/rules.md#ops-contract). checkOps() is the part of dma_buf_export() that refuses
 * an incomplete or misspelt table.
 */
import { DmaBufError } from "../core/errors.js";
import type { RangeList } from "../core/range-list.js";
import type { Container } from "../core/container.js";
import type { Bar, Device, Topology } from "./topology.js";
import type { InterconnectMatch } from "./importer.js";
import { isAsyncFunction, ownData, ownKeys, readFields } from "./untrusted.js";

function fnField(o: object, k: string): boolean {
  return typeof (o as Record<string, unknown>)[k] === "function";
}
import type { ProfileRules } from "./profiles.js";
import type { Direction } from "./direction.js";

/** What a buffer's backing memory is: "system" RAM pages or "mmio" (a device BAR). */
export type BackingKind = "system" | "mmio";

/** The backing given to DmaBufModel.export: its kind and page-aligned, disjoint byte ranges. */
export interface BackingSpec {
  kind: BackingKind;
  /** {addr, len} objects, or interleaved addr, len words (copied into wasm at once). */
  ranges: readonly { addr: bigint; len: bigint }[] | BigUint64Array;
}

/** Validated backing memory: page-aligned, disjoint ranges summing to the buffer size. */
export interface Backing {
  kind: BackingKind;
  ranges: RangeList;
  /** mmio: the exporter BAR that holds every range. */
  bar?: Bar;
}

/** The buffer as its exporter's ops see it (struct dma_buf). Read-only: the model owns it. */
export interface BufferView {
  readonly name: string;
  /** The exporter's device. */
  readonly exporter: Device;
  readonly size: bigint;
  /** The current backing memory (replaced by move; freed by the model at close). */
  readonly backing: Backing;
  /** Set by revoke, cleared by restore. The model refuses attach and map while set. */
  readonly revoked: boolean;
  /** The device name holding the resv lock, if any (dma_resv_is_locked()). */
  readonly lockHolder: string | undefined;
}

/** The attachment as the exporter sees it (struct dma_buf_attachment). */
export interface AttachmentView {
  readonly name: string;
  /** The importer's device name (attach->dev). */
  readonly importer: string;
  readonly device: Device;
  readonly buffer: BufferView;
  /** The importer attached with ops (registered invalidate_mappings / move_notify, or is a pinned importer with ops). */
  readonly dynamic: boolean;
  /** dma_buf_attach_revocable(): the importer gives its mappings back when invalidated. */
  readonly revocable: boolean;
  /** The importer allows peer-to-peer (attach->peer2peer). */
  readonly peer2peer: boolean;
  /** The importer supports interconnects other than sgt. */
  readonly allowIc: boolean;
}

/**
 * Which addresses a map product's entries are (docs/rules.md#address-rules). The model
 * checks the entries against the space before anyone sees them.
 */
export const ADDRESS_SPACES = ["bus", "iova", "cpu-phys", "bar-offset"] as const;
/** One of ADDRESS_SPACES: what a mapping's addresses mean (bus, IOVA, CPU physical or BAR offset). */
export type AddressSpace = (typeof ADDRESS_SPACES)[number];

/** What a map op returns: the entries, their address space, and what to give back at unmap. */
export interface MapProduct {
  /** The entries, in order: a list, or a filled container (the RFC v2 xarray style). The model takes ownership. */
  entries: RangeList | Container;
  space: AddressSpace;
  /** bar-offset: the BAR the offsets are relative to (must be the backing's BAR). */
  barNumber?: number;
  /** The P2P provider (struct p2pdma_provider), kept in a physvec container. */
  provider?: { owner: number; busOffset: bigint };
  /** iova: the IOVA regions this map holds in the importer's IOMMU. */
  regions?: readonly { addr: bigint; len: bigint }[];
  /**
   * Gives back what the map holds (its IOVA regions). The model calls it exactly once: at
   * unmap, at detach for an interconnect without unmap, when it refuses the product, or
   * at dispose. Should not throw: a throw is recorded in the step's callbackErrors.
   */
  release(): void;
}

/**
 * What an interconnect's `match` and `finishMatch` are given (the RFC's
 * dma_buf_match_args plus the two entries of dma_buf_mapping_type.match(dmabuf, exp, imp)).
 */
export interface MatchContext {
  /** The attachment being made (attach->dev, peer2peer, dynamic, ...). Not yet attached. */
  readonly attach: AttachmentView;
  /** The importer's entry of the same type (imp), as the importer gave it: it may carry type-specific data. */
  readonly importerMatch: InterconnectMatch;
  /** The positions of the pair in the exporter's and the importer's lists (exp - exp_list, imp - imp_matches). */
  readonly exporterIndex: number;
  readonly importerIndex: number;
  /** The topology, for a distance check (pci_p2pdma_distance()). */
  readonly dma: Topology;
}

/**
 * One interconnect an exporter offers besides the default sgt (the RFC v2
 * struct dma_buf_interconnect_ops), or, in `mappingTypes`, one entry of the exporter's
 * mapping-type list (the mapping-types RFC's struct dma_buf_mapping_match: a mapping
 * type and its exporter ops; `sgt` included).
 */
export interface InterconnectOps {
  /** A name registered with the model (built in: sgt, physvec, iov; the RFC's mapping type, PAL = physvec). Not sgt in `interconnects`. */
  readonly name: string;
  /**
   * @supportsInterconnects: called by dma_buf_attach() during negotiation, in the
   * importer's order. Mandatory in `interconnects` unless `match` is given. The core does
   * not take the resv lock. Returns whether this interconnect accepts the attachment for
   * the importer's `match` (false: try the next one).
   */
  supportsInterconnects?(attach: AttachmentView, match: InterconnectMatch): boolean;
  /**
   * @match: the RFC's dma_buf_mapping_type.match, called during attach for a pair of
   * this entry and an importer entry of the same name. Optional: without it (and without
   * @supportsInterconnects) the pair always matches. Returns nothing to accept; throws
   * DmaBufError EOPNOTSUPP to skip (try the next pair); any other DmaBufError aborts the
   * attach with its code. Anything else thrown, or returned, is EPROTO. No lock held.
   */
  match?(ctx: MatchContext): void;
  /**
   * @finish_match: called once for the winning pair, after its `match` accepted, to
   * record what the exporter needs of it. Optional. A throw fails the attach (nothing
   * changed).
   */
  finishMatch?(ctx: MatchContext): void;
  /**
   * @map: called by dma_buf_map_attachment() for an attachment that negotiated this
   * interconnect, with the resv lock held. Mandatory unless the table has the common
   * @mapInterconnect. Receives the map's DMA direction, as @map_dma_buf does. Returns
   * the product or throws DmaBufError (EINVAL, ENOMEM, ...).
   * In `mappingTypes`: the type's map op (sgt: map_dma_buf, PAL: map_phys); mandatory.
   */
  map?(attach: AttachmentView, dma: Topology, direction: Direction): MapProduct;
  /**
   * @unmap: called by dma_buf_unmap_attachment() with the resv lock held, before the
   * model calls product.release(). Optional: without it the interconnect has no unmap
   * (EOPNOTSUPP) and detach releases its mappings (iov). Mandatory for sgt. Receives the
   * unmap's direction (the map's unless the unmap gave one).
   */
  unmap?(attach: AttachmentView, product: MapProduct, direction: Direction): void;
}

/**
 * struct dma_buf_ops, reduced to what the model exercises. Every op is synchronous, as
 * in the kernel (the core holds the resv lock across the call): an op that is an async
 * function is EINVAL at export, one that returns a thenable is EPROTO (the model
 * observes its settlement and gives back a product it fulfils with). The model reads the
 * table once at export, as own data properties (docs/rules.md#ops-contract).
 */
export interface DmaBufOps {
  /** exp_info.exp_name: names the exporter in every error about it. Mandatory, non-empty. */
  readonly name: string;
  /**
   * Whether the exporter may move or revoke the buffer (calls move_notify). Optional,
   * default false. A dynamic exporter needs `pin` and `unpin`; static importers pin its
   * buffers on map.
   */
  readonly dynamic?: boolean;
  /**
   * @attach: called from dma_buf_attach() before the core's checks (revoked, peer2peer,
   * negotiation); the core does not take the lock. Optional. Throws DmaBufError to
   * refuse (EOPNOTSUPP when the importer cannot reach the memory).
   */
  attach?(attach: AttachmentView): void;
  /**
   * @detach: called from dma_buf_detach() once the core's checks passed, before it releases
   * the attachment's mappings that have no unmap; no lock. Optional. A throw fails the
   * step with nothing changed.
   */
  detach?(attach: AttachmentView): void;
  /**
   * @pin: called by dma_buf_pin() and, for static importers of a dynamic exporter, by
   * dma_buf_map_attachment(), with the resv lock held. Optional, only together with
   * @unpin. Throws EOPNOTSUPP when the memory cannot be pinned.
   */
  pin?(attach: AttachmentView): void;
  /** @unpin: called by dma_buf_unpin() and at unmap of a pinned-on-map mapping, lock held. Optional, only with @pin. Must not throw. */
  unpin?(attach: AttachmentView): void;
  /**
   * @map_dma_buf: called by dma_buf_map_attachment() for an sgt attachment, with the
   * resv lock held, and the DMA direction the importer asked for (bidirectional,
   * to-device or from-device). Mandatory, unless the table gives `mappingTypes` (then
   * absent). Returns the DMA addresses for the importer's device; with the DMA-API debug
   * checker on they are checked like dma-debug would (page aligned, within the importer's
   * segment limits; docs/rules.md#dma-debug).
   */
  mapDmaBuf?(attach: AttachmentView, dma: Topology, direction: Direction): MapProduct;
  /**
   * @unmap_dma_buf: called by dma_buf_unmap_attachment() with the lock held, before
   * product.release(), with the unmap's direction (the map's unless the unmap gave
   * one; a different one is a dma-debug warning). Mandatory, unless the table gives
   * `mappingTypes` (then absent).
   */
  unmapDmaBuf?(attach: AttachmentView, product: MapProduct, direction: Direction): void;
  /**
   * @begin_cpu_access: called by dma_buf_begin_cpu_access(), from DMA_BUF_IOCTL_SYNC with
   * DMA_BUF_SYNC_START (the `sync` step with `start`), before the CPU reads or writes the
   * buffer; the core does not take the resv lock. Optional: without it the sync does
   * nothing but report its direction. Receives the direction the flags name (read:
   * from-device, write: to-device, both: bidirectional). Throws DmaBufError to refuse;
   * the model calls it on a revoked buffer too, as the kernel does.
   */
  beginCpuAccess?(buffer: BufferView, direction: Direction): void;
  /**
   * @end_cpu_access: called by dma_buf_end_cpu_access(), from DMA_BUF_IOCTL_SYNC with
   * DMA_BUF_SYNC_END, once the CPU access is over; no lock. Optional. Receives the
   * direction like @begin_cpu_access. Throws DmaBufError to refuse.
   */
  endCpuAccess?(buffer: BufferView, direction: Direction): void;
  /** @release: called by close once the last attachment is gone; no lock. Mandatory. The model frees the backing. */
  release(buffer: BufferView): void;
  /** The interconnects offered besides sgt, in the exporter's order. Optional. */
  readonly interconnects?: readonly InterconnectOps[];
  /**
   * The RFC v2 shape: one common map for every interconnect that has no `map` of its
   * own; it dispatches on `interconnect` to interconnect-specific code. Optional.
   * Called like `map`, with the direction.
   */
  mapInterconnect?(attach: AttachmentView, interconnect: string, dma: Topology, direction: Direction): MapProduct;
  /**
   * The mapping-types RFC's shape (dma_buf_ops.match_mapping, or single_exporter_match
   * for one entry): the exporter's mapping types in priority order, `sgt` among them
   * with its own map and unmap. Only in profiles with mapping-type ops
   * (docs/rules.md#profiles); then the table has no mapDmaBuf / unmapDmaBuf,
   * `interconnects` or `mapInterconnect` (EINVAL at export). May be empty: every attach
   * is EINVAL.
   */
  readonly mappingTypes?: readonly InterconnectOps[];
}

/** Builds exporter ops for the flag form of export (the scenario form); see ModelOptions. */
export type ExporterFactory = (args: ExporterFlags) => DmaBufOps;

/** What an exporter factory is given: the export's flags, and the rules of the model's profile (docs/rules.md#profiles). */
export interface ExporterFlags {
  buffer: string;
  exporter: string;
  dynamic: boolean;
  pinnable: boolean;
  interconnects: readonly string[];
  /** The model's profile's rules: a built-in exporter follows the kernel that profile names. */
  rules: ProfileRules;
}

const OP_FIELDS = [
  "name",
  "dynamic",
  "attach",
  "detach",
  "pin",
  "unpin",
  "mapDmaBuf",
  "unmapDmaBuf",
  "release",
  "interconnects",
  "mapInterconnect",
  "mappingTypes",
  "beginCpuAccess",
  "endCpuAccess",
];
const IC_FIELDS = ["name", "supportsInterconnects", "match", "finishMatch", "map", "unmap"];
const OPTIONAL_OPS = ["attach", "detach", "pin", "unpin", "mapInterconnect", "beginCpuAccess", "endCpuAccess"];

type Fail = (msg: string, path: (string | number)[]) => never;

/**
 * A frozen copy of table `t` (at `at`): its known fields read once as own data
 * properties; an unknown key, a getter, an inherited known key, a throwing Proxy trap or
 * an async function is refused.
 */
function readTable(t: object, fields: readonly string[], at: (string | number)[], prefix: string, kind: string, fail: Fail): Record<string, unknown> {
  const refuse = (k: string | undefined, msg: string): never =>
    fail(`${prefix}${k === undefined ? `the ${kind} table` : k} ${msg}`, k === undefined ? at : [...at, k]);
  for (const k of ownKeys(t, refuse)) if (!fields.includes(k)) fail(`${prefix}unknown ${kind} "${k}"`, [...at, k]);
  const o = readFields(t, fields, refuse);
  for (const k of fields) if (isAsyncFunction(o[k])) refuse(k, "is an async function: ops are synchronous");
  return o;
}

/**
 * dma_buf_export()'s sanity check of the ops table (docs/rules.md#ops-contract): EINVAL
 * naming the exporter and the field when it is incomplete or misspelt. Returns the
 * table the model keeps: a frozen copy of its own data properties, read once (a getter,
 * an inherited op, a Proxy trap that throws, an async op are EINVAL too).
 */
export function checkOps(ops: unknown, who: string, registry: ReadonlyMap<string, unknown>, rules?: Pick<ProfileRules, "mappingTypeOps">): DmaBufOps {
  const fail: Fail = (msg, path) => {
    throw new DmaBufError("EINVAL", `export ${who}: ${msg}`, ["ops", ...path]);
  };
  if (typeof ops !== "object" || ops === null) return fail("ops must be an object", []);
  const o = readTable(ops, OP_FIELDS, [], "", "exporter op", fail) as Record<string, unknown>;
  if (typeof o.name !== "string" || !o.name) fail("the exporter needs a name", ["name"]);
  const ex = `exporter ${o.name as string}`;
  const shaped = o.mappingTypes !== undefined;
  if (shaped) checkMappingTypeShape(o, ex, !!rules?.mappingTypeOps, fail);
  for (const m of shaped ? ["release"] : ["mapDmaBuf", "unmapDmaBuf", "release"]) if (!fnField(o, m)) fail(`${ex}: mandatory op ${m} is missing`, [m]);
  for (const m of OPTIONAL_OPS) if (o[m] !== undefined && !fnField(o, m)) fail(`${ex}: ${m} must be a function`, [m]);
  if (o.dynamic !== undefined && typeof o.dynamic !== "boolean") fail(`${ex}: dynamic must be a boolean`, ["dynamic"]);
  if (!o.pin !== !o.unpin) fail(`${ex}: pin and unpin must both be present or both absent`, [o.pin ? "unpin" : "pin"]);
  if (o.dynamic && !o.pin) fail(`${ex}: a dynamic exporter needs pin and unpin`, ["pin"]);
  const list = shaped ? "mappingTypes" : "interconnects";
  if (o[list] === undefined) return o as unknown as DmaBufOps;
  return Object.freeze({ ...o, [list]: checkInterconnectTables(o[list], ex, registry, { common: !!o.mapInterconnect, list }, fail) }) as unknown as DmaBufOps;
}

/**
 * The export-shape rule of the mapping-types RFC (docs/rules.md#profiles, mapping-types
 * row 3; dma_buf_export()'s WARN_ON()s): a table with `mappingTypes` (match_mapping) has
 * no classic mapDmaBuf / unmapDmaBuf, nor the RFC v2 thread's interconnects; profiles
 * without mapping types refuse it.
 */
function checkMappingTypeShape(o: Record<string, unknown>, ex: string, allowed: boolean, fail: Fail): void {
  if (!allowed) fail(`${ex}: mappingTypes is the mapping-types RFC's shape (dma_buf_ops.match_mapping); this profile has no mapping types`, ["mappingTypes"]);
  for (const k of ["mapDmaBuf", "unmapDmaBuf", "interconnects", "mapInterconnect"])
    if (o[k] !== undefined) fail(`${ex}: a table with mappingTypes (a mapping-type match) must not also have ${k} (sgt is one of its mapping types)`, [k]);
}

/** The exporter's interconnect tables (`interconnects`, or the mapping-type list `mappingTypes`, where sgt is one too), each read once (checkOps). */
function checkInterconnectTables(
  list: unknown,
  ex: string,
  registry: ReadonlyMap<string, unknown>,
  how: { common: boolean; list: "interconnects" | "mappingTypes" },
  fail: Fail,
): readonly InterconnectOps[] {
  const field = how.list;
  const typed = field === "mappingTypes";
  if (!Array.isArray(list)) return fail(`${ex}: ${field} must be an array`, [field]);
  const refuse = (k: string | undefined, msg: string): never =>
    fail(`${ex}: ${field}${k === undefined ? "" : `[${k}]`} ${msg}`, k === undefined ? [field] : [field, Number(k)]);
  const n = ownData(list, "length", refuse) as number;
  // each registered name at most once: a longer list (a sparse one of length 2^32 - 1) is refused before it is walked
  if (n > registry.size) fail(`${ex}: ${field} offers ${n} entries, more than the ${registry.size} registered interconnects`, [field]);
  const seen = new Set<unknown>();
  const out: InterconnectOps[] = [];
  for (let i = 0; i < n; i++) {
    const at = [field, i];
    const raw = ownData(list, String(i), refuse);
    if (typeof raw !== "object" || raw === null) return fail(`${ex}: ${field}[${i}] must be an object`, at);
    const ic = readTable(raw, IC_FIELDS, at, `${ex}: `, "interconnect op", fail);
    const name = ic.name as string;
    // the registry is keyed by name strings: a name of any other type is not registered either
    if (!registry.has(name)) fail(`${ex}: ${field}[${i}] names no registered interconnect (${String(name)})`, [...at, "name"]);
    if (name === "sgt" && !typed) fail(`${ex}: sgt is offered through mapDmaBuf, not as an interconnect`, [...at, "name"]);
    if (seen.has(name)) fail(`${ex}: interconnect ${name} is offered twice`, [...at, "name"]);
    seen.add(name);
    for (const k of ["supportsInterconnects", "match", "finishMatch", "unmap"])
      if (ic[k] !== undefined && !fnField(ic, k)) fail(`${ex}: interconnect ${name}'s ${k} must be a function`, [...at, k]);
    if (!typed && !ic.supportsInterconnects && !ic.match)
      fail(`${ex}: interconnect ${name} needs supportsInterconnects (or match)`, [...at, "supportsInterconnects"]);
    if (!fnField(ic, "map") && !how.common) fail(`${ex}: interconnect ${name} needs map (or the table a common mapInterconnect)`, [...at, "map"]);
    if (typed && name === "sgt" && !ic.unmap) fail(`${ex}: mapping type sgt needs unmap (unmap_dma_buf)`, [...at, "unmap"]);
    out.push(ic as unknown as InterconnectOps);
  }
  return Object.freeze(out);
}
