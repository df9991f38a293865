/**
 * The dma-buf core (docs/rules.md#lifecycle): export, attach with interconnect
 * negotiation, resv lock, map / unmap, pin / unpin, move, revoke / restore, detach,
 * close, around user-written exporter ops (ts/model/ops.ts) and importer ops
 * (ts/model/importer.ts). Every step either succeeds or throws a DmaBufError with the
 * table's code and changes nothing; when several rules apply, the first in table order
 * wins. Each step appends a TraceRecord to `trace`. Every per-step cost is O(1) or
 * O(log n) in the number of objects, except what a step reports (a notify lists every
 * attachment) and the entries of a map.
 */
import { DmaBufError } from "../core/errors.js";
import { Container } from "../core/container.js";
import type { RangeList } from "../core/range-list.js";
import { Buffer, makeBacking } from "./buffer.js";
import { Attachment, Mapping } from "./attachment.js";
import { negotiateAttach } from "./matching.js";
import { checkOps, type BackingSpec, type MapProduct } from "./ops.js";
import { checkProduct } from "./contract.js";
import { attachArgs, exportArgs, exporterOps, lockArgs, mapArgs, moveArgs, stepName, type AttachArgs, type ExportArgs, type MapArgs } from "./api-args.js";
import { checkDirection, DEFAULT_DIRECTION, type Direction } from "./direction.js";
import { productWarnings, unmapWarnings } from "./dma-debug.js";
import { syncArgs, syncFlags, type SyncResult } from "./sync.js";
import { refusedIn } from "./calls.js";
import { ModelWorld } from "./world.js";
import { requireAllUnmapped, sliceOf, subRange } from "./profile-rules.js";
import type { AttachResult, MapResult, NotifyResult } from "./trace.js";

export type { AttachArgs, ExportArgs, MapArgs, ModelOptions } from "./api-args.js";

/** The dma-buf core model: buffers, attachments and mappings on a topology; each op appends a TraceRecord. The scenario runner drives it. */
export class DmaBufModel extends ModelWorld {
  /** The lock rule for map, unmap, pin, unpin (row L10; EBUSY for static importers). */
  private requireLock(a: Attachment, what: string): void {
    const holder = a.buffer.lock.holder;
    if (a.dynamic) {
      if (holder !== a.importer) throw new DmaBufError("EPERM", `${what}: dynamic importer ${a.importer} must hold the resv lock of ${a.buffer.name}`);
    } else if (holder !== undefined && holder !== a.importer) {
      throw new DmaBufError("EBUSY", `${what}: resv lock of ${a.buffer.name} is held by ${holder} (the kernel would block)`);
    }
  }

  /** The lock rule for move, revoke, restore (row L22): EBUSY while an importer holds it. */
  private requireNoImporterLock(b: Buffer, what: string): void {
    const holder = b.lock.holder;
    if (holder !== undefined && holder !== b.exporter.name) throw new DmaBufError("EBUSY", `${what}: resv lock of ${b.name} is held by ${holder}`);
  }

  private requireDynamicExporter(b: Buffer, what: string): void {
    if (!b.dynamic) throw new DmaBufError("EOPNOTSUPP", `${what}: exporter of ${b.name} is not dynamic (no move_notify support)`);
  }

  // ---- steps ----

  /** dma_buf_export(): creates buffer `buffer` backed by `backing`, with the given (or factory-built) ops. */
  export(args: ExportArgs): void {
    this.run("export", () => {
      const { name, what, args: o } = exportArgs(args, this.interconnects);
      this.requireFreeName(name, what);
      const dev = this.device(o.exporter, what);
      const ops = exporterOps(o, what, name, dev.name, this.exporterFactory, this.rules);
      const table = checkOps(ops, name, this.interconnects, this.rules);
      const backing = makeBacking(this.core, dev, o.size, o.backing, what);
      this.buffers.set(name, new Buffer(name, dev, o.size, backing, table));
      return undefined;
    });
  }

