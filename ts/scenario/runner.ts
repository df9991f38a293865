/**
 * Runs a validated scenario against a fresh model, checks each step's `expect`, and
 * builds the output record of docs/rules.md#output with a fixed key order, so the same
 * scenario gives byte-identical JSON everywhere.
 */
import type { Core } from "../core/loader.js";
import { DmaBufError } from "../core/errors.js";
import { hex, hex16 } from "../core/u64.js";
import { fnv1a64Text } from "../core/hash.js";
import { DmaBufModel } from "../model/model.js";
import { vfioExporter } from "../exporters/vfio.js";
import type { Op, StepResult, TraceRecord, Warning } from "../model/trace.js";
import { StateReader, type ModelState, type PairList, type Space } from "../model/state.js";
import type { P2PPath } from "../model/topology.js";
import type { ProfileName } from "../model/profiles.js";
import type { Expectation, Scenario, Step } from "./schema.js";
import { mappingName, rowOf, unknownOp, type JsonResult, type Row } from "./ops.js";
import { checkOps, formatPath, scenarioHintsOf, type Hint } from "./validate.js";

export type { JsonResult } from "./ops.js";

/** One step in the `--json` output: index, op, success, error code, result, and with `state` the model state. */
export interface StepRecord {
  i: number;
  op: Op;
  ok: boolean;
  error?: string;
  result?: JsonResult;
  /** With the DMA-API debug checker on: the step's warnings (absent when none; docs/rules.md#dma-debug). */
  warnings?: Warning[];
  /** With `state`: the model's state after the step. */
  state?: ModelState;
}

/** Options of runScenario: previews, all entries, map-result entries and per-step state. */
export interface RunOptions {
  /** Keep the first `previews` entries of each mapping for readable reports. */
  previews?: number;
  /** Keep every entry of each mapping in its detail, for `--all` reports. */
  allEntries?: boolean;
  /** Add `space` and `entries` to every successful map result. */
  entries?: boolean;
  /** Add `state` to every step record. */
  state?: boolean;
  /** The rule profile, overriding the scenario's `profile` (docs/rules.md#profiles). */
  profile?: ProfileName;
  /** Turn on the DMA-API debug checker (as the scenario's `dmaDebug: true` does). */
  dmaDebug?: boolean;
  /** Every warning is also an expectation failure of its step. */
  strict?: boolean;
  /**
   * Address lists as Pairs read on demand rather than arrays: each record is then
   * readable only until the generator moves on (streaming writers, runSteps only).
   */
  lazy?: boolean;
  /**
   * Called after each step with the model and the step's index, before the step's
   * outcome is yielded: read the model's state there (`bufinfo` does); do not change it.
   */
  inspect?: (model: DmaBufModel, i: number) => void;
}

/** One step as it ran: its output record and what a report shows besides. */
export interface StepOutcome {
  record: StepRecord;
  detail: StepDetail;
}

/** The `--json` output. */
export interface RunOutput {
  name: string;
  /** The profile the scenario ran under: only when the scenario or the caller named one (docs/output.md). */
  profile?: ProfileName;
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

/** What runScenario returns: the JSON output and the per-step details formatReport prints. */
export interface RunReport {
  output: RunOutput;
  details: StepDetail[];
}

/** The name the step acts on or declares (its row's subject). */
function subjectOf(st: Step, i: number): string {
  const row = rowOf(st.op)!;
  return (st as unknown as Record<string, string | undefined>)[row.subject] ?? row.defaultName!(i);
}

/** Runs one scenario step on the model and returns its result (throws DmaBufError when the step fails). */
export function executeStep(model: DmaBufModel, st: Step, i: number): StepResult | void {
  const row = rowOf(st.op);
  if (!row) throw new DmaBufError("EINVAL", unknownOp(st.op), ["steps", i, "op"]);
  return row.run(model, st, i);
}

/** u64s as "0x…" and [addr, len] pairs as the output prints them, so a want and a got compare as text. */
const canon = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? hex(x) : x));
const show = (v: unknown) => (typeof v === "bigint" ? hex(v) : canon(v));

/** What `expect` may state about any step's record besides its result: the rules of its warnings ([] when none). */
const FROM_RECORD: Record<string, (rec: TraceRecord) => unknown> = { warnings: (rec) => (rec.warnings ?? []).map((w) => w.rule) };

/**
 * What went wrong against `expect` (empty when it held). `observe` reads what a step's
 * row can tell beyond its result (the P2P path of an attach, a map's space and entries).
 */
export function checkExpect(
  exp: Expectation | undefined,
  rec: TraceRecord,
  observe: (key: string) => { value: unknown } | undefined = () => undefined,
): string[] {
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
    const got = Object.hasOwn(result, k) ? { value: result[k] } : Object.hasOwn(FROM_RECORD, k) ? { value: FROM_RECORD[k]!(rec) } : observe(k);
    if (!got) {
      out.push(`expected ${k} = ${show(want)} but this step has no ${k}`);
      continue;
    }
    if (canon(got.value) !== canon(want)) out.push(`expected ${k} = ${show(want)}, got ${show(got.value)}`);
  }
  return out;
}

