/**
 * The range-list operations as a careful TypeScript engineer would write them for
 * speed: entries in a Uint32Array (addr lo, addr hi, len lo, len hi), Number
 * arithmetic with explicit carries, no bigint and no per-entry objects. It is the fair
 * TS baseline of the benchmarks. To stay fast it handles len < 2^32, buffers below
 * 2^53 bytes, and segment limits up to 2^32; it throws outside that.
 */
const TWO32 = 4294967296;

export function fromWords(words: BigUint64Array): Uint32Array {
  return new Uint32Array(words.buffer, words.byteOffset, words.length * 2).slice();
}

function needSmall(s: Uint32Array): void {
  for (let i = 3; i < s.length; i += 4) if (s[i] !== 0) throw new Error("ts-typed handles len < 2^32 only");
}

/** addr + len - 1 must not wrap and len > 0. */
function valid(aHi: number, aLo: number, l: number): boolean {
  return l !== 0 && !(aHi === 0xffffffff && aLo + l - 1 >= TWO32);
}

export function coalesce(s: Uint32Array): Uint32Array {
  needSmall(s);
  const n = s.length >>> 2;
  for (let i = 0; i < n; i++) if (!valid(s[4 * i + 1]!, s[4 * i]!, s[4 * i + 2]!)) throw new Error(`entry ${i} invalid`);
  const out = new Uint32Array(s.length);
  if (n === 0) return out;
  let m = 0;
  let raLo = s[0]!,
    raHi = s[1]!,
    rl = s[2]!;
  for (let i = 1; i < n; i++) {
    const aLo = s[4 * i]!,
      aHi = s[4 * i + 1]!,
      l = s[4 * i + 2]!;
    const x = raLo + rl;
    const eLo = x >>> 0;
    const eHi = raHi + Math.floor(x / TWO32);
    if (eLo === aLo && eHi === aHi && eHi < TWO32) {
      rl += l;
    } else {
      out[4 * m] = raLo;
      out[4 * m + 1] = raHi;
      out[4 * m + 2] = rl >>> 0;
      out[4 * m + 3] = Math.floor(rl / TWO32);
      m++;
      raLo = aLo;
      raHi = aHi;
      rl = l;
    }
  }
  out[4 * m] = raLo;
  out[4 * m + 1] = raHi;
  out[4 * m + 2] = rl >>> 0;
  out[4 * m + 3] = Math.floor(rl / TWO32);
  return out.slice(0, 4 * (m + 1));
}

/** maxSeg <= 2^32; mask = -1 (none) or mask + 1 a power of two <= 2^32. */
export function split(s: Uint32Array, maxSeg: number, mask: number): Uint32Array {
  needSmall(s);
  const n = s.length >>> 2;
  const noMask = mask < 0;
  const span = mask + 1;
  let pieces = 0;
  for (let i = 0; i < n; i++) {
    let aLo = s[4 * i]!,
      l = s[4 * i + 2]!;
    if (!valid(s[4 * i + 1]!, aLo, l)) throw new Error(`entry ${i} invalid`);
    if (l <= maxSeg && (noMask || (aLo % span) + l - 1 <= mask)) pieces++;
    else if (noMask) pieces += Math.floor((l - 1) / maxSeg) + 1;
    else
      while (l) {
        let seg = l < maxSeg ? l : maxSeg;
        const room = span - (aLo % span);
        if (seg > room) seg = room;
        aLo = (aLo + seg) >>> 0;
        l -= seg;
        pieces++;
      }
  }
  const out = new Uint32Array(4 * pieces);
  let p = 0;
  for (let i = 0; i < n; i++) {
    let aLo = s[4 * i]!,
      aHi = s[4 * i + 1]!,
      l = s[4 * i + 2]!;
    if (l <= maxSeg && (noMask || (aLo % span) + l - 1 <= mask)) {
      out[p] = aLo;
      out[p + 1] = aHi;
      out[p + 2] = l;
      p += 4;
      continue;
    }
    while (l) {
      let seg = l < maxSeg ? l : maxSeg;
      if (!noMask) {
        const room = span - (aLo % span);
        if (seg > room) seg = room;
      }
      out[p] = aLo;
      out[p + 1] = aHi;
      out[p + 2] = seg;
      p += 4;
      const x = aLo + seg;
      aLo = x >>> 0;
      if (x >= TWO32) aHi = (aHi + 1) >>> 0;
      l -= seg;
    }
  }
  return out;
}

