/**
 * Differential fuzzing of operation sequences over random topologies. Every step runs
 * on the model and on the lifecycle reference (ts/reference/lifecycle.ts, written from
 * docs/rules.md); the code (and the path of a refused argument), every result field,
 * the notifications, each new mapping's entries and the `--state` after the step must
 * agree. Some steps are malformed or in the API's other forms, and every epoch starts
 * with malformed topologies and model options (./malformed.ts; the reference's
 * ./arguments.ts rules say what must happen). Around that, invariants of the model's own
 * bookkeeping: a failed step changes nothing; mappings lie where the address rules
 * allow; IOVA regions never overlap and the allocator accounts for exactly them. Every
 * `epoch` steps everything is torn down and IOVA allocators, the wasm heap and the
 * handle table must be back where they started, and the disposed model must refuse
 * every call. What the fuzzer expects (revoked, pinned, lock holders, P2P paths, live
 * names) comes from the reference, never from the model. Every second epoch is hostile:
 * one exporter breaks the ops contract (./hostile.ts), each fault in turn, and the
 * reference expects its refusals (rows C1, C2). A violation is shrunk to a minimal
 * scenario that `dmabuf-map run` accepts (for a hostile epoch it needs the same
 * exporter fault, named in the report; a malformed argument or a callback is replayed
 * with the seed).
 * Half the epochs run with the DMA-API debug checker (docs/rules.md#dma-debug): the
 * reference predicts every warning, step by step and at the end of the epoch; in half
 * of those, one exporter's products keep the contract but break the checker's rules.
 */
import type { Core } from "../core/loader.js";
import { DmaBufError, type ErrorCode } from "../core/errors.js";
import { hex, PAGE } from "../core/u64.js";
import { DmaBufModel, type ModelOptions } from "../model/model.js";
import { vfioExporter } from "../exporters/vfio.js";
import type { ExporterFactory } from "../model/ops.js";
import type { TopologySpec } from "../model/topology.js";
import type { TraceRecord } from "../model/trace.js";
import { executeStep } from "../scenario/runner.js";
import type { Step } from "../scenario/schema.js";
import { mappingName, rowOf, type NameUse } from "../scenario/ops.js";
import { ARGUMENT_ROW, LifecycleRef, pinCount, ROWS, type Entry, type RefBuffer, type RefOutcome } from "../reference/lifecycle.js";
import { DEFAULT_PROFILE, PROFILE_NAMES } from "../model/profiles.js";
import { optionsFault, topologyFault } from "../reference/arguments.js";
import { StateReader } from "../model/state.js";
import { Rng, randomTopology, nextSteps, type LiveNames, type Pools } from "./generate.js";
import { DEBUG_FAULTS, FAULTS, faultName, hostileExporter, type Hostility } from "./hostile.js";
import { breakConstruction, malform } from "./malformed.js";

export interface Violation {
  /** Global index of the step (or epoch end) where it was seen. */
  op: number;
  epoch: number;
  invariant: string;
  message: string;
}

export interface Leaks {
  /** IOVA allocators not back to one free extent after teardown. */
  iova: number;
  heapBytes: number;
  heapBlocks: number;
  handles: number;
}

/** How often the generated steps reached each outcome (teardown steps not counted). */
export interface Coverage {
  /** "op outcome" ("map ok", "map EBUSY") → steps. */
  outcomes: Record<string, number>;
  /** Lifecycle table row (docs/rules.md#lifecycle: L1…L24, L10b = static importer's EBUSY; C1, C2 = an exporter that breaks the ops contract) → steps it decided. */
  rows: Record<string, number>;
  /** "path interconnect container" of map steps that reached the address rules
   *  (row L13, L14, C2 — the real map ran, its product was then broken — or ok); path is
   *  the P2P path for mmio backings, else "system". */
  maps: Record<string, number>;
  /** Malformed topologies and model options (twelve per epoch): "<code or ok> <path>" (names and indices as *) → tries. */
  topologies: Record<string, number>;
  /** Hostile exporter fault ("map short", "export null"; ./hostile.ts) → steps it made the model refuse (rows C1, C2); a dma-debug fault ("debug joined") → maps that carried its product. */
  faults: Record<string, number>;
  /** "<rule> (<op>, or end)" → dma-debug warnings the reference predicted and the model gave (docs/rules.md#dma-debug). */
  warnings: Record<string, number>;
}

export interface FuzzReport {
  seed: number;
  /** Generated operations run (exactly the requested number). */
  ops: number;
  /** Teardown steps run at the end of each epoch (checked like any other). */
  teardown: number;
  errors: Partial<Record<ErrorCode, number>>;
  /** Steps where the model and the reference disagreed (on the outcome, or on the state after it). */
  differences: number;
  violations: Violation[];
  leaks: Leaks;
  coverage: Coverage;
  /** The shrunk scenario reproducing the first violation. */
  repro?: unknown;
  /** Set when the first violation came in a hostile epoch: the repro needs this exporter fault too. */
  hostile?: Hostility;
}

