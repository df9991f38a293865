// Three engines, one answer (the slow tier, npm run test:all): 300 random scenarios from
// the fuzzer's generator (ts/fuzz/fuzz.ts randomScenario: seeds 1-300, 60 generated steps
// each, then the teardown; a few reuse a name and are invalid, which the CLI reports the
// same way everywhere) print the same `--json --entries --state` bytes under Node, Bun,
// Chromium and Firefox ESR; and a 20,000-op fuzz run, traced step by step, is the same
// under Node and Bun.
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomScenario } from "../../ts/fuzz/fuzz.js";
import { cliRecords, crossEngineSuite, requireEngine, skipEngine } from "./engines.js";

const SEEDS = 300;
const STEPS = 60;
const dir = mkdtempSync(join(tmpdir(), "dmabuf-engines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function randomFiles(): string[] {
  return Array.from({ length: SEEDS }, (_, k) => {
    const file = join(dir, `random-${String(k + 1).padStart(3, "0")}.json`);
    writeFileSync(file, JSON.stringify(randomScenario(k + 1, STEPS)));
    return file;
  });
}

crossEngineSuite(`${SEEDS} random scenarios and the demo on every engine`, randomFiles);

describe("the random scenarios", () => {
  it("are at least 200 runs, every one passing the reference's expectations", () => {
    const lines = cliRecords("node", randomFiles());
    const runs = lines.filter((l) => l.includes('"traceHash"'));
    expect(runs.length).toBeGreaterThanOrEqual(200);
    // every expectation comes from the lifecycle reference: a run that fails one is a bug
    expect(runs.filter((l) => l.includes('"passed":false'))).toEqual([]);
  });
});

describe("a 20,000-op fuzz run", () => {
  const trace = fileURLToPath(new URL("./fuzz-trace.mjs", import.meta.url));
  const run = (engine: "node" | "bun") => {
    const r = spawnSync(requireEngine(engine), [trace, "7", "20000"], { encoding: "utf8", maxBuffer: 1 << 30 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    return r.stdout.split("\n");
  };

  it.skipIf(skipEngine("bun"))("steps through the same records and states under Bun as under Node, and ends in the same report", () => {
    const [want, got] = [run("node"), run("bun")];
    expect(want.length).toBeGreaterThan(20_000);
    const k = want.findIndex((w, i) => w !== got[i]);
    const where =
      k < 0 ? "" : `first differing step ${want[k]!.split(" ")[0]}:\n  Node: ${want[k]!.slice(0, 600)}\n  Bun:  ${(got[k] ?? "(no line)").slice(0, 600)}`;
    expect(where).toBe("");
    expect(got).toHaveLength(want.length);
    expect(want.at(-2)).toMatch(/^report \{"seed":7,"ops":20000,/);
  });
});
