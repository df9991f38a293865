// What a scenario author is told: `expect` can state everything a run prints (the P2P
// path, a map's address space and entries), a decimal size that hex would make page
// aligned gets a hint, and a name whose declaring step failed is explained, not a bare ENOENT.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runScenario } from "../../ts/scenario/runner.js";
import { parseScenario, scenarioHintsOf } from "../../ts/scenario/validate.js";
import { decimalHint } from "../../ts/scenario/hints.js";
import { core } from "../helpers.js";

const c = core();
const iov = () => JSON.parse(readFileSync(new URL("../../scenarios/vf-bar-to-pf-iov.json", import.meta.url), "utf8"));
const run = (s: unknown) => runScenario(parseScenario(s), c, { previews: 4 });

describe("expect states what run prints", () => {
  it("path, space and entries hold when they match what the run shows", () => {
    const s = iov();
    s.steps[1].expect.path = "BUS_ADDR";
    Object.assign(s.steps[3].expect, {
      space: "bar-offset",
      entries: [
        ["0x0", "0x100000"],
        ["0x200000", 1048576],
      ],
    });
    const r = run(s);
    expect(r.details.flatMap((d) => d.failures)).toEqual([]);
    expect(r.output.passed).toBe(true);
  });

  it("and fail, naming the field and both values, when they do not", () => {
    const s = iov();
    s.steps[1].expect.path = "none";
    Object.assign(s.steps[3].expect, { space: "iova", entries: [["0x0", "0x100000"]] });
    const r = run(s);
    expect(r.output.passed).toBe(false);
    expect(r.details[1]!.failures).toEqual(['expected path = "none", got "BUS_ADDR"']);
    expect(r.details[3]!.failures).toEqual([
      'expected space = "iova", got "bar-offset"',
      'expected entries = [["0x0","0x100000"]], got [["0x0","0x100000"],["0x200000","0x100000"]]',
    ]);
  });

  it("a system-memory attach has the path none; a key the step cannot show is named as missing", () => {
    const s = {
      name: "sys",
      devices: { cpu: {}, nic: {} },
      steps: [
        { op: "export", buffer: "b", exporter: "cpu", size: "0x1000", backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } },
        { op: "attach", buffer: "b", importer: "nic", as: "a", expect: { path: "none", space: "cpu-phys" } },
      ],
    };
    expect(run(s).details[1]!.failures).toEqual(['expected space = "cpu-phys" but this step has no space']);
  });

  it("the new keys are validated like the others", () => {
    const s = iov();
    s.steps[1].expect.path = "SIDEWAYS";
    s.steps[3].expect.entries = [["0x0"]];
    expect(() => parseScenario(s)).toThrow(/steps\[1\]\.expect\.path[\s\S]*steps\[3\]\.expect\.entries\[0\]/);
  });
});

describe("decimal hints", () => {
  it("a decimal string that hex would make page aligned", () => {
    expect(decimalHint("200000")).toBe('"200000" is decimal 200000 = 0x30d40, not page aligned: did you mean "0x200000"?');
    expect(decimalHint("4096")).toBeUndefined(); // aligned as written
    expect(decimalHint("0x30d40")).toBeUndefined(); // hex as written
    expect(decimalHint("12345")).toBeUndefined(); // 0x12345 is not aligned either: no better guess
    expect(decimalHint(200000)).toBeUndefined(); // a JSON number is decimal by nature
    expect(decimalHint("99999999999999991000")).toBeUndefined(); // as hex past 2^64
  });

  it("ride on the step's EINVAL, for size and backing ranges of export and move", () => {
    const s = {
      name: "hint",
      devices: { d: {} },
      steps: [
        { op: "export", buffer: "b", exporter: "d", size: "200000", backing: { kind: "system", ranges: [{ addr: "0x100000", len: "0x200000" }] } },
        { op: "export", buffer: "c", exporter: "d", size: "0x2000", dynamic: true, backing: { kind: "system", ranges: [{ addr: "0x100000", len: "0x2000" }] } },
        { op: "move", buffer: "c", backing: { kind: "system", ranges: [{ addr: "300000", len: "0x2000" }] } },
      ],
    };
    const parsed = parseScenario(s);
    expect([...scenarioHintsOf(parsed).keys()]).toEqual([0, 2]);
    const r = runScenario(parsed, c);
    expect(r.output.steps.map((x) => x.error)).toEqual(["EINVAL", undefined, "EINVAL"]);
    expect(r.details[0]!.message).toMatch(/ \(hint: steps\[0\]\.size: "200000" is decimal 200000 = 0x30d40, not page aligned: did you mean "0x200000"\?\)$/);
    expect(r.details[2]!.message).toMatch(/\(hint: steps\[2\]\.backing\.ranges\[0\]\.addr: "300000" is decimal .* did you mean "0x300000"\?\)$/);
  });
});

describe("names whose declaring step failed", () => {
  it("say so instead of a bare ENOENT, down the chain", () => {
    const s = {
      name: "unborn",
      devices: { d: {} },
      steps: [
        { op: "export", buffer: "b0", exporter: "d", size: "0x1001", backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } },
        { op: "attach", buffer: "b0", importer: "d", as: "a0" },
        { op: "map", attachment: "a0" },
      ],
    };
    const r = run(s);
    expect(r.output.steps.map((x) => x.error)).toEqual(["EINVAL", "ENOENT", "ENOENT"]);
    expect(r.details[1]!.message).toBe("attach a0: b0 was not created: step 0 failed with EINVAL");
    expect(r.details[2]!.message).toBe("map #2: a0 was not created: step 1 failed with ENOENT");
    expect(r.details[2]!.failures).toEqual(["failed with ENOENT (map #2: a0 was not created: step 1 failed with ENOENT) but no error was expected"]);
  });

  it("a name that was created and later released keeps the model's own message", () => {
    const s = {
      name: "released",
      devices: { d: {} },
      steps: [
        { op: "export", buffer: "b0", exporter: "d", size: "0x1000", backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } },
        { op: "close", buffer: "b0" },
        { op: "attach", buffer: "b0", importer: "d", as: "a0", expect: { error: "ENOENT" } },
      ],
    };
    const r = run(s);
    expect(r.details[2]!.message).not.toMatch(/was not created/);
    expect(r.output.passed).toBe(true);
  });
});
