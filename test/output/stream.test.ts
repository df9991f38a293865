// The streamed --json record (issue 15.2): the same bytes as JSON.stringify of the whole
// record, an incremental traceHash over the same bytes, and an output larger than one
// JS string can hold written in bounded memory.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { runScenario } from "../../ts/scenario/runner.js";
import { Fnv64, writeRunJson } from "../../ts/scenario/output.js";
import { fnv1a64Bytes } from "../../ts/core/hash.js";
import { hex16 } from "../../ts/core/u64.js";
import { core, SEED, RUNS } from "../helpers.js";
import { SCENARIOS } from "./run-output.js";

const c = core();

async function streamed(
  s: Parameters<typeof writeRunJson>[0],
  opts: Parameters<typeof writeRunJson>[3] = {},
): Promise<{ text: string; chunks: number; passed: boolean }> {
  const parts: string[] = [];
  const passed = await writeRunJson(s, c, (x) => void parts.push(x), opts);
  return { text: parts.join(""), chunks: parts.length, passed };
}

describe("Fnv64", () => {
  it("fed in any pieces, equals the core's FNV-1a 64 of the whole", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300)), (bytes, cuts) => {
        const f = new Fnv64();
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          f.update(bytes.subarray(at, Math.max(at, cut)));
          at = Math.max(at, cut);
        }
        f.update(bytes.subarray(at));
        expect(f.hex()).toBe(hex16(fnv1a64Bytes(c, bytes)));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe("writeRunJson", () => {
  const variants = [{}, { entries: true }, { entries: true, state: true }];
  it.each(SCENARIOS)("%s: streamed bytes are JSON.stringify's, in one run or two", async (_, s) => {
    for (const v of variants) {
      const whole = JSON.stringify(runScenario(s, c, v).output) + "\n";
      expect((await streamed(s, v)).text).toBe(whole);
      const twice = await streamed(s, { ...v, bufferLimit: 0 }); // past the buffer: the run is repeated and streamed
      expect(twice.text).toBe(whole);
      expect(twice.chunks).toBeGreaterThan(2);
    }
  });

  it("puts passed: false first when a step breaks its expectation, and reports each failure once", async () => {
    const s = SCENARIOS.find(([f]) => f === "move-notify.json")![1];
    const broken = { ...s, steps: s.steps.map((st, i) => (i === 0 ? { ...st, expect: { error: "EBUSY" as const } } : st)) };
    for (const bufferLimit of [undefined, 0]) {
      const failures: string[] = [];
      const r = await streamed(broken, { bufferLimit, onFailure: (o, f) => failures.push(`${o.record.i}: ${f}`) });
      expect(r.passed).toBe(false);
      expect(r.text.startsWith(`{"name":"move-notify","passed":false,"steps":[`)).toBe(true);
      expect(r.text).toBe(JSON.stringify(runScenario(broken, c).output) + "\n");
      expect(failures).toEqual(["0: expected EBUSY but the step succeeded"]);
    }
  });
});
