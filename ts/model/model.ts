/**
 * The dma-buf lifecycle (docs/rules.md#lifecycle): export, attach with interconnect
 * negotiation, resv lock, map / unmap, pin / unpin, move, revoke / restore, detach,
 * close. Every step either succeeds or throws a DmaBufError with the table's code and
 * changes nothing; when several rules apply, the first in table order wins. Each step
 * appends a TraceRecord to `trace`.
 */
import type { Core } from "../core/loader.js";
import { DmaBufError } from "../core/errors.js";
import { Container, type ContainerKind } from "../core/container.js";
import { Topology, type TopologySpec, type Device } from "./topology.js";
import { Buffer, makeBacking, type BackingSpec } from "./buffer.js";
import { Attachment, Mapping } from "./attachment.js";
import { negotiate, type InterconnectName } from "./interconnects.js";
import { builtinExporter } from "./exporter.js";
import { checkOps, type InterconnectOps, type MapProduct } from "./ops.js";
import type { AttachResult, MapResult, NotifyResult, Op, StepResult, TraceRecord } from "./trace.js";

export interface ExportArgs {
  buffer: string;
  exporter: string;
  size: bigint;
  backing: BackingSpec;
  dynamic?: boolean;
  pinnable?: boolean;
  interconnects?: InterconnectName[];
}

export interface AttachArgs {
  buffer: string;
  importer: string;
  as: string;
  dynamic?: boolean;
  peer2peer?: boolean;
  allowIc?: boolean;
  interconnects?: InterconnectName[];
  /** Called for each move_notify delivered to this attachment (dynamic importers). */
  moveNotify?: (attachment: string) => void;
}

export interface MapArgs {
  attachment: string;
  as: string;
  container?: ContainerKind;
}

const DEFAULT_CONTAINER: Record<InterconnectName, ContainerKind> = { sgt: "sgt", physvec: "physvec", iov: "ranges" };

export class DmaBufModel {
  readonly topology: Topology;
  readonly buffers = new Map<string, Buffer>();
  readonly attachments = new Map<string, Attachment>();
  readonly mappings = new Map<string, Mapping>();
  readonly trace: TraceRecord[] = [];
  private seq = 0;
  private delivered: string[] = [];

  constructor(readonly core: Core, topology: TopologySpec) {
    this.topology = new Topology(core, topology);
  }

  // ---- name resolution (the ENOENT row) ----

  private liveBuffer(name: string, what: string): Buffer {
    const b = this.buffers.get(name);
    if (!b) throw new DmaBufError("ENOENT", `${what}: no buffer named "${name}"`);
    if (b.closed) throw new DmaBufError("ENOENT", `${what}: buffer ${name} is closed`);
    return b;
  }

  private liveAttachment(name: string, what: string): Attachment {
    const a = this.attachments.get(name);
    if (!a) throw new DmaBufError("ENOENT", `${what}: no attachment named "${name}"`);
    if (a.detached) throw new DmaBufError("ENOENT", `${what}: attachment ${name} was detached`);
    this.liveBuffer(a.buffer.name, what);
    return a;
  }

  private liveMapping(name: string, what: string): Mapping {
    const m = this.mappings.get(name);
    if (!m) throw new DmaBufError("ENOENT", `${what}: no mapping named "${name}"`);
    if (m.unmapped) throw new DmaBufError("ENOENT", `${what}: mapping ${name} was ${m.attachment.detached ? "released by detach" : "unmapped"}`);
    return m;
  }

  /** Names are unique across buffers, attachments and mappings, as in scenarios. */
  private requireFreeName(name: string, what: string): void {
    if (this.buffers.has(name) || this.attachments.has(name) || this.mappings.has(name)) throw new DmaBufError("EINVAL", `${what}: the name "${name}" is already used`);
  }

  /** The exporter's ops for a non-sgt interconnect the attachment negotiated. */
  private icOps(a: Attachment): InterconnectOps {
    return a.buffer.ops.interconnects!.find((x) => x.name === a.interconnect)!;
  }

  private device(name: string, what: string): Device {
    const d = this.topology.devices.get(name);
    if (!d) throw new DmaBufError("ENOENT", `${what}: no device named "${name}"`);
    return d;
  }

  /** The lock rule for map, unmap, pin, unpin (EPERM row; EBUSY for static importers). */
  private requireLock(a: Attachment, what: string): void {
    const holder = a.buffer.lock.holder;
    if (a.dynamic) {
      if (holder !== a.importer) throw new DmaBufError("EPERM", `${what}: dynamic importer ${a.importer} must hold the resv lock of ${a.buffer.name}`);
    } else if (holder !== undefined && holder !== a.importer) {
      throw new DmaBufError("EBUSY", `${what}: resv lock of ${a.buffer.name} is held by ${holder} (the kernel would block)`);
    }
  }

