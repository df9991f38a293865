/**
 * What every step of the model stands on (docs/rules.md#lifecycle): the objects by
 * name and the name rule L1, running one step at a time with its trace record, calling
 * user code under the documented lock, notifying importers, releasing mappings,
 * inspection and disposal.
 * The lifecycle rules themselves are DmaBufModel's (model.ts), which extends this.
 */
import type { Core } from "../core/loader.js";
import { DmaBufError } from "../core/errors.js";
import { Topology, type TopologySpec, type Device } from "./topology.js";
import type { Buffer } from "./buffer.js";
import type { Attachment, Mapping, AttachedBuffer } from "./attachment.js";
import type { InterconnectDef } from "./interconnects.js";
import type { ExporterFactory } from "./ops.js";
import { modelOptions, type ModelOptions } from "./api-args.js";
import { userCode } from "./calls.js";
import { notThenable } from "./untrusted.js";
import { profileRules, type ProfileName, type ProfileRules } from "./profiles.js";
import { mappingEntries, snapshot } from "./inspect.js";
import type { CallbackError, NotifyResult, Op, StepResult, TraceRecord } from "./trace.js";
import type { Direction } from "./direction.js";
import { leakWarnings, type Warning } from "./dma-debug.js";

/** The model's objects and step machinery; DmaBufModel adds the steps. */
export abstract class ModelWorld {
  readonly topology: Topology;
  readonly buffers = new Map<string, Buffer>();
  readonly attachments = new Map<string, Attachment>();
  readonly mappings = new Map<string, Mapping>();
  readonly trace: TraceRecord[] = [];
  /** The rule profile (docs/rules.md#profiles) and its rules, which the steps look up. */
  readonly profile: ProfileName;
  readonly rules: ProfileRules;
  /** Registered interconnects by name. */
  readonly interconnects: ReadonlyMap<string, InterconnectDef>;
  protected readonly exporterFactory: ExporterFactory | undefined;
  protected seq = 0;
  /** Steps run so far (succeeded or refused): a map without `as` is named "#<steps>". */
  protected steps = 0;
  /** The current step's move_notify deliveries and callback errors (run() sets both before a step). */
  protected delivered!: string[];
  protected callbackErrors!: CallbackError[];
  /** The DMA-API debug checker is on (ModelOptions.dmaDebug), and the current step's findings. */
  readonly dmaDebug: boolean;
  protected warnings!: Warning[];
  /** The step running now (a call while set is a re-entrant call: EDEADLK). */
  protected busy: Op | undefined;
  protected disposed = false;

  constructor(
    readonly core: Core,
    topology: TopologySpec,
    options: ModelOptions = {},
  ) {
    const { registry, exporter, profile, dmaDebug } = modelOptions(options, topology);
    this.dmaDebug = dmaDebug;
    this.profile = profile;
    this.rules = profileRules(profile);
    this.interconnects = registry;
    this.exporterFactory = exporter;
    this.topology = new Topology(core, topology);
  }

  // ---- name resolution (row L1) ----

  protected liveBuffer(name: string, what: string): Buffer {
    const b = this.buffers.get(name);
    if (!b) throw new DmaBufError("ENOENT", `${what}: no buffer named "${name}"`);
    if (b.closed) throw new DmaBufError("ENOENT", `${what}: buffer ${name} is closed`);
    return b;
  }

  protected liveAttachment(name: string, what: string): Attachment {
    const a = this.attachments.get(name);
    if (!a) throw new DmaBufError("ENOENT", `${what}: no attachment named "${name}"`);
    if (a.detached) throw new DmaBufError("ENOENT", `${what}: attachment ${name} was detached`);
    this.liveBuffer(a.buffer.name, what);
    return a;
  }

  protected liveMapping(name: string, what: string): Mapping {
    const m = this.mappings.get(name);
    if (!m) throw new DmaBufError("ENOENT", `${what}: no mapping named "${name}"`);
    if (m.unmapped) throw new DmaBufError("ENOENT", `${what}: mapping ${name} was ${m.attachment.detached ? "released by detach" : "unmapped"}`);
    return m;
  }

  /** Names are unique across buffers, attachments and mappings, as in scenarios. */
  protected requireFreeName(name: string, what: string): void {
    if (this.buffers.has(name) || this.attachments.has(name) || this.mappings.has(name))
      throw new DmaBufError("EINVAL", `${what}: the name "${name}" is already used`);
  }

  protected device(name: string, what: string): Device {
    const d = this.topology.devices.get(name);
    if (!d) throw new DmaBufError("ENOENT", `${what}: no device named "${name}"`);
    return d;
  }

  // ---- calling user code (docs/rules.md#ops-contract) ----

  /**
   * Runs `fn` with the resv lock held by `holder` when nobody holds it (a static
   * importer's _unlocked call, or the exporter around move_notify), then gives it back.
   */
  protected holding<T>(b: AttachedBuffer, holder: string, fn: () => T): T {
    if (b.lock.holder !== undefined) return fn();
    b.lock.holder = holder;
    try {
      return fn();
    } finally {
      b.lock.holder = undefined;
    }
  }

  /** Calls exporter op `op` of `b` that runs without the core taking the lock. A DmaBufError is the exporter refusing; anything else it throws is EPROTO. */
  protected callOp<T>(b: AttachedBuffer, op: string, fn: () => T): T {
    return userCode(`exporter ${b.ops.name} of ${b.name}: ${op}`, fn);
  }

