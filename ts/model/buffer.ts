/**
 * A dma-buf as its exporter holds it: size, backing memory, flags, and the state the
 * lifecycle rules read (revoked, closed, attachments newest first, resv lock, pins).
 */
import type { Core } from "../core/loader.js";
import { DmaBufError } from "../core/errors.js";
import { RangeList } from "../core/range-list.js";
import { hex, PAGE } from "../core/u64.js";
import type { Bar, Device } from "./topology.js";
import type { InterconnectName } from "./interconnects.js";
import type { DmaBufOps } from "./ops.js";
import type { Attachment } from "./attachment.js";
import { ResvLock } from "./resv.js";

export type BackingKind = "system" | "mmio";

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

/** Checks every export rule for `spec` and builds the backing; EINVAL names the rule broken. */
export function makeBacking(core: Core, exporter: Device, size: bigint, spec: BackingSpec, what: string): Backing {
  const fail = (msg: string, path: (string | number)[] = []): never => {
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
      const err = e as DmaBufError;
      fail(`backing ${err.message.replace(/^\w+: /, "")}`, ["backing", "ranges", ...err.path]);
    }
    let total = 0n;
    try {
      total = ranges.total();
    } catch {
      fail("backing ranges sum past 2^64 - 1", ["backing", "ranges"]); // only when they cover all 2^64 bytes
    }
    if (total !== size) fail(`backing ranges sum to ${hex(total)}, not the size ${hex(size)}`, ["backing", "ranges"]);
    const backing: Backing = { kind: spec.kind, ranges };
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

export class Buffer {
  revoked = false;
  closed = false;
  /** Live attachments, newest first (the kernel adds at the head of its list). */
  readonly attachments: Attachment[] = [];
  readonly lock = new ResvLock();

  constructor(
    readonly name: string,
    readonly exporter: Device,
    readonly size: bigint,
    public backing: Backing,
    readonly dynamic: boolean,
    readonly pinnable: boolean,
    readonly interconnects: readonly InterconnectName[],
    public ops: DmaBufOps,
  ) {}

  /** Whether `name` is offered: sgt always, others when listed at export. */
  offers(name: InterconnectName): boolean {
    return name === "sgt" || this.interconnects.includes(name);
  }

  /** Pins held: explicit pins plus static importers' live mappings (pin on map). */
  pinCount(): number {
    let n = 0;
    for (const a of this.attachments) n += a.pins + a.mappings.filter((m) => m.pinnedOnMap).length;
    return n;
  }
}
