/**
 * Seeded fuzzing of operation sequences over random topologies. After every step it
 * checks the model's invariants; every `epoch` steps it tears everything down and checks
 * that IOVA allocators and the wasm heap and handle table are back where they started.
 * A violation is shrunk to a minimal scenario that `dmabuf-map run` accepts.
 */
import type { Core } from "../core/loader.js";
import { DmaBufError, type ErrorCode } from "../core/errors.js";
import { hex, PAGE } from "../core/u64.js";
import { DmaBufModel } from "../model/model.js";
import { vfioExporter } from "../exporters/vfio.js";
import type { Mapping } from "../model/attachment.js";
import { executeStep } from "../scenario/runner.js";
import type { Scenario, Step } from "../scenario/schema.js";
import { Rng, randomTopology, nextSteps, type Pools } from "./generate.js";

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

export interface FuzzReport {
  seed: number;
  ops: number;
  errors: Partial<Record<ErrorCode, number>>;
  violations: Violation[];
  leaks: Leaks;
  /** The shrunk scenario reproducing the first violation. */
  repro?: unknown;
}

export interface FuzzOptions {
  seed: number;
  ops: number;
  /** Steps per topology before a full teardown and leak check (default 2000). */
  epoch?: number;
  onProgress?: (done: number, total: number) => void;
  /** Extra check after every step (tests use it to plant a bug for the shrinker). */
  extraInvariant?: (model: DmaBufModel, step: Step, ok: boolean) => string | undefined;
}

type Topo = ReturnType<typeof randomTopology>;

/** Live objects as the fuzzer itself tracks them (independently of the model). */
class Live {
  buffers = new Set<string>();
  attachments = new Set<string>();
  /** Live attachments per buffer, in attach order, with their dynamic flag. */
  atts = new Map<string, { name: string; dynamic: boolean }[]>();
  mappings = new Set<string>();
}

function fingerprint(model: DmaBufModel, live: Live, core: Core): string {
  const parts: string[] = [];
  for (const name of live.buffers) {
    const b = model.buffers.get(name)!;
    parts.push(`${name}:${b.revoked}:${b.lock.holder}:${b.pinCount()}:${b.backing.kind}:${b.backing.ranges.hash()}:` +
      b.attachments.map((a) => `${a.name}/${a.pins}/${a.mappings.map((m) => m.name + (m.stale ? "*" : "")).join(",")}`).join(";"));
  }
  for (const [d, a] of model.topology.iova) {
    const s = a.stats();
    parts.push(`${d}=${s.free}/${s.extents}/${s.regions}`);
  }
  const u = core.usage();
  parts.push(`${u.bytes}/${u.blocks}/${u.handles}`);
  return parts.join("|");
}

function inside(entries: readonly { addr: bigint; len: bigint }[], allowed: readonly { addr: bigint; len: bigint }[]): string | undefined {
  for (const e of entries) {
    if (!allowed.some((w) => e.addr >= w.addr && e.addr + e.len <= w.addr + w.len)) {
      return `entry ${hex(e.addr)} +${hex(e.len)} lies outside [${allowed.map((w) => `${hex(w.addr)} +${hex(w.len)}`).join(", ")}]`;
    }
  }
  return undefined;
}

/** Where a fresh mapping's entries may lie, by interconnect and address rule. */
function checkMapping(model: DmaBufModel, m: Mapping): string | undefined {
  const a = m.attachment;
  const b = a.buffer;
  const entries: { addr: bigint; len: bigint }[] = [];
  for (const [addr, len] of m.container.chunks()) entries.push({ addr, len });
  const bytes = entries.reduce((s, e) => s + e.len, 0n);
  if (bytes !== b.size) return `mapping ${m.name} covers ${hex(bytes)} bytes of a ${hex(b.size)} buffer`;
  const backing = b.backing.ranges.entries();
  const bar = b.backing.bar;
  const dev = a.device;
  const regions = m.product.regions ?? [];
  if (m.interconnect === "physvec") return inside(entries, backing);
  if (m.interconnect === "iov") return inside(entries, [{ addr: 0n, len: bar!.size }]);
  const path = b.backing.kind === "mmio" ? model.topology.p2pPath(b.exporter, dev) : "system";
  if (path === "NOT_SUPPORTED") return `mapping ${m.name} exists without a P2P path`;
  if (path === "BUS_ADDR") return inside(entries, backing.map((e) => ({ addr: e.addr - bar!.cpu + bar!.bus, len: e.len })));
  if (dev.iommu) {
    if (!regions.length) return `mapping ${m.name} through an IOMMU holds no IOVA region`;
    return inside(regions, [{ addr: dev.iommu.base, len: dev.iommu.size }]) ?? inside(entries, regions);
  }
  return inside(entries, backing);
}