export interface FuzzOptions {
  seed: number;
  ops: number;
  /** Steps per topology before a full teardown and leak check (default 500). */
  epoch?: number;
  /** Every how many epochs one is hostile (default 2: epochs 1, 3, …; 1: all of them; 0: none). */
  hostileEvery?: number;
  onProgress?: (done: number, total: number) => void;
  /** Extra check after every step (tests use it to plant a bug for the shrinker). */
  extraInvariant?: (model: DmaBufModel, step: Step, ok: boolean) => string | undefined;
  /** Shrink the first violation to a repro scenario (default true; tests that only need a yes/no skip it). */
  shrink?: boolean;
  /** Makes the model under test with `exporter` (tests wrap it to plant bugs); default `new DmaBufModel`. */
  model?: ModelMaker;
}

export type ModelMaker = (core: Core, topology: TopologySpec, exporter: ExporterFactory) => DmaBufModel;
type Topo = ReturnType<typeof randomTopology> & { dmaDebug?: boolean };
type Ctx = { core: Core; extra: FuzzOptions["extraInvariant"]; model: NonNullable<FuzzOptions["model"]> };

/**
 * Every object's state in the model, the IOVA allocators and the wasm heap: the model's
 * own snapshot(), which a failed step must leave as it was.
 */
const fingerprint = (model: DmaBufModel): string => JSON.stringify(model.snapshot());

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? hex(x) : x));
const showEntries = (es: readonly Entry[]) =>
  `[${es
    .slice(0, 4)
    .map((e) => `${hex(e.addr)} +${hex(e.len)}`)
    .join(", ")}${es.length > 4 ? `, … ${es.length} in all` : ""}]`;

function inside(entries: readonly Entry[], allowed: readonly Entry[]): string | undefined {
  for (const e of entries) {
    if (!allowed.some((w) => e.addr >= w.addr && e.addr + e.len <= w.addr + w.len)) {
      return `entry ${hex(e.addr)} +${hex(e.len)} lies outside ${showEntries(allowed)}`;
    }
  }
  return undefined;
}

/** Where a fresh mapping's entries may lie (docs/rules.md#address-rules), from the reference's record. */
function checkPlacement(model: DmaBufModel, ref: LifecycleRef, name: string, entries: Entry[]): string | undefined {
  const rm = ref.mappings.get(name)!;
  const b = rm.att.buffer;
  const bytes = entries.reduce((s, e) => s + e.len, 0n);
  const want = ref.mappings.get(name)!.entries.reduce((s, e) => s + e.len, 0n); // a sub-range map covers its range only
  if (bytes !== b.size && bytes !== want) return `mapping ${name} covers ${hex(bytes)} bytes of a ${hex(b.size)} buffer`;
  if (rm.ic === "physvec") return inside(entries, b.ranges);
  if (rm.ic === "iov") return inside(entries, [{ addr: 0n, len: b.bar!.size }]);
  const path = b.kind === "mmio" ? ref.path(b.exporter, rm.att.importer) : "system";
  if (path === "NOT_SUPPORTED") return `mapping ${name} exists without a P2P path`;
  if (path === "BUS_ADDR")
    return inside(
      entries,
      b.ranges.map((e) => ({ addr: e.addr - b.bar!.cpu + b.bar!.bus, len: e.len })),
    );
  const iommu = ref.devices[rm.att.importer]!.iommu;
  if (iommu) {
    const regions = model.mappings.get(name)!.product.regions ?? [];
    if (!regions.length) return `mapping ${name} through an IOMMU holds no IOVA region`;
    return inside(regions, [{ addr: iommu.base, len: iommu.size }]) ?? inside(entries, regions);
  }
  return inside(entries, b.ranges);
}

/** Live IOVA regions of a device never overlap; the allocator accounts for them and agrees with the reference's. */
function checkIova(model: DmaBufModel, ref: LifecycleRef, device: string): string | undefined {
  const alloc = model.topology.iova.get(device);
  if (!alloc) return undefined;
  const regions = [...ref.mappings.values()]
    .filter((m) => !m.unmapped && m.att.importer === device)
    .flatMap((m) => model.mappings.get(m.name)!.product.regions ?? [])
    .sort((x, y) => (x.addr < y.addr ? -1 : 1));
  for (let i = 1; i < regions.length; i++) {
    const p = regions[i - 1]!;
    if (p.addr + p.len > regions[i]!.addr) return `IOVA regions ${hex(p.addr)} and ${hex(regions[i]!.addr)} of ${device} overlap`;
  }
  const used = regions.reduce((s, r) => s + ((r.len + PAGE - 1n) & ~(PAGE - 1n)), 0n);
  const st = alloc.stats();
  if (st.free !== alloc.size - used || st.regions !== regions.length)
    return `IOVA of ${device}: ${hex(st.free)} free in ${st.regions} regions, but live mappings hold ${hex(used)} in ${regions.length}`;
  const want = ref.iova.get(device)!;
  const free = want.free.reduce((s, x) => s + x.len, 0n);
  if (st.free !== free || st.extents !== want.free.length || st.regions !== want.regions) {
    return `IOVA of ${device}: ${hex(st.free)} free in ${st.extents} extents and ${st.regions} regions; the reference has ${hex(free)} in ${want.free.length} and ${want.regions}`;
  }
  return undefined;
}

