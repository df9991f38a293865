/**
 * The `--json` output of every shipped scenario and of the demo, byte for byte, as it
 * was recorded in test/golden/ before the seams were reworked. A refactor that changes
 * one byte of the default output (a key order, a hash, a code) fails here.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { parseScenario, parseScenarioText } from "../../ts/scenario/validate.js";
import { runScenario } from "../../ts/scenario/runner.js";
import { DEMO_SCENARIO } from "../../ts/scenario/demo.js";
import { core } from "../helpers.js";

const c = core();
const golden = new URL("../golden/", import.meta.url);
const scenarios = new URL("../../scenarios/", import.meta.url);
const files = readdirSync(scenarios)
  .filter((f) => f.endsWith(".json"))
  .sort();
const recorded = (name: string) => readFileSync(new URL(name, golden), "utf8");

describe("default --json output is byte-identical to the recorded one", () => {
  it.each(files)("%s", (f) => {
    const s = parseScenarioText(readFileSync(new URL(f, scenarios), "utf8"));
    expect(JSON.stringify(runScenario(s, c).output) + "\n").toBe(recorded(f));
  });
  it("demo", () => {
    expect(JSON.stringify(runScenario(parseScenario(DEMO_SCENARIO), c).output) + "\n").toBe(recorded("demo.json"));
  });
});
