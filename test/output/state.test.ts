// run --state: the state after every step, in a fixed key order, consistent with what
// the steps reported; a failed step leaves it unchanged.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runScenario } from "../../ts/scenario/runner.js";
import { runOutputJsonSchema, runOutputSchema } from "../../ts/scenario/output-schema.js";
import type { ModelState } from "../../ts/model/state.js";
import { core } from "../helpers.js";
import { SCENARIOS } from "./run-output.js";

const c = core();
const scenario = (f: string) => SCENARIOS.find(([n]) => n === f)![1];
const states = (f: string) => runScenario(scenario(f), c, { state: true }).output.steps.map((r) => r.state!);

describe("run --state", () => {
  it.each(SCENARIOS)("%s: every record has the state after its step, consistent with the step", (_, s) => {
    const out = runScenario(s, c, { state: true, entries: true }).output;
    runOutputSchema.parse(out);
    const plain = runScenario(s, c).output;
    let prev: ModelState = { buffers: [], attachments: [], mappings: [], iova: [] };
    out.steps.forEach((rec, i) => {
      const st = rec.state!;
      expect(Object.keys(rec).at(-1)).toBe("state");
      expect(Object.keys(st)).toEqual(["buffers", "attachments", "mappings", "iova"]);
      const { state: _s, ...rest } = JSON.parse(JSON.stringify(rec)) as typeof rec;
      if (rest.result && "entries" in rest.result) delete rest.result.space, delete rest.result.entries;
      expect(rest).toEqual(plain.steps[i]);
      const step = s.steps[i]!;
      if (!rec.ok && i > 0) expect(st, `step ${i} failed and must change nothing`).toEqual(prev);
      if (rec.ok && step.op === "lock") expect(st.buffers.find((b) => b.name === step.buffer)!.lock).toBe(step.holder);
      if (rec.ok && step.op === "unlock") expect(st.buffers.find((b) => b.name === step.buffer)!.lock).toBeNull();
      if (rec.ok && step.op === "detach") expect(st.attachments.find((a) => a.name === step.attachment)!.detached).toBe(true);
      if (rec.ok && step.op === "close") expect(st.buffers.find((b) => b.name === step.buffer)).toMatchObject({ closed: true, backing: null });
      if (rec.ok && step.op === "unmap") expect(st.mappings.map((m) => m.name)).not.toContain(step.mapping);
      if (rec.result && "nelms" in rec.result) {
        const m = st.mappings.at(-1)!;
        expect(m).toMatchObject({ status: "live", nelms: rec.result.nelms, bytes: rec.result.bytes, container: rec.result.container, space: rec.result.space });
      }
      if (rec.result && "stale" in rec.result) for (const n of rec.result.stale) expect(st.mappings.find((m) => m.name === n)!.status).toBe("stale");
      for (const sp of st.iova) {
        // the allocator's accounting and the mappings' regions agree
        const held = st.mappings
          .filter((m) => st.attachments.find((a) => a.name === m.attachment)!.importer === sp.device)
          .flatMap((m) => m.iova as [string, string][]);
        expect(sp.regions.map((r) => r.join()).sort()).toEqual(held.map((r) => r.join()).sort());
        expect(sp.regions.reduce((n, [, l]) => n + BigInt(l), 0n)).toBe(BigInt(sp.used));
        expect(BigInt(sp.used) + BigInt(sp.free)).toBe(BigInt(sp.size));
      }
      prev = st;
    });
  });

  it("shows P2P paths, spaces, stale mappings and IOVA use where p2p-gpu-sgt puts them", () => {
    const st = states("p2p-gpu-sgt.json");
    expect(st[3]!.attachments.map((a) => [a.name, a.importer, a.path])).toEqual([
      ["g1", "gpu1", "BUS_ADDR"],
      ["g2", "gpu2", "THRU_HOST_BRIDGE"],
      ["g3", "gpu3", "NOT_SUPPORTED"],
    ]);
    expect(st[8]!.mappings.map((m) => [m.name, m.space, m.status])).toEqual([
      ["bus", "bus", "live"],
      ["iova", "iova", "live"],
    ]);
    expect(st[8]!.iova).toEqual([
      { device: "gpu2", base: "0x100000000", size: "0x100000000", used: "0x300000", free: "0xffd00000", regions: [["0x100000000", "0x300000"]] },
    ]);
    expect(st[14]!.mappings.map((m) => m.status)).toEqual(["stale", "stale"]);
    expect(st[14]!.buffers[0]!.backing).toEqual({ kind: "mmio", ranges: [["0x380020000000", "0x300000"]] });
    expect(st[21]!.iova[0]!.used).toBe("0x0");
  });

  it("counts pins: a static importer's map pins until unmap; a system buffer has no P2P path", () => {
    const st = states("static-importer-pin.json");
    expect(st[1]!.attachments[0]!.path).toBeNull();
    expect(st[2]!.buffers[0]!.pins).toBe(1);
    expect(st[5]!.buffers[0]!.pins).toBe(0);
  });

  it("the committed schemas/run-output.schema.json is the generated one (npm run schemas)", () => {
    const committed = JSON.parse(readFileSync(new URL("../../schemas/run-output.schema.json", import.meta.url), "utf8"));
    expect(committed).toEqual(runOutputJsonSchema());
  });

  it("the schema rejects what the output never holds", () => {
    const out = runScenario(scenario("move-notify.json"), c, { state: true }).output;
    expect(runOutputSchema.safeParse({ ...out, traceHash: "0x1" }).success).toBe(false);
    expect(runOutputSchema.safeParse({ ...out, steps: [{ ...out.steps[0]!, extra: 1 }] }).success).toBe(false);
    expect(runOutputSchema.safeParse({ ...out, steps: [{ ...out.steps[0]!, state: { ...out.steps[0]!.state!, buffers: [{}] } }] }).success).toBe(false);
  });
});