  /** dma_buf_attach() / dma_buf_dynamic_attach() with interconnect negotiation. */
  attach(args: AttachArgs): AttachResult {
    return this.run("attach", () => {
      const { name, what, ops: imp, args: o } = attachArgs(args, this.interconnects);
      const b = this.liveBuffer(o.buffer, what);
      this.requireFreeName(name, what);
      const dev = this.device(o.importer, what);
      // Stryker disable next-line StringLiteral: negotiation overwrites the interconnect before anything reads it; a failed attach drops the attachment
      const a = new Attachment(name, b, dev, imp, this.topology.p2pPath(b.exporter, dev), "sgt", null, this.rules.unmapOnInvalidate);
      const warnOn = `an importer with ops but no invalidate callback (revocable: false) is refused in profile ${this.profile} (the WARN_ON of dma_buf_dynamic_attach)`;
      if (a.dynamic && !a.revocable && !this.rules.pinnedImporters) throw new DmaBufError("EINVAL", `${what}: ${warnOn}`);
      const matches = imp.interconnects ?? [{ name: "sgt" }];
      const pick = () => negotiateAttach(this.rules, b, a, matches, this.topology, what);
      const early = this.rules.matchBeforeAttach ? pick() : undefined; // docs/rules.md#profiles, mapping-types row 2
      this.callOp(b, "attach", () => b.ops.attach?.(a));
      if (b.revoked) throw new DmaBufError("ENODEV", `${what}: buffer ${b.name} is revoked`);
      const ic = early ?? pick();
      a.interconnect = ic.name;
      a.icOps = ic.ops;
      b.link(a);
      this.attachments.set(name, a);
      return { interconnect: ic.name };
    });
  }

  /** dma_buf_detach(): releases mappings that have no unmap; EBUSY while others or pins are live. */
  detach(name: string): void {
    this.run("detach", () => {
      const what = stepName("detach", name, "attachment");
      const a = this.liveAttachment(name, what);
      let blocking = 0;
      for (const m of a.live) if (m.hasUnmap) blocking++;
      if (blocking || a.pins) throw new DmaBufError("EBUSY", `${what}: ${blocking} live mapping(s) and ${a.pins} pin(s) remain`);
      const b = a.buffer;
      this.callOp(b, "detach", () => b.ops.detach?.(a));
      for (const m of a.live) this.release(m);
      a.live.clear();
      a.detached = true;
      b.unlink(a);
      return undefined;
    });
  }

  /** The map op the attachment negotiated, with its name for messages. */
  private mapOp(a: Attachment, dir: Direction): [string, () => MapProduct] {
    const b = a.buffer;
    const ic = a.icOps;
    if (!ic) return ["mapDmaBuf", () => b.ops.mapDmaBuf!(a, this.topology, dir)];
    if (ic.map) return [`${ic.name} map`, () => ic.map!(a, this.topology, dir)];
    return [`mapInterconnect(${ic.name})`, () => b.ops.mapInterconnect!(a, ic.name, this.topology, dir)];
  }

