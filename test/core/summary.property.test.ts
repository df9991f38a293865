/**
 * chunkSummary(k) (assembly/cursor.ts chunkSummary): the count, bytes and address XOR of
 * the chunks chunks(k) yields, computed in the core in one call. Checked against the
 * reference's chunks (ts/reference, addresses mod 2^64 as the cursor hands them out),
 * against the batches chunkBatches() hands to JS, and, where the chunks are too many to
 * list (k = 1 over an entry of 2^63 bytes), against a bit-by-bit count that shares no
 * step with the core's closed form.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RangeList, type Entry } from "../../ts/core/range-list.js";
import { Container, CONTAINER_KINDS } from "../../ts/core/container.js";
import { DmaBufError } from "../../ts/core/errors.js";
import type { ChunkSummary } from "../../ts/core/chunks.js";
import * as ref from "../../ts/reference/ops.js";
import { SEED, RUNS, core } from "../helpers.js";
import { pageList, validList, anyList } from "../arbitraries.js";

const c = core();
const M = (1n << 64n) - 1n;
const TWO64 = 1n << 64n;

/** The summary of a list of chunks, addresses mod 2^64. */
function summarize(chunks: Iterable<Entry>): ChunkSummary {
  let count = 0n,
    bytes = 0n,
    xor = 0n;
  for (const ch of chunks) {
    count++;
    bytes += ch.len;
    xor ^= ch.addr & M;
  }
  return { count, bytes, xor };
}

/** The summary of what chunkBatches() hands out. */
function fromBatches(src: RangeList | Container, k: bigint): ChunkSummary {
  const out: Entry[] = [];
  src.chunkBatches(k, (w) => {
    for (let i = 0; i < w.length; i += 2) out.push({ addr: w[i]!, len: w[i + 1]! });
  });
  return summarize(out);
}

/** Numbers in [0, x) with bit b set. */
const withBit = (x: bigint, b: bigint) =>
  (x >> (b + 1n)) * (1n << b) +
  (() => {
    const r = (x % (1n << (b + 1n))) - (1n << b);
    return r > 0n ? r : 0n;
  })();

/**
 * The summary for k = 0 or a power of two without listing chunks: chunk i of an entry
 * starts at a + i k (mod 2^64); bit b of the XOR is the parity of how many starts have
 * bit b set, counted over the run of (a >> s) + i.
 */
function bitwise(es: readonly Entry[], k: bigint): ChunkSummary {
  let count = 0n,
    bytes = 0n,
    xor = 0n;
  for (const { addr, len } of es) {
    bytes += len;
    if (!len) continue;
    if (!k) {
      count++;
      xor ^= addr;
      continue;
    }
    const s = BigInt(k.toString(2).length - 1);
    const m = (len + k - 1n) / k;
    count += m;
    const q = addr >> s;
    for (let b = 0n; b < 64n; b++) {
      const ones = b < s ? ((addr >> b) & 1n ? m : 0n) : withBit(q + m, b - s) - withBit(q, b - s);
      if (ones & 1n) xor ^= 1n << b;
    }
  }
  return { count, bytes, xor };
}

/** What chunkSummary must give: the summary, or EOVERFLOW when the bytes pass 2^64 - 1. */
const expected = (s: ChunkSummary) => (s.bytes > M ? "EOVERFLOW" : s);

function outcome(fn: () => ChunkSummary): ChunkSummary | string {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DmaBufError) return e.code;
    throw e;
  }
}

const few = (es: readonly Entry[], k: bigint) => es.reduce((n, e) => n + (k ? (e.len + k - 1n) / k : 1n), 0n) <= 20_000n;
const pow2 = fc.integer({ min: 0, max: 63 }).map((s) => 1n << BigInt(s));
const anyK = fc.oneof(fc.constantFrom(0n, 1n, 3n, 4096n, 12345n, 1n << 20n), pow2, fc.bigInt({ min: 1n, max: 1n << 16n }), fc.bigInt({ min: 1n, max: M }));