/** Where the model's step differs from the reference's outcome (undefined when it agrees). */
function compare(model: DmaBufModel, ref: LifecycleRef, st: Step, i: number, rec: TraceRecord, path: unknown, want: RefOutcome): string | undefined {
  if (rec.op !== st.op) return `${st.op} was recorded in the trace as ${show(rec.op)}`;
  const got = rec.ok ? "ok" : rec.error;
  const expected = want.code ?? "ok";
  if (got !== expected) return `${st.op} gave ${got}${rec.message ? ` (${rec.message})` : ""}; the reference says ${expected} (row ${want.row})`;
  const named = want.row === "C1" ? (path as unknown[] | undefined)?.slice(0, want.path?.length) : path; // C1: the reference knows the ops are broken, not where
  if (want.path && show(named) !== show(want.path))
    return `${st.op} refused the argument at ${show(path)} (${rec.message}); the reference says ${show(want.path)} (row ${want.row})`;
  const gr = (rec.result ?? {}) as Record<string, unknown>;
  const wr = (want.result ?? {}) as Record<string, unknown>;
  for (const k of new Set([...Object.keys(wr), ...Object.keys(gr)])) {
    if (show(gr[k]) !== show(wr[k])) return `${st.op} result ${k} = ${show(gr[k])}; the reference says ${show(wr[k])}`;
  }
  if (show(rec.notifications) !== show(want.notified))
    return `${st.op} delivered move_notify to ${show(rec.notifications)}; the reference says ${show(want.notified)}`;
  const warned = (rec.warnings ?? []).map((w) => w.rule);
  if (show(warned) !== show(want.warnings ?? [])) return `${st.op} warned ${show(warned)}; the reference says ${show(want.warnings ?? [])}`;
  return rec.ok ? (SAME_PRODUCT[st.op] as SameProduct<Step["op"]> | undefined)?.(model, ref, st, i) : undefined;
}

type SameProduct<O extends Step["op"]> = (model: DmaBufModel, ref: LifecycleRef, st: Extract<Step, { op: O }>, i: number) => string | undefined;

/** What a successful step made, compared with the reference's record, one row per op that makes something beyond its result. */
const SAME_PRODUCT: { [O in Step["op"]]?: SameProduct<O> } = {
  map: (model, ref, st, i) => {
    const name = mappingName(st, i);
    const rm = ref.mappings.get(name)!;
    const entries = model.mappingEntries(name, Infinity);
    if (show(entries) !== show(rm.entries)) return `map ${name} entries ${showEntries(entries)}; the reference says ${showEntries(rm.entries)}`;
    const m = model.mappings.get(name)!;
    const provider = m.container.kind === "physvec" ? m.container.header().provider : undefined;
    if (show(provider) !== show(rm.provider)) return `map ${name} provider ${show(provider)}; the reference says ${show(rm.provider)}`;
    return undefined;
  },
};

/**
 * A refused step's message names its operation and subject, then the reason; EPROTO
 * names the exporter that broke the contract instead (docs/rules.md, Messages).
 */
const namesOpAndReason = (op: string, code: ErrorCode | undefined, message: string | undefined, argument?: readonly (string | number)[]): boolean => {
  // a malformed argument: "<op>[ <subject>]: <argument path> <reason>" (the subject may be the bad argument)
  if (argument) return message !== undefined && (message.startsWith(`${op}: `) || message.startsWith(`${op} `)) && namesArgument(message, argument);
  const head = code === "EPROTO" ? "exporter" : op;
  const colon = message?.indexOf(": ") ?? -1;
  // …and the reason is not empty, at the end either ("…broke the ops contract: " is not a reason)
  return message !== undefined && message.startsWith(`${head} `) && colon > head.length + 1 && colon + 2 < message.length && !message.trimEnd().endsWith(":");
};

/** Where two JSON texts of the state part (undefined when they are the same): the first difference, in context. */
function stateDiff(got: string, want: string): string | undefined {
  if (got === want) return undefined;
  let k = 0;
  while (got[k] === want[k]) k++;
  const at = Math.max(0, k - 80);
  return `differs from the reference at character ${k}:\n  model     …${got.slice(at, k + 60)}\n  reference …${want.slice(at, k + 60)}`;
}

/** `message` holds ": <path> <reason>" with a reason that is not empty (docs/rules.md#api-arguments). */
function namesArgument(message: string, path: readonly (string | number)[]): boolean {
  const at = `: ${path.join(".")} `;
  const k = message.indexOf(at);
  return k >= 0 && message.slice(k + at.length).trim().length > 0;
}

/** Which names the reference says are live, as the generator asks. */
const liveNames = (ref: LifecycleRef): LiveNames => ({
  buffer: (n) => ref.buffers.get(n)?.closed === false,
  attachment: (n) => ref.attachments.get(n)?.detached === false,
  mapping: (n) => ref.mappings.get(n)?.unmapped === false,
});

/**
 * A random scenario as `dmabuf-map run` reads it: the topology and the first `ops`
 * generated steps (or a few more, to close a lock group) of `seed`, then the teardown;
 * a step the reference refuses expects its code. Only the generator's steps: no
 * malformed arguments, no hostile exporter (a scenario file can hold neither). Now and
 * then the generator reuses a name (row A2), which validation refuses before the run:
 * such a file is invalid, and `run` says why. The cross-engine tests run these on
 * every engine.
 */
