/** Attachments (an importer's device attached to a buffer) and their mappings. */
import type { Container, ContainerKind } from "../core/container.js";
import type { Device } from "./topology.js";
import type { Buffer } from "./buffer.js";
import type { InterconnectName } from "./interconnects.js";
import type { AttachmentView, MapProduct } from "./ops.js";

export class Attachment implements AttachmentView {
  detached = false;
  /** Explicit pins (each pin needs its own unpin). */
  pins = 0;
  /** Live mappings, in the order they were made. */
  readonly mappings: Mapping[] = [];

  constructor(
    readonly name: string,
    readonly buffer: Buffer,
    readonly device: Device,
    readonly dynamic: boolean,
    readonly peer2peer: boolean,
    readonly allowIc: boolean,
    readonly interconnect: InterconnectName,
    readonly moveNotify: ((attachment: string) => void) | undefined,
  ) {}

  get importer(): string {
    return this.device.name;
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
    readonly interconnect: InterconnectName,
    readonly container: Container,
    readonly product: MapProduct,
    readonly bytes: bigint,
    /** A static importer's map of a dynamic exporter pins until unmap. */
    readonly pinnedOnMap: boolean,
  ) {}

  get kind(): ContainerKind {
    return this.container.kind;
  }
}
