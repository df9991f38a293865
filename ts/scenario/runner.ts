/**
 * Runs a validated scenario against a fresh model, checks each step's `expect`, and
 * builds the output record of DESIGN.md section 6 with a fixed key order, so the same
 * scenario gives byte-identical JSON everywhere.
 */
import type { Core } from "../core/loader.js";
import { DmaBufError } from "../core/errors.js";
import { hex, hex16 } from "../core/u64.js";
import { fnv1a64Text } from "../core/hash.js";
import { DmaBufModel } from "../model/model.js";
import { vfioExporter } from "../exporters/vfio.js";
import type { MapResult, NotifyResult, StepResult, TraceRecord } from "../model/trace.js";
import { StateReader, type ModelState, type PairList, type Space } from "../model/state.js";
import type { P2PPath } from "../model/topology.js";
import type { Expectation, Scenario, Step } from "./schema.js";
import { mappingName } from "./validate.js";

export type JsonResult =
  | { interconnect: string }
  | {
      interconnect: string; container: string; nelms: number; bytes: string; hash: string; barNumber?: number;
      /** With `entries`: the address space and every [addr, len] in read-back order. */
      space?: Space; entries?: PairList;
    }
  | { notified: string[]; stale: string[] };

export interface StepRecord {
  i: number;
  op: string;
  ok: boolean;
  error?: string;
  result?: JsonResult;
  /** With `state`: the model's state after the step. */
  state?: ModelState;
}

export interface RunOptions {
  /** Keep the first `previews` entries of each mapping for readable reports. */
  previews?: number;
  /** Keep every entry of each mapping in its detail, for `--all` reports. */
  allEntries?: boolean;
  /** Add `space` and `entries` to every successful map result. */
  entries?: boolean;
  /** Add `state` to every step record. */
  state?: boolean;
  /**
   * Address lists as Pairs read on demand rather than arrays: each record is then
   * readable only until the generator moves on (streaming writers, runSteps only).
   */
  lazy?: boolean;
}

/** One step as it ran: its output record and what a report shows besides. */
export interface StepOutcome {
  record: StepRecord;
  detail: StepDetail;
}

/** The `--json` output. */
export interface RunOutput {
  name: string;
  passed: boolean;
  steps: StepRecord[];
  traceHash: string;
}

/** Everything a readable report shows besides the JSON. */
export interface StepDetail {
  /** The name the step acts on or declares. */
  subject: string;
  message?: string;
  /** Expectation failures of this step. */
  failures: string[];
  /** map: the first entries of the mapping. */
  preview?: { addr: bigint; len: bigint }[];
  /** map with `allEntries`: every entry. */
  entries?: PairList;
  /** map: the address space of the entries. */
  space?: Space;
  /** attach: the importer's device and the P2P path from the exporter (null: system memory). */
  importer?: string;
  path?: P2PPath | null;
}

export interface RunReport {
  output: RunOutput;
  details: StepDetail[];
}

/** Result object in the documented key order. */
function jsonResult(op: string, r: StepResult): JsonResult {
  if (op === "attach") return { interconnect: (r as { interconnect: string }).interconnect };
  if (op === "map") {
    const m = r as MapResult;
    const out: JsonResult = { interconnect: m.interconnect, container: m.container, nelms: m.nelms, bytes: hex(m.bytes), hash: hex16(m.hash) };
    if (m.barNumber !== undefined) out.barNumber = m.barNumber;
    return out;
  }
  const n = r as NotifyResult;
  return { notified: n.notified, stale: n.stale };
}

function subjectOf(st: Step, i: number): string {
  switch (st.op) {
    case "export":
    case "lock":
    case "unlock":
    case "move":
    case "revoke":
    case "restore":
    case "close":
      return st.buffer;
    case "attach":
      return st.as;
    case "map":
      return mappingName(st, i);
    case "unmap":
      return st.mapping;
    default:
      return st.attachment;
  }
}