export function randomScenario(seed: number, ops: number): unknown {
  const rng = new Rng(seed);
  const topo = randomTopology(rng);
  const ref = new LifecycleRef(topo);
  const pools: Pools = { buffers: [], attachments: [], mappings: [] };
  const counter = { n: 0 };
  const steps: Step[] = [];
  while (steps.length < ops) {
    for (const st of nextSteps(rng, topo.devices, pools, counter, liveNames(ref))) {
      const { code } = ref.step(st, steps.length);
      steps.push(code ? ({ ...st, expect: { error: code } } as Step) : st);
    }
  }
  return toScenarioJson(`random-${seed}`, topo, [...steps, ...teardown(ref)]);
}

/** Steps that tear down whatever the reference says is live: unlock, unmap, unpin, detach, close. */
function teardown(ref: LifecycleRef): Step[] {
  const steps: Step[] = [];
  for (const b of ref.buffers.values()) {
    if (b.closed) continue;
    if (b.holder !== undefined) steps.push({ op: "unlock", buffer: b.name, holder: b.holder });
    for (const a of [...b.atts].reverse()) {
      const inner: Step[] = [
        ...a.maps.filter((m) => m.ic !== "iov").map((m): Step => ({ op: "unmap", mapping: m.name })),
        ...Array.from({ length: a.pins }, (): Step => ({ op: "unpin", attachment: a.name })),
      ];
      if (inner.length && a.dynamic)
        steps.push({ op: "lock", buffer: b.name, holder: a.importer }, ...inner, { op: "unlock", buffer: b.name, holder: a.importer });
      else steps.push(...inner);
      steps.push({ op: "detach", attachment: a.name });
    }
    steps.push({ op: "close", buffer: b.name });
  }
  return steps;
}

interface EpochResult {
  steps: Step[];
  generated: number;
  violations: Violation[];
  errors: Map<ErrorCode, number>;
  leaks: Leaks;
  coverage: Coverage;
}

const bump = (o: Record<string, number>, k: string) => void (o[k] = (o[k] ?? 0) + 1);

interface EpochOptions {
  steps?: Step[];
  generate?: Rng;
  hostile?: Hostility | undefined;
  budget: number;
  epoch: number;
  base: number;
  progress?: () => void;
}

/** What the reference said before a step ran, for the checks after it. */
interface Before {
  /** The buffer the step acts on (directly, or through its attachment). */
  buffer: RefBuffer | undefined;
  revoked: boolean | undefined;
  pins: number;
}

type StepOf<O extends Step["op"]> = Extract<Step, { op: O }>;
type OkCheck<O extends Step["op"]> = (e: Epoch, st: StepOf<O>, i: number, before: Before) => void;

/**
 * The invariants an op must keep when it succeeds, one row per op that has any (the
 * other ops are covered by the reference and state comparisons alone).
 */
const AFTER_OK: { [O in Step["op"]]?: OkCheck<O> } = {
  map: (e, st, i, before) => {
    const name = mappingName(st, i);
    if (before.revoked) e.violate("revoked-buffer-mapped", `map ${name} succeeded on revoked ${before.buffer!.name}`);
    // an exporter broken for dma-debug lays out its own entries (joined across backing ranges); the contract's containment still held
    const outside = e.debugBroken(name) ? undefined : checkPlacement(e.model, e.ref, name, e.model.mappingEntries(name, Infinity));
    if (outside) e.violate("mapping-outside-backing", outside);
    e.iova(e.ref.mappings.get(name)!.att.importer);
  },
  unmap: (e, st) => e.iova(e.ref.mappings.get(st.mapping)!.att.importer),
  detach: (e, st) => e.iova(e.ref.attachments.get(st.attachment)!.importer),
  move: (e, st, _i, before) => {
    if (before.pins) e.violate("pinned-buffer-moved", `move of ${st.buffer} succeeded with ${before.pins} pin(s)`);
  },
};

/** The interconnect's default container when a map step names none. */
const DEFAULT_CONTAINER: Record<string, string> = { sgt: "sgt", physvec: "physvec", iov: "ranges" };
/** The rows after which a map step reached the address rules (coverage.maps). */
const MAP_REACHED = ["ok", "L13", "L14", "C2"];

/**
 * One epoch: a fresh model under test and reference on one topology, the steps run on
 * both (checked after each), then teardown and the leak checks.
 */
class Epoch {
  readonly model: DmaBufModel;
  readonly ref: LifecycleRef;
  readonly out: EpochResult = {
    steps: [],
    generated: 0,
    violations: [],
    errors: new Map(),
    leaks: { iova: 0, heapBytes: 0, heapBlocks: 0, handles: 0 },
    coverage: { outcomes: {}, rows: {}, maps: {}, topologies: {}, faults: {}, warnings: {} },
  };
  private readonly usage: ReturnType<Core["usage"]>;

  constructor(
    private readonly ctx: Ctx,
    private readonly topo: Topo,
    private readonly opts: EpochOptions,
  ) {
    const h = opts.hostile;
    this.usage = ctx.core.usage();
    this.model = ctx.model(ctx.core, topo, h ? hostileExporter(vfioExporter, h) : vfioExporter);
    this.ref = new LifecycleRef(topo, h && { exporter: h.exporter, at: h.at, fault: h.fault });
  }

