/**
 * The generator reaches every rule: in a default run (seed 1) of 300,000 ops every row
 * of docs/rules.md#lifecycle (A1 and A2 included; C1, C2: exporters that break the
 * ops contract, in hostile epochs; the profile rows P3 to P8 but P6, in epochs of the
 * profiles that have them) decides at least 10 steps, every P2P path ×
 * interconnect × container reaches the address rules at least 10 times, every hostile
 * exporter fault makes the model refuse at least 10 steps, and every kind of malformed
 * topology or model option is tried at least 10 times. (About 25 s
 * alone on an idle core; left out of mutation runs, see vitest.mutate.config.ts.)
 */
import { describe, expect, it } from "vitest";
import { fuzz, TABLE_ROWS } from "../../ts/fuzz/fuzz.js";
import { FAULTS, faultName } from "../../ts/fuzz/hostile.js";
import { core } from "../helpers.js";

describe("coverage of the fuzz generator", () => {
  it("a default run of 300,000 ops reaches every lifecycle row and every P2P path × interconnect × container at least 10 times", () => {
    const r = fuzz(core(), { seed: 1, ops: 300_000 });
    expect(r.violations).toEqual([]);
    // P6 (mainline's u32 entry count) needs a buffer near 2^64 bytes, which the RFC's profile would map into 2^32
    // entries: the fuzzer never makes one, and test/model/profiles.test.ts checks the row against the reference instead
    const rows = TABLE_ROWS.filter((row) => row !== "P6").map((row) => [row, r.coverage.rows[row] ?? 0] as const);
    expect(rows.filter(([, n]) => n < 10)).toEqual([]);
    const combos = ["system", "BUS_ADDR", "THRU_HOST_BRIDGE", "NOT_SUPPORTED"].flatMap((path) =>
      ["sgt", "physvec", "iov"].flatMap((ic) => ["sgt", "physvec", "mapping", "ranges", "xarray"].map((c) => `${path} ${ic} ${c}`)),
    );
    expect(combos.map((k) => [k, r.coverage.maps[k] ?? 0] as const).filter(([, n]) => n < 10)).toEqual([]);
    expect(
      FAULTS.map(faultName)
        .map((f) => [f, r.coverage.faults[f] ?? 0] as const)
        .filter(([, n]) => n < 10),
    ).toEqual([]);
    // every (op, outcome) pair the table allows for each op, and nothing else
    const codes = (op: string) =>
      Object.keys(r.coverage.outcomes)
        .filter((k) => k.startsWith(op + " "))
        .map((k) => k.slice(op.length + 1))
        .sort();
    expect(codes("map")).toEqual(["EBUSY", "EINVAL", "ENODEV", "ENOENT", "ENOMEM", "EOPNOTSUPP", "EPERM", "EPROTO", "ok"]);
    expect(codes("export")).toEqual(["EINVAL", "ok"]);
    expect(codes("lock")).toEqual(["EALREADY", "EBUSY", "EINVAL", "ENOENT", "ok"]);
    // malformed topologies and model options: every kind of fault the generator makes, at least 10 times each
    const kinds = Object.entries(r.coverage.topologies);
    expect(kinds.length).toBeGreaterThanOrEqual(30);
    expect(kinds.filter(([, n]) => n < 10)).toEqual([]);
    expect(
      kinds
        .map(([k]) => k.split(" ")[0])
        .sort()
        .filter((c, i, a) => a.indexOf(c) === i),
    ).toEqual(["EINVAL", "ENOENT", "ok"]);
  });
});