  /** Calls exporter op `op` of `b` that the kernel calls with the resv lock held, asserting that it is. */
  protected callLocked<T>(b: AttachedBuffer, op: string, fn: () => T): T {
    // Stryker disable next-line ConditionalExpression,StringLiteral: an internal assertion no step can reach (every locked call holds the lock)
    if (b.lock.holder === undefined) throw new DmaBufError("EFAULT", `internal error: exporter op ${op} of ${b.name} called without the resv lock`);
    return this.callOp(b, op, fn);
  }

  // ---- running a step ----

  /** Runs step `op`: one at a time (EDEADLK from inside a callback), appending its trace record. */
  protected run<R extends StepResult | undefined>(op: Op, fn: () => R): R {
    if (this.disposed) throw new DmaBufError("EBADF", `${op}: the model was disposed`);
    if (this.busy) throw new DmaBufError("EDEADLK", `${op}: called from inside a callback of the running ${this.busy} step (refused, nothing changed)`);
    this.busy = op;
    this.delivered = [];
    this.callbackErrors = [];
    this.warnings = [];
    try {
      const result = fn();
      const rec: TraceRecord = { op, ok: true, notifications: this.delivered };
      if (result) rec.result = result;
      if (this.callbackErrors.length) rec.callbackErrors = this.callbackErrors;
      if (this.warnings.length) rec.warnings = this.warnings;
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

  /** Inspection is refused once the model is disposed. */
  protected inspect(what: string): void {
    if (this.disposed) throw new DmaBufError("EBADF", `${what}: the model was disposed`);
  }

  /**
   * Delivers invalidate_mappings (move_notify) to every revocable importer's attachment,
   * newest first, with the lock held; a callback that throws is recorded and the others
   * still run (docs/rules.md#callbacks). `markStale` picks the mappings that go stale;
   * those of an importer that unmaps on invalidate are unmapped in its notification.
   */
  protected notify(b: Buffer, markStale?: (m: Mapping) => boolean): NotifyResult {
    const notified: Attachment[] = [];
    const stale: Mapping[] = [];
    const unmapped: Mapping[] = [];
    for (const a of b.eachAttachment()) {
      if (a.revocable) notified.push(a);
      for (const m of a.live) {
        if (a.unmapOnInvalidate && m.hasUnmap) unmapped.push(m);
        else if (markStale && !m.stale && markStale(m)) stale.push(m);
      }
    }
    stale.sort((x, y) => x.seq - y.seq);
    unmapped.sort((x, y) => x.seq - y.seq);
    for (const m of stale) m.stale = true;
    this.holding(b, b.exporter.name, () => {
      for (const a of notified) {
        this.delivered.push(a.name);
        try {
          a.moveNotify();
        } catch (error) {
          this.callbackErrors.push({ attachment: a.name, error });
        }
        if (a.unmapOnInvalidate) for (const m of unmapped) if (m.attachment === a) this.unmapInNotify(m);
      }
    });
    const r: NotifyResult = { notified: notified.map((a) => a.name), stale: stale.map((m) => m.name) };
    if (unmapped.length) r.unmapped = unmapped.map((m) => m.name);
    if (this.callbackErrors.length) r.callbackErrors = this.callbackErrors;
    return r;
  }

  /** The unmap an importer's invalidate callback makes: the exporter's unmap (a throw is recorded), then the mapping is gone. */
  private unmapInNotify(m: Mapping): void {
    const a = m.attachment;
    try {
      this.unmapOp(m, m.direction)[1]();
    } catch (error) {
      this.callbackErrors.push({ attachment: a.name, error });
    }
    this.release(m);
    a.live.delete(m);
  }

  /** The exporter's unmap of `m` (its interconnect's, or unmapDmaBuf) with `dir`, and its name for messages. */
  protected unmapOp(m: Mapping, dir: Direction): [string, () => void] {
    const a = m.attachment;
    const ic = a.icOps;
    if (ic) return [`${ic.name} unmap`, () => ic.unmap!(a, m.product, dir)];
    return ["unmapDmaBuf", () => a.buffer.ops.unmapDmaBuf!(a, m.product, dir)];
  }

  /** Releases a mapping; a product release() that throws is recorded like a callback's error (the mapping is gone either way). */
  protected release(m: Mapping): void {
    try {
      notThenable(`the release() of ${m.name}'s map product`, m.product.release());
    } catch (error) {
      this.callbackErrors.push({ attachment: m.attachment.name, error });
    }
    m.container.dispose();
    m.unmapped = true;
  }

  // ---- inspection ----

  /**
   * The DMA-API debug checker's report when a run ends (dma-debug's at driver unbind):
   * a `mapping-leaked` warning per mapping still live, added to the last trace record
   * and returned. Nothing when the checker is off. The scenario runner calls it after
   * the last step.
   */
  endOfRun(): Warning[] {
    this.inspect("endOfRun");
    const found = this.dmaDebug ? leakWarnings(this.mappings.values()) : [];
    const rec = this.trace.at(-1);
    if (rec && found.length) rec.warnings = [...(rec.warnings ?? []), ...found];
    return found;
  }

  /** The live mapping `name`'s entries (first `max`), for reports. */
  mappingEntries(name: string, max: number): { addr: bigint; len: bigint }[] {
    this.inspect("mappingEntries");
    return mappingEntries(this.mappings, name, max);
  }

  /** A plain description of all state, to prove a failed step changed nothing. */
  snapshot(): unknown {
    this.inspect("snapshot");
    return snapshot(this);
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
