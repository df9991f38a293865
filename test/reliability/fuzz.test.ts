import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fuzz } from "../../ts/fuzz/fuzz.js";
import { progress } from "../../ts/fuzz/cli.js";
import { FAULTS, faultName } from "../../ts/fuzz/hostile.js";
import { parseScenario } from "../../ts/scenario/validate.js";
import { core } from "../helpers.js";

const bin = fileURLToPath(new URL("../../dist/ts/cli/main.js", import.meta.url));

describe("fuzzing operation sequences", () => {
  it.each([1, 2])("seed %i: 10,000 ops, no difference from the reference, every invariant holds, nothing leaks", (seed) => {
    const r = fuzz(core(), { seed, ops: 10_000, shrink: false }); // a failure here names the violation; the CLI shrinks it
    expect(r.violations).toEqual([]);
    expect(r.differences).toBe(0);
    expect(r.leaks).toEqual({ iova: 0, heapBytes: 0, heapBlocks: 0, handles: 0 });
    expect(r.ops).toBe(10_000);
    expect(r.teardown).toBeGreaterThan(0);
  });

  it("hostile exporters: every epoch one exporter breaks the ops contract (24,000 ops in 48 epochs), each fault makes the model refuse as the reference says", () => {
    const r = fuzz(core(), { seed: 3, ops: 24_000, hostileEvery: 1, shrink: false });
    expect(r.violations).toEqual([]);
    expect(r.differences).toBe(0);
    expect(r.leaks).toEqual({ iova: 0, heapBytes: 0, heapBlocks: 0, handles: 0 });
    expect((r.coverage.rows.C1 ?? 0) + (r.coverage.rows.C2 ?? 0)).toBeGreaterThan(100);
    expect(FAULTS.map(faultName).filter((f) => !r.coverage.faults[f])).toEqual([]);
  });

  it("is deterministic: the same seed gives the same report", () => {
    expect(JSON.stringify(fuzz(core(), { seed: 7, ops: 1500, shrink: false }))).toBe(JSON.stringify(fuzz(core(), { seed: 7, ops: 1500, shrink: false })));
  });

  it("shrinks a planted bug to a small scenario that dmabuf-map run accepts", () => {
    const planted = (_m: unknown, st: { op: string; container?: string }, ok: boolean) =>
      ok && st.op === "map" && st.container === "xarray" ? "planted: xarray map" : undefined;
    const r = fuzz(core(), { seed: 3, ops: 5000, extraInvariant: planted });
    expect(r.violations[0]).toMatchObject({ invariant: "extra", message: "planted: xarray map" });
    const repro = r.repro as { steps: { op: string; container?: string }[] };
    const s = parseScenario(repro); // valid scenario format
    expect(s.steps.some((st) => st.op === "map" && st.container === "xarray")).toBe(true);
    expect(s.steps.length).toBeLessThanOrEqual(4); // export, attach, (lock,) map
    const run = spawnSync(process.execPath, [bin, "run", "-", "--json"], { input: JSON.stringify(repro), encoding: "utf8" });
    expect(run.status).toBe(0);
  });

  it("the CLI runs exactly --ops operations, prints the documented JSON with coverage and exits 0", () => {
    const r = spawnSync(process.execPath, [bin, "fuzz", "--seed", "5", "--ops", "3001", "--json"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["seed", "ops", "teardown", "errors", "differences", "violations", "leaks", "coverage"]);
    expect(out).toMatchObject({ seed: 5, ops: 3001, differences: 0, violations: [], leaks: { iova: 0, heapBytes: 0, heapBlocks: 0, handles: 0 } });
    expect(Object.values(out.coverage.outcomes).reduce((s: number, n) => s + (n as number), 0)).toBe(3001);
    // stderr is a pipe here: progress lines, the last one at 100%
    expect(r.stderr.trim().split("\n").at(-1)).toBe("fuzz: 3,001 of 3,001 ops (100%)");
  });

  it("progress: on a pipe a line every 3 seconds and the final count; on a TTY a bar that ends at 100%", () => {
    let t = 0;
    const lines: string[] = [];
    const p = progress(
      false,
      (s) => lines.push(s),
      () => t,
    );
    for (let done = 1; done <= 10; done++) {
      t = done * 1000;
      p(done, 10);
    }
    p(10, 10);
    expect(lines).toEqual(["fuzz: 3 of 10 ops (30%)\n", "fuzz: 6 of 10 ops (60%)\n", "fuzz: 9 of 10 ops (90%)\n", "fuzz: 10 of 10 ops (100%)\n"]);
    const bar: string[] = [];
    const q = progress(
      true,
      (s) => bar.push(s),
      () => 0,
    );
    for (let done = 1; done <= 200; done++) q(done, 200);
    expect(bar).toHaveLength(101); // 0% … 100%
    expect(bar.at(-1)).toMatch(/100% \(200 ops\)\n$/);
  });
});
