import type { Core } from "./loader.js";
import { CoreObject } from "./handle.js";
import { RangeList } from "./range-list.js";
import { DmaBufError } from "./errors.js";
import { hex } from "./u64.js";

const freeIova = (c: Core, h: number) => void c.exports.iova_free_all(h);

/**
 * A device's IOVA space: 4096-byte pages, first fit, lowest address first, over
 * [base, base + size). O(log n) per allocation; frees merge with their neighbours.
 */
export class IovaAllocator extends CoreObject {
  readonly base: bigint;
  readonly size: bigint;

  constructor(core: Core, base: bigint, size: bigint) {
    const st = core.exports.iova_new(base, size);
    if (st === -22) throw new DmaBufError("EINVAL", `IOVA space [${hex(base)}, +${hex(size)}): base and size must be page aligned, size > 0, no wrap`);
    super(core, core.check(st, "IOVA space"), "IovaAllocator", freeIova);
    this.base = base;
    this.size = size;
  }

  /** The lowest free region of `size` bytes (rounded up to pages); ENOMEM when none fits. */
  alloc(size: bigint): bigint {
    this.core.check(this.core.exports.iova_alloc(this.handle, size), "iova alloc", (c) =>
      c === "ENOMEM" ? `no free IOVA hole of ${hex(size)} bytes` : `bad size ${hex(size)}`,
    );
    return this.core.out(0);
  }

  /** Frees a region that alloc() returned (EINVAL if it is not allocated). */
  free(addr: bigint, size: bigint): void {
    this.core.check(this.core.exports.iova_free(this.handle, addr, size), "iova free", (c) =>
      c === "EINVAL" ? `[${hex(addr)}, +${hex(size)}) is not an allocated region` : c,
    );
  }

  /** One region per entry, in order (all or nothing): a new list of {iova, len}. */
  mapEach(list: RangeList): RangeList {
    return RangeList.adopt(this.core, this.core.exports.iova_map_each(this.handle, list.handle), "iova mapEach");
  }

  /** Frees every {iova, len} of a list made by mapEach (checked first: all or nothing). */
  unmapEach(list: RangeList): void {
    this.core.check(this.core.exports.iova_unmap_each(this.handle, list.handle), "iova unmapEach");
  }

  /** Free bytes, free extents, largest extent and live regions. */
  stats(): { free: bigint; extents: number; largest: bigint; regions: number } {
    this.core.check(this.core.exports.iova_stats(this.handle), "iova stats");
    const c = this.core;
    return { free: c.out(0), extents: Number(c.out(1)), largest: c.out(2), regions: Number(c.out(3)) };
  }

  /** True when everything is free again (one extent covering the whole space). */
  pristine(): boolean {
    const s = this.stats();
    return s.free === this.size && s.extents === 1 && s.regions === 0;
  }
}
