/**
 * The method of the wasm-against-C figures: every implementation of an op is sampled in
 * turn, round after round (wasm, C, C -march=native, floor, wasm, C, …), so drift of a
 * busy machine lands on all of them alike, and sample i of each was taken in round i
 * (stats.ts compare() divides them pairwise). Each sample runs the op enough times that
 * the timer's resolution is under 1% of it; all sides run the same count.
 */
import { disagree, fmtN, type Clock } from "./listops.js";
import type { Native } from "./native.js";
import { minMax, summarize, type Impl, type Result } from "./stats.js";

/** One implementation of an op. */
export interface Side {
  impl: Impl;
  /** Runs the op `iters` times and returns the ns they took together, timed by the side
   *  itself (its own process's clock). */
  run(iters: number): Promise<number> | number;
  /** Fields its runs learnt (a floor's bytes), added to its result. */
  extra?: () => Partial<Result>;
}

/** Runs per sample and rounds of one op. */
export interface Plan {
  iters: number;
  rounds: number;
}

export interface PlanOptions {
  quick: boolean;
  /** The shortest sample: 100 × the coarsest timer's resolution (1% of a sample). */
  minSampleNs: number;
  /** Past 10^7 entries an op takes seconds: 3 rounds. */
  huge?: boolean;
}

/**
 * Runs per sample: enough that one sample lasts minSampleNs. Rounds: as many as a time
 * budget per op allows (1 s with --quick, 8 s else), within 3-7 (--quick) or 5-15, and
 * 3 for huge inputs.
 */
export function plan(oneNs: number, sides: number, o: PlanOptions): Plan {
  const one = Math.max(oneNs, 1);
  const iters = Math.max(1, Math.ceil(o.minSampleNs / one));
  if (o.huge) return { iters, rounds: 3 };
  const [lo, hi, budget] = o.quick ? [3, 7, 1e9] : [5, 15, 8e9];
  const rounds = Math.min(hi, Math.max(lo, Math.floor(budget / (Math.max(sides, 1) * iters * one))));
  return { iters, rounds };
}

/**
 * One warm-up run of each side but the first (whose calibration run warmed it), then
 * `rounds` rounds, each taking one sample of every side in the order given. Returns
 * each side's samples in ns per run of the op, in the order taken.
 */
export async function alternate(sides: readonly Side[], p: Plan): Promise<number[][]> {
  for (const s of sides.slice(1)) await s.run(p.iters);
  const out = sides.map(() => [] as number[]);
  for (let r = 0; r < p.rounds; r++) for (const [i, s] of sides.entries()) out[i]!.push((await s.run(p.iters)) / p.iters);
  return out;
}

/** Measures one op on its sides alternately; one result per side, each with its
 *  median as a multiple of the floor's when a floor side is among them. */
export async function measure(suite: string, op: string, n: number, sides: readonly Side[], o: PlanOptions & { log: (s: string) => void }): Promise<Result[]> {
  o.log(`  ${suite} · ${op} · n = ${fmtN(n)}: ${sides.map((s) => s.impl).join(", ")}, alternating`);
  const one = await sides[0]!.run(1);
  const p = plan(one, sides.length, o);
  const samples = await alternate(sides, p);
  const alternation = sides.map((s) => s.impl);
  const results: Result[] = sides.map((s, i) => {
    const xs = samples[i]!;
    const mm = minMax(xs);
    const { p99Ns, rme } = summarize(xs);
    return {
      suite,
      impl: s.impl,
      op,
      n,
      nsPerEntry: mm.p50Ns / n,
      ...mm,
      p99Ns,
      rme,
      samples: xs.length,
      samplesNs: xs,
      iterations: p.iters,
      alternation,
      ...s.extra?.(),
    };
  });
  const floor = results.find((r) => r.impl === "floor");
  if (floor) for (const r of results) if (r !== floor) r.vsFloor = r.p50Ns / floor.p50Ns;
  return results;
}

/** A side timed in this process: fn run `iters` times between two readings of clock. */
export function localSide(impl: Impl, fn: () => void, clock: Clock): Side {
  return {
    impl,
    run(iters) {
      const t0 = clock.now();
      for (let i = 0; i < iters; i++) fn();
      return (clock.now() - t0) * 1e6;
    },
  };
}

/**
 * The C sides of op when C is built: the fair build (its result checked against `check`,
 * the wasm result's hash, on every sample), the -march=native build, and the floor.
 * source: a seed or @FILE, as Native.run takes it.
 */
export function cSides(native: Native | undefined, clock: "cpu" | "wall", op: string, n: number, check: string | undefined, source: string): Side[] {
  if (!native) return [];
  const side = (impl: Impl, build: "fair" | "native", what: string): Side | undefined => {
    const server = native.server(build, clock);
    if (!server) return undefined;
    let extra: Partial<Result> = {};
    return {
      impl,
      async run(iters) {
        const s = await server.sample(what, n, source, iters);
        if (impl !== "floor" && check && s.check !== check)
          disagree(`${impl} ${op} at n=${n} computed ${s.check}, wasm ${check}: the implementations disagree`);
        if (s.read !== undefined) extra = { floorRead: s.read, floorWrite: s.write ?? 0 };
        return s.ns;
      },
      extra: () => extra,
    };
  };
  return [side("native-c", "fair", op), side("native-c-march", "native", op), side("floor", "fair", `floor:${op}`)].filter((s): s is Side => !!s);
}

/**
 * A side for a C program that is not served (its own binary with the one-shot command line
 * of bench/native/ranges.c, `OP N REPS SOURCE CLOCK`): one process per sample, its reps
 * summed. The process builds its input before timing, so only the op is timed, but each
 * sample starts with the caches of a fresh process; prefer a served op (cSides) where one
 * exists. `run` is Native.run or the same for another binary.
 */
export function processSide(
  impl: Impl,
  run: (op: string, n: number, reps: number, source: string, clock: "cpu" | "wall") => { samples: number[]; check: string },
  op: string,
  n: number,
  check: string | undefined,
  source: string,
  clock: "cpu" | "wall",
): Side {
  return {
    impl,
    run(iters) {
      const r = run(op, n, iters, source, clock);
      if (check && r.check !== check) disagree(`${impl} ${op} at n=${n} computed ${r.check}, wasm ${check}: the implementations disagree`);
      return r.samples.reduce((a, b) => a + b, 0);
    },
  };
}
