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
import type { ProfileRules } from "./profiles.js";

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
   * @mapInterconnect. Returns the product or throws DmaBufError (EINVAL, ENOMEM, ...).
   */
  map?(attach: AttachmentView, dma: Topology): MapProduct;
  /**
   * @unmap: called by dma_buf_unmap_attachment() with the resv lock held, before the
   * model calls product.release(). Optional: without it the interconnect has no unmap
   * (EOPNOTSUPP) and detach releases its mappings (iov).
   */
  unmap?(attach: AttachmentView, product: MapProduct): void;
}

/** struct dma_buf_ops, reduced to what the model exercises. */
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
   * resv lock held. Mandatory. Returns the DMA addresses for the importer's device.
   */
  mapDmaBuf(attach: AttachmentView, dma: Topology): MapProduct;
  /** @unmap_dma_buf: called by dma_buf_unmap_attachment() with the lock held, before product.release(). Mandatory. */
  unmapDmaBuf(attach: AttachmentView, product: MapProduct): void;
  /** @release: called by close once the last attachment is gone; no lock. Mandatory. The model frees the backing. */
  release(buffer: BufferView): void;
  /** The interconnects offered besides sgt, in the exporter's order. Optional. */
  readonly interconnects?: readonly InterconnectOps[];
  /**
   * The RFC v2 shape: one common map for every interconnect that has no `map` of its
   * own; it dispatches on `interconnect` to interconnect-specific code. Optional.
   * Called like `map`.
   */
  mapInterconnect?(attach: AttachmentView, interconnect: string, dma: Topology): MapProduct;
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

const OP_FIELDS = new Set(["name", "dynamic", "attach", "detach", "pin", "unpin", "mapDmaBuf", "unmapDmaBuf", "release", "interconnects", "mapInterconnect"]);
const IC_FIELDS = new Set(["name", "supportsInterconnects", "map", "unmap"]);

function fnField(o: object, k: string): boolean {
  const v = (o as Record<string, unknown>)[k];
  return typeof v === "function";
}

/**
 * dma_buf_export()'s sanity check of the ops table (docs/rules.md#ops-contract): EINVAL
 * naming the exporter and the field when it is incomplete or misspelt.
 */
export function checkOps(ops: unknown, who: string, registry: ReadonlyMap<string, unknown>): asserts ops is DmaBufOps {
  const fail = (msg: string, path: (string | number)[]): never => {
    throw new DmaBufError("EINVAL", `export ${who}: ${msg}`, ["ops", ...path]);
  };
  if (typeof ops !== "object" || ops === null) return fail("ops must be an object", []);
  const o = ops as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!OP_FIELDS.has(k)) fail(`unknown exporter op "${k}"`, [k]);
  if (typeof o.name !== "string" || !o.name) fail("the exporter needs a name", ["name"]);
  const ex = `exporter ${o.name as string}`;
  for (const m of ["mapDmaBuf", "unmapDmaBuf", "release"]) if (!fnField(o, m)) fail(`${ex}: mandatory op ${m} is missing`, [m]);
  for (const m of ["attach", "detach", "pin", "unpin", "mapInterconnect"]) {
    if (o[m] !== undefined && !fnField(o, m)) fail(`${ex}: ${m} must be a function`, [m]);
  }
  if (o.dynamic !== undefined && typeof o.dynamic !== "boolean") fail(`${ex}: dynamic must be a boolean`, ["dynamic"]);
  if (!o.pin !== !o.unpin) fail(`${ex}: pin and unpin must both be present or both absent`, [o.pin ? "unpin" : "pin"]);
  if (o.dynamic && !o.pin) fail(`${ex}: a dynamic exporter needs pin and unpin`, ["pin"]);
  if (o.interconnects === undefined) return;
  if (!Array.isArray(o.interconnects)) fail(`${ex}: interconnects must be an array`, ["interconnects"]);
  const seen = new Set<string>();
  (o.interconnects as unknown[]).forEach((ic, i) => {
    const at = ["interconnects", i];
    if (typeof ic !== "object" || ic === null) return fail(`${ex}: interconnects[${i}] must be an object`, at);
    for (const k of Object.keys(ic)) if (!IC_FIELDS.has(k)) fail(`${ex}: unknown interconnect op "${k}"`, [...at, k]);
    const name = (ic as InterconnectOps).name;
    // the registry is keyed by name strings: a name of any other type is not registered either
    if (!registry.has(name)) fail(`${ex}: interconnects[${i}] names no registered interconnect (${String(name)})`, [...at, "name"]);
    if (name === "sgt") fail(`${ex}: sgt is offered through mapDmaBuf, not as an interconnect`, [...at, "name"]);
    if (seen.has(name)) fail(`${ex}: interconnect ${name} is offered twice`, [...at, "name"]);
    seen.add(name);
    if (!fnField(ic, "supportsInterconnects")) fail(`${ex}: interconnect ${name} needs supportsInterconnects`, [...at, "supportsInterconnects"]);
    if (!fnField(ic, "map") && !fnField(o, "mapInterconnect")) fail(`${ex}: interconnect ${name} needs map (or the table a common mapInterconnect)`, [...at, "map"]);
    const u = (ic as Record<string, unknown>).unmap;
    if (u !== undefined && typeof u !== "function") fail(`${ex}: interconnect ${name}'s unmap must be a function`, [...at, "unmap"]);
  });
}
