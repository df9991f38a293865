// Every file of test/bad-inputs/ in process: the problems (path, code, message) and the
// count past the cap are exactly those EXPECTED.json pins, so a validation message that
// changes or goes missing fails here. (test/reliability/corpus.test.ts runs the same
// files through the CLI for exit codes and stderr.)
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { formatPath, parseScenarioBytes, problemsJson, ScenarioError, MAX_PROBLEMS } from "../../ts/scenario/validate.js";

const dir = new URL("../bad-inputs/", import.meta.url);
type Want = { exit: number; problems: { path: string; code: string; message: string }[]; more?: number };
const expected = JSON.parse(readFileSync(new URL("EXPECTED.json", dir), "utf8")) as Record<string, Want>;

function problemsOf(file: string) {
  try {
    parseScenarioBytes(readFileSync(new URL(file, dir)));
    return { problems: [], more: 0 };
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return { problems: e.issues.map((i) => ({ path: formatPath(i.path), code: i.code, message: i.message })), more: e.more };
  }
}

describe("bad-input corpus, problem by problem", () => {
  it.each(Object.entries(expected))("%s", (file, want) => {
    const got = problemsOf(file);
    expect(got.problems).toEqual(want.problems);
    expect(got.more).toBe(want.more ?? 0);
    // a file with problems is exit 2; a valid one runs (exit 0 or 1)
    expect(want.exit === 2).toBe(got.problems.length > 0);
  });

  it("problem lists stop at MAX_PROBLEMS and count the rest", () => {
    const got = problemsOf("many-problems.json");
    expect(got.problems).toHaveLength(MAX_PROBLEMS);
    expect(got.more).toBe(150 - MAX_PROBLEMS);
    expect(got.problems.at(-1)!.path).toBe(`steps[${MAX_PROBLEMS - 1}].buffer`);
  });

  it("problemsJson gives the machine-readable list: path, code, message, and more", () => {
    try {
      parseScenarioBytes(readFileSync(new URL("many-problems.json", dir)));
      expect.unreachable();
    } catch (e) {
      const j = problemsJson(e as ScenarioError);
      expect(Object.keys(j)).toEqual(["problems", "more"]);
      expect(j.more).toBe(50);
      expect(j.problems[0]).toEqual({ path: ["steps", 0, "buffer"], code: "undeclared_name", message: 'buffer "b0" is not declared by an earlier step' });
      expect(JSON.parse(JSON.stringify(j))).toEqual(j);
    }
  });
});