  /** dma_buf_map_attachment() (or its interconnect variant). */
  map(args: MapArgs): MapResult {
    return this.run("map", () => {
      const { name, what, args: o } = mapArgs(args, this.steps);
      const a = this.liveAttachment(o.attachment, what);
      this.requireFreeName(name, what);
      const b = a.buffer;
      const dir = o.direction ?? DEFAULT_DIRECTION;
      this.requireLock(a, what);
      const range = subRange(a, o.range, what, this.rules, this.profile);
      return this.holding(b, a.importer, () => {
        const pinOnMap = !a.dynamic && b.dynamic;
        if (pinOnMap) this.callLocked(b, "pin", () => refusedIn(what, "the pin on map", () => b.ops.pin!(a)));
        let list: RangeList;
        let product: MapProduct;
        try {
          if (b.revoked) throw new DmaBufError("ENODEV", `map ${b.name}: buffer is revoked`);
          const [opName, call] = this.mapOp(a, dir);
          product = this.callLocked(b, opName, call);
          const who = `exporter ${b.ops.name} (${opName} of ${b.name} for ${a.name})`;
          list = this.callLocked(b, opName, () => checkProduct(this.core, product, b, a.device, who));
          const sgMapped = !!this.interconnects.get(a.interconnect)!.scatterlist && b.backing.kind === "system";
          if (this.dmaDebug) this.warnings.push(...productWarnings(list, { device: a.device, sgMapped, who }));
          if (range) list = sliceOf(list, range);
        } catch (e) {
          if (pinOnMap) this.callLocked(b, "unpin", () => b.ops.unpin!(a));
          throw e;
        }
        const kind = o.container ?? this.interconnects.get(a.interconnect)!.defaultContainer;
        let container: Container;
        let bytes: bigint;
        try {
          bytes = list.total();
          container = Container.fromList(kind, list, product.provider ? { provider: product.provider } : {});
        } catch (e) {
          product.release();
          if (pinOnMap) this.callLocked(b, "unpin", () => b.ops.unpin!(a));
          throw e;
        } finally {
          list.dispose();
        }
        const m = new Mapping(name, this.seq++, a, a.interconnect, container, product, bytes, pinOnMap, !a.icOps || typeof a.icOps.unmap === "function", dir);
        if (pinOnMap) b.pins++;
        a.live.add(m);
        this.mappings.set(name, m);
        const r: MapResult = { interconnect: a.interconnect, container: kind, nelms: container.count, bytes, hash: container.hash() };
        if (product.barNumber !== undefined) r.barNumber = product.barNumber;
        if (o.direction) r.direction = o.direction;
        return r;
      });
    });
  }

  /** dma_buf_unmap_attachment(), with `direction` (default: the map's; dma-debug warns when it differs). */
  unmap(name: string, direction?: Direction): void {
    this.run("unmap", () => {
      const what = stepName("unmap", name, "mapping");
      const dir = checkDirection(what, direction, ["direction"]);
      const m = this.liveMapping(name, what);
      const a = m.attachment;
      const b = a.buffer;
      this.liveBuffer(b.name, what);
      this.requireLock(a, what);
      if (!m.hasUnmap) throw new DmaBufError("EOPNOTSUPP", `${what}: ${m.interconnect} mappings have no unmap (released by detach)`);
      this.holding(b, a.importer, () => {
        this.callLocked(b, ...this.unmapOp(m, dir ?? m.direction));
        if (m.pinnedOnMap) this.callLocked(b, "unpin", () => b.ops.unpin!(a));
        // the ops ran: now the core's state changes, which cannot fail
        this.release(m);
        if (m.pinnedOnMap) b.pins--;
        a.live.delete(m);
        if (this.dmaDebug) this.warnings.push(...unmapWarnings(name, m.direction, dir ?? m.direction));
      });
      return undefined;
    });
  }

  /** dma_buf_pin(): pins nest; an exporter without pin has nothing to pin but counts it. */
  pin(name: string): void {
    this.run("pin", () => {
      const what = stepName("pin", name, "attachment");
      const a = this.liveAttachment(name, what);
      if (!a.dynamic) throw new DmaBufError("EINVAL", `${what}: static importer ${a.importer} cannot pin (only dynamic importers do)`);
      this.requireLock(a, what);
      const b = a.buffer;
      if (b.ops.pin) this.callLocked(b, "pin", () => b.ops.pin!(a));
      a.pins++;
      b.pins++;
      return undefined;
    });
  }

  /** dma_buf_unpin(). */
  unpin(name: string): void {
    this.run("unpin", () => {
      const what = stepName("unpin", name, "attachment");
      const a = this.liveAttachment(name, what);
      if (a.dynamic) this.requireLock(a, what);
      if (!a.pins) throw new DmaBufError("EINVAL", `${what}: ${name} holds no pin`);
      const b = a.buffer;
      if (b.ops.unpin) this.holding(b, a.importer, () => this.callLocked(b, "unpin", () => b.ops.unpin!(a)));
      a.pins--;
      b.pins--;
      return undefined;
    });
  }