/** Live IOVA regions of a device never overlap, and the allocator accounts for all of them. */
function checkIova(model: DmaBufModel, live: Live, device: string): string | undefined {
  const alloc = model.topology.iova.get(device);
  if (!alloc) return undefined;
  const regions = [...live.mappings]
    .map((n) => model.mappings.get(n)!)
    .filter((m) => m.attachment.device.name === device)
    .flatMap((m) => m.product.regions ?? [])
    .sort((x, y) => (x.addr < y.addr ? -1 : 1));
  for (let i = 1; i < regions.length; i++) {
    const p = regions[i - 1]!;
    if (p.addr + p.len > regions[i]!.addr) return `IOVA regions ${hex(p.addr)} and ${hex(regions[i]!.addr)} of ${device} overlap`;
  }
  const used = regions.reduce((s, r) => s + ((r.len + PAGE - 1n) & ~(PAGE - 1n)), 0n);
  const st = alloc.stats();
  if (st.free !== alloc.size - used || st.regions !== regions.length) return `IOVA of ${device}: ${hex(st.free)} free in ${st.regions} regions, but live mappings hold ${hex(used)} in ${regions.length}`;
  return undefined;
}

/** Steps that tear down whatever is live: unlock, unmap, unpin, detach, close. */
function teardown(model: DmaBufModel, live: Live): Step[] {
  const steps: Step[] = [];
  for (const bn of live.buffers) {
    const b = model.buffers.get(bn)!;
    if (b.lock.holder !== undefined) steps.push({ op: "unlock", buffer: bn, holder: b.lock.holder });
    for (const a of [...b.attachments].reverse()) {
      const lock = (inner: Step[]) => (a.dynamic ? [{ op: "lock", buffer: bn, holder: a.importer } as Step, ...inner, { op: "unlock", buffer: bn, holder: a.importer } as Step] : inner);
      const unmaps: Step[] = a.mappings.filter((m) => m.interconnect !== "iov").map((m) => ({ op: "unmap", mapping: m.name }));
      const unpins: Step[] = Array.from({ length: a.pins }, () => ({ op: "unpin", attachment: a.name }));
      if (unmaps.length || unpins.length) steps.push(...lock([...unmaps, ...unpins]));
      steps.push({ op: "detach", attachment: a.name });
    }
    steps.push({ op: "close", buffer: bn });
  }
  return steps;
}

interface EpochResult {
  steps: Step[];
  violations: Violation[];
  errors: Map<ErrorCode, number>;
  leaks: Leaks;
}

/**
 * Runs `steps` (or, when `generate` is given, steps it generates up to `budget`) on a
 * fresh model, checking invariants after each, then tears down and checks for leaks.
 */
