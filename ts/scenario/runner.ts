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
import type { Op, StepResult, TraceRecord } from "../model/trace.js";
import type { Expectation, Scenario, Step } from "./schema.js";
import { mappingName, rowOf, unknownOp, type JsonResult } from "./ops.js";
import { checkOps } from "./validate.js";

export type { JsonResult } from "./ops.js";

export interface StepRecord {
  i: number;
  op: Op;
  ok: boolean;
  error?: string;
  result?: JsonResult;
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
}

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
 * Runs `scenario` on `core`; previews keeps the first entries of each mapping for reports.
 * A step with an unknown op is a ScenarioError before anything runs.
 */
export function runScenario(scenario: Scenario, core: Core, opts: { previews?: number } = {}): RunReport {
  checkOps(scenario.steps);
  const model = new DmaBufModel(core, scenario);
  const steps: StepRecord[] = [];
  const details: StepDetail[] = [];
  let passed = true;
  try {
    scenario.steps.forEach((st, i) => {
      const row = rowOf(st.op)!;
      const traced = model.trace.length;
      let result: StepResult | void = undefined;
      try {
        result = row.run(model, st, i);
      } catch (e) {
        if (!(e instanceof DmaBufError)) throw e;
      }
      if (model.trace.length !== traced + 1) throw new Error(`internal: step ${i} (${st.op}) left ${model.trace.length - traced} trace records instead of one`);
      const rec = model.trace[traced]!;
      const out: StepRecord = { i, op: st.op, ok: rec.ok };
      if (!rec.ok) out.error = rec.error!;
      if (rec.ok && result && row.json) out.result = row.json(result) as JsonResult;
      steps.push(out);
      const failures = checkExpect(st.expect, rec);
      if (failures.length) passed = false;
      const d: StepDetail = { subject: subjectOf(st, i), failures };
      if (rec.message) d.message = rec.message;
      if (st.op === "map" && rec.ok && opts.previews) d.preview = model.mappingEntries(mappingName(st, i), opts.previews);
      details.push(d);
    });
  } finally {
    model.dispose();
  }
  const traceHash = hex16(fnv1a64Text(core, JSON.stringify(steps)));
  return { output: { name: scenario.name, passed, steps, traceHash }, details };
}
