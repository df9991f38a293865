/**
 * "Did you mean …?": the known word nearest to a mistyped one, for unknown flags, commands
 * and scenario fields. Optimal string alignment distance (a swap of two neighbours is one
 * edit); a word is suggested only within max(1, ⌊length / 3⌋) edits, and only when no
 * other word is as near, so a suggestion is never a guess between two.
 */

/** Edit distance with adjacent transpositions, stopping early past `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** The one candidate nearest to `word` within the limit, or undefined (none near, or a tie). */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestD = limit + 1;
  let tie = false;
  for (const c of candidates) {
    if (c === word) continue;
    const d = distance(word.toLowerCase(), c.toLowerCase(), limit);
    if (d < bestD) [best, bestD, tie] = [c, d, false];
    else if (d === bestD) tie = true;
  }
  return best !== undefined && !tie ? best : undefined;
}

/** ` (did you mean "x"?)`, or "" when nothing is near. */
export function didYouMean(word: string, candidates: Iterable<string>, quote = (s: string) => JSON.stringify(s)): string {
  const n = nearest(word, candidates);
  return n === undefined ? "" : ` (did you mean ${quote(n)}?)`;
}
