// The slow tier: 56 MB of bad steps through the CLI's validate, in bounded memory.
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_PROBLEMS } from "../../ts/scenario/validate.js";
import { cli } from "../cli/spawn.js";
import { giant } from "./giant.js";

describe("problem lists of huge inputs, through the CLI", () => {
  it("56 MB of bad steps through `validate --json`: exit 2, 100 problems and `more`, no crash", () => {
    const dir = mkdtempSync(join(tmpdir(), "dmabuf-map-problems-"));
    try {
      const { text, n } = giant(56, "1");
      const file = join(dir, "giant.json");
      writeFileSync(file, text);
      const r = cli(["validate", file, "--json"]);
      expect(r.signal).toBeNull();
      expect(r.code).toBe(2);
      const out = JSON.parse(r.out) as { problems: { path: string; code: string; message: string }[]; more: number };
      expect(out.problems).toHaveLength(MAX_PROBLEMS);
      // the step limit first, then one problem per step (a number is no step)
      expect(out.problems[0]).toEqual({ path: "steps", code: "too_big", message: "at most 1000000 steps" });
      expect(out.problems[1]).toEqual({ path: "steps[0]", code: "invalid_type", message: "Invalid input: expected object, received number" });
      expect(out.more).toBe(n + 1 - MAX_PROBLEMS);
      expect(r.err).toMatch(new RegExp(`invalid scenario: ${n + 1} problem\\(s\\)`));
      expect(r.err).toMatch(new RegExp(`… and ${n + 1 - MAX_PROBLEMS} more`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
