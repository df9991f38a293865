/**
 * A dma-buf as its exporter holds it: size, backing memory, flags, and the state the
 * lifecycle rules read (revoked, closed, attachments newest first, resv lock, pins).
 */
import type { Core } from "../core/loader.js";
import { DmaBufError } from "../core/errors.js";
import { RangeList } from "../core/range-list.js";
import { own } from "./untrusted.js";
import { hex, PAGE } from "../core/u64.js";
import type { Device } from "./topology.js";
import type { Backing, BackingSpec, DmaBufOps } from "./ops.js";

export type { Backing, BackingKind, BackingSpec } from "./ops.js";
import type { AttachedBuffer, Attachment } from "./attachment.js";
import { ResvLock } from "./resv.js";

/** Checks every export rule for `spec` and builds the backing; EINVAL names the rule broken. */
export function makeBacking(core: Core, exporter: Device, size: bigint, spec: BackingSpec, what: string): Backing {
  const fail = (msg: string, path: (string | number)[]): never => {
    throw new DmaBufError("EINVAL", `${what}: ${msg}`, path);
  };
  if (size === 0n || size % PAGE) fail(`size ${hex(size)} is not a non-zero multiple of the 4096-byte page`, ["size"]);
  if (!spec.ranges.length) fail("backing has no ranges", ["backing", "ranges"]);
  const ranges = spec.ranges instanceof BigUint64Array ? RangeList.fromBigUint64Array(spec.ranges, core) : RangeList.from(spec.ranges, core);
  try {
    try {
      ranges.validate(PAGE);
      ranges.checkDisjoint();
    } catch (e) {
      if (!(e instanceof DmaBufError) || e.code !== "EINVAL") throw e;
      fail(`backing ranges: ${e.message}`, ["backing", "ranges", ...e.path]);
    }
    let total = 0n;
    try {
      total = ranges.total();
    } catch {
      fail("backing ranges sum past 2^64 - 1", ["backing", "ranges"]); // only when they cover all 2^64 bytes
    }
    if (total !== size) fail(`backing ranges sum to ${hex(total)}, not the size ${hex(size)}`, ["backing", "ranges"]);
    const backing: Backing = { kind: spec.kind, ranges: own(ranges) }; // a product may not hand it back (./untrusted.ts)
    if (spec.kind === "mmio") {
      const { lo, hi } = ranges.bounds();
      const bar = exporter.bars.find((b) => lo >= b.cpu && hi - b.cpu < b.size);
      if (!bar) fail(`mmio ranges [${hex(lo)}, ${hex(hi)}] are not inside one BAR of ${exporter.name}`, ["backing", "ranges"]);
      backing.bar = bar!;
    }
    return backing;
  } catch (e) {
    ranges.dispose();
    throw e;
  }
}

/**
 * A dma-buf as the model (the dma-buf core) holds it. The exporter's ops see it as a
 * BufferView. Attachments form a list newest first (the kernel adds at the head), kept
 * as an intrusive doubly-linked list so that attach and detach are O(1).
 */
export class Buffer implements AttachedBuffer {
  revoked = false;
  closed = false;
  readonly lock = new ResvLock();
  /** Newest attachment (head of the list). */
  private head: Attachment | undefined;
  /** Live attachments. */
  attachmentCount = 0;
  /** Pins held: explicit pins plus static importers' live mappings (pin on map). */
  pins = 0;
  /** The exporter may move or revoke the buffer (its ops said dynamic at export). */
  readonly dynamic: boolean;

  constructor(
    readonly name: string,
    readonly exporter: Device,
    readonly size: bigint,
    public backing: Backing,
    readonly ops: DmaBufOps,
  ) {
    this.dynamic = ops.dynamic ?? false;
  }

  get lockHolder(): string | undefined {
    return this.lock.holder;
  }

  /** The pin count (for inspection; kept incrementally). */
  pinCount(): number {
    return this.pins;
  }

  /** Live attachments, newest first. */
  *eachAttachment(): IterableIterator<Attachment> {
    for (let a = this.head; a; a = a.next) yield a;
  }

  /** Live attachments, newest first, as an array (O(n): for inspection). */
  get attachments(): Attachment[] {
    return [...this.eachAttachment()];
  }

  /** Adds `a` at the head: O(1). */
  link(a: Attachment): void {
    a.next = this.head;
    if (this.head) this.head.prev = a;
    this.head = a;
    this.attachmentCount++;
  }

  /** Removes `a`: O(1). */
  unlink(a: Attachment): void {
    if (a.prev) a.prev.next = a.next;
    else this.head = a.next;
    if (a.next) a.next.prev = a.prev;
    a.prev = a.next = undefined;
    this.attachmentCount--;
  }
}
