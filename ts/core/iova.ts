import { Core, wasm } from "./loader.js";
import { CoreObject } from "./handle.js";
import { RangeList } from "./range-list.js";
import { DmaBufError } from "./errors.js";
import { STATUS } from "./abi.js";
import { hex } from "./u64.js";
import { instanceArg, u64Arg } from "./args.js";

const freeIova = (c: Core, h: number) => void wasm(c).iova_free_all(h);

/**
 * A device's IOVA space: 4096-byte pages, first fit, lowest address first, over
 * [base, base + size). O(log n) per allocation; frees merge with their neighbours.
 */
export class IovaAllocator extends CoreObject {
  readonly base: bigint;
  readonly size: bigint;

  constructor(core: Core, base: bigint, size: bigint) {
    const what = "IovaAllocator";
    instanceArg(core, Core, what, "core");
    u64Arg(base, what, "base");
    u64Arg(size, what, "size");
    const st = wasm(core).iova_new(base, size);
    if (st === STATUS.EINVAL)
      throw new DmaBufError("EINVAL", `IOVA space [${hex(base)}, +${hex(size)}): base and size must be page aligned, size > 0, no wrap`);
    super(core, core.check(st, "IOVA space"), what, freeIova);
    this.base = base;
    this.size = size;
  }

  /** The lowest free region of `size` bytes (rounded up to pages); ENOMEM when none fits. */
  alloc(size: bigint): bigint {
    u64Arg(size, "iova alloc", "size");
    this.core.check(wasm(this.core).iova_alloc(this.handle, size), "iova alloc", (c) =>
      c === "ENOMEM" ? `no free IOVA hole of ${hex(size)} bytes` : `bad size ${hex(size)}`,
    );
    return this.core.out(0);
  }

  /** Frees a region that alloc() returned (EINVAL if it is not allocated). */
  free(addr: bigint, size: bigint): void {
    u64Arg(addr, "iova free", "addr");
    u64Arg(size, "iova free", "size");
    this.core.check(wasm(this.core).iova_free(this.handle, addr, size), "iova free", (c) =>
      c === "EINVAL" ? `[${hex(addr)}, +${hex(size)}) is not an allocated region` : c,
    );
  }

  /** One region per entry, in order (all or nothing): a new list of {iova, len}. */
  mapEach(list: RangeList): RangeList {
    const l = RangeList.handleIn(this.core, list, "iova mapEach");
    return RangeList.adopt(this.core, wasm(this.core).iova_map_each(this.handle, l), "iova mapEach");
  }

  /** Frees every {iova, len} of a list made by mapEach (checked first: all or nothing). */
  unmapEach(list: RangeList): void {
    const l = RangeList.handleIn(this.core, list, "iova unmapEach");
    this.core.check(wasm(this.core).iova_unmap_each(this.handle, l), "iova unmapEach");
  }

  /** Free bytes, free extents, largest extent and live regions. */
  stats(): { free: bigint; extents: number; largest: bigint; regions: number } {
    this.core.check(wasm(this.core).iova_stats(this.handle), "iova stats");
    const c = this.core;
    return { free: c.out(0), extents: Number(c.out(1)), largest: c.out(2), regions: Number(c.out(3)) };
  }

  /** True when everything is free again (one extent covering the whole space). */
  pristine(): boolean {
    const s = this.stats();
    return s.free === this.size && s.extents === 1 && s.regions === 0;
  }
}
