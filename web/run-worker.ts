/**
 * The explorer's runs, off the page's thread (web/bounds.ts starts and stops it): parses
 * the text, runs it plainly and with --state (and --entries when the maps' entries are
 * few enough to draw), and posts the outcome back. The page terminates the worker at
 * its time budget or on Cancel, so no scenario can freeze the tab. Bundled by esbuild
 * into dist/web/run-worker.js.
 */
import { initSync, parseScenarioText, runScenario } from "../ts/index.js";
import type { RunRequest, RunReply } from "./bounds.js";

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
    return { ok: true, output: plain.output, full: full.output.steps, details: full.details, entries, drawn: draw };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

self.onmessage = (e: MessageEvent<RunRequest>) => self.postMessage(answer(e.data));