/**
 * Runs `scenario` on a fresh model, one step per iteration; the model is disposed when
 * the iteration ends (or stops early). A step with an unknown op is a ScenarioError
 * before anything runs.
 */
export function* runSteps(scenario: Scenario, core: Core, opts: RunOptions = {}): Generator<StepOutcome, void, undefined> {
  checkOps(scenario.steps);
  const profile = profileOf(scenario, opts);
  const dmaDebug = !!(opts.dmaDebug || scenario.dmaDebug);
  const model = new DmaBufModel(core, scenario, { exporter: vfioExporter, ...(profile ? { profile } : {}), ...(dmaDebug ? { dmaDebug } : {}) });
  const reader = new StateReader(model);
  const hints = scenarioHintsOf(scenario);
  /** Names whose declaring step failed: "step 0 failed with EINVAL". */
  const unborn = new Map<string, string>();
  try {
    for (let i = 0; i < scenario.steps.length; i++) {
      const st = scenario.steps[i]!;
      const row = rowOf(st.op)!;
      let result: StepResult | void = undefined;
      try {
        result = row.run(model, st, i);
      } catch (e) {
        if (!(e instanceof DmaBufError)) throw e;
      }
      if (i === scenario.steps.length - 1) model.endOfRun();
      if (model.trace.length !== 1) throw new Error(`internal: step ${i} (${st.op}) left ${model.trace.length} trace records instead of one`);
      const rec = explain(model.trace[0]!, row, st, i, unborn, hints.get(i));
      model.trace.length = 0; // the record is consumed here: memory stays bounded over millions of steps
      const out: StepRecord = { i, op: st.op, ok: rec.ok };
      if (!rec.ok) out.error = rec.error!;
      if (rec.ok && result && row.json) out.result = row.json(result) as JsonResult;
      if (rec.warnings) out.warnings = rec.warnings;
      const observe = (k: string) => {
        const read = row.observe && Object.hasOwn(row.observe, k) ? row.observe[k]! : undefined;
        return read ? { value: read(reader, st, i) } : undefined;
      };
      const d: StepDetail = { subject: subjectOf(st, i), failures: checkExpect(st.expect, rec, observe) };
      if (rec.message) d.message = rec.message;
      if (opts.strict) for (const w of rec.warnings ?? []) d.failures.push(`warning ${w.rule} (--strict): ${w.message}`);
      if (st.op === "map" && rec.ok) {
        const name = mappingName(st, i);
        d.space = reader.space(name);
        if (opts.entries) Object.assign(out.result!, { space: d.space, entries: reader.entries(name, opts.lazy) });
        if (opts.allEntries) d.entries = reader.entries(name, opts.lazy);
        else if (opts.previews) d.preview = model.mappingEntries(name, opts.previews);
      }
      if (st.op === "attach" && rec.ok) Object.assign(d, reader.attachment(st.as));
      if (opts.state) out.state = reader.read(opts.lazy);
      opts.inspect?.(model, i);
      yield { record: out, detail: d };
    }
  } finally {
    model.dispose();
  }
}

/**
 * A refusal's message with what the author needs to know: an ENOENT for a name whose
 * declaring step failed names that step ("b0 was not created: step 0 failed with
 * EINVAL"), and an EINVAL carries the step's authoring hints. A failed step's declared
 * names are remembered in `unborn`.
 */
function explain(rec: TraceRecord, row: Row, st: Step, i: number, unborn: Map<string, string>, hints: readonly Hint[] | undefined): TraceRecord {
  if (rec.ok) return rec;
  const fields = st as unknown as Record<string, string | undefined>;
  let message = rec.message;
  for (const [field, use] of Object.entries(row.names)) {
    const n = fields[field] ?? (field === row.subject ? subjectOf(st, i) : undefined);
    if (n === undefined || !use) continue;
    if ("declares" in use) unborn.set(n, `step ${i} failed with ${rec.error}`);
    else if (rec.error === "ENOENT" && unborn.has(n)) message = `${st.op} ${subjectOf(st, i)}: ${n} was not created: ${unborn.get(n)}`;
  }
  if (rec.error === "EINVAL" && hints?.length) message = `${message} (hint: ${hints.map((h) => `${formatPath(h.path)}: ${h.hint}`).join("; ")})`;
  return message === rec.message ? rec : { ...rec, message };
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
  const profile = profileOf(scenario, opts);
  return { output: { name: scenario.name, ...(profile ? { profile } : {}), passed, steps, traceHash }, details };
}

/** The profile a run follows when one was named: the caller's, else the scenario's; undefined means the default, unnamed. */
export function profileOf(scenario: Scenario, opts: { profile?: ProfileName | undefined }): ProfileName | undefined {
  return opts.profile ?? scenario.profile;
}
