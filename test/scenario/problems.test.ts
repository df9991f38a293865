// Inputs full of problems: validation keeps the first MAX_PROBLEMS and counts the rest,
// so a 16 MB file with millions of problems (a 56 MB one: problems.slow.test.ts) ends with exit 2 and the
// exact count instead of running out of memory. (No timing here: the sizes are in
// docs/scenarios.md, measured.)
import { describe, expect, it } from "vitest";
import { parseScenarioBytes, ScenarioError, MAX_PROBLEMS } from "../../ts/scenario/validate.js";

import { giant } from "./giant.js";

describe("problem lists of huge inputs", () => {
  it("16 MB of steps naming undeclared buffers: the first 100 problems, and the exact count of the rest", () => {
    const { text, n } = giant(16, '{"op":"close","buffer":"b"}');
    expect(n).toBeGreaterThan(500_000);
    try {
      parseScenarioBytes(new TextEncoder().encode(text));
      expect.unreachable();
    } catch (e) {
      const err = e as ScenarioError;
      expect(err).toBeInstanceOf(ScenarioError);
      expect(err.issues).toHaveLength(MAX_PROBLEMS);
      expect(err.issues[99]).toEqual({ path: ["steps", 99, "buffer"], code: "undeclared_name", message: 'buffer "b" is not declared by an earlier step' });
      expect(err.more).toBe(n - MAX_PROBLEMS);
      expect(err.message.split("\n")).toHaveLength(MAX_PROBLEMS + 1);
    }
  });

  it("16 MB of duplicate keys: every duplicate is counted", () => {
    const { text, n } = giant(16, '"a":1', '{"name":"giant","devices":{},"steps":[],"junk":{', "}}");
    try {
      parseScenarioBytes(new TextEncoder().encode(text));
      expect.unreachable();
    } catch (e) {
      const err = e as ScenarioError;
      expect(err.issues).toHaveLength(MAX_PROBLEMS);
      expect(err.issues[0]).toEqual({ path: ["junk", "a"], code: "duplicate_key", message: 'key "a" appears twice in the same object' });
      expect(err.more).toBe(n - 1 - MAX_PROBLEMS);
    }
  });
});
