// Which profile-table row decides a step that differs between profiles
// (ts/scenario/deciding.ts, the explorer's compare tab).
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { parseScenarioText } from "../../ts/scenario/validate.js";
import { compareScenario } from "../../ts/scenario/compare.js";
import { decidingRows, differingRows, ROW_OPS } from "../../ts/scenario/deciding.js";
import { PROFILE_NAMES, PROFILE_ROWS, type ProfileName } from "../../ts/model/profiles.js";
import { core } from "../helpers.js";

const c = core();
const dir = new URL("../../scenarios/", import.meta.url);
const shipped = (f: string) => parseScenarioText(readFileSync(new URL(f, dir), "utf8"));
const profiles = [...PROFILE_NAMES];

/** Each differing step of `file` with the keys of the rows that decide it, or the step it follows from. */
function decided(file: string, under: ProfileName[] = profiles): Record<number, string[] | { follows: number }> {
  const out: Record<number, string[] | { follows: number }> = {};
  let earlier: number | undefined;
  for (const step of compareScenario(shipped(file), c, under).steps) {
    if (!step.differs) continue;
    const d = decidingRows(step, under, earlier);
    out[step.i] = d.follows !== undefined ? { follows: d.follows } : d.rows.map((r) => r.key);
    earlier = step.i;
  }
  return out;
}

describe("the rows that decide a differing step", () => {
  it("revoke-twice-device-reset: the callback's unmap, the idempotent revoke, and what follows from it", () => {
    expect(decided("revoke-twice-device-reset.json", ["rfc-v2", "mainline"])).toEqual({
      5: ["unmapOnInvalidate"], // stale [area] vs unmapped [area]
      6: ["revokeIdempotent"], // the second revoke notifies nobody
      16: { follows: 6 }, // detach: EBUSY in rfc-v2 only because of what the revokes left
      17: { follows: 16 },
    });
  });

  it("mapping-types-priority: the mapping-types rows decide under all three profiles", () => {
    expect(decided("mapping-types-priority.json")).toEqual({
      // iov vs physvec vs sgt: rfc-v2's iov, mainline's physvec, the exporter's list first (or the sgt match's P2P check)
      1: ["iov", "physvecSingleMmio", "exporterPriority", "p2pAtMatch"],
      2: ["p2pAtMatch"], // iommufd's import without peer2peer: the exporter's attach no longer checks it
      7: ["exporterPriority", "p2pAtMatch", "matchBeforeAttach"], // no P2P path: the sgt match skips far, no match is EINVAL
      9: ["p2pAtMatch"], // the distance check at map (EINVAL) is gone; the attach it needs failed (ENOENT)
    });
  });

  it.each(readdirSync(dir).filter((f) => f.endsWith(".json")))("%s: every differing step names a row or an earlier step", (f) => {
    for (const [i, d] of Object.entries(decided(f))) {
      if (Array.isArray(d)) expect(d.length, `step ${i}`).toBeGreaterThan(0);
      else expect(d.follows, `step ${i}`).toBeLessThan(Number(i));
    }
  });

  it("a row decides only where its values split the profiles as their outcomes do", () => {
    // all three profiles: rfc-v2 apart from mainline and mapping-types, as the rows' values are
    const all = decided("revoke-twice-device-reset.json");
    expect(all[6]).toEqual(["revokeIdempotent"]);
    expect(all[16]).toEqual({ follows: 6 });
    // a made-up step where only mapping-types differs: no row of rfc-v2 vs mainline can decide it
    const step = {
      i: 3,
      op: "revoke" as const,
      differs: true,
      outcomes: {
        "rfc-v2": { i: 3, op: "revoke" as const, ok: true },
        mainline: { i: 3, op: "revoke" as const, ok: true },
        "mapping-types": { i: 3, op: "revoke" as const, ok: false, error: "EDEADLK" },
      },
    };
    const keys = decidingRows(step, profiles).rows.map((r) => r.key);
    expect(
      keys.filter((k) => PROFILE_ROWS.find((r) => r.key === k)!.values.mainline === PROFILE_ROWS.find((r) => r.key === k)!.values["mapping-types"]),
    ).toEqual([]);
  });

  it("only rows whose values differ between the compared profiles can decide", () => {
    expect(differingRows(["mainline", "mapping-types"]).every((r) => r.values.mainline !== r.values["mapping-types"])).toBe(true);
    expect(differingRows(["rfc-v2", "rfc-v2"])).toEqual([]);
    expect(differingRows(["rfc-v2", "mainline"]).length).toBeGreaterThan(0);
  });

  it("the where-table names only rows of the profile table", () => {
    const keys = new Set<string>(PROFILE_ROWS.map((r) => r.key));
    expect(Object.keys(ROW_OPS).filter((k) => !keys.has(k))).toEqual([]);
  });
});
