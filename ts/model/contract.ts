/**
 * The core's side of the ops contract around a user-written map (docs/rules.md#ops-contract):
 * a product's entries cover the buffer exactly and lie where their address space allows.
 * Violations are EPROTO naming the exporter, the op and the rule.
 *
 * The check reads entries where they live (a 32-bit view of wasm memory, which is
 * little-endian) as pairs of 32-bit words held in plain numbers: no bigint or object per
 * entry. A u64 x is (x / 2^32, x % 2^32); a last byte may carry past 2^64 (high word 2^32),
 * which then lies outside every interval, as it should.
 */
import { DmaBufError } from "../core/errors.js";
import type { Core } from "../core/loader.js";
import { RangeList } from "../core/range-list.js";
import { Container } from "../core/container.js";
import { hex, u64 } from "../core/u64.js";
import type { Device } from "./topology.js";
import { ADDRESS_SPACES, type Backing, type BufferView, type MapProduct } from "./ops.js";

/** Inclusive intervals, 4 numbers each: first byte (high, low word), last byte (high, low word). */
type Intervals = Float64Array;
const W = 0x1_0000_0000;

/** Reused for the intervals of one check (up to 32 MiB kept between checks): no 8-MiB allocation per map. */
let scratch = new Float64Array(0);
const KEEP = 1 << 22;

/**
 * Intervals [addr - delta, addr + len - 1 - delta] of interleaved addr, len words (delta as
 * words), in scratch memory that the next call overwrites.
 */
function intervalsOf(words: BigUint64Array, dH = 0, dL = 0): Intervals {
  const w = words32(words);
  const need = words.length * 2;
  if (scratch.length < need && need <= KEEP) scratch = new Float64Array(Math.min(KEEP, Math.max(need, 2 * scratch.length)));
  const out = need <= scratch.length ? scratch.subarray(0, need) : new Float64Array(need);
  for (let o = 0; o < need; o += 4) load(out, o, w, dH, dL);
  return out;
}

/** Writes the interval of entry w[o..o+3] (shifted back by delta = dH:dL) to out[o..o+3]. */
function load(out: Intervals, o: number, w: Uint32Array, dH: number, dL: number): void {
  let sL = w[o]! - dL;
  let sH = w[o + 1]! - dH;
  if (sL < 0) { sL += W; sH--; }
  if (sH < 0) sH += W;
  let eL = sL + w[o + 2]! - 1;
  let eH = sH + w[o + 3]!;
  if (eL >= W) { eL -= W; eH++; } else if (eL < 0) { eL += W; eH--; }
  out[o] = sH; out[o + 1] = sL; out[o + 2] = eH; out[o + 3] = eL;
}

const words32 = (v: BigUint64Array) => new Uint32Array(v.buffer, v.byteOffset, v.length * 2);

/**
 * firstOutside(list, delta, merged(backing)) without building either side when the list is
 * in address order (the usual case): one walk over both, merging backing entries as it goes.
 * A verdict "inside" is sound even if the backing turns out unsorted further on (an interval
 * merged so far lies inside the backing); any other outcome is left to the general path.
 */
function firstOutsideBacking(list: RangeList, delta: bigint, backing: Backing): number {
  const general = () => firstOutside(list, delta, merged(backing));
  const d = u64(delta);
  const dH = Number(d >> 32n), dL = Number(d & 0xffff_ffffn);
  const pw = words32(list.view());
  const bw = words32(backing.ranges.view());
  // plain locals, not load(): this loop is the map path's hot spot
  let pH = 0, pL = 0; // the previous entry's first byte
  let aSH = 0, aSL = 0, aEH = -1, aEL = 0; // the backing interval merged so far (aEH -1: none)
  let b = 0; // word index of the next backing entry
  for (let o = 0; o < pw.length; o += 4) {
    let sL = pw[o]! - dL, sH = pw[o + 1]! - dH;
    if (sL < 0) { sL += W; sH--; }
    if (sH < 0) sH += W;
    let eL = sL + pw[o + 2]! - 1, eH = sH + pw[o + 3]!;
    if (eL >= W) { eL -= W; eH++; } else if (eL < 0) { eL += W; eH--; }
    if (before(sH, sL, pH, pL)) return general();
    pH = sH; pL = sL;
    while (before(aEH, aEL, sH, sL)) {
      if (b >= bw.length) return general();
      aSL = bw[b]!; aSH = bw[b + 1]!; aEH = -1;
      for (; b < bw.length; b += 4) {
        const nL = bw[b]!, nH = bw[b + 1]!;
        if (before(nH, nL, aSH, aSL)) return general();
        // a gap when the next first byte - 1 is past the last byte so far
        if (aEH >= 0 && before(aEH, aEL, nL === 0 ? nH - 1 : nH, nL === 0 ? W - 1 : nL - 1)) break;
        let nEL = nL + bw[b + 2]! - 1, nEH = nH + bw[b + 3]!;
        if (nEL >= W) { nEL -= W; nEH++; } else if (nEL < 0) { nEL += W; nEH--; }
        if (before(aEH, aEL, nEH, nEL)) { aEH = nEH; aEL = nEL; }
      }
    }
    if (before(sH, sL, aSH, aSL) || before(aEH, aEL, eH, eL)) return general();
  }
  return -1;
}

