// run --entries: every successful map result carries its address space and every entry,
// whose FNV-1a 64 is the mapping's hash and whose count is nelms.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../ts/scenario/runner.js";
import { Fnv64 } from "../../ts/scenario/output.js";
import { runOutputSchema } from "../../ts/scenario/output-schema.js";
import { core } from "../helpers.js";
import { SCENARIOS } from "./run-output.js";

const c = core();

/** FNV-1a 64 over each entry's addr then len as 8 little-endian bytes (docs/rules.md#output). */
function hashPairs(pairs: [string, string][]): string {
  const f = new Fnv64();
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  for (const [a, l] of pairs) {
    v.setBigUint64(0, BigInt(a), true);
    v.setBigUint64(8, BigInt(l), true);
    f.update(b);
  }
  return f.hex();
}

describe("run --entries", () => {
  it.each(SCENARIOS)("%s: entries hash to `hash`, count `nelms`, and name their space", (_, s) => {
    const plain = runScenario(s, c).output;
    const out = runScenario(s, c, { entries: true }).output;
    runOutputSchema.parse(out);
    let maps = 0;
    out.steps.forEach((rec, i) => {
      const r = rec.result;
      if (!r || !("nelms" in r)) {
        expect(rec).toEqual(plain.steps[i]);
        return;
      }
      maps++;
      const entries = r.entries as [string, string][];
      expect(entries).toHaveLength(r.nelms);
      expect(hashPairs(entries)).toBe(r.hash);
      expect(["bus", "iova", "cpu-phys", "bar-offset"]).toContain(r.space);
      expect(Object.keys(r).slice(-2)).toEqual(["space", "entries"]);
      const { space, entries: _e, ...rest } = r;
      expect({ ...rec, result: rest }).toEqual(plain.steps[i]);
    });
    expect(maps).toBeGreaterThan(0);
  });

  it("names each address space where the design puts it", () => {
    const spaces = new Map<string, Set<string>>();
    for (const [f, s] of SCENARIOS) {
      const out = runScenario(s, c, { entries: true }).output;
      spaces.set(f, new Set(out.steps.flatMap((r) => (r.result && "space" in r.result ? [`${r.result.interconnect}:${r.result.space}`] : []))));
    }
    expect([...spaces.get("vf-bar-to-pf-iov.json")!]).toEqual(["iov:bar-offset"]);
    expect([...spaces.get("five-containers.json")!]).toEqual(["sgt:cpu-phys"]); // system memory, no IOMMU
    expect([...spaces.get("iommu-fallback.json")!]).toEqual(["sgt:iova"]);
    expect(spaces.get("vfio-physvec-revoke.json")!.has("physvec:cpu-phys")).toBe(true);
    expect(spaces.get("p2p-gpu-sgt.json")!.has("sgt:bus")).toBe(true);
  });

  it("the entries are the addresses: a BUS_ADDR map is the BAR's bus window, an iov map BAR offsets", () => {
    const iov = runScenario(SCENARIOS.find(([f]) => f === "vf-bar-to-pf-iov.json")![1], c, { entries: true }).output;
    const m = iov.steps[3]!.result as { entries: string[][] };
    expect(m.entries).toEqual([
      ["0x0", "0x100000"],
      ["0x200000", "0x100000"],
    ]);
  });
});
