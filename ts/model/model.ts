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
import type { Core } from "../core/loader.js";
import { DmaBufError } from "../core/errors.js";
import { Container, type ContainerKind } from "../core/container.js";
import type { RangeList } from "../core/range-list.js";
import { Topology, type TopologySpec, type Device } from "./topology.js";
import { Buffer, makeBacking } from "./buffer.js";
import { Attachment, Mapping, type AttachedBuffer } from "./attachment.js";
import { BUILTIN_INTERCONNECTS, negotiate, type InterconnectDef } from "./interconnects.js";
import { checkOps, type BackingSpec, type DmaBufOps, type ExporterFactory, type MapProduct } from "./ops.js";
import { importerFromFlags, type ImporterFlags, type ImporterOps } from "./importer.js";
import { checkProduct } from "./contract.js";
import { notThenable } from "./untrusted.js";
import { readModelOptions } from "./options.js";
import { bad, checkBacking, checkBool, checkContainer, checkInterconnects, checkName, checkObject, checkU64, isObject } from "./args.js";
import type { AttachResult, CallbackError, MapResult, NotifyResult, Op, StepResult, TraceRecord } from "./trace.js";

/** Options of `new DmaBufModel(core, topology, opts)`: the exporter factory and the interconnects it knows. */
export interface ModelOptions {
  /** Builds the exporter ops of an export given in the flag form (no `ops`); the scenario layer passes one. */
  exporter?: ExporterFactory;
  /** The interconnects this model knows (default: sgt, physvec, iov). Must include sgt. */
  interconnects?: readonly InterconnectDef[];
}

/** Arguments of DmaBufModel.export: the buffer's name, exporter device, size in bytes, backing and ops or flags. */
export interface ExportArgs {
  buffer: string;
  exporter: string;
  size: bigint;
  backing: BackingSpec;
  /** The exporter's ops; without them the model's `exporter` factory builds them from the flags below. */
  ops?: DmaBufOps;
  dynamic?: boolean;
  pinnable?: boolean;
  interconnects?: readonly string[];
}

export interface AttachArgs extends ImporterFlags {
  buffer: string;
  importer: string;
  as: string;
  /** The importer's ops (struct dma_buf_attach_ops); instead of the flags. */
  ops?: ImporterOps;
}

/**
 * Arguments of DmaBufModel.map: the attachment to map, the new mapping's name (default
 * "#<i>", i the index of the call among the model's steps, as in scenarios) and the
 * container kind (default: the interconnect's).
 */
export interface MapArgs {
  attachment: string;
  as?: string;
  container?: ContainerKind;
}

const EXPORT_KEYS = ["buffer", "exporter", "size", "backing", "ops", "dynamic", "pinnable", "interconnects"] as const;
const ATTACH_KEYS = ["buffer", "importer", "as", "ops", "dynamic", "peer2peer", "allowIc", "interconnects", "moveNotify"] as const;
const IMPORTER_KEYS = ["moveNotify", "allowPeer2peer", "supportsInterconnects", "interconnects"] as const;

