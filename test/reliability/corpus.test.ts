// Every file of test/bad-inputs/ through the CLI in one run: a clear error (the path or
// rule, no stack trace) or a correct run, never a hang or a crash. Each file in a process
// of its own, with its own exit code: corpus.slow.test.ts. The giants: giants.slow.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cli } from "../cli/spawn.js";

const dir = new URL("../bad-inputs/", import.meta.url);
const expected = JSON.parse(readFileSync(new URL("EXPECTED.json", dir), "utf8")) as Record<string, { exit: number; stderr: string }>;

// a bad input is small: a run past two minutes is a hang, reported as a limit by cli()
const _run = (args: string[]) => cli(args, undefined, { timeout: 120_000 });

describe("bad-input corpus", () => {
  it("has at least 50 files, each with an asserted outcome", () => {
    const files = readdirSync(dir).filter((f) => f !== "EXPECTED.json");
    expect(files.length).toBeGreaterThanOrEqual(50);
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  // one CLI run over every file (its JSON line and its stderr lines name the file);
  // each file in a process of its own is corpus.slow.test.ts
  const files = Object.keys(expected).map((f) => fileURLToPath(new URL(f, dir)));
  let all: ReturnType<typeof cli>;
  let lines: { file?: string; valid?: boolean; problems?: unknown[]; passed?: boolean }[];
  beforeAll(() => {
    all = cli(["run", ...files, "--json"], undefined, { timeout: 600_000, maxBuffer: 1 << 28 });
    lines = all.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
  });

  it("one run over every file: no crash, no stack trace, a line per file, exit 2 since some are invalid", () => {
    expect(all.signal).toBeNull();
    expect(all.code).toBe(2);
    expect(all.err).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(lines).toHaveLength(files.length);
  });

  it.each(Object.entries(expected).map(([f, want], k) => [f, want, k] as const))("%s", (file, want, k) => {
    const line = lines[k]!;
    if (want.exit === 2) {
      expect(line).toMatchObject({ file: files[k], valid: false });
      expect(line.problems!.length).toBeGreaterThan(0);
    } else expect(line.passed).toBe(want.exit === 0);
    // this file's stderr lines: with several files, each starts with its name (or names it, for an unreadable file)
    const own = all.err
      .split("\n")
      .filter((l) => l.startsWith(files[k]!) || l.startsWith(`dmabuf-map: ${files[k]}:`))
      .join("\n");
    if (want.stderr) expect(own).toMatch(new RegExp(want.stderr));
  });
});
