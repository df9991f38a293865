// `dmabuf-map compare` and `run --profile` as a user runs them (docs/rules.md#profiles):
// the readable side-by-side lines, the --json shape of DESIGN.md section 9, diff-like
// exit codes over several files, and the profile in the run record.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, scen } from "./spawn.js";
import { PROFILES } from "../../ts/util/commands.js";
import { PROFILE_NAMES } from "../../ts/model/profiles.js";

const tmp = mkdtempSync(join(tmpdir(), "dmabuf-map-compare-"));
const same = join(tmp, "same.json");
const invalid = join(tmp, "invalid.json");
writeFileSync(same, readFileSync(scen("five-containers.json")));
writeFileSync(invalid, JSON.stringify({ name: "x", devices: { d: {} }, steps: [{ op: "attach", buffer: "b", importer: "d", as: "a", revocable: true }] }));

describe("compare", () => {
  it("prints only the steps that differ, each profile's outcome side by side, and exits 1", () => {
    const r = cli(["compare", "--profiles", "rfc-v2,mainline", scen("revoke-twice-device-reset.json")]);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      "compare revoke-twice-device-reset (18 steps) under rfc-v2, mainline\n" +
        "    5  revoke  bar0            rfc-v2: ok notified [ioas], stale [area]  |  mainline: ok notified [ioas], stale [], unmapped [area]\n" +
        "    6  revoke  bar0            rfc-v2: ok notified [ioas], stale []  |  mainline: ok notified [], stale []\n" +
        "   16  detach  ioas            rfc-v2: EBUSY  |  mainline: ok\n" +
        "   17  close   bar0            rfc-v2: EBUSY  |  mainline: ok\n" +
        "4 of 18 step(s) differ\n",
    );
  });

  it("--json: one record per file, every step with differs and each profile's step record", () => {
    const r = cli(["compare", "--json", scen("iommufd-subrange-import.json")]);
    expect(r.code).toBe(1);
    const rec = JSON.parse(r.out);
    expect(Object.keys(rec)).toEqual(["name", "profiles", "steps"]);
    expect(rec.profiles).toEqual(["rfc-v2", "mainline", "mapping-types"]);
    expect(rec.steps).toHaveLength(20);
    expect(Object.keys(rec.steps[0])).toEqual(["i", "op", "differs", "outcomes"]);
    expect(rec.steps[6]).toEqual({
      i: 6,
      op: "map",
      differs: true,
      outcomes: {
        "rfc-v2": { i: 6, op: "map", ok: false, error: "EINVAL" },
        mainline: {
          i: 6,
          op: "map",
          ok: true,
          result: { interconnect: "physvec", container: "physvec", nelms: 1, bytes: "0x4000", hash: "0x1f37ffc0781e7af7" },
        },
        "mapping-types": {
          i: 6,
          op: "map",
          ok: true,
          result: { interconnect: "physvec", container: "physvec", nelms: 1, bytes: "0x4000", hash: "0x1f37ffc0781e7af7" },
        },
      },
    });
    expect(rec.steps[0]).toMatchObject({ differs: false });
  });

  it("exit 0 when no step differs; several files each get their record; an invalid file makes it 2", () => {
    const none = cli(["compare", same]);
    expect(none.code).toBe(0);
    expect(none.out).toBe("compare five-containers (14 steps) under rfc-v2, mainline, mapping-types\nno step differs\n");
    const many = cli(["compare", "--json", same, scen("rdma-pinned-importer.json")]);
    expect(many.code).toBe(1);
    expect(
      many.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).name),
    ).toEqual(["five-containers", "rdma-pinned-importer"]);
    const bad = cli(["compare", same, invalid]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/steps\[0\]\.revocable: revocable: true needs dynamic: true/);
  });

  it("usage errors exit 2: an unknown profile, or fewer than two", () => {
    expect(cli(["compare", "--profiles", "rfc-v2,v7", same])).toMatchObject({ code: 2, err: expect.stringMatching(/--profiles: unknown "v7"/) });
    expect(cli(["compare", "--profiles", "mainline", same])).toMatchObject({ code: 2, err: expect.stringMatching(/at least two profiles/) });
  });
});

describe("run --profile", () => {
  it("the JSON record names the profile after name only when one was named; --profile overrides the scenario's", () => {
    const plain = cli(["run", "--json", same]);
    expect(plain.out.startsWith('{"name":"five-containers","passed":true,')).toBe(true);
    const named = cli(["run", "--json", "--profile", "mainline", same]);
    expect(named.out.startsWith('{"name":"five-containers","profile":"mainline","passed":true,')).toBe(true);
    const own = cli(["run", "--json", scen("rdma-pinned-importer.json")]);
    expect(own.code).toBe(0);
    expect(own.out.startsWith('{"name":"rdma-pinned-importer","profile":"mainline","passed":true,')).toBe(true);
    const over = cli(["run", "--json", "--profile", "rfc-v2", scen("rdma-pinned-importer.json")]);
    expect(over.code).toBe(1);
    expect(over.out.startsWith('{"name":"rdma-pinned-importer","profile":"rfc-v2","passed":false,')).toBe(true);
    expect(cli(["run", "--profile", "v7", same])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--profile takes one of rfc-v2, mainline, mapping-types/),
    });
  });

  it("the readable report names the profile in its header", () => {
    expect(cli(["run", "--profile", "mainline", same]).out.split("\n")[0]).toBe("scenario five-containers (14 steps, 2 devices, profile mainline)");
  });

  it("the CLI's profile names are the model's", () => {
    expect([...PROFILES]).toEqual([...PROFILE_NAMES]);
  });
});
