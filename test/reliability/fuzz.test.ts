import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fuzz } from "../../ts/fuzz/fuzz.js";
import { parseScenario } from "../../ts/scenario/validate.js";
import { core } from "../helpers.js";

const bin = fileURLToPath(new URL("../../dist/ts/cli/main.js", import.meta.url));

describe("fuzzing operation sequences", () => {
  it.each([1, 2])("seed %i: 10,000 ops, every invariant holds and nothing leaks", (seed) => {
    const r = fuzz(core(), { seed, ops: 10_000 });
    expect(r.violations).toEqual([]);
    expect(r.leaks).toEqual({ iova: 0, heapBytes: 0, heapBlocks: 0, handles: 0 });
    expect(r.ops).toBeGreaterThanOrEqual(10_000);
    // the sequences reach the rules: successes and most error codes
    expect(Object.keys(r.errors)).toEqual(expect.arrayContaining(["EBUSY", "EINVAL", "ENODEV", "ENOENT", "EOPNOTSUPP", "EPERM", "EALREADY"]));
  });

  it("is deterministic: the same seed gives the same report", () => {
    expect(JSON.stringify(fuzz(core(), { seed: 7, ops: 1500 }))).toBe(JSON.stringify(fuzz(core(), { seed: 7, ops: 1500 })));
  });

  it("shrinks a planted bug to a small scenario that dmabuf-map run accepts", () => {
    const planted = (_m: unknown, st: { op: string; container?: string }, ok: boolean) => (ok && st.op === "map" && st.container === "xarray" ? "planted: xarray map" : undefined);
    const r = fuzz(core(), { seed: 3, ops: 5000, extraInvariant: planted });
    expect(r.violations[0]).toMatchObject({ invariant: "extra", message: "planted: xarray map" });
    const repro = r.repro as { steps: { op: string; container?: string }[] };
    const s = parseScenario(repro); // valid scenario format
    expect(s.steps.some((st) => st.op === "map" && st.container === "xarray")).toBe(true);
    expect(s.steps.length).toBeLessThanOrEqual(8); // export, attach, (lock,) map, and teardown
    const run = spawnSync(process.execPath, [bin, "run", "-", "--json"], { input: JSON.stringify(repro), encoding: "utf8" });
    expect(run.status).toBe(0);
  });

  it("the CLI prints the documented JSON and exits 0", () => {
    const r = spawnSync(process.execPath, [bin, "fuzz", "--seed", "5", "--ops", "3000", "--json"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["seed", "ops", "errors", "violations", "leaks"]);
    expect(out).toMatchObject({ seed: 5, violations: [], leaks: { iova: 0, heapBytes: 0, heapBlocks: 0, handles: 0 } });
    expect(out.ops).toBeGreaterThanOrEqual(3000);
  });
});