/** Runs user code: a DmaBufError is a refusal and passes; anything else thrown is EPROTO naming `who`, kept as `cause`. */
function userCode<T>(who: string, fn: () => T): T {
  try {
    return notThenable(who, fn());
  } catch (e) {
    if (e instanceof DmaBufError) throw e;
    const err = new DmaBufError("EPROTO", `${who} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    Object.defineProperty(err, "cause", { value: e });
    throw err;
  }
}

/** Runs an op that another step calls (the pin of a map): a refusal's message names that step first. */
function refusedIn<T>(what: string, call: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DmaBufError) throw new DmaBufError(e.code, `${what}: ${call} was refused: ${e.message}`, e.path);
    throw e;
  }
}

/** The dma-buf core model: buffers, attachments and mappings on a topology; each op appends a TraceRecord. The scenario runner drives it. */
export class DmaBufModel {
  readonly topology: Topology;
  readonly buffers = new Map<string, Buffer>();
  readonly attachments = new Map<string, Attachment>();
  readonly mappings = new Map<string, Mapping>();
  readonly trace: TraceRecord[] = [];
  /** Registered interconnects by name. */
  readonly interconnects: ReadonlyMap<string, InterconnectDef>;
  private readonly exporterFactory: ExporterFactory | undefined;
  private seq = 0;
  /** Steps run so far (succeeded or refused): a map without `as` is named "#<steps>". */
  private steps = 0;
  // Stryker disable next-line ArrayDeclaration: run() replaces it before any step can use it
  private delivered: string[] = [];
  // Stryker disable next-line ArrayDeclaration: run() replaces it before any step can use it
  private callbackErrors: CallbackError[] = [];
  /** The step running now (a call while set is a re-entrant call: EDEADLK). */
  private busy: Op | undefined;
  private disposed = false;

  constructor(readonly core: Core, topology: TopologySpec, options: ModelOptions = {}) {
    const opts = readModelOptions(options, BUILTIN_INTERCONNECTS);
    this.interconnects = opts.interconnects;
    this.exporterFactory = opts.exporter;
    this.topology = new Topology(core, topology);
  }

  // ---- name resolution (row L1) ----

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

  private device(name: string, what: string): Device {
    const d = this.topology.devices.get(name);
    if (!d) throw new DmaBufError("ENOENT", `${what}: no device named "${name}"`);
    return d;
  }

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

  // ---- calling user code (docs/rules.md#ops-contract) ----

  /**
   * Runs `fn` with the resv lock held by `holder` when nobody holds it (a static
   * importer's _unlocked call, or the exporter around move_notify), then gives it back.
   */
  private holding<T>(b: AttachedBuffer, holder: string, fn: () => T): T {
    if (b.lock.holder !== undefined) return fn();
    b.lock.holder = holder;
    try {
      return fn();
    } finally {
      b.lock.holder = undefined;
    }
  }

  /**
   * Calls exporter op `op` of `b`, asserting the documented lock state first. A
   * DmaBufError is the exporter refusing; anything else it throws is EPROTO.
   */
  private callOp<T>(b: AttachedBuffer, op: string, locked: boolean, fn: () => T): T {
    // Stryker disable next-line ConditionalExpression,StringLiteral: an internal assertion no step can reach (every locked call holds the lock)
    if (locked && b.lock.holder === undefined) throw new DmaBufError("EFAULT", `internal error: exporter op ${op} of ${b.name} called without the resv lock`);
    return userCode(`exporter ${b.ops.name} of ${b.name}: ${op}`, fn);
  }

  // ---- running a step ----

  private run<R extends StepResult | undefined>(op: Op, fn: () => R): R {
    if (this.disposed) throw new DmaBufError("EBADF", `${op}: the model was disposed`);
    if (this.busy) throw new DmaBufError("EDEADLK", `${op}: called from inside a callback of the running ${this.busy} step (refused, nothing changed)`);
    this.busy = op;
    this.delivered = [];
    this.callbackErrors = [];
    try {
      const result = fn();
      const rec: TraceRecord = { op, ok: true, notifications: this.delivered };
      if (result) rec.result = result;
      if (this.callbackErrors.length) rec.callbackErrors = this.callbackErrors;
      this.trace.push(rec);
      return result;
    } catch (e) {
      if (!(e instanceof DmaBufError)) throw e;
      this.trace.push({ op, ok: false, error: e.code, message: e.message, notifications: [] });
      throw e;
    } finally {
      this.busy = undefined;
      this.steps++;
    }
  }

  private inspect(what: string): void {
    if (this.disposed) throw new DmaBufError("EBADF", `${what}: the model was disposed`);
  }

  // ---- steps ----

  /** dma_buf_export(): creates buffer `buffer` backed by `backing`, with the given (or factory-built) ops. */
  export(args: ExportArgs): void {
    this.run("export", () => {
      const o = checkObject("export", args, EXPORT_KEYS);
      const name = checkName("export", o.buffer, ["buffer"]);
      const what = `export ${name}`;
      checkName(what, o.exporter, ["exporter"]);
      checkU64(what, o.size, ["size"]);
      checkBacking(what, o.backing, ["backing"]);
      checkBool(what, o.dynamic, ["dynamic"]);
      checkBool(what, o.pinnable, ["pinnable"]);
      checkInterconnects(what, o.interconnects, ["interconnects"], this.interconnects, false);
      this.requireFreeName(name, what);
      const dev = this.device(args.exporter, what);
      let ops: unknown = args.ops;
      if (ops !== undefined) {
        for (const k of ["dynamic", "pinnable", "interconnects"] as const) if (args[k] !== undefined) bad(what, [k], "cannot be given with ops (the ops decide it)");
      } else {
        if (!this.exporterFactory) bad(what, ["ops"], "is missing (pass exporter ops, or construct the model with an exporter factory)");
        const factory = this.exporterFactory;
        const flags = { buffer: name, exporter: dev.name, dynamic: args.dynamic ?? false, pinnable: args.pinnable ?? true, interconnects: [...new Set(args.interconnects ?? [])] };
        ops = userCode(`export ${name}: the exporter factory`, () => factory(flags));
      }
      const table = checkOps(ops, name, this.interconnects);
      const backing = makeBacking(this.core, dev, args.size, args.backing, what);
      this.buffers.set(name, new Buffer(name, dev, args.size, backing, table));
      return undefined;
    });
  }

  /** The importer ops of attach args (EINVAL names a bad one). */
  private importerOps(what: string, o: Record<string, unknown>): ImporterOps {
    if (o.ops === undefined) {
      checkBool(what, o.dynamic, ["dynamic"]);
      checkBool(what, o.peer2peer, ["peer2peer"]);
      checkBool(what, o.allowIc, ["allowIc"]);
      checkInterconnects(what, o.interconnects, ["interconnects"], this.interconnects, true);
      if (o.moveNotify !== undefined) {
        if (typeof o.moveNotify !== "function") bad(what, ["moveNotify"], "must be a function");
        if (o.dynamic !== true) bad(what, ["moveNotify"], "is given, so the importer is dynamic: say dynamic: true (or pass importer ops)");
      }
      return importerFromFlags(o as ImporterFlags);
    }
    for (const k of ["dynamic", "peer2peer", "allowIc", "interconnects", "moveNotify"]) if (o[k] !== undefined) bad(what, [k], "cannot be given with ops (the importer ops decide it)");
    const ops = checkObject(what, o.ops, IMPORTER_KEYS, ["ops"]);
    if (ops.moveNotify !== undefined && typeof ops.moveNotify !== "function") bad(what, ["ops", "moveNotify"], "must be a function");
    checkBool(what, ops.allowPeer2peer, ["ops", "allowPeer2peer"]);
    checkBool(what, ops.supportsInterconnects, ["ops", "supportsInterconnects"]);
    if (ops.interconnects !== undefined) {
      if (!Array.isArray(ops.interconnects)) bad(what, ["ops", "interconnects"], "must be an array of {name}");
      const list = ops.interconnects as unknown[];
      list.forEach((m, i) => isObject(m) || bad(what, ["ops", "interconnects", i], "must be a match {name}"));
      checkInterconnects(what, list.map((m) => (m as { name: unknown }).name), ["ops", "interconnects"], this.interconnects, true);
    }
    return o.ops as ImporterOps;
  }

  /** dma_buf_attach() / dma_buf_dynamic_attach() with interconnect negotiation. */
  attach(args: AttachArgs): AttachResult {
    return this.run("attach", () => {
      const o = checkObject("attach", args, ATTACH_KEYS);
      const name = checkName("attach", o.as, ["as"]);
      const what = `attach ${name}`;
      checkName(what, o.buffer, ["buffer"]);
      checkName(what, o.importer, ["importer"]);
      const imp = this.importerOps(what, o);
      const b = this.liveBuffer(args.buffer, what);
      this.requireFreeName(name, what);
      const dev = this.device(args.importer, what);
      // Stryker disable next-line StringLiteral: negotiation overwrites the interconnect before anything reads it; a failed attach drops the attachment
      const a = new Attachment(name, b, dev, imp, this.topology.p2pPath(b.exporter, dev), "sgt", null);
      this.callOp(b, "attach", false, () => b.ops.attach?.(a));
      if (b.revoked) throw new DmaBufError("ENODEV", `${what}: buffer ${b.name} is revoked`);
      const matches = imp.interconnects ?? [{ name: "sgt" }];
      const nonSgt = matches.some((m) => m.name !== "sgt");
      if (!a.dynamic && a.peer2peer) throw new DmaBufError("EINVAL", `${what}: peer2peer needs a dynamic importer (one with move_notify)`);
      if (!a.dynamic && nonSgt) throw new DmaBufError("EINVAL", `${what}: interconnects other than sgt need a dynamic importer`);
      if (nonSgt && !a.allowIc) throw new DmaBufError("EINVAL", `${what}: interconnects other than sgt need allowIc`);
      const ic = this.callOp(b, "supportsInterconnects", false, () => negotiate(b.ops, a, matches));
      if (!ic) throw new DmaBufError("EOPNOTSUPP", `${what}: ${b.name} supports none of ${matches.map((m) => m.name).join(", ")} for ${dev.name}`);
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
      const what = `detach ${checkName("detach", name, ["attachment"])}`;
      const a = this.liveAttachment(name, what);
      let blocking = 0;
      for (const m of a.live) if (m.hasUnmap) blocking++;
      if (blocking || a.pins) throw new DmaBufError("EBUSY", `${what}: ${blocking} live mapping(s) and ${a.pins} pin(s) remain`);
      const b = a.buffer;
      this.callOp(b, "detach", false, () => b.ops.detach?.(a));
      for (const m of a.live) this.release(m);
      a.live.clear();
      a.detached = true;
      b.unlink(a);
      return undefined;
    });
  }

  /** The map op the attachment negotiated, with its name for messages. */
  private mapOp(a: Attachment): [string, () => MapProduct] {
    const b = a.buffer;
    const ic = a.icOps;
    if (!ic) return ["mapDmaBuf", () => b.ops.mapDmaBuf(a, this.topology)];
    if (ic.map) return [`${ic.name} map`, () => ic.map!(a, this.topology)];
    return [`mapInterconnect(${ic.name})`, () => b.ops.mapInterconnect!(a, ic.name, this.topology)];
  }

  /** dma_buf_map_attachment() (or its interconnect variant). */
  map(args: MapArgs): MapResult {
    return this.run("map", () => {
      const o = checkObject("map", args, ["attachment", "as", "container"]);
      // like a scenario's map without `as`: "#<i>", i the index of this call among the model's steps
      const name = o.as === undefined ? `#${this.steps}` : checkName("map", o.as, ["as"]);
      const what = `map ${name}`;
      checkName(what, o.attachment, ["attachment"]);
      checkContainer(what, o.container, ["container"]);
      const a = this.liveAttachment(args.attachment, what);
      this.requireFreeName(name, what);
      const b = a.buffer;
      this.requireLock(a, what);
      return this.holding(b, a.importer, () => {
        const pinOnMap = !a.dynamic && b.dynamic;
        // Stryker disable next-line BooleanLiteral: every locked call runs inside holding() or after requireLock, so the lock assertion passes either way
        if (pinOnMap) this.callOp(b, "pin", true, () => refusedIn(what, "the pin on map", () => b.ops.pin!(a)));
        let list: RangeList;
        let product: MapProduct;
        try {
          if (b.revoked) throw new DmaBufError("ENODEV", `map ${b.name}: buffer is revoked`);
          const [opName, call] = this.mapOp(a);
          // Stryker disable next-line BooleanLiteral: every locked call runs inside holding() or after requireLock, so the lock assertion passes either way
          product = this.callOp(b, opName, true, call);
          // Stryker disable next-line BooleanLiteral: every locked call runs inside holding() or after requireLock, so the lock assertion passes either way
          list = this.callOp(b, opName, true, () => checkProduct(this.core, product, b, a.device, `exporter ${b.ops.name} (${opName} of ${b.name} for ${a.name})`));
        } catch (e) {
          // Stryker disable next-line BooleanLiteral: every locked call runs inside holding() or after requireLock, so the lock assertion passes either way
          if (pinOnMap) this.callOp(b, "unpin", true, () => b.ops.unpin!(a));
          throw e;
        }
        const kind = args.container ?? this.interconnects.get(a.interconnect)!.defaultContainer;
        let container: Container;
        let bytes: bigint;
        try {
          bytes = list.total();
          container = Container.fromList(kind, list, product.provider ? { provider: product.provider } : {});
        } catch (e) {
          product.release();
          // Stryker disable next-line BooleanLiteral: every locked call runs inside holding() or after requireLock, so the lock assertion passes either way
          if (pinOnMap) this.callOp(b, "unpin", true, () => b.ops.unpin!(a));
          throw e;
        } finally {
          list.dispose();
        }
        const m = new Mapping(name, this.seq++, a, a.interconnect, container, product, bytes, pinOnMap, !a.icOps || typeof a.icOps.unmap === "function");
        if (pinOnMap) b.pins++;
        a.live.add(m);
        this.mappings.set(name, m);
        const r: MapResult = { interconnect: a.interconnect, container: kind, nelms: container.count, bytes, hash: container.hash() };
        if (product.barNumber !== undefined) r.barNumber = product.barNumber;
        return r;
      });
    });
  }

  /** Releases a mapping; a product release() that throws is recorded like a callback's error (the mapping is gone either way). */
  private release(m: Mapping): void {
    try {
      notThenable(`the release() of ${m.name}'s map product`, m.product.release());
    } catch (error) {
      this.callbackErrors.push({ attachment: m.attachment.name, error });
    }
    m.container.dispose();
    m.unmapped = true;
  }

  /** dma_buf_unmap_attachment(). */
  unmap(name: string): void {
    this.run("unmap", () => {
      const what = `unmap ${checkName("unmap", name, ["mapping"])}`;
      const m = this.liveMapping(name, what);
      const a = m.attachment;
      const b = a.buffer;
      this.liveBuffer(b.name, what);
      this.requireLock(a, what);
      if (!m.hasUnmap) throw new DmaBufError("EOPNOTSUPP", `${what}: ${m.interconnect} mappings have no unmap (released by detach)`);
      this.holding(b, a.importer, () => {
        const ic = a.icOps;
        // Stryker disable BooleanLiteral: every locked call runs inside holding() or after requireLock, so the lock assertion passes either way
        if (ic) this.callOp(b, `${ic.name} unmap`, true, () => ic.unmap!(a, m.product));
        else this.callOp(b, "unmapDmaBuf", true, () => b.ops.unmapDmaBuf(a, m.product));
        // Stryker restore BooleanLiteral
        // Stryker disable next-line BooleanLiteral: every locked call runs inside holding() or after requireLock, so the lock assertion passes either way
        if (m.pinnedOnMap) this.callOp(b, "unpin", true, () => b.ops.unpin!(a));
        // the ops ran: now the core's state changes, which cannot fail
        this.release(m);
        if (m.pinnedOnMap) b.pins--;
        a.live.delete(m);
      });
      return undefined;
    });
  }

  /** dma_buf_pin(): pins nest; an exporter without pin has nothing to pin but counts it. */
  pin(name: string): void {
    this.run("pin", () => {
      const what = `pin ${checkName("pin", name, ["attachment"])}`;
      const a = this.liveAttachment(name, what);
      if (!a.dynamic) throw new DmaBufError("EINVAL", `${what}: static importer ${a.importer} cannot pin (only dynamic importers do)`);
      this.requireLock(a, what);
      const b = a.buffer;
      // Stryker disable next-line BooleanLiteral: every locked call runs inside holding() or after requireLock, so the lock assertion passes either way
      if (b.ops.pin) this.callOp(b, "pin", true, () => b.ops.pin!(a));
      a.pins++;
      b.pins++;
      return undefined;
    });
  }

  /** dma_buf_unpin(). */
  unpin(name: string): void {
    this.run("unpin", () => {
      const what = `unpin ${checkName("unpin", name, ["attachment"])}`;
      const a = this.liveAttachment(name, what);
      if (a.dynamic) this.requireLock(a, what);
      if (!a.pins) throw new DmaBufError("EINVAL", `${what}: ${name} holds no pin`);
      const b = a.buffer;
      // Stryker disable next-line BooleanLiteral: every locked call runs inside holding() or after requireLock, so the lock assertion passes either way
      if (b.ops.unpin) this.holding(b, a.importer, () => this.callOp(b, "unpin", true, () => b.ops.unpin!(a)));
      a.pins--;
      b.pins--;
      return undefined;
    });
  }

  /** dma_resv_lock() as a trylock by `holder`. */
  lock(buffer: string, holder: string): void {
    this.run("lock", () => {
      const what = `lock ${checkName("lock", buffer, ["buffer"])}`;
      checkName(what, holder, ["holder"]);
      const b = this.liveBuffer(buffer, what);
      this.device(holder, what);
      b.lock.lock(holder, what);
      return undefined;
    });
  }

  /** dma_resv_unlock(). */
  unlock(buffer: string, holder: string): void {
    this.run("unlock", () => {
      const what = `unlock ${checkName("unlock", buffer, ["buffer"])}`;
      checkName(what, holder, ["holder"]);
      const b = this.liveBuffer(buffer, what);
      b.lock.unlock(holder, what);
      return undefined;
    });
  }

  /**
   * Delivers move_notify to every dynamic importer's attachment, newest first, with the
   * lock held; a callback that throws is recorded and the others still run
   * (docs/rules.md#callbacks).
   */
  private notify(b: Buffer, markStale: (m: Mapping) => boolean): NotifyResult {
    const notified: Attachment[] = [];
    const stale: Mapping[] = [];
    for (const a of b.eachAttachment()) {
      if (a.dynamic) notified.push(a);
      for (const m of a.live) if (!m.stale && markStale(m)) stale.push(m);
    }
    stale.sort((x, y) => x.seq - y.seq);
    for (const m of stale) m.stale = true;
    this.holding(b, b.exporter.name, () => {
      for (const a of notified) {
        this.delivered.push(a.name);
        try {
          a.moveNotify();
        } catch (error) {
          this.callbackErrors.push({ attachment: a.name, error });
        }
      }
    });
    const r: NotifyResult = { notified: notified.map((a) => a.name), stale: stale.map((m) => m.name) };
    if (this.callbackErrors.length) r.callbackErrors = this.callbackErrors;
    return r;
  }

  /** The exporter moves the buffer to new backing memory (move_notify to dynamic importers). */
  move(buffer: string, backing: BackingSpec): NotifyResult {
    return this.run("move", () => {
      const what = `move ${checkName("move", buffer, ["buffer"])}`;
      checkBacking(what, backing, ["backing"]);
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
      return this.notify(b, (m) => m.attachment.dynamic);
    });
  }

  /** Revokes access (like a vfio-pci device reset): ignores pins, all mappings go stale. */
  revoke(buffer: string): NotifyResult {
    return this.run("revoke", () => {
      const what = `revoke ${checkName("revoke", buffer, ["buffer"])}`;
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
      const what = `restore ${checkName("restore", buffer, ["buffer"])}`;
      const b = this.liveBuffer(buffer, what);
      this.requireDynamicExporter(b, what);
      this.requireNoImporterLock(b, what);
      if (!b.revoked) return { notified: [], stale: [] };
      b.revoked = false;
      // Stryker disable next-line ArrowFunction,BooleanLiteral: revoke left every live mapping stale and none can be made while revoked, so markStale is never called here
      return this.notify(b, () => false);
    });
  }

  /** The last reference goes away; EBUSY while attachments remain. The model frees the backing. */
  close(buffer: string): void {
    this.run("close", () => {
      const what = `close ${checkName("close", buffer, ["buffer"])}`;
      const b = this.liveBuffer(buffer, what);
      if (b.attachmentCount) throw new DmaBufError("EBUSY", `${what}: ${b.attachmentCount} attachment(s) remain`);
      this.callOp(b, "release", false, () => b.ops.release(b));
      b.backing.ranges.dispose();
      b.closed = true;
      return undefined;
    });
  }

  // ---- inspection ----

  /** The live mapping `name`'s entries (first `max`), for reports. */
  mappingEntries(name: string, max: number): { addr: bigint; len: bigint }[] {
    this.inspect("mappingEntries");
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
    this.inspect("snapshot");
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
        pins: b.closed ? 0 : b.pins,
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

  /** Frees every core object the model holds (mappings, backings, IOVA spaces). Calling it again does nothing. */
  dispose(): void {
    // Stryker disable next-line ConditionalExpression: a second pass finds every mapping unmapped and frees only what is already freed (dispose twice is harmless)
    if (this.disposed) return;
    if (this.busy) throw new DmaBufError("EDEADLK", `dispose: called from inside a callback of the running ${this.busy} step (refused, nothing changed)`);
    this.disposed = true;
    for (const m of this.mappings.values()) if (!m.unmapped) this.release(m);
    // Stryker disable next-line ConditionalExpression: close already freed the backing, and disposing a range list twice is harmless
    for (const b of this.buffers.values()) if (!b.closed) b.backing.ranges.dispose();
    this.topology.dispose();
  }
}
