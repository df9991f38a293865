/**
 * C with the wasm core's lookup idea (bench/native/lookup_many.c: 16 binary searches in
 * lockstep so their cache misses overlap), beside ranges.c's one-at-a-time lookup: the
 * ops and sweep suites report it as op `lookup-batched` of native-c.
 */
import { Native } from "./native.js";
import { SEED, fmtN, disagree, type Config } from "./listops.js";
import { summarize, type Result } from "./stats.js";

let built: { nat: Native | undefined } | undefined;

/** The batched C lookup on the seeded list of n entries, checked against wasm's result. */
export function lookupBatchedResult(cfg: Config, suite: string, n: number, reps: number, expectCheck: string | undefined): Result | undefined {
  if (!cfg.native) return undefined;
  built ??= { nat: Native.build(cfg.log, "lookupMany") };
  if (!built.nat) return undefined;
  cfg.log(`  ${suite} · native-c · lookup-batched · n = ${fmtN(n)}`);
  const run = built.nat.run("lookup", n, reps, String(SEED), cfg.clock.name);
  if (expectCheck && run.check !== expectCheck) disagree(`native lookup-batched at n=${n} computed ${run.check}, wasm ${expectCheck}`);
  const s = summarize(run.samples);
  return { suite, impl: "native-c", op: "lookup-batched", n, nsPerEntry: s.p50Ns / n, ...s };
}
