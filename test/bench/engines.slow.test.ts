// `npm run bench -- --engines bun,chromium,firefox --rounds 2 --quick --json` on the four
// engines (Node is always the baseline): every op on every engine, a ratio per round, and
// each run's results checked against Node's before they count (a disagreement fails the
// run). Missing engines: skipped locally with a notice, failing under CI=true.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FOUND, IN_CI } from "../engines/engines.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const all = Object.values(FOUND).every(Boolean);

describe.skipIf(!all && !IN_CI)("bench --engines on the four engines", () => {
  it("times every op on every engine, in alternating rounds, as ratios to Node", () => {
    const r = spawnSync(process.execPath, [root + "dist/bench/main.js", "--engines", "bun,chromium,firefox", "--rounds", "2", "--quick", "--json"], {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    });
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.rounds).toBe(2);
    expect(rep.engines.map((e: { engine: string; vm: string }) => `${e.engine} ${e.vm}`)).toEqual([
      "node V8",
      "bun JavaScriptCore",
      "chromium V8",
      "firefox SpiderMonkey",
    ]);
    for (const e of rep.engines) {
      expect(Object.keys(e.ops)).toEqual(["coalesce", "split", "split-mask", "slice", "lookup", "iterate", "iterate-js", "hash"]);
      for (const o of Object.values(e.ops) as { p50Ns: number[]; ratio: number[]; median: number; min: number; max: number }[]) {
        expect(o.p50Ns).toHaveLength(2);
        for (const t of o.p50Ns) expect(t).toBeGreaterThan(0);
        expect(o.min).toBeLessThanOrEqual(o.median);
        expect(o.median).toBeLessThanOrEqual(o.max);
      }
    }
    expect(rep.engines[0].ops.split.ratio).toEqual([1, 1]);
    expect(rep.engines[1].version).toMatch(/^Bun \d/);
    expect(rep.engines[2].version).toMatch(/^chromium\/\d+\./);
    expect(rep.engines[3].version).toMatch(/^firefox\/\d+\./);
    // the rounds alternate: each starts one engine further along
    expect(r.stderr.match(/round \d\/2: ops on \w+/g)).toEqual([
      "round 1/2: ops on node",
      "round 1/2: ops on bun",
      "round 1/2: ops on chromium",
      "round 1/2: ops on firefox",
      "round 2/2: ops on bun",
      "round 2/2: ops on chromium",
      "round 2/2: ops on firefox",
      "round 2/2: ops on node",
    ]);
    expect(r.stdout + r.stderr).toMatch(/split-mask +\d+\.\d\d +\d+\.\d\d× \[/);
  });
});
