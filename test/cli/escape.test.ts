// TAP and JUnit carry any name (docs/output.md#ci-formats): every character the format
// disallows, or that would break a line, is escaped, so a hostile scenario name or file
// name cannot make the report invalid YAML or XML.
import { describe, expect, it } from "vitest";
import { junit, tap, type Outcome } from "../../ts/cli/reporters.js";
import type { Scenario } from "../../ts/scenario/schema.js";

// DEL, C1 (NEL among them), the noncharacters U+FFFE, U+FFFF and U+FDD0, LS, PS, a lone surrogate, C0
const HOSTILE = "a\u007fb\u0080c\u0085d\u009fe\ufffef\uffffg\ufdd0h\u2028i\u2029j\ud800k\u0001l\u001bm";
const RAW =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const outcomes: Outcome[] = [
  { file: `x${HOSTILE}.json`, status: "invalid", problems: [{ path: "name", code: "too_big", message: `bad ${HOSTILE}` }], more: 0 },
  { file: "ok.json", status: "valid", scenario: { name: HOSTILE } as Scenario },
];

function all(r: ReturnType<typeof tap>): string {
  return r.start(outcomes.length) + outcomes.map((o) => r.file(o)).join("") + r.end();
}

describe("CI formats escape what they cannot carry", () => {
  it("TAP: descriptions and YAML blocks hold none of DEL, C1, NEL, LS, PS, U+FFFE, U+FFFF", () => {
    const out = all(tap());
    expect(out).not.toMatch(RAW);
    // each test point and YAML line is one line: nothing but \n breaks them
    for (const line of out.split("\n")) expect(line).not.toMatch(/[\r\u0085\u2028\u2029]/);
    expect(out).toContain("\\u007f");
    expect(out).toContain("\\u2028");
  });

  it("JUnit: no character XML 1.0 disallows or discourages", () => {
    for (const cmd of ["run", "validate"] as const) {
      const out = all(junit(cmd));
      expect(out).not.toMatch(RAW);
      expect(out).toContain("\\u0085");
    }
  });
});
