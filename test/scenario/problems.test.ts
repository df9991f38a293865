// Inputs full of problems: validation keeps the first MAX_PROBLEMS and counts the rest,
// so a 16 MB file with millions of problems, or a 56 MB one, ends with exit 2 and the
// exact count instead of running out of memory. (No timing here: the sizes are in
// docs/scenarios.md, measured.)
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseScenarioBytes, ScenarioError, MAX_PROBLEMS } from "../../ts/scenario/validate.js";

const bin = fileURLToPath(new URL("../../dist/ts/cli/main.js", import.meta.url));
const MB = 1 << 20;

/** `{"name":…,"steps":[unit,unit,…]}` of about `mb` MB; returns the text and the number of units. */
function giant(mb: number, unit: string, head = '{"name":"giant","devices":{},"steps":[', tail = "]}") {
  const n = Math.floor((mb * MB - head.length - tail.length) / (unit.length + 1));
  return { text: head + Array(n).fill(unit).join(",") + tail, n };
}

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
  }, 120_000);

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
  }, 120_000);

  it("56 MB of bad steps through `validate --json`: exit 2, 100 problems and `more`, no crash", () => {
    const dir = mkdtempSync(join(tmpdir(), "dmabuf-map-problems-"));
    try {
      const { text, n } = giant(56, "1");
      const file = join(dir, "giant.json");
      writeFileSync(file, text);
      const r = spawnSync(process.execPath, [bin, "validate", file, "--json"], { encoding: "utf8", timeout: 300_000, maxBuffer: 1 << 26 });
      expect(r.signal).toBeNull();
      expect(r.status).toBe(2);
      const out = JSON.parse(r.stdout) as { problems: { path: string; code: string; message: string }[]; more: number };
      expect(out.problems).toHaveLength(MAX_PROBLEMS);
      // the step limit first, then one problem per step (a number is no step)
      expect(out.problems[0]).toEqual({ path: "steps", code: "too_big", message: "at most 1000000 steps" });
      expect(out.problems[1]).toEqual({ path: "steps[0]", code: "invalid_type", message: "Invalid input: expected object, received number" });
      expect(out.more).toBe(n + 1 - MAX_PROBLEMS);
      expect(r.stderr).toMatch(new RegExp(`invalid scenario: ${n + 1} problem\\(s\\)`));
      expect(r.stderr).toMatch(new RegExp(`… and ${n + 1 - MAX_PROBLEMS} more`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