function runEpoch(
  core: Core, topo: Topo, opts: { steps?: Step[]; generate?: Rng; budget: number; epoch: number; base: number; extra?: FuzzOptions["extraInvariant"]; progress?: (n: number) => void },
): EpochResult {
  const before = core.usage();
  const model = new DmaBufModel(core, topo, { exporter: vfioExporter });
  const live = new Live();
  const out: EpochResult = { steps: [], violations: [], errors: new Map(), leaks: { iova: 0, heapBytes: 0, heapBlocks: 0, handles: 0 } };
  const violate = (invariant: string, message: string) => out.violations.push({ op: opts.base + out.steps.length - 1, epoch: opts.epoch, invariant, message });
  const pools: Pools = { buffers: [], attachments: [], mappings: [] };
  const counter = { n: 0 };
  let queue: Step[] = opts.steps ? [...opts.steps] : [];
  const runOne = (st: Step) => {
    out.steps.push(st);
    const i = out.steps.length - 1;
    const fp = fingerprint(model, live, core);
    const att = "attachment" in st ? model.attachments.get(st.attachment) : undefined;
    const buf = "buffer" in st ? model.buffers.get(st.buffer) : att?.buffer;
    const revokedBefore = buf?.revoked;
    const pinsBefore = buf && !buf.closed ? buf.pinCount() : 0;
    const expectNotified = buf ? [...(live.atts.get(buf.name) ?? [])].reverse().filter((a) => a.dynamic).map((a) => a.name) : [];
    let ok = true;
    try {
      executeStep(model, st, i);
    } catch (e) {
      if (!(e instanceof DmaBufError)) throw e;
      ok = false;
      out.errors.set(e.code, (out.errors.get(e.code) ?? 0) + 1);
      const after = fingerprint(model, live, core);
      if (after !== fp) violate("failed-step-changed-state", `${st.op} failed with ${e.code} but changed state:\n  before ${fp}\n  after  ${after}`);
    }
    const rec = model.trace[model.trace.length - 1]!;
    if (ok) {
      switch (st.op) {
        case "export":
          live.buffers.add(st.buffer);
          live.atts.set(st.buffer, []);
          break;
        case "attach":
          live.atts.get(st.buffer)!.push({ name: st.as, dynamic: st.dynamic ?? false });
          live.attachments.add(st.as);
          break;
        case "map": {
          const m = model.mappings.get(st.as!)!;
          live.mappings.add(m.name);
          if (revokedBefore) violate("revoked-buffer-mapped", `map ${m.name} succeeded on revoked ${m.attachment.buffer.name}`);
          const outside = checkMapping(model, m);
          if (outside) violate("mapping-outside-backing", outside);
          const iova = checkIova(model, live, m.attachment.device.name);
          if (iova) violate("iova-accounting", iova);
          break;
        }
        case "unmap": {
          const m = model.mappings.get(st.mapping)!;
          live.mappings.delete(m.name);
          const bad = checkIova(model, live, m.attachment.device.name);
          if (bad) violate("iova-accounting", bad);
          break;
        }
        case "detach": {
          const a = model.attachments.get(st.attachment)!;
          for (const n of [...live.mappings]) if (model.mappings.get(n)!.attachment === a) live.mappings.delete(n);
          const list = live.atts.get(a.buffer.name)!;
          list.splice(list.findIndex((x) => x.name === a.name), 1);
          live.attachments.delete(a.name);
          break;
        }
        case "close":
          live.buffers.delete(st.buffer);
          break;
        case "move":
        case "revoke":
        case "restore": {
          if (st.op === "move" && pinsBefore) violate("pinned-buffer-moved", `move of ${st.buffer} succeeded with ${pinsBefore} pin(s)`);
          const r = rec.result as { notified: string[] };
          const want = st.op === "restore" && !revokedBefore ? [] : expectNotified;
          if (JSON.stringify(r.notified) !== JSON.stringify(want) || JSON.stringify(rec.notifications) !== JSON.stringify(want)) {
            violate("notify-order", `${st.op} ${st.buffer} notified [${r.notified}], expected [${want}] (dynamic importers, newest first)`);
          }
          break;
        }
      }
    }
    const extra = opts.extra?.(model, st, ok);
    if (extra) violate("extra", extra);
  };
  while (out.steps.length < opts.budget && (queue.length || opts.generate)) {
    if (!queue.length) queue = nextSteps(opts.generate!, topo.devices, pools, counter, live);
    const st = queue.shift();
    if (!st) continue;
    runOne(st);
    opts.progress?.(1);
  }
  for (const st of teardown(model, live)) runOne(st);
  const endOp = opts.base + out.steps.length;
  const leftovers = [...live.buffers];
  if (leftovers.length) out.violations.push({ op: endOp, epoch: opts.epoch, invariant: "teardown", message: `buffers still open after teardown: ${leftovers.join(", ")}` });
  for (const [d, a] of model.topology.iova) {
    if (!a.pristine()) {
      out.leaks.iova++;
      out.violations.push({ op: endOp, epoch: opts.epoch, invariant: "leak", message: `IOVA space of ${d} is not back to one free extent: ${JSON.stringify(a.stats(), (_k, v) => (typeof v === "bigint" ? hex(v) : v))}` });
    }
  }
  model.dispose();
  const after = core.usage();
  out.leaks.heapBytes = Number(after.bytes - before.bytes);
  out.leaks.heapBlocks = after.blocks - before.blocks;
  out.leaks.handles = after.handles - before.handles;
  if (out.leaks.heapBytes || out.leaks.heapBlocks || out.leaks.handles) {
    out.violations.push({ op: endOp, epoch: opts.epoch, invariant: "leak", message: `wasm heap not back to its baseline: ${JSON.stringify(out.leaks)}` });
  }
  return out;
}

