// The slow tier: every file of test/bad-inputs/ through the CLI in a process of its own,
// with its own exit code: a clear error (the path or rule, no stack trace) or a correct run.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cli } from "../cli/spawn.js";

const dir = new URL("../bad-inputs/", import.meta.url);
const expected = JSON.parse(readFileSync(new URL("EXPECTED.json", dir), "utf8")) as Record<string, { exit: number; stderr: string }>;

// a bad input is small: a run past two minutes is a hang, reported as a limit by cli()
const run = (args: string[]) => cli(args, undefined, { timeout: 120_000 });

describe("bad-input corpus, one process per file", () => {
  it.each(Object.entries(expected))("%s", (file, want) => {
    const r = run(["run", fileURLToPath(new URL(file, dir)), "--json"]);
    expect(r.signal).toBeNull();
    expect({ code: r.code, err: r.err }).toMatchObject({ code: want.exit });
    expect(r.err).not.toMatch(/\n\s+at .*:\d+:\d+/); // no stack trace
    if (want.stderr) expect(r.err).toMatch(new RegExp(want.stderr));
    if (want.exit === 2) {
      const j = JSON.parse(r.out); // run --json prints the problems as JSON
      expect(j.valid).toBe(false);
      expect(j.problems.length).toBeGreaterThan(0);
    } else expect(JSON.parse(r.out).passed).toBe(want.exit === 0);
  });
});