  /** The lock rule for move, revoke, restore: EBUSY while an importer holds it. */
  private requireNoImporterLock(b: Buffer, what: string): void {
    const holder = b.lock.holder;
    if (holder !== undefined && holder !== b.exporter.name) throw new DmaBufError("EBUSY", `${what}: resv lock of ${b.name} is held by ${holder}`);
  }

  private requireDynamicExporter(b: Buffer, what: string): void {
    if (!b.dynamic) throw new DmaBufError("EOPNOTSUPP", `${what}: exporter of ${b.name} is not dynamic (no move_notify support)`);
  }

  // ---- running a step ----

  private run<R extends StepResult | undefined>(op: Op, fn: () => R): R {
    this.delivered = [];
    try {
      const result = fn();
      const rec: TraceRecord = { op, ok: true, notifications: this.delivered };
      if (result) rec.result = result;
      this.trace.push(rec);
      return result;
    } catch (e) {
      if (!(e instanceof DmaBufError)) throw e;
      this.trace.push({ op, ok: false, error: e.code, message: e.message, notifications: [] });
      throw e;
    }
  }

  // ---- steps ----

  /** dma_buf_export(): creates buffer `buffer` backed by `backing`. */
  export(args: ExportArgs): void {
    this.run("export", () => {
      const what = `export ${args.buffer}`;
      this.requireFreeName(args.buffer, what);
      const dev = this.device(args.exporter, what);
      const backing = makeBacking(this.core, dev, args.size, args.backing, what);
      const buf = new Buffer(args.buffer, dev, args.size, backing, args.dynamic ?? false, args.pinnable ?? true, [...new Set(args.interconnects ?? [])], null!);
      buf.ops = builtinExporter(this.topology, buf);
      try {
        checkOps(buf.ops, args.buffer);
      } catch (e) {
        backing.ranges.dispose();
        throw e;
      }
      this.buffers.set(buf.name, buf);
      return undefined;
    });
  }

  /** dma_buf_attach() / dma_buf_dynamic_attach() with interconnect negotiation. */
  attach(args: AttachArgs): AttachResult {
    return this.run("attach", () => {
      const what = `attach ${args.as}`;
      const b = this.liveBuffer(args.buffer, what);
      this.requireFreeName(args.as, what);
      const dev = this.device(args.importer, what);
      const dynamic = args.dynamic ?? false;
      const peer2peer = args.peer2peer ?? false;
      const allowIc = args.allowIc ?? false;
      const asked = args.interconnects ?? ["sgt"];
      const view = { name: args.as, importer: dev.name, dynamic, peer2peer, allowIc };
      b.ops.attach?.(view);
      const nonSgt = asked.some((n) => n !== "sgt");
      if (!dynamic && peer2peer) throw new DmaBufError("EINVAL", `${what}: peer2peer needs a dynamic importer (one with move_notify)`);
      if (!dynamic && nonSgt) throw new DmaBufError("EINVAL", `${what}: interconnects other than sgt need a dynamic importer`);
      if (nonSgt && !allowIc) throw new DmaBufError("EINVAL", `${what}: interconnects other than sgt need allowIc`);
      const ic = negotiate(b.ops, view, asked.filter((n) => b.offers(n)).map((name) => ({ name })));
      if (!ic) throw new DmaBufError("EOPNOTSUPP", `${what}: ${b.name} supports none of ${asked.join(", ")} for ${dev.name}`);
      const a = new Attachment(args.as, b, dev, dynamic, peer2peer, allowIc, ic, args.moveNotify);
      b.attachments.unshift(a);
      this.attachments.set(a.name, a);
      return { interconnect: ic };
    });
  }

  /** dma_buf_detach(): releases iov mappings; EBUSY while mappings or pins are live. */
  detach(name: string): void {
    this.run("detach", () => {
      const what = `detach ${name}`;
      const a = this.liveAttachment(name, what);
      const blocking = a.mappings.filter((m) => m.interconnect !== "iov");
      if (blocking.length || a.pins) {
        throw new DmaBufError("EBUSY", `${what}: ${blocking.length} live mapping(s) and ${a.pins} pin(s) remain`);
      }
      for (const m of a.mappings) this.release(m);
      a.mappings.length = 0;
      a.buffer.ops.detach?.(a);
      a.detached = true;
      a.buffer.attachments.splice(a.buffer.attachments.indexOf(a), 1);
      return undefined;
    });
  }