/** Keeps only steps whose references were declared by an earlier kept step. */
function repair(steps: Step[]): Step[] {
  const names = new Set<string>();
  const out: Step[] = [];
  for (const st of steps) {
    const refs = [("buffer" in st && st.op !== "export") ? st.buffer : undefined, "attachment" in st ? st.attachment : undefined, "mapping" in st ? st.mapping : undefined];
    if (refs.some((r) => r !== undefined && !names.has(r))) continue;
    if (st.op === "export") names.add(st.buffer);
    if (st.op === "attach") names.add(st.as);
    if (st.op === "map") names.add(st.as!);
    out.push(st);
  }
  return out;
}

/** Delta debugging: drops chunks of steps while the same invariant still breaks. */
export function shrink(core: Core, topo: Topo, steps: Step[], invariant: string, extra?: FuzzOptions["extraInvariant"], maxRuns = 400): Step[] {
  const fails = (cand: Step[]) => runEpoch(core, topo, { steps: cand, budget: Infinity, epoch: 0, base: 0, ...(extra ? { extra } : {}) }).violations.some((v) => v.invariant === invariant);
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

/** The scenario JSON (u64 as "0x…" strings) of a topology and steps. */
export function toScenarioJson(name: string, topo: Topo, steps: Step[]): unknown {
  return JSON.parse(JSON.stringify({ $schema: "../schemas/scenario.schema.json", name, ...topo, steps }, (_k, v) => (typeof v === "bigint" ? hex(v) : v)));
}

export function fuzz(core: Core, opts: FuzzOptions): FuzzReport {
  const rng = new Rng(opts.seed);
  const epochLen = opts.epoch ?? 2000;
  const report: FuzzReport = { seed: opts.seed, ops: 0, errors: {}, violations: [], leaks: { iova: 0, heapBytes: 0, heapBlocks: 0, handles: 0 } };
  let epoch = 0;
  let done = 0;
  const progress = opts.onProgress ? (n: number) => opts.onProgress!((done += n), opts.ops) : undefined;
  while (report.ops < opts.ops) {
    const topo = randomTopology(rng);
    const budget = Math.min(epochLen, opts.ops - report.ops);
    const r = runEpoch(core, topo, {
      generate: rng, budget, epoch, base: report.ops, ...(opts.extraInvariant ? { extra: opts.extraInvariant } : {}), ...(progress ? { progress } : {}),
    });
    report.ops += r.steps.length;
    for (const [k, v] of r.errors) report.errors[k] = (report.errors[k] ?? 0) + v;
    for (const k of Object.keys(report.leaks) as (keyof Leaks)[]) report.leaks[k] += r.leaks[k];
    if (r.violations.length) {
      report.violations.push(...r.violations);
      const first = r.violations[0]!;
      const min = shrink(core, topo, r.steps, first.invariant, opts.extraInvariant);
      report.repro = toScenarioJson(`fuzz-seed-${opts.seed}-epoch-${epoch}`, topo, min);
      break;
    }
    epoch++;
  }
  report.errors = Object.fromEntries(Object.entries(report.errors).sort(([a], [b]) => (a < b ? -1 : 1)));
  return report;
}