  /** Records a violation at the last step run. */
  violate(invariant: string, message: string): void {
    this.out.violations.push({ op: this.opts.base + this.out.steps.length - 1, epoch: this.opts.epoch, invariant, message });
  }

  /** Whether `st` is a successful map of a buffer whose exporter this epoch breaks for dma-debug (its fault's coverage). */
  private debugMapped(st: Step, want: RefOutcome): boolean {
    const h = this.opts.hostile;
    return h?.at === "debug" && st.op === "map" && want.row === "ok";
  }

  /** Whether mapping `name` came from an exporter this epoch breaks for dma-debug. */
  debugBroken(name: string): boolean {
    const h = this.opts.hostile;
    return h?.at === "debug";
  }

  /** Checks a device's IOVA accounting (checkIova). */
  iova(device: string): void {
    const bad = checkIova(this.model, this.ref, device);
    if (bad) this.violate("iova-accounting", bad);
  }

  /** The first violation ends the epoch: after a difference the two states part ways. */
  get going(): boolean {
    return !this.out.violations.length;
  }

  /** Runs one step on both, compares, and checks the invariants; `counted` steps count in the coverage. */
  runOne(st: Step, counted: boolean): void {
    const { model, ref } = this;
    this.out.steps.push(st);
    const i = this.out.steps.length - 1;
    const before = this.before(st);
    const mapKey = this.mapKey(st);
    const want = ref.step(st, i);
    const { ok, path } = this.execute(st, i);
    if (counted) this.count(st, want, mapKey);
    const rec = model.trace[model.trace.length - 1]!;
    const diff = compare(model, ref, st, i, rec, path, want);
    // a refused step changed nothing (checked in execute), so the state needs comparing only after one that succeeded
    const state = diff || !ok ? undefined : stateDiff(JSON.stringify(new StateReader(model).read()), JSON.stringify(ref.state()));
    if (diff) this.violate("reference", diff);
    else if (state) this.violate("state", `after ${st.op}, the state ${state}`);
    else if (!ok) this.checkMessage(st, rec, want);
    else (AFTER_OK[st.op] as OkCheck<Step["op"]> | undefined)?.(this, st, i, before);
    const extra = this.ctx.extra?.(model, st, ok);
    if (extra) this.violate("extra", extra);
  }

  private before(st: Step): Before {
    const { ref } = this;
    const buffer =
      "buffer" in st && st.op !== "export" ? ref.buffers.get(st.buffer) : "attachment" in st ? ref.attachments.get(st.attachment)?.buffer : undefined;
    return { buffer, revoked: buffer?.revoked, pins: buffer ? pinCount(buffer) : 0 };
  }

  /** "path interconnect container" of a map step (coverage.maps), before it runs. */
  private mapKey(st: Step): string | undefined {
    const ra = st.op === "map" ? this.ref.attachments.get(st.attachment) : undefined;
    if (!ra || st.op !== "map") return undefined;
    return `${ra.buffer.kind === "mmio" ? this.ref.path(ra.buffer.exporter, ra.importer) : "system"} ${ra.ic} ${st.container ?? DEFAULT_CONTAINER[ra.ic]}`;
  }

  /** Runs the step on the model; a refused step must leave the model's fingerprint as it was. */
  private execute(st: Step, i: number): { ok: boolean; path?: unknown } {
    const fp = fingerprint(this.model);
    try {
      executeStep(this.model, st, i);
      return { ok: true };
    } catch (e) {
      if (!(e instanceof DmaBufError)) throw e;
      this.out.errors.set(e.code, (this.out.errors.get(e.code) ?? 0) + 1);
      const after = fingerprint(this.model);
      if (after !== fp) this.violate("failed-step-changed-state", `${st.op} failed with ${e.code} but changed state:\n  before ${fp}\n  after  ${after}`);
      return { ok: false, path: e.path };
    }
  }

  private count(st: Step, want: RefOutcome, mapKey: string | undefined): void {
    const { coverage } = this.out;
    const h = this.opts.hostile;
    bump(coverage.outcomes, `${st.op} ${want.code ?? "ok"}`);
    if (want.row !== "ok") bump(coverage.rows, want.row);
    if (h && (want.row === "C1" || want.row === "C2" || this.debugMapped(st, want))) bump(coverage.faults, faultName(h));
    for (const w of want.warnings ?? []) bump(coverage.warnings, `${w} (${st.op})`);
    if (mapKey && MAP_REACHED.includes(want.row)) bump(coverage.maps, mapKey);
  }

  /** A refused step's message has the documented shape (namesOpAndReason). */
  private checkMessage(st: Step, rec: TraceRecord, want: RefOutcome): void {
    const argument = want.row === ARGUMENT_ROW ? want.path : undefined;
    if (namesOpAndReason(st.op, rec.error, rec.message, argument)) return;
    const shape = argument ? `${st.op}[ <subject>]: ${argument.join(".")} <reason>` : `${rec.error === "EPROTO" ? "exporter" : st.op} <subject>: <reason>`;
    this.violate("error-message", `${st.op} failed with ${rec.error}, but its message ${show(rec.message)} is not "${shape}"`);
  }

