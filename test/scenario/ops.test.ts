// The ops table (ts/scenario/ops.ts) is the one place an op is defined: every row has
// every piece, and the schema, the name checks, the runner and the error messages all
// follow it. A row that lacks a piece, or an op that a shipped scenario never runs,
// fails here.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { OPS, OP_NAMES, OP_LIST, rowOf, type Row } from "../../ts/scenario/ops.js";
import { parseScenario, parseScenarioText, ScenarioError } from "../../ts/scenario/validate.js";
import { executeStep, runScenario } from "../../ts/scenario/runner.js";
import { scenarioJsonSchema, type Scenario, type Step } from "../../ts/scenario/schema.js";
import { DEMO_SCENARIO } from "../../ts/scenario/demo.js";
import { DmaBufModel } from "../../ts/model/model.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { core } from "../helpers.js";

const c = core();
const dir = new URL("../../scenarios/", import.meta.url);
const shipped = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => parseScenarioText(readFileSync(new URL(f, dir), "utf8")));
const rows = Object.entries(OPS) as [string, Row][];

/** Every op once, each succeeding (a new op needs a step here). */
const everyOp = parseScenario({
  name: "every-op",
  devices: { cpu: {}, gpu: {} },
  steps: [
    { op: "export", buffer: "b", exporter: "cpu", size: "0x2000", dynamic: true, backing: { kind: "system", ranges: [{ addr: "0x10000", len: "0x2000" }] } },
    { op: "attach", buffer: "b", importer: "gpu", as: "a", dynamic: true },
    { op: "lock", buffer: "b", holder: "gpu" },
    { op: "pin", attachment: "a" },
    { op: "map", attachment: "a", as: "m" },
    { op: "unmap", mapping: "m" },
    { op: "unpin", attachment: "a" },
    { op: "unlock", buffer: "b", holder: "gpu" },
    { op: "move", buffer: "b", backing: { kind: "system", ranges: [{ addr: "0x20000", len: "0x2000" }] }, expect: { notified: ["a"], stale: [] } },
    { op: "revoke", buffer: "b" },
    { op: "restore", buffer: "b" },
    { op: "detach", attachment: "a" },
    { op: "close", buffer: "b" },
  ],
});

describe("the ops table", () => {
  it.each(rows)("%s: its subject and name fields are fields of its shape, its model call a function", (op, row) => {
    const fields = Object.keys(row.shape);
    expect(fields).toContain(row.subject);
    expect(fields).not.toContain("op");
    expect(fields).not.toContain("expect");
    for (const [field, use] of Object.entries(row.names)) {
      expect(fields, `${op}.names.${field}`).toContain(field);
      expect(use && ("needs" in use ? ["device", "buffer", "attachment", "mapping"] : ["buffer", "attachment", "mapping"])).toContain(
        use && ("needs" in use ? use.needs : use.declares),
      );
    }
    // the subject is a name the step needs or declares
    expect(Object.keys(row.names)).toContain(row.subject);
    expect(typeof row.run).toBe("function");
  });

  it("every op runs, and each record is its own step's (shipped scenarios, the demo, every-op)", () => {
    const seen = new Set<string>();
    for (const s of [...shipped, parseScenario(DEMO_SCENARIO), everyOp]) {
      const { output, details } = runScenario(s, c);
      if (s === everyOp) expect(output.passed).toBe(true);
      output.steps.forEach((rec, i) => {
        expect(rec.op).toBe(s.steps[i]!.op);
        expect(rec.i).toBe(i);
        expect(details[i]!.subject.length).toBeGreaterThan(0);
        seen.add(rec.op);
        // an op with a JSON result form gives a result on success, and only those do
        if (rec.ok) expect("result" in rec).toBe(!!rowOf(rec.op)!.json);
      });
    }
    expect([...seen].sort()).toEqual([...OP_NAMES].sort());
  });

  it("the JSON Schema has one step variant per op, with the row's fields", () => {
    const schema = scenarioJsonSchema() as { properties: { steps: { items: { oneOf?: unknown[]; anyOf?: unknown[] } } } };
    const items = schema.properties.steps.items;
    const variants = (items.oneOf ?? items.anyOf) as { properties: Record<string, { const?: string }> }[];
    expect(variants.map((v) => v.properties.op!.const)).toEqual(OP_NAMES);
    variants.forEach((v, k) => expect(Object.keys(v.properties).sort()).toEqual(["op", "expect", ...Object.keys(OPS[OP_NAMES[k]!].shape)].sort()));
  });

  it("the unknown-op message lists every op of the table", () => {
    const bad = { name: "x", devices: {}, steps: [{ op: "teleport" }] };
    expect(() => parseScenario(bad)).toThrow(`unknown op "teleport": expected one of ${OP_LIST}`);
    for (const op of OP_NAMES) expect(OP_LIST.split(", ")).toContain(op);
  });

  it("names declared and needed come from the table: a name an op needs must be declared earlier", () => {
    for (const [op, row] of rows) {
      for (const [field, use] of Object.entries(row.names)) {
        if (!use || !("needs" in use)) continue;
        const step = { op, [field]: "ghost" };
        try {
          parseScenario({ name: "x", devices: {}, steps: [step] });
          expect.unreachable(`${op}.${field}`);
        } catch (e) {
          expect((e as ScenarioError).issues).toContainEqual(expect.objectContaining({ path: ["steps", 0, field], code: "undeclared_name" }));
        }
      }
    }
  });
});

describe("steps outside the table", () => {
  const base = (): Scenario =>
    parseScenario({
      name: "x",
      devices: { d: {} },
      steps: [{ op: "export", buffer: "b", exporter: "d", size: 4096, backing: { kind: "system", ranges: [{ addr: 4096, len: 4096 }] } }],
    });

  it.each(["teleport", "__proto__", "toString", "constructor", undefined, 5])(
    "runScenario refuses op %s before running anything, never reporting another step's record",
    (op) => {
      const s = base();
      s.steps.push({ op } as unknown as Step);
      const before = c.usage();
      try {
        runScenario(s, c);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ScenarioError);
        expect((e as ScenarioError).issues).toEqual([
          { path: ["steps", 1, "op"], code: "invalid_union", message: `unknown op ${JSON.stringify(op) ?? "undefined"}: expected one of ${OP_LIST}` },
        ]);
      }
      expect(c.usage()).toEqual(before);
    },
  );

  it("executeStep with an unknown op throws EINVAL naming the op, and the model records nothing", () => {
    const model = new DmaBufModel(c, { devices: {} });
    try {
      expect(() => executeStep(model, { op: "hasOwnProperty" } as unknown as Step, 3)).toThrow(DmaBufError);
      expect(() => executeStep(model, { op: "hasOwnProperty" } as unknown as Step, 3)).toThrow(/unknown op "hasOwnProperty"/);
      expect(model.trace).toEqual([]);
    } finally {
      model.dispose();
    }
  });
});