const before = (aH: number, aL: number, bH: number, bL: number) => aH < bH || (aH === bH && aL < bL);
function sortedByStart(iv: Intervals): boolean {
  for (let o = 4; o < iv.length; o += 4) if (before(iv[o]!, iv[o + 1]!, iv[o - 4]!, iv[o - 3]!)) return false;
  return true;
}

function copy(to: Intervals, at: number, from: Intervals, o: number): void {
  to[at] = from[o]!; to[at + 1] = from[o + 1]!; to[at + 2] = from[o + 2]!; to[at + 3] = from[o + 3]!;
}

/** `iv` sorted by first byte: an LSD radix sort on 16-bit digits (passes where all keys agree skipped). */
function sortByStart(iv: Intervals): Intervals {
  const n = iv.length / 4;
  let idx = Uint32Array.from({ length: n }, (_, k) => k);
  let tmp = new Uint32Array(n);
  const count = new Uint32Array(0x10001);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? 1 : 0; // low word first
    const shift = pass % 2 ? 16 : 0;
    const digit = (k: number) => (iv[4 * k + word]! >>> shift) & 0xffff;
    count.fill(0);
    for (let k = 0; k < n; k++) count[digit(k) + 1]!++;
    if (count[digit(0) + 1] === n) continue;
    for (let c = 1; c <= 0x10000; c++) count[c]! += count[c - 1]!;
    for (let k = 0; k < n; k++) tmp[count[digit(idx[k]!)]!++] = idx[k]!;
    [idx, tmp] = [tmp, idx];
  }
  const out = new Float64Array(iv.length);
  for (let k = 0; k < n; k++) copy(out, 4 * k, iv, 4 * idx[k]!);
  return out;
}

/** `iv` sorted by first byte, touching and overlapping intervals merged (a new array; `iv` is overwritten). */
function mergeIntervals(iv: Intervals): Intervals {
  if (!sortedByStart(iv)) iv = sortByStart(iv);
  const out = iv; // merged in place: the write position never passes the read position
  let m = -4;
  for (let o = 0; o < iv.length; o += 4) {
    const sH = iv[o]!, sL = iv[o + 1]!, eH = iv[o + 2]!, eL = iv[o + 3]!;
    // merge when start <= last end + 1, i.e. start - 1 <= last end
    const pH = sL === 0 ? sH - 1 : sH, pL = sL === 0 ? W - 1 : sL - 1;
    if (m >= 0 && !before(out[m + 2]!, out[m + 3]!, pH, pL)) {
      if (before(out[m + 2]!, out[m + 3]!, eH, eL)) { out[m + 2] = eH; out[m + 3] = eL; }
    } else {
      m += 4;
      copy(out, m, iv, o);
    }
  }
  return out.slice(0, m + 4);
}

/** Merged intervals of a backing (cached: a backing never changes). */
const mergedCache = new WeakMap<Backing, Intervals>();
function merged(b: Backing): Intervals {
  let out = mergedCache.get(b);
  if (!out) mergedCache.set(b, (out = mergeIntervals(intervalsOf(b.ranges.view()))));
  return out;
}

/** Index of the last interval of `allowed` starting at or before (sH, sL), or -1. */
function floor(allowed: Intervals, sH: number, sL: number): number {
  let a = 0;
  let b = allowed.length / 4 - 1;
  let found = -1;
  while (a <= b) {
    const mid = (a + b) >> 1;
    if (before(sH, sL, allowed[4 * mid]!, allowed[4 * mid + 1]!)) b = mid - 1;
    else { found = mid; a = mid + 1; }
  }
  return found;
}

const inside = (iv: Intervals, o: number, allowed: Intervals, j: number) =>
  j >= 0 && !before(iv[o]!, iv[o + 1]!, allowed[4 * j]!, allowed[4 * j + 1]!) && !before(allowed[4 * j + 2]!, allowed[4 * j + 3]!, iv[o + 2]!, iv[o + 3]!);

/** The first interval of `iv` (sorted by first byte) not inside one of `allowed`, or -1: one linear walk. */
function firstOutsideSorted(iv: Intervals, allowed: Intervals): number {
  const last = allowed.length / 4 - 1;
  let j = floor(allowed, iv[0] ?? 0, iv[1] ?? 0);
  for (let o = 0; o < iv.length; o += 4) {
    while (j < last && !before(iv[o]!, iv[o + 1]!, allowed[4 * j + 4]!, allowed[4 * j + 5]!)) j++;
    if (!inside(iv, o, allowed, j)) return o / 4;
  }
  return -1;
}

