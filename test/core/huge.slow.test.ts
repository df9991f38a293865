// A wasm heap past 2 GiB (issue 15.1): addresses come back from the core as u64 (OUT),
// never as a signed i32, so views over lists above 2 GiB work; what does not fit is a
// clean ENOMEM, and the core is usable afterwards. Uses up to 4 GiB of wasm memory, one
// core for the whole file.
import { describe, expect, it } from "vitest";
import { createCoreSync, wasm } from "../../ts/core/loader.js";
import { RangeList } from "../../ts/core/range-list.js";
import { Container } from "../../ts/core/container.js";
import { parseScenario } from "../../ts/scenario/validate.js";
import { runScenario } from "../../ts/scenario/runner.js";
import { outcome } from "../helpers.js";

const GiB = 2 ** 30;

describe("a heap past 3 GiB", () => {
  const c = createCoreSync();
  RangeList.from([], c).dispose(); // the handle table, which stays
  const base = c.usage();

  // Since issue 32 the sgt is built straight from the exporter's list (no split list beside
  // it), so one map of 2^26 entries fits in 4 GiB; a second one beside it does not.
  it("the 500-byte scenario (64 MiB system buffer, maxSegmentSize 1: 2^26 entries) maps once, fails its second map with ENOMEM, cleanly, and the run goes on", () => {
    const scenario = parseScenario({
      name: "2^26 entries",
      hostBridges: { rc0: { p2p: true } },
      devices: { gpu: { root: "rc0" }, nic: { root: "rc0", maxSegmentSize: "0x1" } },
      steps: [
        { op: "export", buffer: "b", exporter: "gpu", size: "0x4000000", backing: { kind: "system", ranges: [{ addr: "0x100000000", len: "0x4000000" }] } },
        { op: "attach", buffer: "b", importer: "nic", as: "a" },
        { op: "lock", buffer: "b", holder: "nic" },
        { op: "map", attachment: "a", as: "m", expect: { nelms: 67108864 } },
        { op: "map", attachment: "a", as: "m2", expect: { error: "ENOMEM" } },
        { op: "map", attachment: "a", as: "m3", expect: { error: "ENOMEM" } },
        { op: "unmap", mapping: "m" },
        { op: "unlock", buffer: "b", holder: "nic" },
        { op: "detach", attachment: "a" },
        { op: "close", buffer: "b" },
      ],
    });
    const { output } = runScenario(scenario, c);
    expect(output.steps.map((s) => s.error ?? "ok")).toEqual(["ok", "ok", "ok", "ok", "ENOMEM", "ENOMEM", "ok", "ok", "ok", "ok"]);
    expect(output.passed).toBe(true);
    expect(c.pages * 65536).toBeGreaterThan(2 * GiB); // it got past 2 GiB before giving up
    expect(c.usage()).toEqual(base);
  });

  it("a list of 2^26 entries lying above 2 GiB (heap past 3 GiB) reads, looks up and iterates; an sgt that does not fit is ENOMEM; everything frees", () => {
    const x = wasm(c);
    const filler = c.check(x.list_new(1 << 27), "filler"); // 2 GiB below the list
    const one = RangeList.from([[0x1_0000_0000n, 1n << 26n]], c);
    const big = one.split(1n);
    expect(big.length).toBe(2 ** 26);
    const v = big.view();
    expect(v.byteOffset).toBeGreaterThan(2 * GiB);
    expect(v.byteOffset + v.byteLength).toBeGreaterThan(3 * GiB);
    expect([v[0], v[1], v[2 * (2 ** 26 - 1)], v[2 * (2 ** 26 - 1) + 1]]).toEqual([0x1_0000_0000n, 1n, 0x1_0000_0000n + (1n << 26n) - 1n, 1n]);
    expect(big.total()).toBe(1n << 26n);
    expect(big.lookup(12_345_678n)).toEqual({ index: 12_345_678, offset: 0n });
    let chunks = 0;
    big.chunkBatches(0n, (w) => {
      chunks += w.length / 2;
    });
    expect(chunks).toBe(2 ** 26);
    const before = c.usage();
    expect(outcome(() => Container.fromList("sgt", big))).toMatchObject({ ok: false, code: "ENOMEM" });
    expect(c.usage()).toEqual(before);
    // the core still works: a small container, then everything back
    const small = Container.fromList("sgt", one, { maxSegment: 1n << 24n });
    expect(small.count).toBe(4);
    for (const o of [small, big, one]) o.dispose();
    x.list_free(filler);
    expect(c.usage()).toEqual(base);
  });
});
