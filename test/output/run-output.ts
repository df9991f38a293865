// Shared by the output tests: every shipped scenario and the demo, parsed.
import { readFileSync, readdirSync } from "node:fs";
import { parseScenario, parseScenarioText } from "../../ts/scenario/validate.js";
import { DEMO_SCENARIO } from "../../ts/scenario/demo.js";
import type { Scenario } from "../../ts/scenario/schema.js";

const dir = new URL("../../scenarios/", import.meta.url);

/** [file name, scenario] for every shipped scenario, then the demo. */
export const SCENARIOS: [string, Scenario][] = [
  ...readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f): [string, Scenario] => [f, parseScenarioText(readFileSync(new URL(f, dir), "utf8"))]),
  ["demo", parseScenario(DEMO_SCENARIO)],
];
