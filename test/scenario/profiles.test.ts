// The scenario layer's side of the rule profiles (docs/rules.md#profiles), in process:
// the fields and their validation, the record's `profile`, and compare.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parseScenario, parseScenarioText, type ScenarioError } from "../../ts/scenario/validate.js";
import { runScenario } from "../../ts/scenario/runner.js";
import { compareScenario, outcomeText, writeCompareJson, writeCompareText } from "../../ts/scenario/compare.js";
import { core } from "../helpers.js";

const c = core();
const shipped = (f: string) => parseScenarioText(readFileSync(new URL(`../../scenarios/${f}`, import.meta.url), "utf8"));
const base = {
  name: "p",
  devices: { cpu: {}, nic: {} },
  steps: [
    { op: "export", buffer: "b", exporter: "cpu", size: "0x1000", dynamic: true, backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } },
    { op: "attach", buffer: "b", importer: "nic", as: "a", dynamic: true, expect: { interconnect: "sgt" } },
    { op: "lock", buffer: "b", holder: "nic" },
    { op: "map", attachment: "a", as: "m" },
    { op: "unlock", buffer: "b", holder: "nic" },
    { op: "revoke", buffer: "b", expect: { notified: ["a"], stale: [], unmapped: ["m"] } },
    { op: "revoke", buffer: "b", expect: { notified: [], stale: [], unmapped: [] } },
  ],
};

describe("scenario fields of the profiles", () => {
  it("profile, revocable, unmapOnInvalidate, range, expect.unmapped and EDEADLK are accepted", () => {
    const s = parseScenario({ ...base, profile: "mainline" });
    expect(s.profile).toBe("mainline");
    expect(runScenario(s, c).output).toMatchObject({ name: "p", profile: "mainline", passed: true });
    const edead = parseScenario({
      ...base,
      profile: "mainline",
      steps: [
        ...base.steps.slice(0, 1),
        { op: "attach", buffer: "b", importer: "nic", as: "a", dynamic: true, revocable: false },
        { op: "lock", buffer: "b", holder: "nic" },
        { op: "map", attachment: "a", as: "m", range: { offset: "0x0", length: "0x1000" }, expect: { error: "EINVAL" } },
        { op: "map", attachment: "a", as: "m2" },
        { op: "unlock", buffer: "b", holder: "nic" },
        { op: "revoke", buffer: "b", expect: { error: "EDEADLK" } },
      ],
    });
    expect(runScenario(edead, c).output.passed).toBe(true);
  });

  it("validation refuses revocable: true without dynamic, unmapOnInvalidate on a non-revocable importer, and an unknown profile, naming each path", () => {
    const problems = (s: unknown) => {
      try {
        parseScenario(s);
      } catch (e) {
        return (e as ScenarioError).issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      }
      return [];
    };
    expect(problems({ ...base, steps: [base.steps[0], { op: "attach", buffer: "b", importer: "nic", as: "a", revocable: true }] })).toEqual([
      "steps.1.revocable: revocable: true needs dynamic: true (only an importer with ops can be revoked)",
    ]);
    expect(
      problems({
        ...base,
        steps: [base.steps[0], { op: "attach", buffer: "b", importer: "nic", as: "a", dynamic: true, revocable: false, unmapOnInvalidate: true }],
      }),
    ).toEqual(["steps.1.unmapOnInvalidate: unmapOnInvalidate is only for revocable importers (dynamic, and revocable not false)"]);
    expect(problems({ ...base, profile: "v7.1" })[0]).toMatch(/^profile: /);
    expect(problems({ ...base, steps: [base.steps[0], { op: "map", attachment: "a", range: { offset: "0x0" } }] })[0]).toMatch(/^steps\.1\.range\.length/);
  });

  it("without a profile the record has none and runs rfc-v2; the option overrides the scenario's", () => {
    const s = parseScenario(base);
    const out = runScenario(s, c).output;
    expect(Object.keys(out)).toEqual(["name", "passed", "steps", "traceHash"]);
    expect(out.passed).toBe(false); // rfc-v2: stale, not unmapped; the second revoke notifies again
    expect(Object.keys(runScenario(s, c, { profile: "rfc-v2" }).output)).toEqual(["name", "profile", "passed", "steps", "traceHash"]);
    expect(runScenario(s, c, { profile: "mainline" }).output.passed).toBe(true);
  });
});

describe("compare in process", () => {
  it("compareScenario marks the differing steps and keeps each profile's record", () => {
    const r = compareScenario(parseScenario(base), c, ["rfc-v2", "mainline"]);
    expect(r.name).toBe("p");
    expect(r.steps.filter((st) => st.differs).map((st) => st.i)).toEqual([5, 6]);
    expect(r.steps[6]!.outcomes).toEqual({
      "rfc-v2": { i: 6, op: "revoke", ok: true, result: { notified: ["a"], stale: [] } },
      mainline: { i: 6, op: "revoke", ok: true, result: { notified: [], stale: [] } },
    });
  });

  it("the streamed JSON equals the record, and the text lists only differing steps", async () => {
    const s = shipped("revoke-twice-device-reset.json");
    let json = "";
    expect(await writeCompareJson(s, c, ["rfc-v2", "mainline"], (x) => void (json += x))).toBe(4);
    expect(json).toBe(JSON.stringify(compareScenario(s, c, ["rfc-v2", "mainline"])) + "\n");
    let text = "";
    expect(await writeCompareText(s, c, ["mainline", "mapping-types"], (x) => void (text += x))).toBe(0);
    expect(text).toBe("compare revoke-twice-device-reset (18 steps) under mainline, mapping-types\nno step differs\n");
  });

  it("outcomeText: the code, or ok and the result fields", () => {
    expect(outcomeText({ i: 0, op: "map", ok: false, error: "EDEADLK" })).toBe("EDEADLK");
    expect(outcomeText({ i: 0, op: "lock", ok: true })).toBe("ok");
    expect(outcomeText({ i: 0, op: "revoke", ok: true, result: { notified: ["a", "b"], stale: [] } })).toBe("ok notified [a, b], stale []");
  });
});
