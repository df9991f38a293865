/** Result records and the statistics of a set of samples. */

export type Impl = "wasm" | "wasm-chromium" | "wasm-node" | "wasm-bun" | "wasm-firefox" | "ts-bigint" | "ts-typed" | "native-c";

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
