/**
 * The core's side of the ops contract around a user-written map (docs/rules.md#ops-contract):
 * a product's entries cover the buffer exactly and lie where their address space allows.
 * Violations are EPROTO naming the exporter, the op and the rule.
 *
 * Where the entries lie is checked in the core, in one call (RangeList.firstOutside over
 * the backing's ranges or the IOVA regions): no entry crosses into JS.
 */
import { DmaBufError } from "../core/errors.js";
import type { Core } from "../core/loader.js";
import { RangeList } from "../core/range-list.js";
import { Container, providerArg } from "../core/container.js";
import { hex, u64 } from "../core/u64.js";
import type { Device } from "./topology.js";
import { ADDRESS_SPACES, type BufferView, type MapProduct } from "./ops.js";
import { isOwned, notThenable, readFields } from "./untrusted.js";

/** list.firstOutside(the IOVA regions as a list). */
function outsideRegions(core: Core, list: RangeList, regions: readonly { addr: bigint; len: bigint }[]): number {
  const within = RangeList.fromBigUint64Array(BigUint64Array.from(regions.flatMap((r) => [r.addr, r.len])), core);
  try {
    return list.firstOutside(within);
  } finally {
    within.dispose();
  }
}

/**
 * Checks `p`, the product of `op` of exporter `who`, for attachment importer `dev` of
 * `buf`; returns its entries as a list this call owns (a container product is read
 * into a list and disposed). Throws EPROTO (after releasing the product) on a violation.
 */
/** Whether `v` is a provider the physvec container takes (the core's own check, ts/core/container.ts). */
function isProvider(v: unknown): boolean {
  try {
    providerArg(v, "provider", "provider"); // throws only DmaBufErrors (EINVAL, ERANGE)
    return true;
  } catch {
    return false;
  }
}

const PRODUCT_FIELDS = ["entries", "space", "barNumber", "provider", "regions", "release"];

export function checkProduct(core: Core, p: unknown, buf: BufferView, dev: Device, who: string): RangeList {
  const fail = (rule: string): never => {
    throw new DmaBufError("EPROTO", `${who} broke the ops contract: ${rule}`);
  };
  if (typeof p !== "object" || p === null) return fail("it returned no map product");
  // read once, as own data properties: a getter, an inherited field or a throwing Proxy trap is EPROTO, and nothing is given back (nothing can be read)
  const prod = readFields(p, PRODUCT_FIELDS, (k, msg) => fail(`its product's ${k ?? "fields"} ${msg}`)) as unknown as MapProduct;
  let list: RangeList | undefined;
  const e0 = prod.entries as unknown;
  // the entries are the product's to dispose unless the model owns them (or they are gone)
  const mine = (e0 instanceof RangeList || e0 instanceof Container) && !isOwned(e0) && !e0.disposed;
  try {
    if (typeof prod.release !== "function") return fail("its product has no release()");
    const e = prod.entries;
    if (!(e instanceof RangeList) && !(e instanceof Container)) return fail("its product's entries are neither a RangeList nor a Container");
    if (isOwned(e))
      return fail("its product's entries alias a list the model owns (a backing or a mapping's container): a product hands the model new entries");
    if (e.disposed) return fail("its product's entries were already disposed");
    if (e.core !== core) return fail("its product's entries belong to another core");
    list = e instanceof Container ? e.toList() : e;
    checkPlacement(core, list, prod, buf, dev, fail);
    if (list !== e) e.dispose();
    return list;
  } catch (err) {
    if (list && list !== prod.entries) list.dispose();
    if (mine) e0.dispose();
    if (typeof prod.release === "function") notThenable(`${who}: its product's release()`, prod.release());
    throw err;
  }
}

/** How a product in `space` shifts the backing's CPU addresses (0 without a BAR: cpu-phys). */
function backingDelta(space: string, bar: BufferView["backing"]["bar"]): bigint {
  if (!bar || space === "cpu-phys") return 0n;
  return space === "bus" ? u64(bar.bus - bar.cpu) : u64(-bar.cpu);
}

/** The entries' size, space and where they lie (docs/rules.md#address-rules); `fail` on the first violation. */
function checkPlacement(core: Core, list: RangeList, prod: MapProduct, buf: BufferView, dev: Device, fail: (rule: string) => never): void {
  if (!ADDRESS_SPACES.includes(prod.space)) fail(`its product's address space ${JSON.stringify(prod.space)} is none of ${ADDRESS_SPACES.join(", ")}`);
  const { bar } = buf.backing;
  // outside a backing's ranges: found in the pass that sums the entries, reported last
  const inBacking =
    prod.space === "cpu-phys" || (prod.space !== "iova" && bar) ? list.totalWithin(buf.backing.ranges, backingDelta(prod.space, bar)) : undefined;
  const bytes = inBacking ? inBacking[0] : list.length ? list.total() : 0n;
  if (bytes !== buf.size) fail(`its entries cover ${hex(bytes)} bytes of a ${hex(buf.size)}-byte buffer`);
  if ((prod.space === "bar-offset") !== (prod.barNumber !== undefined)) fail("barNumber is given exactly for bar-offset products");
  if (prod.provider !== undefined && !isProvider(prod.provider)) fail("its product's provider is not {owner: a u32 device id, busOffset: a u64 bigint}");
  let regions: readonly { addr: bigint; len: bigint }[] | undefined; // undefined: the backing's ranges
  let where = "the backing";
  switch (prod.space) {
    case "cpu-phys":
      break;
    case "bus":
    case "bar-offset":
      if (!bar) return fail(`a ${prod.space} product needs an mmio backing`);
      if (prod.space === "bar-offset" && prod.barNumber !== bar.index) fail(`barNumber ${prod.barNumber} is not the backing's BAR ${bar.index}`);
      where = prod.space === "bus" ? "the backing's bus addresses" : "the backing's BAR offsets";
      break;
    case "iova": {
      const win = dev.iommu;
      if (!win) return fail(`an iova product for ${dev.name}, which has no IOMMU`);
      regions = prod.regions;
      if (!Array.isArray(regions) || !regions.length) return fail("an iova product lists no IOVA regions");
      for (const r of regions) {
        if (typeof r?.addr !== "bigint" || typeof r.len !== "bigint" || r.len <= 0n || r.addr < win.base || r.addr + r.len > win.base + win.size) {
          fail(`IOVA region ${String(r?.addr)} +${String(r?.len)} is not inside the IOMMU window of ${dev.name}`);
        }
      }
      where = "its IOVA regions";
      break;
    }
  }
  const bad = regions ? outsideRegions(core, list, regions) : inBacking![1];
  if (bad >= 0) {
    const [addr, len] = list.view().subarray(2 * bad, 2 * bad + 2);
    fail(`entry ${bad} (${hex(addr!)} +${hex(len!)}) lies outside ${where}`);
  }
}
