/**
 * What `dmabuf-map run` prints, produced in-process by the same functions the CLI calls:
 * the readable report of every shipped scenario and the demo (plain, `--all`, and in
 * colour) is byte-identical to the one recorded in test/golden/report/ (`dmabuf-map run
 * <file>` prints exactly these bytes), and the streamed `--json` record equals the
 * recorded golden record, whether it is buffered or streamed by a second run.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { parseScenario, parseScenarioText } from "../../ts/scenario/validate.js";
import { runScenario } from "../../ts/scenario/runner.js";
import { ansi, formatReport, printRun, type PrintOptions } from "../../ts/scenario/report.js";
import { writeRunJson } from "../../ts/scenario/output.js";
import { DEMO_SCENARIO } from "../../ts/scenario/demo.js";
import type { Scenario } from "../../ts/scenario/schema.js";
import { core } from "../helpers.js";

const c = core();
const scenarios = new URL("../../scenarios/", import.meta.url);
const golden = new URL("../golden/", import.meta.url);
const ALL: [string, Scenario][] = [
  ...readdirSync(scenarios)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f): [string, Scenario] => [f.replace(/\.json$/, ""), parseScenarioText(readFileSync(new URL(f, scenarios), "utf8"))]),
  ["demo", parseScenario(DEMO_SCENARIO)],
];
const recorded = (path: string) => readFileSync(new URL(path, golden), "utf8");

async function printed(s: Scenario, opts: PrintOptions): Promise<{ out: string; err: string[]; passed: boolean }> {
  let out = "";
  const err: string[] = [];
  const passed = await printRun(
    s,
    c,
    opts,
    (x) => void (out += x),
    (x) => err.push(x),
  );
  return { out, err, passed };
}

describe("the readable report", () => {
  it.each(ALL)("%s: byte-identical to the recorded report, plain and --all", async (name, s) => {
    const plain = await printed(s, {});
    expect(plain.out).toBe(recorded(`report/${name}.txt`));
    expect(plain.passed).toBe(true);
    expect((await printed(s, { all: true })).out).toBe(recorded(`report/${name}.all.txt`));
  });

  it("in colour: the recorded ANSI bytes, and the same text once the escapes are removed", async () => {
    const demo = ALL.find(([n]) => n === "demo")![1];
    const { out } = await printed(demo, { style: ansi });
    expect(out).toBe(recorded("report/demo.ansi.txt"));
    expect(out.replace(/\x1b\[[0-9;]*m/g, "")).toBe(recorded("report/demo.txt"));
  });

  it.each(ALL)("%s: formatReport of a finished run prints the same report as the streamed printRun", async (name, s) => {
    expect(formatReport(s, runScenario(s, c, { previews: 4 }))).toBe(recorded(`report/${name}.txt`));
  });
});

describe("the streamed --json record", () => {
  it.each(ALL)("%s: equals the recorded record, kept in memory or streamed by a second run", async (name, s) => {
    for (const bufferLimit of [undefined, 0, 100]) {
      let out = "";
      const passed = await writeRunJson(s, c, (x) => void (out += x), bufferLimit === undefined ? {} : { bufferLimit });
      expect([bufferLimit, out]).toEqual([bufferLimit, recorded(`${name}.json`)]);
      expect(passed).toBe(true);
    }
  });

  it.each(ALL)("%s: with --entries --state, the runner's record with its traceHash", async (_name, s) => {
    let out = "";
    await printRun(
      s,
      c,
      { json: true, entries: true, state: true },
      (x) => void (out += x),
      () => {},
    );
    const { output } = runScenario(s, c, { entries: true, state: true });
    expect(out).toBe(JSON.stringify(output, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)) + "\n");
  });

  it("an expectation that fails: passed false first, each failure on err naming the step, and the report marks it", async () => {
    const s = parseScenario({
      name: "fails",
      devices: { d: {} },
      steps: [
        {
          op: "export",
          buffer: "b",
          exporter: "d",
          size: "0x2000",
          backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x2000" }] },
          expect: { error: "EINVAL" },
        },
      ],
    });
    const json = await printed(s, { json: true });
    expect(json.passed).toBe(false);
    expect(json.out.startsWith('{"name":"fails","passed":false,"steps":[{"i":0,"op":"export","ok":true}]')).toBe(true);
    expect(json.err).toEqual(["step 0 (export b): expected EINVAL but the step succeeded\n"]);
    const report = await printed(s, {});
    expect(report.passed).toBe(false);
    expect(report.out).toMatch(/✗ expected EINVAL but the step succeeded\n/);
  });
});
