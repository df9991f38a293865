/**
 * C with the wasm core's lookup idea (bench/native/lookup_many.c: 16 binary searches in
 * lockstep so their cache misses overlap), beside ranges.c's one-at-a-time lookup. The ops
 * suite alternates it with wasm's lookupMany and the plain C lookup, sample by sample, and
 * reports it as op `lookup-batched` of native-c (wasm's lookup samples repeated under that
 * op, so the two are compared round by round: see alternate.ts underOps).
 */
import { Native } from "./native.js";
import { SEED, type Config } from "./listops.js";
import { servedSide, type Side } from "./alternate.js";

/** The batched C lookup on the seeded list of n entries as a side of wasm's lookup, its
 *  result checked against wasm's on every sample; with the function that ends its server.
 *  Undefined without a C compiler. */
export function lookupBatchedSide(cfg: Config, n: number, check: string | undefined): { side: Side; close: () => void } | undefined {
  if (!cfg.native) return undefined;
  const nat = Native.build(cfg.log, "lookupMany");
  const server = nat?.server("fair", cfg.clock.name);
  if (!nat || !server) return undefined;
  return { side: servedSide("native-c", server, "lookup", n, String(SEED), check, "native-c lookup-batched"), close: () => nat.close() };
}
