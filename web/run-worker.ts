/**
 * The explorer's runs, off the page's thread (web/bounds.ts starts and stops it): parses
 * the text, runs it plainly and with --state (and --entries when the maps' entries are
 * few enough to draw), compares it under every profile (`dmabuf-map compare`), and
 * posts the outcome back. The page terminates the worker at
 * its time budget or on Cancel, so no scenario can freeze the tab. Bundled by esbuild
 * into dist/web/run-worker.js.
 */
import { initSync, parseScenarioText, runScenario, PROFILE_NAMES, type Core, type Scenario } from "../ts/index.js";
import { compareSteps, outcomeText } from "../ts/scenario/compare.js";
import { decidingRows } from "../ts/scenario/deciding.js";
import type { CompareView, RunRequest, RunReply } from "./bounds.js";

const core = initSync();

function answer(req: RunRequest): RunReply {
  try {
    const s = parseScenarioText(req.text);
    const profile = req.profile ? { profile: req.profile } : {};
    const plain = runScenario(s, core, { previews: 0, ...profile });
    let entries = 0;
    for (const r of plain.output.steps) if (r.op === "map" && r.result && "nelms" in r.result) entries += r.result.nelms;
    const big = s.steps.length > req.stateMax;
    const draw = !big && entries <= req.entriesMax;
    const full = runScenario(s, core, { entries: draw, state: !big, ...profile });
    const compare = big ? undefined : compareView(s, core);
    return { ok: true, output: plain.output, full: full.output.steps, details: full.details, entries, drawn: draw, compare };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/** A rule's value as the compare view prints it. */
const valueText = (v: unknown) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v === undefined ? "no limit" : String(v));

/** The scenario under every profile: each differing step, each profile's outcome, and the rows that decide it. */
function compareView(s: Scenario, core: Core): CompareView {
  const profiles = [...PROFILE_NAMES];
  const steps: CompareView["steps"] = [];
  let earlier: number | undefined;
  for (const { step, subject } of compareSteps(s, core, profiles)) {
    if (!step.differs) continue;
    const { rows, follows } = decidingRows(step, profiles, earlier);
    earlier = step.i;
    steps.push({
      i: step.i,
      op: step.op,
      subject,
      outcomes: profiles.map((p) => outcomeText(step.outcomes[p]!)),
      rows: rows.map((r) => ({ key: r.key, row: r.row, rule: r.rule, source: r.source, values: profiles.map((p) => valueText(r.values[p])) })),
      ...(follows !== undefined ? { follows } : {}),
    });
  }
  return { profiles, total: s.steps.length, steps };
}

self.onmessage = (e: MessageEvent<RunRequest>) => self.postMessage(answer(e.data));
