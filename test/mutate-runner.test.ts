// The runner of `npm run mutate` (test/mutate-runner.ts): under bail, a run ends at the
// first failing test, in the worker. The tests after it in the same file do not run and
// the files after it are not imported; without bail it changes nothing. Run on two tiny
// spec files in a vitest of their own, which log what they did.
import { describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "test-artifacts", "mutate-runner");
const log = join(dir, "events.txt");
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");

const spec = (lines: string[]) =>
  [
    `import { appendFileSync } from "node:fs";`,
    `import { it } from "vitest";`,
    `const log = (e) => appendFileSync(${JSON.stringify(log)}, e + "\\n");`,
    ...lines,
  ].join("\n");

function run(bail: number): { status: number | null; events: string[] } {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "a.spec.mjs"), spec([`it("a1 fails", () => { log("a1"); throw new Error("killed"); });`, `it("a2", () => { log("a2"); });`]));
  writeFileSync(join(dir, "b.spec.mjs"), spec([`log("b imported");`, `it("b1", () => { log("b1"); });`]));
  writeFileSync(
    join(dir, "vitest.config.mjs"),
    [
      `import { defineConfig } from "vitest/config";`,
      `import { BaseSequencer } from "vitest/node";`,
      `class ByName extends BaseSequencer { async sort(s) { return [...s].sort((x, y) => (x.moduleId < y.moduleId ? -1 : 1)); } }`,
      `export default defineConfig({ test: { include: ["*.spec.mjs"], runner: ${JSON.stringify(join(root, "test", "mutate-runner.ts"))},`,
      `  passWithNoTests: true, isolate: false, maxWorkers: 1, sequence: { sequencer: ByName } } });`,
    ].join("\n"),
  );
  const r = spawnSync(process.execPath, [vitest, "run", "--root", dir, "--bail", String(bail)], { cwd: dir, encoding: "utf8" });
  let events: string[] = [];
  try {
    events = readFileSync(log, "utf8").trim().split("\n");
  } catch {
    /* nothing logged */
  }
  return { status: r.status, events };
}

describe("the mutation runner", () => {
  it("under bail, stops at the first failing test: no later test runs, no later file is imported", () => {
    const r = run(1);
    expect(r.status).toBe(1);
    expect(r.events).toEqual(["a1"]);
  });

  it("without bail, runs every test of every file", () => {
    const r = run(0);
    expect(r.status).toBe(1);
    expect(r.events).toEqual(["a1", "a2", "b imported", "b1"]);
  });
});
