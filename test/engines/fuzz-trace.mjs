// `node|bun fuzz-trace.mjs SEED OPS`: the fuzzer's run of SEED over OPS generated steps
// (the `dmabuf-map fuzz` run), printing one line per step as it runs (its number, op,
// outcome, the model's trace record and the FNV-1a 64 of the state after it) and then
// the report, as `fuzz --json` prints it. The cross-engine test runs it under Node and
// Bun and compares the lines: the first that differs is the first differing step.
import { init } from "../../dist/ts/core/loader.js";
import { fuzz } from "../../dist/ts/fuzz/fuzz.js";
import { StateReader } from "../../dist/ts/model/state.js";
import { fnv1a64Text } from "../../dist/ts/core/hash.js";
import { hex } from "../../dist/ts/core/u64.js";

const [seed, ops] = process.argv.slice(2).map(Number);
const core = await init();
const json = (v) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? hex(x) : x instanceof BigUint64Array ? Array.from(x, hex) : x));
const lines = [];
let n = 0;
const report = fuzz(core, {
  seed,
  ops,
  extraInvariant: (model, step, ok) => {
    const state = fnv1a64Text(core, json(new StateReader(model).read()));
    lines.push(`${n++} ${step.op} ${ok ? "ok" : "refused"} ${json(model.trace[model.trace.length - 1])} state ${hex(state)}\n`);
    if (lines.length >= 1000) process.stdout.write(lines.splice(0).join(""));
    return undefined;
  },
});
process.stdout.write(lines.join("") + "report " + JSON.stringify(report) + "\n");