  /** dma-debug's report before the teardown (docs/rules.md#dma-debug): one mapping-leaked per mapping the reference says exists. */
  private leaks(): void {
    const got = this.model.endOfRun().map((w) => w.rule);
    const want = this.ref.leaks();
    if (show(got) !== show(want)) this.violate("reference", `the end-of-run report warned ${show(got)}; the reference says ${show(want)}`);
    if (got.length) bump(this.out.coverage.warnings, "mapping-leaked (end)");
  }

  /** Generated steps (malformed now and then) up to the budget. */
  generate(rng: Rng): void {
    const { ref } = this;
    const pools: Pools = { buffers: [], attachments: [], mappings: [] };
    const counter = { n: 0 };
    const live = liveNames(ref);
    let queue: Step[] = [];
    while (this.out.generated < this.opts.budget && this.going) {
      if (!queue.length) queue = malform(rng, nextSteps(rng, this.topo.devices, pools, counter, live));
      const st = queue.shift();
      if (!st) continue;
      this.runOne(st, true);
      this.out.generated++;
      this.opts.progress?.();
    }
  }

  /** Tears down, disposes the model and checks that everything came back. */
  finish(): EpochResult {
    if (this.going) this.leaks();
    // biome-ignore lint/suspicious/noDuplicateElseIf: not an else-if; the second test is per teardown step
    if (this.going) for (const st of teardown(this.ref)) if (this.going) this.runOne(st, false);
    const clean = this.going;
    const { out, model, opts } = this;
    const end = (invariant: string, message: string) => out.violations.push({ op: opts.base + out.steps.length, epoch: opts.epoch, invariant, message });
    const leftovers = [...this.ref.buffers.values()].filter((b) => !b.closed).map((b) => b.name);
    if (clean && leftovers.length) end("teardown", `buffers still open after teardown: ${leftovers.join(", ")}`);
    for (const [d, a] of model.topology.iova) {
      if (clean && !a.pristine()) {
        out.leaks.iova++;
        end("leak", `IOVA space of ${d} is not back to one free extent: ${show(a.stats())}`);
      }
    }
    model.dispose();
    const misuse = clean && out.steps.length ? afterDispose(model, out.steps) : undefined;
    if (misuse) end("disposed", misuse);
    const after = this.ctx.core.usage();
    out.leaks.heapBytes = Number(after.bytes - this.usage.bytes);
    out.leaks.heapBlocks = after.blocks - this.usage.blocks;
    out.leaks.handles = after.handles - this.usage.handles;
    if (clean && (out.leaks.heapBytes || out.leaks.heapBlocks || out.leaks.handles))
      end("leak", `wasm heap not back to its baseline: ${JSON.stringify(out.leaks)}`);
    return out;
  }
}

/**
 * Runs `steps` (or, when `generate` is given, steps it generates up to `budget`) on a
 * fresh model and reference, comparing and checking after each, then tears down and
 * checks for leaks.
 */
function runEpoch(ctx: Ctx, topo: Topo, opts: EpochOptions): EpochResult {
  const e = new Epoch(ctx, topo, opts);
  if (opts.steps) for (const st of opts.steps) if (e.going) e.runOne(st, false);
  if (opts.generate) e.generate(opts.generate);
  return e.finish();
}

/**
 * API misuse after dispose() (docs/rules.md#api-arguments): dispose() again does nothing;
 * every step, and snapshot(), throws EBADF and leaves no trace record. What went wrong, or undefined.
 */
function afterDispose(model: DmaBufModel, steps: readonly Step[]): string | undefined {
  model.dispose();
  const traced = model.trace.length;
  const code = (f: () => unknown): string => {
    try {
      f();
      return "no error";
    } catch (e) {
      return e instanceof DmaBufError ? e.code : String(e);
    }
  };
  for (const st of [steps[0]!, steps[steps.length - 1]!]) {
    const got = code(() => executeStep(model, st, steps.length));
    if (got !== "EBADF") return `${st.op} after dispose() gave ${got}, not EBADF`;
  }
  const snap = code(() => model.snapshot());
  if (snap !== "EBADF") return `snapshot() after dispose() gave ${snap}, not EBADF`;
  return model.trace.length === traced ? undefined : "a step after dispose() left a trace record";
}

/**
 * Keeps only steps whose references were declared by an earlier kept step: the names
 * each field needs or declares come from the step's row (ts/scenario/ops.ts).
 */
function repair(steps: Step[]): Step[] {
  const names = new Set<unknown>();
  const out: Step[] = [];
  for (const st of steps) {
    const uses = Object.entries(rowOf(st.op)?.names ?? {}) as [string, NameUse][];
    const fields = st as unknown as Record<string, unknown>;
    if (uses.some(([k, u]) => "needs" in u && u.needs !== "device" && k in st && !names.has(fields[k]))) continue;
    for (const [k, u] of uses) if ("declares" in u) names.add(fields[k]);
    out.push(st);
  }
  return out;
}

