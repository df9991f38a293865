/** Result records and the statistics of a set of samples. */

/** native-c: C at the fair flags (-O3 -march=x86-64-v2); native-c-march: the same C at
 *  -march=native (reference only); floor: the least work the op can do (C, fair flags). */
export type Impl = "wasm" | "wasm-chromium" | "wasm-node" | "wasm-bun" | "wasm-firefox" | "ts-bigint" | "ts-typed" | "native-c" | "native-c-march" | "floor";

export interface Result {
  suite: string;
  impl: Impl;
  op: string;
  n: number;
  nsPerEntry: number;
  p50Ns: number;
  p99Ns: number;
  /** Relative margin of error of the mean, in percent (meaningless for one sample). */
  rme: number;
  /** How many samples the figures come from, when the timer reports it. */
  samples?: number;
  /** containers suite: bytes per entry of the container; sweep (wasm): of the list. */
  bytesPerEntry?: number;
  /** sweep (wasm): bytes of the list in the core, and the peak RSS of the process so far. */
  listBytes?: number;
  peakRssBytes?: number;
  /** Alternated runs (bench/alternate.ts): each sample in ns per run of the op, in the
   *  order taken; sample i of every implementation of the op was taken in round i. */
  samplesNs?: number[];
  /** The fastest and slowest sample, and the larger distance of either from the median
   *  (p50Ns), in percent of it. */
  minNs?: number;
  maxNs?: number;
  spreadPct?: number;
  /** Runs of the op per sample (enough that the timer's resolution is under 1% of one). */
  iterations?: number;
  /** The implementations of this op, in the order each round took one sample of each. */
  alternation?: Impl[];
  /** This implementation's median as a multiple of the op's floor in the same run. */
  vsFloor?: number;
  /** floor: the bytes it reads and writes (those the op must touch). */
  floorRead?: number;
  floorWrite?: number;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** p50, p99 and rme (95% confidence, normal approximation) of samples in ns. */
export function summarize(samplesNs: number[]): { p50Ns: number; p99Ns: number; rme: number } {
  const s = [...samplesNs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  const sd = s.length > 1 ? Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (s.length - 1)) : 0;
  const rme = mean ? ((1.96 * sd) / Math.sqrt(s.length) / mean) * 100 : 0;
  return { p50Ns: quantile(s, 0.5), p99Ns: quantile(s, 0.99), rme };
}

/** The median of xs (0 for none). */
export function median(xs: readonly number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/** Median, min, max and spread of samples: the spread is the larger distance of the min
 *  or the max from the median, in percent of the median (the "±" of the tables). */
export function minMax(samplesNs: readonly number[]): { p50Ns: number; minNs: number; maxNs: number; spreadPct: number } {
  const p50Ns = median(samplesNs);
  const minNs = Math.min(...samplesNs);
  const maxNs = Math.max(...samplesNs);
  const spreadPct = p50Ns > 0 ? (Math.max(p50Ns - minNs, maxNs - p50Ns) / p50Ns) * 100 : 0;
  return { p50Ns, minNs, maxNs, spreadPct };
}

/** A ratio wider than this (± percent) is too noisy to call a difference. */
export const NOISE_LIMIT_PCT = 10;

export type Verdict = "faster" | "slower" | "parity" | "too noisy";

/** a / b for one op: the ratio and its range, and what may be said of it. */
export interface Comparison {
  suite: string;
  op: string;
  n: number;
  a: Impl;
  b: Impl;
  /** The median of a / b (lower: a is faster). */
  ratio: number;
  /** The range of a / b: the lowest and highest paired ratio when a and b were alternated,
   *  else the extremes their own min-max spreads allow. */
  min: number;
  max: number;
  /** The larger distance of min or max from the ratio, in percent of it. */
  spreadPct: number;
  /** Whether a and b were sampled alternately and the ratio is of paired samples. */
  paired: boolean;
  verdict: Verdict;
}

/**
 * What may be said of a ratio with the range [min, max]: nothing when the range reaches
 * further than ±NOISE_LIMIT_PCT from it; parity when it contains 1; else faster (below 1)
 * or slower.
 */
export function classify(ratio: number, min: number, max: number, limit = NOISE_LIMIT_PCT): { spreadPct: number; verdict: Verdict } {
  const spreadPct = Math.max(ratio / min - 1, max / ratio - 1, 0) * 100;
  // (1e-9: a range of exactly ±limit% is within it, whatever the rounding of the division)
  if (!(spreadPct <= limit + 1e-9)) return { spreadPct, verdict: "too noisy" };
  if (min <= 1 && max >= 1) return { spreadPct, verdict: "parity" };
  return { spreadPct, verdict: ratio < 1 ? "faster" : "slower" };
}

/**
 * a / b: of the paired samples when both were taken in the same rounds (each round's
 * a over its b: drift of the machine between rounds cancels), else of the medians, the
 * range being the extremes the two min-max spreads (or rme, for a result without them)
 * allow; a single sample has no spread, so its range is unbounded.
 */
export function compare(a: Result, b: Result): Comparison {
  const head = { suite: a.suite, op: a.op, n: a.n, a: a.impl, b: b.impl };
  const sa = a.samplesNs;
  const sb = b.samplesNs;
  const paired = !!sa && !!sb && sa.length === sb.length && sa.length > 0 && !!a.alternation?.includes(b.impl);
  let ratio: number, min: number, max: number;
  if (paired) {
    const rs = sa!.map((x, i) => x / sb![i]!);
    ratio = median(rs);
    min = Math.min(...rs);
    max = Math.max(...rs);
  } else {
    ratio = a.p50Ns / b.p50Ns;
    // one sample has no spread to give: its range is unbounded
    const lo = (r: Result) => (r.samples === 1 ? 0 : (r.minNs ?? Math.max(0, r.p50Ns * (1 - r.rme / 100))));
    const hi = (r: Result) => (r.samples === 1 ? Number.POSITIVE_INFINITY : (r.maxNs ?? r.p50Ns * (1 + r.rme / 100)));
    min = lo(a) / hi(b);
    max = hi(a) / lo(b);
  }
  return { ...head, ratio, min, max, paired, ...classify(ratio, min, max) };
}

/** The verdict in words, as the tables print it. */
export function verdictText(c: Pick<Comparison, "verdict" | "spreadPct">): string {
  if (c.verdict === "too noisy") return `too noisy to call (±${c.spreadPct < 10 ? c.spreadPct.toFixed(1) : c.spreadPct.toFixed(0)}%)`;
  return c.verdict === "parity" ? "parity within the spread" : c.verdict;
}
