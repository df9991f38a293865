// Scenarios given as objects that JSON text cannot express (docs/scenarios.md#limits):
// sparse and huge arrays, cycles, throwing getters are ScenarioErrors with their paths,
// at once; the scenario's name is limited like every other name.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parseScenario, parseScenarioText, ScenarioError } from "../../ts/scenario/validate.js";

const base = JSON.parse(readFileSync(new URL("../../scenarios/move-notify.json", import.meta.url), "utf8")) as Record<string, unknown>;
const copy = () => structuredClone(base) as Record<string, unknown> & { steps: unknown[] };

function problems(input: unknown): { path: (string | number)[]; code: string }[] {
  try {
    parseScenario(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as ScenarioError).issues.map(({ path, code }) => ({ path, code }));
  }
  throw new Error("expected a ScenarioError");
}

describe("parseScenario refuses what JSON cannot say", () => {
  it("accepts the shipped scenario as an object", () => {
    expect(parseScenario(copy()).name).toBe(base.name);
  });

  it("a sparse steps array: the hole's path, not undefined", () => {
    const s = copy();
    delete s.steps[1];
    expect(problems(s)).toContainEqual({ path: ["steps", 1], code: "sparse_array" });
  });

  it("a sparse steps array of length 2^32 - 1: refused at once, not walked", () => {
    const s = copy();
    s.steps.length = 2 ** 32 - 1;
    expect(problems(s)).toEqual([{ path: ["steps"], code: "too_big" }]);
  });

  it("a huge sparse ranges array deep inside a step: its path", () => {
    const s = copy();
    const st = s.steps.find((x) => (x as { op: string }).op === "export") as { backing: { ranges: unknown[] } };
    st.backing.ranges.length = 2 ** 31;
    const i = s.steps.indexOf(st);
    expect(problems(s)).toEqual([{ path: ["steps", i, "backing", "ranges"], code: "too_big" }]);
  });

  it("a cycle and a throwing getter: their paths", () => {
    const s = copy();
    (s.steps[0] as Record<string, unknown>).expect = s;
    expect(problems(s)).toContainEqual({ path: ["steps", 0, "expect"], code: "cycle" });
    const t = copy();
    Object.defineProperty(t.devices, "evil", {
      get() {
        throw new TypeError("boom");
      },
      enumerable: true,
    });
    expect(problems(t).map((p) => p.path)).toContainEqual(["devices"]);
  });

  it("a name longer than 256 characters is refused, like every other name", () => {
    const s = copy();
    s.name = "n".repeat(257);
    expect(problems(s)).toContainEqual({ path: ["name"], code: "too_big" });
    const t = copy();
    t.name = "x".repeat(10 * 1024 * 1024);
    expect(() => parseScenarioText(JSON.stringify(t))).toThrow(ScenarioError);
    const ok = copy();
    ok.name = "n".repeat(256);
    expect(parseScenario(ok).name).toHaveLength(256);
  });
});
