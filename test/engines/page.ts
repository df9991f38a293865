/**
 * The page side of the cross-engine tests: bundled into one script and run in headless
 * Chromium and Firefox. `engineRecords` makes, for each input, exactly the line that
 * `dmabuf-map run FILE --json --entries --state` prints (or, without text, `dmabuf-map
 * demo --json --entries --state`): the same parser and the same record writer as the CLI
 * (ts/cli/scenarios.ts), here in the page's engine.
 */
import { init } from "../../ts/core/loader.js";
import { formatPath, parseScenario, parseScenarioBytes, ScenarioError } from "../../ts/scenario/validate.js";
import type { Scenario } from "../../ts/scenario/schema.js";
import { writeRunJson } from "../../ts/scenario/output.js";
import { DEMO_SCENARIO } from "../../ts/scenario/demo.js";

/** A scenario file as the CLI would read it, or (no text) the built-in demo. */
export interface RecordInput {
  file: string;
  text?: string;
}

declare global {
  // eslint-disable-next-line no-var
  var engineRecords: (inputs: RecordInput[]) => Promise<string[]>;
}

/** The CLI's `--json` line for an invalid file (ts/cli/scenarios.ts, emit). */
function invalidLine(file: string, e: ScenarioError): string {
  const problems = e.issues.map((i) => ({ path: i.path.length ? formatPath(i.path) : "", code: i.code, message: i.message }));
  return JSON.stringify({ file, valid: false, problems, more: e.more }) + "\n";
}

async function record({ file, text }: RecordInput): Promise<string> {
  let scenario: Scenario;
  try {
    scenario = text === undefined ? parseScenario(DEMO_SCENARIO) : parseScenarioBytes(new TextEncoder().encode(text));
  } catch (e) {
    if (e instanceof ScenarioError) return invalidLine(file, e);
    throw e;
  }
  let out = "";
  await writeRunJson(scenario, await init(), (s) => void (out += s), { entries: true, state: true });
  return out;
}

globalThis.engineRecords = async (inputs) => {
  const out: string[] = [];
  for (const input of inputs) out.push(await record(input));
  return out;
};
