/** Seeded benchmark inputs, generated exactly as bench/native/ranges.c does. */

export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** n page-aligned entries (1..16 pages), about 30% of neighbours adjacent: addr, len
 *  words, into `w` when given (a list's view: no copy in JS). */
export function makeList(n: number, seed: number, w: BigUint64Array<ArrayBufferLike> = new BigUint64Array(2 * n)): BigUint64Array<ArrayBufferLike> {
  const r = mulberry32(seed);
  let addr = 0x1_0000_0000;
  for (let i = 0; i < n; i++) {
    const pages = 1 + (r() % 16);
    if (r() % 10 >= 3) addr += (1 + (r() % 256)) * 4096;
    w[2 * i] = BigInt(addr);
    w[2 * i + 1] = BigInt(pages * 4096);
    addr += pages * 4096;
  }
  return w;
}

/** 1 GiB of 4 KiB pages, every other page: disjoint, never adjacent (the map pipeline). */
export function makePages(n: number): BigUint64Array {
  const w = new BigUint64Array(2 * n);
  for (let i = 0; i < n; i++) {
    w[2 * i] = 0x1_0000_0000n + BigInt(i) * 8192n;
    w[2 * i + 1] = 4096n;
  }
  return w;
}

/** n random byte offsets below total, as the C reference draws them. */
export function makeOffsets(n: number, seed: number, total: bigint): BigUint64Array {
  const r = mulberry32((seed ^ 0x9e3779b9) >>> 0);
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    const hi = BigInt(r());
    const lo = BigInt(r());
    out[i] = ((hi << 32n) | lo) % total;
  }
  return out;
}