describe("chunkSummary", () => {
  it("equals the reference's chunks and chunkBatches(), for any list and k (zero lengths and wraps included)", () => {
    fc.assert(
      fc.property(fc.oneof(pageList(20), validList(8), anyList(8)), anyK, (es, k) => {
        const isPow2 = k === 0n || (k & (k - 1n)) === 0n;
        // any other k takes one step per chunk: keep to lists of few chunks
        if (!isPow2 && !few(es, k)) return;
        const list = RangeList.from(es, c);
        try {
          const got = outcome(() => list.chunkSummary(k));
          if (few(es, k)) {
            const want = summarize(ref.chunks(es, k));
            expect(got).toEqual(expected(want));
            expect(fromBatches(list, k)).toEqual(want);
          }
          if (isPow2) expect(got).toEqual(expected(bitwise(es, k)));
        } finally {
          list.dispose();
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("every container kind gives the summary of its own chunks", () => {
    fc.assert(
      fc.property(fc.oneof(pageList(12), validList(6)), fc.constantFrom(0n, 1n << 12n, 12345n, 1n << 40n), (es, k) => {
        if (!few(es, k)) return;
        const list = RangeList.from(es, c);
        try {
          for (const kind of CONTAINER_KINDS) {
            if (kind === "sgt" && es.some((x) => x.len > 1n << 36n)) continue; // up to 2^32 pieces
            const ct = Container.fromList(kind, list);
            try {
              const want = fromBatches(ct, k);
              expect(
                outcome(() => ct.chunkSummary(k)),
                kind,
              ).toEqual(expected(want));
              // sgt cuts entries past UINT_MAX; the others hold the list's entries
              if (kind !== "sgt") expect(want).toEqual(summarize(ref.chunks(es, k)));
            } finally {
              ct.dispose();
            }
          }
        } finally {
          list.dispose();
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("an xarray with holes: chunks of its entries in index order, including the last index", () => {
    const xa = Container.xarray(c);
    try {
      xa.xaStore(5n, 0x1000n, 0x3000n);
      xa.xaStore(1n << 40n, M - 0xfffn, 0x1000n);
      xa.xaStore(M, 0x10n, 0x10n);
      expect(xa.chunkSummary(0x1000n)).toEqual({ count: 5n, bytes: 0x4010n, xor: 0x1000n ^ 0x2000n ^ 0x3000n ^ (M - 0xfffn) ^ 0x10n });
      expect(xa.chunkSummary(0x1000n)).toEqual(fromBatches(xa, 0x1000n));
    } finally {
      xa.dispose();
    }
  });

  it("edges: empty lists, lengths 0, the top of the u64 space, a wrap, a sum past 2^64 - 1", () => {
    const at = (es: [bigint, bigint][], k: bigint) => {
      const l = RangeList.from(es, c);
      try {
        return outcome(() => l.chunkSummary(k));
      } finally {
        l.dispose();
      }
    };
    const zero = { count: 0n, bytes: 0n, xor: 0n };
    expect(at([], 0n)).toEqual(zero);
    expect(at([], 4096n)).toEqual(zero);
    expect(
      at(
        [
          [0x1000n, 0n],
          [M, 0n],
        ],
        4096n,
      ),
    ).toEqual(zero);
    expect(
      at(
        [
          [0x1000n, 0n],
          [M, 0n],
        ],
        3n,
      ),
    ).toEqual(zero);
    // the last page and the last byte of the space
    expect(at([[M - 0xfffn, 0x1000n]], 0x1000n)).toEqual({ count: 1n, bytes: 0x1000n, xor: M - 0xfffn });
    expect(at([[M, 1n]], 1n)).toEqual({ count: 1n, bytes: 1n, xor: M });
    // 2^63 chunks of one byte over the upper half: their starts XOR to 0
    expect(at([[1n << 63n, 1n << 63n]], 1n)).toEqual({ count: 1n << 63n, bytes: 1n << 63n, xor: 0n });
    // the whole space but one byte, in 2^62-byte chunks: 0, 2^62, 2^63, 3 * 2^62
    expect(at([[0n, M]], 1n << 62n)).toEqual({ count: 4n, bytes: M, xor: 0n });
    // a wrapping entry (chunkBatches hands out addresses mod 2^64): M, then 0
    expect(at([[M, 2n]], 1n)).toEqual({ count: 2n, bytes: 2n, xor: M });
    expect(at([[M, 2n]], 0n)).toEqual({ count: 1n, bytes: 2n, xor: M });
    // k larger than every entry: one chunk per entry
    expect(
      at(
        [
          [0x1000n, 0x1000n],
          [0x5000n, 0x3000n],
        ],
        M,
      ),
    ).toEqual({ count: 2n, bytes: 0x4000n, xor: 0x4000n });
    // k not a power of two: 0x3000 in chunks of 0x1800 and 0x1001 in 0x1000 + 1
    expect(at([[0x10000n, 0x3000n]], 0x1800n)).toEqual({ count: 2n, bytes: 0x3000n, xor: 0x10000n ^ 0x11800n });
    expect(at([[0x10000n, 0x1001n]], 0x1000n)).toEqual({ count: 2n, bytes: 0x1001n, xor: 0x10000n ^ 0x11000n });
    expect(
      at(
        [
          [1n << 63n, 1n << 63n],
          [0n, 1n << 63n],
        ],
        4096n,
      ),
    ).toBe("EOVERFLOW");
    expect(
      at(
        [
          [0n, M],
          [0n, 1n],
        ],
        0n,
      ),
    ).toBe("EOVERFLOW");
    expect(
      at(
        [
          [0n, M],
          [0n, 0n],
        ],
        0n,
      ),
    ).toEqual({ count: 1n, bytes: M, xor: 0n });
  });

  it("EOVERFLOW names the rule; a disposed list is EBADF", () => {
    const l = RangeList.from(
      [
        [0n, M],
        [0n, 1n],
      ],
      c,
    );
    expect(() => l.chunkSummary(0n)).toThrow(/chunkSummary: sum of len passes 2\^64 - 1/);
    l.dispose();
    expect(() => l.chunkSummary(0n)).toThrow(DmaBufError);
    expect(TWO64).toBe(M + 1n);
  });
});
