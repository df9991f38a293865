// `node|bun scripts/engine-probe.mjs`: the parts of split-mask and slice (docs/engines.md,
// "The outliers"), each timed 40 times back to back after 5 warm-up calls on the ops
// suite's list of 10^6 entries; prints each variant's fastest and median time in ms as
// one JSON line. Run it under Node and Bun in turn and compare the fastest times: on a
// busy machine the fastest of 40 is the least disturbed.
import { init } from "../dist/ts/core/loader.js";
import { RangeList } from "../dist/ts/core/range-list.js";
import { seededList } from "../dist/bench/listops.js";
const core = await init();
const n = 1_000_000;
const list = seededList(n, core);
const total = list.total();
const V = {
  "split-mask: v128 window count, branch-free emit": () => list.split(0xffff_ffffn, 0x7fffn).dispose(),
  "split 16 KiB at 32 KiB windows: scalar": () => list.split(0x4000n, 0x7fffn).dispose(),
  "split 64 KiB, no mask: v128 check, one copy": () => list.split(0x10000n).dispose(),
  "slice of half: memory.copy of n/2 entries": () => list.slice(total / 4n, total / 2n).dispose(),
  "slice of all: memory.copy of n entries": () => list.slice(0n, total).dispose(),
  "slice one entry": () => list.slice(total / 2n, 1n).dispose(),
  "allocate n/2 entries, dispose": () => RangeList.allocate(n / 2, core).dispose(),
  coalesce: () => list.coalesce().dispose(),
};
const out = {};
for (const [k, f] of Object.entries(V)) {
  for (let i = 0; i < 5; i++) f();
  const s = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    f();
    s.push(performance.now() - t);
  }
  s.sort((a, b) => a - b);
  out[k] = { min: s[0], p50: s[20] };
}
console.log(JSON.stringify({ runtime: process.versions.bun ? `Bun ${process.versions.bun}` : `Node ${process.versions.node}`, ms: out }));
