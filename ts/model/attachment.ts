/** Attachments (an importer's device attached to a buffer) and their mappings. */
import { DEFAULT_DIRECTION, type Direction } from "./direction.js";
import type { Container, ContainerKind } from "../core/container.js";
import type { Device, P2PPath } from "./topology.js";
import type { ResvLock } from "./resv.js";
import type { AddressSpace, AttachmentView, BufferView, DmaBufOps, InterconnectOps, MapProduct } from "./ops.js";
import type { ImporterOps } from "./importer.js";
import { notThenable, own } from "./untrusted.js";

/** What an attachment needs of its buffer (the model's Buffer; declared here so that this file does not import buffer.ts). */
export interface AttachedBuffer extends BufferView {
  readonly ops: DmaBufOps;
  readonly lock: ResvLock;
  readonly closed: boolean;
  readonly dynamic: boolean;
  /** Explicit pins plus static importers' live mappings. */
  pins: number;
  pinCount(): number;
  unlink(a: Attachment): void;
}

export class Attachment implements AttachmentView {
  detached = false;
  /** Explicit pins (each pin needs its own unpin). */
  pins = 0;
  /** Live mappings, in the order they were made (O(1) add and delete). */
  readonly live = new Set<Mapping>();
  /** Neighbours in the buffer's attachment list (newest first). */
  prev: Attachment | undefined;
  next: Attachment | undefined;

  constructor(
    readonly name: string,
    readonly buffer: AttachedBuffer,
    readonly device: Device,
    /** The importer's ops (struct dma_buf_attach_ops). */
    readonly importerOps: ImporterOps,
    /** The P2P path from the exporter's device to the importer's (pci_p2pdma_map_type). */
    readonly p2pPath: P2PPath,
    /** The negotiated interconnect. */
    public interconnect: string,
    /** Its exporter ops; null for sgt (the buffer's mapDmaBuf / unmapDmaBuf). */
    public icOps: InterconnectOps | null,
    /** The profile's default of unmapOnInvalidate for revocable importers. */
    unmapByDefault: boolean,
  ) {
    const callback = typeof (importerOps.invalidateMappings ?? importerOps.moveNotify) === "function";
    this.revocable = callback && importerOps.revocable !== false;
    this.dynamic = callback || importerOps.revocable === false;
    this.peer2peer = importerOps.allowPeer2peer ?? false;
    this.allowIc = importerOps.supportsInterconnects ?? false;
    this.unmapOnInvalidate = this.revocable && (importerOps.unmapOnInvalidate ?? unmapByDefault);
  }

  /** Attached with ops (dma_buf_dynamic_attach): has an invalidate callback or is a pinned importer (fixed at attach). */
  readonly dynamic: boolean;
  /** dma_buf_attach_revocable(): has the callback and gives its mappings back when invalidated. */
  readonly revocable: boolean;
  /** Its callback unmaps every live mapping it holds before returning. */
  readonly unmapOnInvalidate: boolean;
  readonly peer2peer: boolean;
  readonly allowIc: boolean;

  get importer(): string {
    return this.device.name;
  }

  /** Calls the importer's invalidate_mappings (move_notify), only for a revocable attachment; a thenable it returns is EPROTO (ops are synchronous). */
  moveNotify(): void {
    const ops = this.importerOps;
    notThenable(`moveNotify of ${this.name}`, ops.invalidateMappings ? ops.invalidateMappings(this.name) : ops.moveNotify!(this.name));
  }

  /** Live mappings in map order (an array: for inspection). */
  get mappings(): Mapping[] {
    return [...this.live];
  }
}

/** A live mapping: its entries in a container, and what to release at unmap. */
export class Mapping {
  stale = false;
  unmapped = false;

  constructor(
    readonly name: string,
    /** Global order in which mappings were made. */
    readonly seq: number,
    readonly attachment: Attachment,
    readonly interconnect: string,
    readonly container: Container,
    readonly product: MapProduct,
    readonly bytes: bigint,
    /** A static importer's map of a dynamic exporter pins until unmap. */
    readonly pinnedOnMap: boolean,
    /** The negotiated interconnect's unmap exists (otherwise detach releases the mapping). */
    readonly hasUnmap: boolean,
    /** The direction it was mapped with (the unmap's default; dma-debug compares). */
    readonly direction: Direction = DEFAULT_DIRECTION,
  ) {
    own(container); // a product may not hand it back (./untrusted.ts)
  }

  get kind(): ContainerKind {
    return this.container.kind;
  }

  /** Which addresses the entries are: "bus" | "iova" | "cpu-phys" | "bar-offset". */
  get space(): AddressSpace {
    return this.product.space;
  }

  /** The IOVA regions the mapping holds in the importer's IOMMU (none outside iova). */
  get regions(): readonly { addr: bigint; len: bigint }[] {
    return this.product.regions ?? [];
  }
}