  /** dma_buf_map_attachment() (or its interconnect variant). */
  map(args: MapArgs): MapResult {
    return this.run("map", () => {
      const what = `map ${args.as}`;
      const a = this.liveAttachment(args.attachment, what);
      this.requireFreeName(args.as, what);
      const b = a.buffer;
      this.requireLock(a, what);
      const pinOnMap = !a.dynamic && b.dynamic;
      if (pinOnMap) {
        if (!b.pinnable) throw new DmaBufError("EOPNOTSUPP", `${what}: static importer ${a.importer} must pin ${b.name} on map, and it cannot be pinned`);
        b.ops.pin?.(a);
      }
      let product: MapProduct;
      try {
        product = a.interconnect === "sgt" ? b.ops.mapDmaBuf(a) : this.icOps(a).map(a);
      } catch (e) {
        if (pinOnMap) b.ops.unpin?.(a);
        throw e;
      }
      const kind = args.container ?? DEFAULT_CONTAINER[a.interconnect];
      let container: Container;
      let bytes: bigint;
      try {
        bytes = product.entries.total();
        container = Container.fromList(kind, product.entries, product.provider ? { provider: product.provider } : {});
      } catch (e) {
        product.release();
        if (pinOnMap) b.ops.unpin?.(a);
        throw e;
      } finally {
        product.entries.dispose();
      }
      const m = new Mapping(args.as, this.seq++, a, a.interconnect, container, product, bytes, pinOnMap);
      a.mappings.push(m);
      this.mappings.set(m.name, m);
      const r: MapResult = { interconnect: a.interconnect, container: kind, nelms: container.count, bytes, hash: container.hash() };
      if (product.barNumber !== undefined) r.barNumber = product.barNumber;
      return r;
    });
  }

  private release(m: Mapping): void {
    m.product.release();
    m.container.dispose();
    m.unmapped = true;
  }

  /** dma_buf_unmap_attachment(). */
  unmap(name: string): void {
    this.run("unmap", () => {
      const what = `unmap ${name}`;
      const m = this.liveMapping(name, what);
      const a = m.attachment;
      this.liveBuffer(a.buffer.name, what);
      this.requireLock(a, what);
      if (m.interconnect === "iov") throw new DmaBufError("EOPNOTSUPP", `${what}: iov mappings have no unmap (released by detach)`);
      const b = a.buffer;
      if (m.interconnect === "sgt") b.ops.unmapDmaBuf(a, m.product);
      else this.icOps(a).unmap?.(a, m.product);
      m.container.dispose();
      m.unmapped = true;
      if (m.pinnedOnMap) b.ops.unpin?.(a);
      a.mappings.splice(a.mappings.indexOf(m), 1);
      return undefined;
    });
  }

  /** dma_buf_pin(): pins nest; a non-dynamic exporter has nothing to pin but counts it. */
  pin(name: string): void {
    this.run("pin", () => {
      const what = `pin ${name}`;
      const a = this.liveAttachment(name, what);
      if (!a.dynamic) throw new DmaBufError("EINVAL", `${what}: static importer ${a.importer} cannot pin (only dynamic importers do)`);
      this.requireLock(a, what);
      if (!a.buffer.pinnable) throw new DmaBufError("EOPNOTSUPP", `${what}: ${a.buffer.name} cannot be pinned`);
      a.buffer.ops.pin?.(a);
      a.pins++;
      return undefined;
    });
  }

  /** dma_buf_unpin(). */
  unpin(name: string): void {
    this.run("unpin", () => {
      const what = `unpin ${name}`;
      const a = this.liveAttachment(name, what);
      if (a.dynamic) this.requireLock(a, what);
      if (!a.pins) throw new DmaBufError("EINVAL", `${what}: ${name} holds no pin`);
      a.buffer.ops.unpin?.(a);
      a.pins--;
      return undefined;
    });
  }

  /** dma_resv_lock() as a trylock by `holder`. */
  lock(buffer: string, holder: string): void {
    this.run("lock", () => {
      const what = `lock ${buffer}`;
      const b = this.liveBuffer(buffer, what);
      this.device(holder, what);
      b.lock.lock(holder, what);
      return undefined;
    });
  }

  /** dma_resv_unlock(). */
  unlock(buffer: string, holder: string): void {
    this.run("unlock", () => {
      const what = `unlock ${buffer}`;
      const b = this.liveBuffer(buffer, what);
      b.lock.unlock(holder, what);
      return undefined;
    });
  }

