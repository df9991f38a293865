/**
 * The exporter's operations, documented like include/linux/dma-buf.h: who calls each
 * one, whether it is mandatory, what lock is held, what it returns. The model's
 * built-in exporter (model/exporter.ts) implements them; checkOps() is the part of
 * dma_buf_export() that refuses an incomplete table.
 */
import { DmaBufError } from "../core/errors.js";
import type { RangeList } from "../core/range-list.js";
import type { InterconnectName } from "./interconnects.js";

/** What an importer asks for, in order of preference (the RFC's dma_buf_interconnect_match). */
export interface InterconnectMatch {
  name: InterconnectName;
}

/** The attachment as the exporter sees it (struct dma_buf_attachment). */
export interface AttachmentView {
  readonly name: string;
  readonly importer: string;
  /** Has move_notify: a dynamic importer. */
  readonly dynamic: boolean;
  readonly peer2peer: boolean;
  readonly allowIc: boolean;
}

/** The entries an interconnect's map produced, before they are put in a container. */
export interface MapProduct {
  entries: RangeList;
  /** iov: the BAR the offsets are relative to. */
  barNumber?: number;
  /** physvec: the P2P provider (struct p2pdma_provider). */
  provider?: { owner: number; busOffset: bigint };
  /** IOVA regions this map holds in the importer's IOMMU (none without one). */
  regions?: readonly { addr: bigint; len: bigint }[];
  /** Gives back what the map holds (its IOVA regions); called at unmap. */
  release(): void;
}

/**
 * One interconnect an exporter offers besides the default sgt
 * (the RFC v2 struct dma_buf_interconnect_ops).
 */
export interface InterconnectOps {
  readonly name: InterconnectName;
  /**
   * @supportsInterconnects: called by dma_buf_attach() during negotiation, without the
   * resv lock. Mandatory. Returns whether this interconnect accepts the attachment
   * for the importer's `match`.
   */
  supportsInterconnects(attach: AttachmentView, match: InterconnectMatch): boolean;
  /**
   * @map: called by dma_buf_map_attachment() for an attachment that negotiated this
   * interconnect, with the resv lock held (dynamic importers only). Mandatory. Returns
   * the entries or throws DmaBufError (ENODEV when revoked, ENOMEM, ...).
   */
  map(attach: AttachmentView): MapProduct;
  /**
   * @unmap: called by dma_buf_unmap_attachment() with the resv lock held. Optional:
   * `iov` has none (its mappings live until detach).
   */
  unmap?(attach: AttachmentView, product: MapProduct): void;
}

/** struct dma_buf_ops, reduced to what the model exercises. */
export interface DmaBufOps {
  /** @attach: called from dma_buf_attach(), no lock. Optional. Throws to refuse (EOPNOTSUPP, ENODEV). */
  attach?(attach: AttachmentView): void;
  /** @detach: called from dma_buf_detach(), no lock. Optional. */
  detach?(attach: AttachmentView): void;
  /**
   * @pin: called by dma_buf_pin() with the resv lock held, and by
   * dma_buf_map_attachment() for static importers of a dynamic exporter. Optional, but
   * only together with @unpin. Throws EOPNOTSUPP when the memory cannot be pinned.
   */
  pin?(attach: AttachmentView): void;
  /** @unpin: called by dma_buf_unpin() with the resv lock held. Optional, only with @pin. */
  unpin?(attach: AttachmentView): void;
  /**
   * @map_dma_buf: called by dma_buf_map_attachment() with the resv lock held.
   * Mandatory. Returns the sg_table entries (DMA addresses) for the importer's device.
   */
  mapDmaBuf(attach: AttachmentView): MapProduct;
  /** @unmap_dma_buf: called by dma_buf_unmap_attachment() with the resv lock held. Mandatory. */
  unmapDmaBuf(attach: AttachmentView, product: MapProduct): void;
  /** @release: called when the last reference to the dma-buf goes away. Mandatory. */
  release(): void;
  /** The interconnects offered besides sgt, in the exporter's order. */
  interconnects?: readonly InterconnectOps[];
}

/** dma_buf_export()'s sanity check of the ops table: EINVAL when it is incomplete. */
export function checkOps(ops: Partial<DmaBufOps>, who: string): asserts ops is DmaBufOps {
  for (const m of ["mapDmaBuf", "unmapDmaBuf", "release"] as const) {
    if (typeof ops[m] !== "function") throw new DmaBufError("EINVAL", `export ${who}: mandatory op ${m} is missing`);
  }
  if (!ops.pin !== !ops.unpin) throw new DmaBufError("EINVAL", `export ${who}: pin and unpin must both be present or both absent`);
  for (const ic of ops.interconnects ?? []) {
    if (typeof ic.supportsInterconnects !== "function" || typeof ic.map !== "function") {
      throw new DmaBufError("EINVAL", `export ${who}: interconnect ${ic.name} needs supportsInterconnects and map`);
    }
  }
}