/**
 * The first entry of `list` (addr shifted back by -delta) not inside one interval of
 * `allowed`, or -1. Entries in address order take one linear walk; others are sorted
 * first, and only when the walk finds a violation does each entry get a binary search,
 * in list order, to name the first.
 */
function firstOutside(list: RangeList, delta: bigint, allowed: Intervals): number {
  const d = u64(delta);
  const iv = intervalsOf(list.view(), Number(d >> 32n), Number(d & 0xffff_ffffn));
  if (sortedByStart(iv)) return firstOutsideSorted(iv, allowed);
  if (firstOutsideSorted(sortByStart(iv), allowed) < 0) return -1;
  for (let o = 0; o < iv.length; o += 4) if (!inside(iv, o, allowed, floor(allowed, iv[o]!, iv[o + 1]!))) return o / 4;
  return -1;
}

/**
 * Checks `p`, the product of `op` of exporter `who`, for attachment importer `dev` of
 * `buf`; returns its entries as a list this call owns (a container product is read
 * into a list and disposed). Throws EPROTO (after releasing the product) on a violation.
 */
export function checkProduct(core: Core, p: unknown, buf: BufferView, dev: Device, who: string): RangeList {
  const fail = (rule: string): never => {
    throw new DmaBufError("EPROTO", `${who} broke the ops contract: ${rule}`);
  };
  if (typeof p !== "object" || p === null) return fail("it returned no map product");
  const prod = p as MapProduct;
  let list: RangeList | undefined;
  try {
    if (typeof prod.release !== "function") return fail("its product has no release()");
    const e = prod.entries;
    if (!(e instanceof RangeList) && !(e instanceof Container)) return fail("its product's entries are neither a RangeList nor a Container");
    if (e.core !== core) return fail("its product's entries belong to another core");
    list = e instanceof Container ? e.toList() : e;
    if (!ADDRESS_SPACES.includes(prod.space)) return fail(`its product's address space ${JSON.stringify(prod.space)} is none of ${ADDRESS_SPACES.join(", ")}`);
    const bytes = list.length ? list.total() : 0n;
    if (bytes !== buf.size) fail(`its entries cover ${hex(bytes)} bytes of a ${hex(buf.size)}-byte buffer`);
    const { bar } = buf.backing;
    if ((prod.space === "bar-offset") !== (prod.barNumber !== undefined)) fail("barNumber is given exactly for bar-offset products");
    let delta = 0n;
    let allowed: Intervals | undefined; // undefined: the backing's
    let where: string;
    switch (prod.space) {
      case "cpu-phys":
        allowed = undefined;
        where = "the backing";
        break;
      case "bus":
      case "bar-offset":
        if (!bar) return fail(`a ${prod.space} product needs an mmio backing`);
        if (prod.space === "bar-offset" && prod.barNumber !== bar.index) fail(`barNumber ${prod.barNumber} is not the backing's BAR ${bar.index}`);
        delta = prod.space === "bus" ? u64(bar.bus - bar.cpu) : u64(-bar.cpu);
        allowed = undefined;
        where = prod.space === "bus" ? "the backing's bus addresses" : "the backing's BAR offsets";
        break;
      case "iova": {
        const win = dev.iommu;
        if (!win) return fail(`an iova product for ${dev.name}, which has no IOMMU`);
        const regions = prod.regions;
        if (!Array.isArray(regions) || !regions.length) return fail("an iova product lists no IOVA regions");
        for (const r of regions) {
          if (typeof r?.addr !== "bigint" || typeof r.len !== "bigint" || r.len <= 0n || r.addr < win.base || r.addr + r.len > win.base + win.size) {
            fail(`IOVA region ${String(r?.addr)} +${String(r?.len)} is not inside the IOMMU window of ${dev.name}`);
          }
        }
        allowed = mergeIntervals(intervalsOf(BigUint64Array.from(regions.flatMap((r) => [r.addr, r.len]))));
        where = "its IOVA regions";
        break;
      }
    }
    const bad = allowed ? firstOutside(list, delta, allowed) : firstOutsideBacking(list, delta, buf.backing);
    if (bad >= 0) {
      const [addr, len] = list.view().subarray(2 * bad, 2 * bad + 2);
      fail(`entry ${bad} (${hex(addr!)} +${hex(len!)}) lies outside ${where}`);
    }
    if (list !== e) e.dispose();
    return list;
  } catch (err) {
    if (list && list !== prod.entries) list.dispose();
    const e = prod.entries as unknown;
    if (e instanceof RangeList || e instanceof Container) e.dispose();
    if (typeof prod.release === "function") prod.release();
    throw err;
  }
}
