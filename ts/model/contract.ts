/**
 * The core's side of the ops contract around a user-written map (docs/rules.md#ops-contract):
 * a product's entries cover the buffer exactly and lie where their address space allows.
 * Violations are EPROTO naming the exporter, the op and the rule.
 */
import { DmaBufError } from "../core/errors.js";
import type { Core } from "../core/loader.js";
import { RangeList } from "../core/range-list.js";
import { Container } from "../core/container.js";
import { hex, u64 } from "../core/u64.js";
import type { Device } from "./topology.js";
import { ADDRESS_SPACES, type Backing, type BufferView, type MapProduct } from "./ops.js";

type Interval = { lo: bigint; hi: bigint }; // inclusive

/** Sorted, merged intervals of a backing (cached: a backing never changes). */
const mergedCache = new WeakMap<Backing, Interval[]>();
function merged(b: Backing): Interval[] {
  let out = mergedCache.get(b);
  if (out) return out;
  const v = b.ranges.view();
  const iv: Interval[] = [];
  for (let i = 0; i < v.length; i += 2) iv.push({ lo: v[i]!, hi: v[i]! + v[i + 1]! - 1n });
  out = mergeIntervals(iv);
  mergedCache.set(b, out);
  return out;
}

function mergeIntervals(iv: Interval[]): Interval[] {
  let sorted = true;
  for (let i = 1; i < iv.length && sorted; i++) sorted = iv[i - 1]!.lo <= iv[i]!.lo;
  if (!sorted) iv.sort((x, y) => (x.lo < y.lo ? -1 : x.lo > y.lo ? 1 : 0));
  const out: Interval[] = [];
  for (const r of iv) {
    const last = out[out.length - 1];
    if (last && r.lo <= last.hi + 1n) {
      if (r.hi > last.hi) last.hi = r.hi;
    } else out.push({ ...r });
  }
  return out;
}

/** The first entry (addr shifted back by -delta) not inside `allowed`, or -1. */
function firstOutside(list: RangeList, delta: bigint, allowed: Interval[]): number {
  const v = list.view();
  for (let i = 0; i < v.length; i += 2) {
    const lo = u64(v[i]! - delta);
    const hi = lo + v[i + 1]! - 1n;
    let a = 0;
    let b = allowed.length - 1;
    let found: Interval | undefined;
    while (a <= b) {
      const mid = (a + b) >> 1;
      const r = allowed[mid]!;
      if (r.lo <= lo) {
        found = r;
        a = mid + 1;
      } else b = mid - 1;
    }
    if (!found || hi > found.hi) return i / 2;
  }
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
    let allowed: Interval[];
    let where: string;
    switch (prod.space) {
      case "cpu-phys":
        allowed = merged(buf.backing);
        where = "the backing";
        break;
      case "bus":
      case "bar-offset":
        if (!bar) return fail(`a ${prod.space} product needs an mmio backing`);
        if (prod.space === "bar-offset" && prod.barNumber !== bar.index) fail(`barNumber ${prod.barNumber} is not the backing's BAR ${bar.index}`);
        delta = prod.space === "bus" ? u64(bar.bus - bar.cpu) : u64(-bar.cpu);
        allowed = merged(buf.backing);
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
        allowed = mergeIntervals(regions.map((r) => ({ lo: r.addr, hi: r.addr + r.len - 1n })));
        where = "its IOVA regions";
        break;
      }
    }
    const bad = firstOutside(list, delta, allowed);
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
