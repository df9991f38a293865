// The DMA-API debug checker in scenarios and the CLI (docs/rules.md#dma-debug): every
// shipped scenario stays silent under `run --dma-debug` except where it is meant to
// warn, outcomes never change, `--strict` and `expect.warnings` turn warnings into
// expectations, and the new fields are validated like every other.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { parseScenario, parseScenarioText, ScenarioError } from "../../ts/scenario/validate.js";
import { runScenario, type StepRecord } from "../../ts/scenario/runner.js";
import { DEMO_SCENARIO } from "../../ts/scenario/demo.js";
import { cli, scen } from "../cli/spawn.js";
import { core } from "../helpers.js";

const c = core();
const dir = new URL("../../scenarios/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort();
const load = (f: string) => JSON.parse(readFileSync(new URL(f, dir), "utf8")) as { steps: Record<string, unknown>[]; dmaDebug?: boolean };
const warned = (steps: StepRecord[]) => steps.flatMap((st) => (st.warnings ?? []).map((w) => `${st.i} ${w.rule}`));
const withoutWarnings = (steps: StepRecord[]) => steps.map(({ warnings: _, ...rest }) => rest);

/** The only warnings a shipped scenario gives under the checker, and why. */
const MEANT: Record<string, string[]> = {
  // the checker's own scenario: an unmap in the wrong direction, a mapping left behind
  "dma-debug-checker.json": ["6 unmap-direction-mismatch", "9 mapping-leaked"],
};

describe("run --dma-debug on the shipped scenarios", () => {
  it.each(files)("%s warns only where it is meant to, and keeps every outcome", (f) => {
    const s = parseScenarioText(readFileSync(new URL(f, dir), "utf8"));
    const on = runScenario(s, c, { dmaDebug: true }).output;
    expect(warned(on.steps)).toEqual(MEANT[f] ?? []);
    expect(on.passed).toBe(true);
    const off = runScenario({ ...s, dmaDebug: false }, c).output;
    expect(withoutWarnings(on.steps)).toEqual(off.steps);
  });

  it("the demo warns only of the mapping it leaves behind on purpose (it ends on close EBUSY, gpu1 still attached and mapped)", () => {
    const steps = runScenario(parseScenario(DEMO_SCENARIO), c, { dmaDebug: true }).output.steps;
    expect(warned(steps)).toEqual([`${steps.length - 1} mapping-leaked`]);
    expect(steps.at(-1)!.warnings![0]!.message).toContain("mapping m-peer");
  });

  it("the checker's scenario names every rule a scenario can reach without a user exporter", () => {
    expect(load("dma-debug-checker.json").dmaDebug).toBe(true);
  });
});

describe("--strict and expect.warnings", () => {
  const checker = () => parseScenario(load("dma-debug-checker.json"));

  it("--strict makes each warning an expectation failure of its step", () => {
    const r = runScenario(checker(), c, { strict: true });
    expect(r.output.passed).toBe(false);
    const failed = r.details.flatMap((d, i) => d.failures.map((f) => `${i} ${f.split(":")[0]}`));
    expect(failed).toEqual(["6 warning unmap-direction-mismatch (--strict)", "9 warning mapping-leaked (--strict)"]);
    expect(runScenario(checker(), c).output.passed).toBe(true);
  });

  it("expect.warnings states the rules in order: a missing or extra warning is a failure", () => {
    const raw = load("dma-debug-checker.json");
    raw.steps[6]!.expect = { warnings: [] };
    raw.steps[8]!.expect = { warnings: ["unmap-direction-mismatch"] };
    const r = runScenario(parseScenario(raw), c);
    expect(r.output.passed).toBe(false);
    expect(r.details[6]!.failures).toEqual(['expected warnings = [], got ["unmap-direction-mismatch"]']);
    expect(r.details[8]!.failures).toEqual(['expected warnings = ["unmap-direction-mismatch"], got []']);
  });

  it("without the checker a step has no warnings: expect.warnings [] holds", () => {
    const raw = load("dma-debug-checker.json");
    delete raw.dmaDebug;
    for (const st of raw.steps) if ((st.expect as { warnings?: unknown } | undefined)?.warnings) (st.expect as { warnings?: unknown }).warnings = [];
    expect(runScenario(parseScenario(raw), c).output.passed).toBe(true);
  });

  it("validation names an unknown rule, an unknown direction and a malformed sync", () => {
    const raw = load("dma-debug-checker.json");
    raw.steps[6]!.expect = { warnings: ["unmap-direction-mixup"] };
    raw.steps[5]!.direction = "sideways";
    raw.steps[2]!.flags = "start";
    (raw as Record<string, unknown>).dmaDebug = "yes";
    let issues: string[] = [];
    try {
      parseScenario(raw);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      issues = e.issues.map((i) => i.path.join("."));
    }
    expect(issues.sort()).toEqual(["dmaDebug", "steps.2.flags", "steps.5.direction", "steps.6.expect.warnings.0"]);
  });
});

describe("the CLI", () => {
  it("run --dma-debug adds warnings to the record; the exit code stays 0", () => {
    const r = cli(["run", "--dma-debug", "--json", scen("static-importer-pin.json")]);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('"warnings"');
    const k = cli(["run", "--json", scen("dma-debug-checker.json")]);
    expect(k.code).toBe(0);
    expect(k.out).toContain('"warnings":[{"rule":"unmap-direction-mismatch"');
  });

  it("run --strict fails (exit 1) on a scenario that warns, and names the warning on stderr", () => {
    const r = cli(["run", "--strict", "--json", scen("dma-debug-checker.json")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("step 6 (unmap tx): warning unmap-direction-mismatch (--strict)");
    expect(cli(["run", "--strict", "--dma-debug", scen("move-notify.json")]).code).toBe(0);
  });

  it("the report prints each warning under its step", () => {
    const r = cli(["run", scen("dma-debug-checker.json")], undefined, { env: { ...process.env, NO_COLOR: "1" } });
    expect(r.out).toMatch(/ {2}6 {2}unmap {3}tx +ok\n +! unmap-direction-mismatch: unmap tx: unmapped from-device but mapped to-device/);
  });

  it("--bufinfo refuses the checker's flags (exit 2)", () => {
    expect(cli(["run", "--bufinfo", "--dma-debug", scen("move-notify.json")]).code).toBe(2);
  });
});