/** Delta debugging: drops chunks of steps while the same invariant still breaks. */
function shrink(ctx: Ctx, topo: Topo, hostile: Hostility | undefined, steps: Step[], invariant: string, maxRuns = 400): Step[] {
  const fails = (cand: Step[]) => runEpoch(ctx, topo, { steps: cand, hostile, budget: 0, epoch: 0, base: 0 }).violations.some((v) => v.invariant === invariant);
  let cur = repair(steps);
  let runs = 0;
  for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1 && runs < maxRuns; chunk >>= 1) {
    for (let at = 0; at < cur.length && runs < maxRuns; ) {
      const cand = repair([...cur.slice(0, at), ...cur.slice(at + chunk)]);
      runs++;
      if (cand.length < cur.length && fails(cand)) cur = cand;
      else at += chunk;
    }
  }
  return cur;
}

/**
 * The scenario JSON (u64 as "0x…" strings) of a topology and steps. The API's other
 * forms are written in the scenario's: BigUint64Array ranges as `{addr, len}`, importer
 * ops as flags; callbacks are left out (a scenario has none).
 */
export function toScenarioJson(name: string, topo: Topo, steps: Step[]): unknown {
  return JSON.parse(
    JSON.stringify({ $schema: "../schemas/scenario.schema.json", name, ...topo, steps: steps.map(asFlags) }, (_k, v) =>
      typeof v === "bigint" ? hex(v) : v instanceof BigUint64Array ? pairsOf(v) : v,
    ),
  );
}

/** An attach given importer ops, in the flag form (any other step as it is). */
function asFlags(st: Step): Step {
  const ops = (st as { ops?: unknown }).ops as
    | { moveNotify?: unknown; allowPeer2peer?: boolean; supportsInterconnects?: boolean; interconnects?: { name: string }[] }
    | undefined;
  if (st.op !== "attach" || typeof ops !== "object" || ops === null) return st;
  const { ops: _, ...rest } = st as Step & { ops: unknown };
  return {
    ...rest,
    dynamic: ops.moveNotify !== undefined,
    peer2peer: ops.allowPeer2peer,
    allowIc: ops.supportsInterconnects,
    interconnects: ops.interconnects?.map((m) => m.name),
  } as Step;
}

/** A BigUint64Array of addr, len words as the scenario format's `{addr, len}` ranges. */
const pairsOf = (w: BigUint64Array) => Array.from({ length: w.length >> 1 }, (_, k) => ({ addr: hex(w[2 * k]!), len: hex(w[2 * k + 1]!) }));

/** Runs `steps` on `topology` with every check of the fuzzer, then tears down: the violations (none when all held). */
export function checkSteps(core: Core, topology: Topo, steps: Step[], model: ModelMaker = defaultModel, hostile?: Hostility): Violation[] {
  return runEpoch({ core, extra: undefined, model }, topology, { steps, hostile, budget: 0, epoch: 0, base: 0 }).violations;
}

const defaultModel: ModelMaker = (c, t, exporter) => new DmaBufModel(c, t, { exporter });

/**
 * A copy of `topo` with one field broken, or model options with one fault
 * (ts/fuzz/malformed.ts): building a model with them must fail with the code and path of
 * the reference (ts/reference/arguments.ts) and take nothing from the core, or, when
 * the break left them valid, succeed.
 */
function tryTopology(ctx: Ctx, rng: Rng, topo: Topo): { key: string; problem?: string; topology: unknown } {
  const { topology, options } = breakConstruction(rng, topo);
  const want = optionsFault(options) ?? topologyFault(topology);
  const before = ctx.core.usage();
  let got: { code: string; path: unknown; message?: string } | undefined;
  try {
    (options === undefined
      ? ctx.model(ctx.core, topology as TopologySpec, vfioExporter)
      : new DmaBufModel(ctx.core, topology as TopologySpec, options as ModelOptions)
    ).dispose();
  } catch (e) {
    got = e instanceof DmaBufError ? e : { code: `a crash (${String(e)})`, path: undefined };
  }
  const key = `${want?.code ?? "ok"} ${(want?.path ?? []).map((p, k) => (k === 1 || typeof p === "number" ? "*" : p)).join(".")}`;
  const after = ctx.core.usage();
  // EINVAL: "topology: <path> <reason>" or, for the options, "model: <path> <reason>";
  // ENOENT: "device <name>: <field> <reason>"
  const head = options === undefined ? "topology" : "model";
  if (got && got.code === want?.code) {
    const [shape, good] =
      want.code === "EINVAL"
        ? [`${head}: ${want.path.join(".")} <reason>`, got.message!.startsWith(`${head}: `) && namesArgument(got.message!, want.path)]
        : [
            `device ${want.path[1]}: ${want.path[2]} <reason>`,
            got.message!.startsWith(`device ${want.path[1]}: `) && namesArgument(got.message!, want.path.slice(2)),
          ];
    if (!good) return { key, topology, problem: `a refused construction's message ${show(got.message)} is not "${shape}"` };
  }
  if (show(got && { code: got.code, path: got.path }) !== show(want))
    return {
      key,
      topology,
      problem: `a topology broken at ${show(want?.path)} gave ${got ? `${got.code} at ${show(got.path)}` : "a model"}; the reference says ${want ? `${want.code} at ${show(want.path)}` : "a model"}`,
    };
  if (after.bytes !== before.bytes || after.blocks !== before.blocks || after.handles !== before.handles)
    return { key, topology, problem: `a refused topology kept wasm memory: ${show(before)} before, ${show(after)} after` };
  return { key, topology };
}

