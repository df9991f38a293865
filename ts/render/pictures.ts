/**
 * The explorer's three pictures of a run, as `run --svg` writes them: the sequence
 * diagram of every step, and the topology with P2P paths and the mappings by address
 * space after step `at`. Both the CLI and the page call this with the records of
 * `runScenario(scenario, core, { entries: true, state: true })`, so the bytes agree.
 */
import type { Scenario } from "../scenario/schema.js";
import type { StepRecord } from "../scenario/runner.js";
import type { Pair } from "../model/state.js";
import { mappingName } from "../scenario/ops.js";
import { sequenceOf, sequenceSvg } from "./sequence.js";
import { topologySvg } from "./topology.js";
import { mappingsSvg } from "./mappings.js";

/** The pictures, in the order files and buttons list them. */
export const PICTURES = ["sequence", "topology", "mappings"] as const;
export type PictureName = (typeof PICTURES)[number];

/** Each map step's entries by mapping name (the records must carry `entries`). */
export function entriesByMapping(scenario: Scenario, steps: readonly StepRecord[]): Map<string, Pair[]> {
  const out = new Map<string, Pair[]>();
  steps.forEach((rec, i) => {
    const st = scenario.steps[i];
    if (st?.op === "map" && rec.ok && rec.result && "entries" in rec.result && Array.isArray(rec.result.entries))
      out.set(mappingName(st, i), rec.result.entries as Pair[]);
  });
  return out;
}

/** The three pictures of a run, with the topology and mappings after step `at` (default: the last). */
export function pictures(scenario: Scenario, steps: readonly StepRecord[], at = steps.length - 1): Record<PictureName, string> {
  const state = steps[at]?.state;
  const entries = entriesByMapping(scenario, steps);
  return {
    sequence: sequenceSvg(sequenceOf(scenario, steps)),
    topology: topologySvg(scenario, state),
    mappings: mappingsSvg(scenario.name, state, (m) => entries.get(m)),
  };
}
