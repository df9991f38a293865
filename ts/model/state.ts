/**
 * The model's state as plain data, read after a step: every buffer, attachment, live or
 * stale mapping and IOVA space, in a fixed order and key order, so that the same
 * scenario gives the same bytes everywhere (`run --state`, docs/output.md).
 *
 * Address lists are `[addr, len]` pairs of `"0x…"` strings. They are arrays, or, when a
 * reader asks for it (`lazy`), `Pairs` objects that read the wasm memory only when they
 * are written out: a streaming writer then never holds a whole list as JS strings.
 */
import type { Direction } from "./direction.js";
import { hex } from "../core/u64.js";
import type { DmaBufModel } from "./model.js";
import type { Attachment } from "./attachment.js";
import type { P2PPath } from "./topology.js";
import { ADDRESS_SPACES, type AddressSpace } from "./ops.js";

/** Where a mapping's addresses live (the model's fact: Mapping.space). */
export type Space = AddressSpace;
export const SPACES = ADDRESS_SPACES;

export type Pair = [string, string];

/** Appends the `[addr, len]` pairs of interleaved addr, len words. */
export function pushPairs(out: Pair[], words: BigUint64Array): Pair[] {
  for (let i = 0; i + 1 < words.length; i += 2) out.push([hex(words[i]!), hex(words[i + 1]!)]);
  return out;
}

/**
 * A list of `[addr, len]` pairs read on demand: `each` calls its function with batches
 * of interleaved addr, len words (valid during the call). JSON.stringify gives the same
 * bytes as for the array.
 */
export class Pairs {
  constructor(readonly each: (fn: (words: BigUint64Array) => void) => void) {}
  toJSON(): Pair[] {
    const out: Pair[] = [];
    this.each((w) => pushPairs(out, w));
    return out;
  }
}

/** A list of `[addr, len]` hex-string pairs: an array, or a lazy Pairs with `lazy`. */
export type PairList = Pair[] | Pairs;

/** One buffer in ModelState: name, exporter, size (hex) and backing. */
export interface BufferState {
  name: string;
  exporter: string;
  size: string;
  /** null once closed (the backing is released). */
  backing: { kind: "system" | "mmio"; ranges: PairList } | null;
  dynamic: boolean;
  revoked: boolean;
  closed: boolean;
  /** The device holding the resv lock, or null. */
  lock: string | null;
  /** Explicit pins plus static importers' live mappings (pin on map). */
  pins: number;
}

/** One attachment in ModelState: its buffer, importer and negotiated interconnect. */
export interface AttachmentState {
  name: string;
  buffer: string;
  importer: string;
  dynamic: boolean;
  interconnect: string;
  /** The P2P path from the exporter to the importer for mmio backings; null for system memory. */
  path: P2PPath | null;
  /** Explicit pins this attachment holds. */
  pins: number;
  detached: boolean;
}

/** One live or stale mapping in ModelState: its attachment, interconnect, address space and entries. */
export interface MappingState {
  name: string;
  attachment: string;
  status: "live" | "stale";
  interconnect: string;
  container: string;
  space: Space;
  /** The DMA direction it was mapped with. */
  direction: Direction;
  nelms: number;
  bytes: string;
  /** The IOVA regions the mapping holds in the importer's IOMMU (empty when none). */
  iova: PairList;
}

/** One device's IOVA space in ModelState: base, size, bytes used and free (hex) and its allocated regions. */
export interface IovaState {
  device: string;
  base: string;
  size: string;
  used: string;
  free: string;
  /** Allocated regions (those of live and stale mappings), by address. */
  regions: Pair[];
}

/** The model's state as plain data, read after a step (`run --state`, docs/output.md). */
export interface ModelState {
  buffers: BufferState[];
  attachments: AttachmentState[];
  mappings: MappingState[];
  iova: IovaState[];
}

const regionPairs = (rs: readonly { addr: bigint; len: bigint }[] | undefined): Pair[] => (rs ?? []).map((r) => [hex(r.addr), hex(r.len)]);

/** Reads a model's state. */
export class StateReader {
  constructor(readonly model: DmaBufModel) {}

  /** The address space of mapping `name`, fixed when it was made (a later move changes the backing, not these addresses). */
  space(name: string): Space {
    return this.model.mappings.get(name)!.space;
  }

  /** Attachment `name`'s importer device and its P2P path (null: the backing is system memory). */
  attachment(name: string): { importer: string; path: P2PPath | null } {
    const a = this.model.attachments.get(name)!;
    return { importer: a.importer, path: pathOf(a) };
  }

  /** The entries of live mapping `name` in the container's read-back order. */
  entries(name: string, lazy = false): PairList {
    const c = this.model.mappings.get(name)!.container;
    const p = new Pairs((fn) => c.chunkBatches(0n, fn));
    return lazy ? p : p.toJSON();
  }

  /** The state now; `lazy` gives Pairs (valid until the next step) instead of arrays. */
  read(lazy = false): ModelState {
    const { model } = this;
    const list = (p: Pairs): PairList => (lazy ? p : p.toJSON());
    const buffers: BufferState[] = [...model.buffers.values()].map((b) => ({
      name: b.name,
      exporter: b.exporter.name,
      size: hex(b.size),
      backing: b.closed ? null : { kind: b.backing.kind, ranges: list(new Pairs(rangeWords(b.backing.ranges))) },
      dynamic: b.dynamic,
      revoked: b.revoked,
      closed: b.closed,
      lock: b.lock.holder ?? null,
      pins: b.closed ? 0 : b.pinCount(),
    }));
    const attachments: AttachmentState[] = [...model.attachments.values()].map((a) => ({
      name: a.name,
      buffer: a.buffer.name,
      importer: a.importer,
      dynamic: a.dynamic,
      interconnect: a.interconnect,
      path: pathOf(a),
      pins: a.pins,
      detached: a.detached,
    }));
    const live = [...model.mappings.values()].filter((m) => !m.unmapped);
    const mappings: MappingState[] = live.map((m) => ({
      name: m.name,
      attachment: m.attachment.name,
      status: m.stale ? "stale" : "live",
      interconnect: m.interconnect,
      container: m.kind,
      space: m.space,
      direction: m.direction,
      nelms: m.container.count,
      bytes: hex(m.bytes),
      iova: regionPairs(m.product.regions),
    }));
    const iova: IovaState[] = [...model.topology.iova.entries()].map(([device, alloc]) => {
      const held = live
        .filter((m) => m.attachment.importer === device)
        .flatMap((m) => m.product.regions ?? [])
        .sort((x, y) => (x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : 0));
      const free = alloc.stats().free;
      return { device, base: hex(alloc.base), size: hex(alloc.size), used: hex(alloc.size - free), free: hex(free), regions: regionPairs(held) };
    });
    return { buffers, attachments, mappings, iova };
  }
}

/** The attachment's P2P path while its buffer is backed by mmio; null for system memory or once closed. */
function pathOf(a: Attachment): P2PPath | null {
  return a.buffer.closed || a.buffer.backing.kind !== "mmio" ? null : a.p2pPath;
}

/** A range list's words, in one batch (zero-copy view over wasm memory). */
function rangeWords(r: { view(): BigUint64Array }): (fn: (words: BigUint64Array) => void) => void {
  return (fn) => fn(r.view());
}