/**
 * Every `every`-th epoch (default second) is hostile: one exporter breaks the ops
 * contract (ts/fuzz/hostile.ts), taking FAULTS in turn: any FAULTS.length hostile
 * epochs in a row make each fault once. A broken ops table is d0's, d1's or d2's (the
 * ones the generator exports from most); broken products are d0's, whose buffers are
 * mapped in most epochs (those of d1 and d2 are not mapped at all in half of them).
 */
function hostility(rng: Rng, epoch: number, every: number): Hostility | undefined {
  if (!every || epoch % every !== every - 1) return undefined;
  const fault = FAULTS[Math.floor(epoch / every) % FAULTS.length]!;
  // a dma-debug fault breaks every exporter's products ("*"): each of its epochs then maps many of them
  return { exporter: fault.at === "map" ? "d0" : fault.at === "debug" ? "*" : rng.pick(["d0", "d1", "d2"]), ...fault };
}

/** A violation where the model and the reference disagree: a step's outcome ("reference") or the state after it ("state"). */
export const isDifference = (v: Violation): boolean => v.invariant === "reference" || v.invariant === "state";

/** Every row of the lifecycle table, for coverage reports. */
export const TABLE_ROWS: readonly string[] = [...ROWS.map((r) => r.id), ARGUMENT_ROW];

const sorted = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export function fuzz(core: Core, opts: FuzzOptions): FuzzReport {
  const rng = new Rng(opts.seed);
  const epochLen = opts.epoch ?? 500;
  const ctx: Ctx = { core, extra: opts.extraInvariant, model: opts.model ?? defaultModel };
  const report: FuzzReport = {
    seed: opts.seed,
    ops: 0,
    teardown: 0,
    errors: {},
    differences: 0,
    violations: [],
    leaks: { iova: 0, heapBytes: 0, heapBlocks: 0, handles: 0 },
    coverage: { outcomes: {}, rows: {}, maps: {}, topologies: {}, faults: {}, warnings: {} },
  };
  const total = opts.ops;
  const progress = opts.onProgress ? () => opts.onProgress!(report.ops + done, total) : undefined;
  let done = 0;
  for (let epoch = 0; report.ops < total; epoch++) {
    // hostile epochs test the ops contract, which no profile changes, under rfc-v2 (where every interconnect
    // and product kind exists); the others take the profiles in turn (docs/rules.md#profiles)
    let hostile = hostility(rng, epoch, opts.hostileEvery ?? 2);
    const drawn: Topo = randomTopology(rng, hostile ? DEFAULT_PROFILE : PROFILE_NAMES[epoch % PROFILE_NAMES.length]);
    // the DMA-API debug checker in half the epochs, and in every one whose exporter breaks its rules; in half of
    // the others that have it, an exporter breaks its rules too (such products keep the contract: any profile)
    const debug = hostile?.at === "debug" || rng.chance(0.5);
    const topo: Topo = debug ? { ...drawn, dmaDebug: true } : drawn;
    if (!hostile && debug && opts.hostileEvery !== 0 && rng.chance(0.5)) hostile = { exporter: "*", at: "debug", fault: rng.pick(DEBUG_FAULTS) };
    const malformed = Array.from({ length: 12 }, () => tryTopology(ctx, rng, topo))
      .map((t) => (bump(report.coverage.topologies, t.key), t))
      .find((t) => t.problem);
    if (malformed?.problem) {
      report.violations.push({ op: report.ops + report.teardown, epoch, invariant: "topology", message: malformed.problem });
      if (opts.shrink ?? true) report.repro = toScenarioJson(`fuzz-seed-${opts.seed}-epoch-${epoch}`, malformed.topology as Topo, []);
      break;
    }
    done = 0;
    const r = runEpoch(ctx, topo, {
      generate: rng,
      hostile,
      budget: Math.min(epochLen, total - report.ops),
      epoch,
      base: report.ops + report.teardown,
      ...(progress ? { progress: () => (done++, progress()) } : {}),
    });
    report.ops += r.generated;
    report.teardown += r.steps.length - r.generated;
    for (const [k, v] of r.errors) report.errors[k] = (report.errors[k] ?? 0) + v;
    for (const k of Object.keys(report.leaks) as (keyof Leaks)[]) report.leaks[k] += r.leaks[k];
    for (const part of ["outcomes", "rows", "maps", "faults", "warnings"] as const)
      for (const [k, v] of Object.entries(r.coverage[part])) report.coverage[part][k] = (report.coverage[part][k] ?? 0) + v;
    report.differences += r.violations.filter(isDifference).length;
    if (r.violations.length) {
      report.violations.push(...r.violations);
      if (hostile) report.hostile = hostile;
      if (opts.shrink ?? true)
        report.repro = toScenarioJson(`fuzz-seed-${opts.seed}-epoch-${epoch}`, topo, shrink(ctx, topo, hostile, r.steps, r.violations[0]!.invariant));
      break;
    }
  }
  opts.onProgress?.(report.ops, total);
  report.errors = sorted(report.errors);
  for (const part of ["outcomes", "rows", "maps", "topologies", "faults", "warnings"] as const) report.coverage[part] = sorted(report.coverage[part]);
  return report;
}