const prefixCache = new WeakMap<Uint32Array, Float64Array>();

/** Prefix sums, built once per list and cached (as the wasm core does). */
function prefix(s: Uint32Array): Float64Array {
  const cached = prefixCache.get(s);
  if (cached) return cached;
  const n = s.length >>> 2;
  const pre = new Float64Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += s[4 * i + 2]! + s[4 * i + 3]! * TWO32;
    pre[i] = t;
  }
  if (t > Number.MAX_SAFE_INTEGER) throw new Error("ts-typed handles totals below 2^53 only");
  prefixCache.set(s, pre);
  return pre;
}

function find(pre: Float64Array, off: number): number {
  let lo = 0,
    hi = pre.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pre[mid]! > off) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Looks up every offset: interleaved index, intra-offset as Float64 pairs. */
export function lookupMany(s: Uint32Array, offsets: Float64Array): Float64Array {
  const pre = prefix(s);
  const out = new Float64Array(2 * offsets.length);
  const total = pre.length ? pre[pre.length - 1]! : 0;
  for (let k = 0; k < offsets.length; k++) {
    const off = offsets[k]!;
    if (off >= total) throw new Error("offset past the end");
    const i = find(pre, off);
    out[2 * k] = i;
    out[2 * k + 1] = off - (pre[i]! - s[4 * i + 2]!);
  }
  return out;
}

export function slice(s: Uint32Array, off: number, len: number): Uint32Array {
  const pre = prefix(s);
  const i = find(pre, off);
  const j = find(pre, off + len - 1);
  const out = s.slice(4 * i, 4 * (j + 1));
  const head = off - (pre[i]! - s[4 * i + 2]!);
  const x = out[0]! + head;
  out[0] = x >>> 0;
  out[1] = out[1]! + Math.floor(x / TWO32);
  out[2] = out[2]! - head;
  out[out.length - 2] = out[out.length - 2]! - (pre[j]! - (off + len));
  return out;
}

/** FNV-1a 64 of (addr, len) words, on 32-bit halves: h * prime = h * 0x1b3 + (h << 40). */
export function hash(s: Uint32Array): bigint {
  let lo = 0x84222325,
    hi = 0xcbf29ce4;
  for (let w = 0; w < s.length; w += 2) {
    // one u64 (lo word s[w], hi word s[w + 1]) as 8 little-endian bytes
    for (let half = 0; half < 2; half++) {
      const v = s[w + half]!;
      for (let b = 0; b < 32; b += 8) {
        lo = (lo ^ ((v >>> b) & 0xff)) >>> 0;
        const p = lo * 0x1b3;
        const nlo = p >>> 0;
        hi = (Math.imul(hi, 0x1b3) + Math.floor(p / TWO32) + (lo << 8)) >>> 0;
        lo = nlo;
      }
    }
  }
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

/**
 * The chunk cursor: fills batches of 4096 chunks (addr lo, addr hi, len lo, len hi) of at
 * most k bytes and hands each batch to the consumer, which here folds
 * (count << 32) | xor of the low addr words, as the C reference and the wasm bench do.
 */
export function iterate(s: Uint32Array, k: number): bigint {
  const BATCH = 4096;
  const batch = new Uint32Array(4 * BATCH);
  let count = 0,
    x = 0,
    n = 0;
  const consume = () => {
    let y = x;
    for (let i = 0, end = 4 * n; i < end; i += 4) y ^= batch[i]!;
    x = y;
    count += n;
    n = 0;
  };
  for (let i = 0; i < s.length; i += 4) {
    const aLo = s[i]!,
      aHi = s[i + 1]!,
      l = s[i + 2]!;
    for (let off = 0; off < l; off += k) {
      const p = 4 * n;
      const lo = aLo + off;
      batch[p] = lo;
      batch[p + 1] = lo >= TWO32 ? aHi + 1 : aHi;
      batch[p + 2] = l - off < k ? l - off : k;
      batch[p + 3] = 0;
      if (++n === BATCH) consume();
    }
  }
  consume();
  return (BigInt(count) << 32n) | BigInt(x >>> 0);
}
