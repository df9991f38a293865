// `--state` output grows as steps × objects; past STATE_LIMIT characters the run is
// refused with one EOVERFLOW line (exit 2) before a byte is printed (docs/output.md#state-limit).
import { describe, expect, it } from "vitest";
import { writeRunJson, STATE_LIMIT } from "../../ts/scenario/output.js";
import { parseScenario } from "../../ts/scenario/validate.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { amplifying } from "./amplify.js";
import { core } from "../helpers.js";

describe("--state has a bound", () => {
  const c = core();
  const s = parseScenario(amplifying(20, 40));

  it("a record under the limit is printed whole, as before", async () => {
    const parts: string[] = [];
    expect(await writeRunJson(s, c, (x) => void parts.push(x), { state: true, stateLimit: 10 << 20 })).toBe(true);
    expect(JSON.parse(parts.join("")).steps.at(-1).state).toBeDefined();
  });

  it("past the limit: EOVERFLOW naming --state and the step, nothing written", async () => {
    const parts: string[] = [];
    let err: unknown;
    try {
      await writeRunJson(s, c, (x) => void parts.push(x), { state: true, stateLimit: 64 << 10, bufferLimit: 16 << 10 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DmaBufError);
    expect((err as DmaBufError).code).toBe("EOVERFLOW");
    expect((err as DmaBufError).message).toMatch(/--state.*step \d+/);
    expect(parts).toEqual([]);
  });

  it("the limit is 256 MiB by default, and only --state has it", async () => {
    expect(STATE_LIMIT).toBe(256 << 20);
    const parts: string[] = [];
    await writeRunJson(s, c, (x) => void parts.push(x), { stateLimit: 1024, bufferLimit: 1024 });
    expect(parts.join("").length).toBeGreaterThan(1024);
  });
});