  /** dma_resv_lock() as a trylock by `holder`. */
  lock(buffer: string, holder: string): void {
    this.run("lock", () => {
      const what = lockArgs("lock", buffer, holder);
      const b = this.liveBuffer(buffer, what);
      this.device(holder, what);
      b.lock.lock(holder, what);
      return undefined;
    });
  }

  /** dma_resv_unlock(). */
  unlock(buffer: string, holder: string): void {
    this.run("unlock", () => {
      const what = lockArgs("unlock", buffer, holder);
      const b = this.liveBuffer(buffer, what);
      b.lock.unlock(holder, what);
      return undefined;
    });
  }

  /** The exporter moves the buffer to new backing memory (move_notify to dynamic importers). */
  move(buffer: string, backing: BackingSpec): NotifyResult {
    return this.run("move", () => {
      const what = moveArgs(buffer, backing);
      const b = this.liveBuffer(buffer, what);
      this.requireDynamicExporter(b, what);
      const next = makeBacking(this.core, b.exporter, b.size, backing, what);
      const holder = b.lock.holder;
      if (b.pins || (holder !== undefined && holder !== b.exporter.name)) {
        next.ranges.dispose();
        if (b.pins) throw new DmaBufError("EBUSY", `${what}: ${b.name} is pinned (${b.pins} pin(s))`);
        this.requireNoImporterLock(b, what);
      }
      b.backing.ranges.dispose();
      b.backing = next;
      return this.notify(b, (m) => m.attachment.revocable);
    });
  }

  /**
   * Revokes access (like a vfio-pci device reset): ignores pins; every mapping but a
   * pinned importer's goes stale, or is unmapped by an importer that unmaps on
   * invalidate. Profile rows: idempotent, waits for unmaps (EDEADLK).
   */
  revoke(buffer: string): NotifyResult {
    return this.run("revoke", () => {
      const what = stepName("revoke", buffer, "buffer");
      const b = this.liveBuffer(buffer, what);
      this.requireDynamicExporter(b, what);
      this.requireNoImporterLock(b, what);
      if (b.revoked && this.rules.revokeIdempotent) return { notified: [], stale: [] };
      if (this.rules.revokeWaitsForUnmaps) requireAllUnmapped(b, what);
      b.revoked = true;
      return this.notify(b, (m) => m.attachment.revocable || !m.attachment.dynamic);
    });
  }

  /** Undoes revoke, notifying dynamic importers again; a no-op when not revoked. */
  restore(buffer: string): NotifyResult {
    return this.run("restore", () => {
      const what = stepName("restore", buffer, "buffer");
      const b = this.liveBuffer(buffer, what);
      this.requireDynamicExporter(b, what);
      this.requireNoImporterLock(b, what);
      if (!b.revoked) return { notified: [], stale: [] };
      if (!this.rules.restoreNotifiesFirst) b.revoked = false;
      const r = this.notify(b);
      b.revoked = false;
      return r;
    });
  }

  /** DMA_BUF_IOCTL_SYNC: the exporter's beginCpuAccess or endCpuAccess with the direction the flags name (ts/model/sync.ts). */
  sync(buffer: string, flags: readonly string[]): SyncResult {
    return this.run("sync", () => {
      const what = syncArgs(buffer, flags);
      const b = this.liveBuffer(buffer, what);
      const { op, direction } = syncFlags(what, flags);
      const fn = b.ops[op];
      if (fn) this.callOp(b, op, () => fn(b, direction));
      return { direction };
    });
  }

  /** The last reference goes away; EBUSY while attachments remain. The model frees the backing. */
  close(buffer: string): void {
    this.run("close", () => {
      const what = stepName("close", buffer, "buffer");
      const b = this.liveBuffer(buffer, what);
      if (b.attachmentCount) throw new DmaBufError("EBUSY", `${what}: ${b.attachmentCount} attachment(s) remain`);
      this.callOp(b, "release", () => b.ops.release(b));
      b.backing.ranges.dispose();
      b.closed = true;
      return undefined;
    });
  }
}