  /** Delivers move_notify to every dynamic importer's attachment, newest first. */
  private notify(b: Buffer, markStale: (m: Mapping) => boolean): NotifyResult {
    const notified = b.attachments.filter((a) => a.dynamic).map((a) => a.name);
    const stale = b.attachments
      .flatMap((a) => a.mappings)
      .filter((m) => !m.stale && markStale(m))
      .sort((x, y) => x.seq - y.seq);
    for (const m of stale) m.stale = true;
    for (const name of notified) {
      this.delivered.push(name);
      this.attachments.get(name)!.moveNotify?.(name);
    }
    return { notified, stale: stale.map((m) => m.name) };
  }

  /** The exporter moves the buffer to new backing memory (move_notify to dynamic importers). */
  move(buffer: string, backing: BackingSpec): NotifyResult {
    return this.run("move", () => {
      const what = `move ${buffer}`;
      const b = this.liveBuffer(buffer, what);
      this.requireDynamicExporter(b, what);
      const next = makeBacking(this.core, b.exporter, b.size, backing, what);
      const pins = b.pinCount();
      const holder = b.lock.holder;
      if (pins || (holder !== undefined && holder !== b.exporter.name)) {
        next.ranges.dispose();
        if (pins) throw new DmaBufError("EBUSY", `${what}: ${b.name} is pinned (${pins} pin(s))`);
        this.requireNoImporterLock(b, what);
      }
      b.backing.ranges.dispose();
      b.backing = next;
      return this.notify(b, (m) => m.attachment.dynamic);
    });
  }

  /** Revokes access (like a vfio-pci device reset): ignores pins, all mappings go stale. */
  revoke(buffer: string): NotifyResult {
    return this.run("revoke", () => {
      const what = `revoke ${buffer}`;
      const b = this.liveBuffer(buffer, what);
      this.requireDynamicExporter(b, what);
      this.requireNoImporterLock(b, what);
      b.revoked = true;
      return this.notify(b, () => true);
    });
  }

  /** Undoes revoke, notifying dynamic importers again; a no-op when not revoked. */
  restore(buffer: string): NotifyResult {
    return this.run("restore", () => {
      const what = `restore ${buffer}`;
      const b = this.liveBuffer(buffer, what);
      this.requireDynamicExporter(b, what);
      this.requireNoImporterLock(b, what);
      if (!b.revoked) return { notified: [], stale: [] };
      b.revoked = false;
      return this.notify(b, () => false);
    });
  }

  /** The last reference goes away; EBUSY while attachments remain. */
  close(buffer: string): void {
    this.run("close", () => {
      const what = `close ${buffer}`;
      const b = this.liveBuffer(buffer, what);
      if (b.attachments.length) throw new DmaBufError("EBUSY", `${what}: ${b.attachments.length} attachment(s) remain`);
      b.ops.release();
      b.closed = true;
      return undefined;
    });
  }

  // ---- inspection ----

  /** The live mapping `name`'s entries (first `max`), for reports. */
  mappingEntries(name: string, max: number): { addr: bigint; len: bigint }[] {
    const m = this.mappings.get(name);
    if (!m || m.unmapped) return [];
    const out: { addr: bigint; len: bigint }[] = [];
    for (const [addr, len] of m.container.chunks()) {
      if (out.length >= max) break;
      out.push({ addr, len });
    }
    return out;
  }

  /** A plain description of all state, to prove a failed step changed nothing. */
  snapshot(): unknown {
    const hex = (v: bigint) => v.toString(16);
    const usage = this.core.usage();
    return {
      buffers: [...this.buffers.values()].map((b) => ({
        name: b.name,
        closed: b.closed,
        revoked: b.revoked,
        holder: b.lock.holder ?? null,
        backing: b.closed ? null : { kind: b.backing.kind, hash: hex(b.backing.ranges.hash()), bar: b.backing.bar?.index ?? null },
        attachments: b.attachments.map((a) => a.name),
        pins: b.closed ? 0 : b.pinCount(),
      })),
      attachments: [...this.attachments.values()].map((a) => ({ name: a.name, detached: a.detached, pins: a.pins, mappings: a.mappings.map((m) => m.name) })),
      mappings: [...this.mappings.values()].map((m) => ({ name: m.name, unmapped: m.unmapped, stale: m.stale })),
      iova: [...this.topology.iova.entries()].map(([d, a]) => {
        const st = a.stats();
        return { d, ...st, free: hex(st.free), largest: hex(st.largest) };
      }),
      core: { ...usage, bytes: hex(usage.bytes) },
    };
  }

  /** Frees every core object the model holds (mappings, backings, IOVA spaces). */
  dispose(): void {
    for (const m of this.mappings.values()) if (!m.unmapped) this.release(m);
    for (const b of this.buffers.values()) if (!b.closed) b.backing.ranges.dispose();
    this.topology.dispose();
  }
}
