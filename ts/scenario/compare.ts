/**
 * `compare`: one scenario under several rule profiles (docs/rules.md#profiles), step by
 * step. The profiles' runs go in lockstep (one model each), so a step's outcomes are
 * compared as they are made and memory does not grow with the number of steps. Two
 * outcomes differ when their step records (docs/output.md) differ: the code, or a
 * result field.
 */
import type { Core } from "../core/loader.js";
import type { ProfileName } from "../model/profiles.js";
import type { Op } from "../model/trace.js";
import type { Scenario } from "./schema.js";
import { runSteps, type StepRecord } from "./runner.js";
import { escapeControls } from "./report.js";
import { Chunker, Queue, type Sink } from "./output.js";

/** One step of a comparison: its index and op, whether the profiles disagree, and each profile's record. */
export interface CompareStep {
  i: number;
  op: Op;
  differs: boolean;
  outcomes: Partial<Record<ProfileName, StepRecord>>;
}

/** A comparison as `compare --json` prints it, one per file. */
export interface CompareRecord {
  name: string;
  profiles: ProfileName[];
  steps: CompareStep[];
}

/** One compared step and the name it acts on (for the readable output). */
export interface ComparedStep {
  step: CompareStep;
  subject: string;
}

/** Runs `scenario` under each of `profiles` in lockstep and yields each step's outcomes. */
export function* compareSteps(scenario: Scenario, core: Core, profiles: readonly ProfileName[]): Generator<ComparedStep, void, undefined> {
  const runs = profiles.map((profile) => runSteps(scenario, core, { profile }));
  try {
    for (;;) {
      const next = runs.map((r) => r.next());
      if (next.some((n) => n.done)) return;
      const outcomes: Partial<Record<ProfileName, StepRecord>> = {};
      const texts = new Set<string>();
      next.forEach((n, k) => {
        const o = n.value!;
        outcomes[profiles[k]!] = o.record;
        texts.add(JSON.stringify(o.record));
      });
      const first = next[0]!.value!;
      yield { step: { i: first.record.i, op: first.record.op, differs: texts.size > 1, outcomes }, subject: first.detail.subject };
    }
  } finally {
    for (const r of runs) r.return();
  }
}

/** The whole comparison as one record (see writeCompareJson to stream it). */
export function compareScenario(scenario: Scenario, core: Core, profiles: readonly ProfileName[]): CompareRecord {
  const steps = [...compareSteps(scenario, core, profiles)].map((c) => c.step);
  return { name: scenario.name, profiles: [...profiles], steps };
}

/** Streams the `--json` record of a comparison (with a final newline) to `write`; resolves to the number of differing steps. */
export async function writeCompareJson(scenario: Scenario, core: Core, profiles: readonly ProfileName[], write: Sink): Promise<number> {
  const queue = new Queue();
  const out = new Chunker(queue.push);
  out.push(`{"name":${JSON.stringify(scenario.name)},"profiles":${JSON.stringify(profiles)},"steps":[`);
  let differing = 0;
  let first = true;
  for (const { step } of compareSteps(scenario, core, profiles)) {
    if (step.differs) differing++;
    if (!first) out.push(",");
    first = false;
    out.push(JSON.stringify(step));
    await queue.drain(write);
  }
  out.push("]}\n");
  out.flush();
  await queue.drain(write);
  return differing;
}

/** A step record in a few words: `ok` with its result fields, or the error code. */
export function outcomeText(rec: StepRecord): string {
  if (!rec.ok) return rec.error!;
  if (!rec.result) return "ok";
  const fields = Object.entries(rec.result).map(([k, v]) => `${k} ${Array.isArray(v) ? `[${v.join(", ")}]` : String(v)}`);
  return escapeControls(`ok ${fields.join(", ")}`);
}

/**
 * Streams the readable comparison: a header, one line per differing step with each
 * profile's outcome side by side, and a summary line. Resolves to the number of
 * differing steps.
 */
export async function writeCompareText(scenario: Scenario, core: Core, profiles: readonly ProfileName[], write: Sink): Promise<number> {
  await write(`compare ${escapeControls(scenario.name)} (${scenario.steps.length} steps) under ${profiles.join(", ")}\n`);
  let differing = 0;
  for (const { step, subject } of compareSteps(scenario, core, profiles)) {
    if (!step.differs) continue;
    differing++;
    const head = `${String(step.i).padStart(5)}  ${step.op.padEnd(7)} ${escapeControls(subject)}`;
    const sides = profiles.map((p) => `${p}: ${outcomeText(step.outcomes[p]!)}`);
    await write(`${head.padEnd(30)} ${sides.join("  |  ")}\n`);
  }
  await write(differing ? `${differing} of ${scenario.steps.length} step(s) differ\n` : `no step differs\n`);
  return differing;
}
