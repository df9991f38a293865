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
 * One interconnect an exporter offers besides the default sgt (the RFC v2
 * struct dma_buf_interconnect_ops).
 */
export interface InterconnectOps {
  /** A name registered with the model (built in: physvec, iov). Not sgt. */
  readonly name: string;
  /**
   * @supportsInterconnects: called by dma_buf_attach() during negotiation, in the
   * importer's order. Mandatory. The core does not take the resv lock. Returns whether
   * this interconnect accepts the attachment for the importer's `match`.
   */
  supportsInterconnects(attach: AttachmentView, match: InterconnectMatch): boolean;
  /**
   * @map: called by dma_buf_map_attachment() for an attachment that negotiated this
   * interconnect, with the resv lock held. Mandatory unless the table has the common
   * @mapInterconnect. Receives the map's DMA direction, as @map_dma_buf does. Returns
   * the product or throws DmaBufError (EINVAL, ENOMEM, ...).
   */
  map?(attach: AttachmentView, dma: Topology, direction: Direction): MapProduct;
  /**
   * @unmap: called by dma_buf_unmap_attachment() with the resv lock held, before the
   * model calls product.release(). Optional: without it the interconnect has no unmap
   * (EOPNOTSUPP) and detach releases its mappings (iov). Receives the unmap's direction
   * (the map's unless the unmap gave one).
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
   * to-device or from-device). Mandatory. Returns the DMA addresses for the importer's
   * device; with the DMA-API debug checker on they are checked like dma-debug would
   * (page aligned, within the importer's segment limits; docs/rules.md#dma-debug).
   */
  mapDmaBuf(attach: AttachmentView, dma: Topology, direction: Direction): MapProduct;
  /**
   * @unmap_dma_buf: called by dma_buf_unmap_attachment() with the lock held, before
   * product.release(), with the unmap's direction (the map's unless the unmap gave
   * one; a different one is a dma-debug warning). Mandatory.
   */
  unmapDmaBuf(attach: AttachmentView, product: MapProduct, direction: Direction): void;
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
  "beginCpuAccess",
  "endCpuAccess",
];
const IC_FIELDS = ["name", "supportsInterconnects", "map", "unmap"];
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
export function checkOps(ops: unknown, who: string, registry: ReadonlyMap<string, unknown>): DmaBufOps {
  const fail: Fail = (msg, path) => {
    throw new DmaBufError("EINVAL", `export ${who}: ${msg}`, ["ops", ...path]);
  };
  if (typeof ops !== "object" || ops === null) return fail("ops must be an object", []);
  const o = readTable(ops, OP_FIELDS, [], "", "exporter op", fail) as Record<string, unknown>;
  if (typeof o.name !== "string" || !o.name) fail("the exporter needs a name", ["name"]);
  const ex = `exporter ${o.name as string}`;
  for (const m of ["mapDmaBuf", "unmapDmaBuf", "release"]) if (!fnField(o, m)) fail(`${ex}: mandatory op ${m} is missing`, [m]);
  for (const m of OPTIONAL_OPS) if (o[m] !== undefined && !fnField(o, m)) fail(`${ex}: ${m} must be a function`, [m]);
  if (o.dynamic !== undefined && typeof o.dynamic !== "boolean") fail(`${ex}: dynamic must be a boolean`, ["dynamic"]);
  if (!o.pin !== !o.unpin) fail(`${ex}: pin and unpin must both be present or both absent`, [o.pin ? "unpin" : "pin"]);
  if (o.dynamic && !o.pin) fail(`${ex}: a dynamic exporter needs pin and unpin`, ["pin"]);
  if (o.interconnects === undefined) return o as unknown as DmaBufOps;
  return Object.freeze({ ...o, interconnects: checkInterconnectTables(o.interconnects, ex, registry, !!o.mapInterconnect, fail) }) as unknown as DmaBufOps;
}

/** The exporter's interconnect tables, each read once (checkOps). */
function checkInterconnectTables(list: unknown, ex: string, registry: ReadonlyMap<string, unknown>, common: boolean, fail: Fail): readonly InterconnectOps[] {
  if (!Array.isArray(list)) return fail(`${ex}: interconnects must be an array`, ["interconnects"]);
  const refuse = (k: string | undefined, msg: string): never =>
    fail(`${ex}: interconnects${k === undefined ? "" : `[${k}]`} ${msg}`, k === undefined ? ["interconnects"] : ["interconnects", Number(k)]);
  const n = ownData(list, "length", refuse) as number;
  // each registered name at most once: a longer list (a sparse one of length 2^32 - 1) is refused before it is walked
  if (n > registry.size) fail(`${ex}: interconnects offers ${n} entries, more than the ${registry.size} registered interconnects`, ["interconnects"]);
  const seen = new Set<unknown>();
  const out: InterconnectOps[] = [];
  for (let i = 0; i < n; i++) {
    const at = ["interconnects", i];
    const raw = ownData(list, String(i), refuse);
    if (typeof raw !== "object" || raw === null) return fail(`${ex}: interconnects[${i}] must be an object`, at);
    const ic = readTable(raw, IC_FIELDS, at, `${ex}: `, "interconnect op", fail);
    const name = ic.name as string;
    // the registry is keyed by name strings: a name of any other type is not registered either
    if (!registry.has(name)) fail(`${ex}: interconnects[${i}] names no registered interconnect (${String(name)})`, [...at, "name"]);
    if (name === "sgt") fail(`${ex}: sgt is offered through mapDmaBuf, not as an interconnect`, [...at, "name"]);
    if (seen.has(name)) fail(`${ex}: interconnect ${name} is offered twice`, [...at, "name"]);
    seen.add(name);
    if (!fnField(ic, "supportsInterconnects")) fail(`${ex}: interconnect ${name} needs supportsInterconnects`, [...at, "supportsInterconnects"]);
    if (!fnField(ic, "map") && !common) fail(`${ex}: interconnect ${name} needs map (or the table a common mapInterconnect)`, [...at, "map"]);
    if (ic.unmap !== undefined && typeof ic.unmap !== "function") fail(`${ex}: interconnect ${name}'s unmap must be a function`, [...at, "unmap"]);
    out.push(ic as unknown as InterconnectOps);
  }
  return Object.freeze(out);
}