/** Runs one scenario step on the model (throws DmaBufError when the step fails). */
export function executeStep(model: DmaBufModel, st: Step, i: number): void {
  switch (st.op) {
    case "export":
      return model.export(st);
    case "attach":
      return void model.attach(st);
    case "detach":
      return model.detach(st.attachment);
    case "pin":
      return model.pin(st.attachment);
    case "unpin":
      return model.unpin(st.attachment);
    case "map":
      return void model.map({ attachment: st.attachment, as: mappingName(st, i), ...(st.container ? { container: st.container } : {}) });
    case "unmap":
      return model.unmap(st.mapping);
    case "lock":
      return model.lock(st.buffer, st.holder);
    case "unlock":
      return model.unlock(st.buffer, st.holder);
    case "move":
      return void model.move(st.buffer, st.backing);
    case "revoke":
      return void model.revoke(st.buffer);
    case "restore":
      return void model.restore(st.buffer);
    case "close":
      return model.close(st.buffer);
  }
}

const show = (v: unknown) => (typeof v === "bigint" ? hex(v) : JSON.stringify(v));

/** What went wrong against `expect` (empty when it held). */
export function checkExpect(exp: Expectation | undefined, rec: TraceRecord): string[] {
  if (!exp) return rec.ok ? [] : [`failed with ${rec.error} (${rec.message}) but no error was expected`];
  if (exp.error !== undefined) {
    if (rec.ok) return [`expected ${exp.error} but the step succeeded`];
    return rec.error === exp.error ? [] : [`expected ${exp.error} but got ${rec.error} (${rec.message})`];
  }
  if (!rec.ok) return [`failed with ${rec.error} (${rec.message}) but no error was expected`];
  const out: string[] = [];
  const result = (rec.result ?? {}) as Record<string, unknown>;
  for (const [k, want] of Object.entries(exp)) {
    if (want === undefined) continue;
    if (!(k in result)) {
      out.push(`expected ${k} = ${show(want)} but this step has no ${k}`);
      continue;
    }
    const got = result[k];
    const same = typeof want === "bigint" ? got === want : JSON.stringify(got) === JSON.stringify(want);
    if (!same) out.push(`expected ${k} = ${show(want)}, got ${show(got)}`);
  }
  return out;
}

/**
 * Runs `scenario` on a fresh model, one step per iteration; the model is disposed when
 * the iteration ends (or stops early).
 */
export function* runSteps(scenario: Scenario, core: Core, opts: RunOptions = {}): Generator<StepOutcome, void, undefined> {
  const model = new DmaBufModel(core, scenario, { exporter: vfioExporter });
  const reader = new StateReader(model);
  try {
    for (let i = 0; i < scenario.steps.length; i++) {
      const st = scenario.steps[i]!;
      try {
        executeStep(model, st, i);
      } catch (e) {
        if (!(e instanceof DmaBufError)) throw e;
      }
      const rec = model.trace[model.trace.length - 1]!;
      model.trace.length = 0; // the record is consumed here: memory stays bounded over millions of steps
      const out: StepRecord = { i, op: st.op, ok: rec.ok };
      if (!rec.ok) out.error = rec.error!;
      if (rec.ok && rec.result) out.result = jsonResult(st.op, rec.result);
      const d: StepDetail = { subject: subjectOf(st, i), failures: checkExpect(st.expect, rec) };
      if (rec.message) d.message = rec.message;
      if (st.op === "map" && rec.ok) {
        const name = mappingName(st, i);
        d.space = reader.space(name);
        if (opts.entries) Object.assign(out.result!, { space: d.space, entries: reader.entries(name, opts.lazy) });
        if (opts.allEntries) d.entries = reader.entries(name, opts.lazy);
        else if (opts.previews) d.preview = model.mappingEntries(name, opts.previews);
      }
      if (st.op === "attach" && rec.ok) Object.assign(d, reader.attachment(st.as));
      if (opts.state) out.state = reader.read(opts.lazy);
      yield { record: out, detail: d };
    }
  } finally {
    model.dispose();
  }
}

/** Runs `scenario` on `core` and keeps every record (see output.ts to stream them instead). */
export function runScenario(scenario: Scenario, core: Core, opts: Omit<RunOptions, "lazy"> = {}): RunReport {
  const steps: StepRecord[] = [];
  const details: StepDetail[] = [];
  let passed = true;
  for (const { record, detail } of runSteps(scenario, core, opts)) {
    steps.push(record);
    details.push(detail);
    if (detail.failures.length) passed = false;
  }
  const traceHash = hex16(fnv1a64Text(core, JSON.stringify(steps)));
  return { output: { name: scenario.name, passed, steps, traceHash }, details };
}
