/**
 * Reference IOVA allocator: a sorted array of free extents, first fit, lowest address
 * first, page granular. O(n) per call; the oracle for the core's treap allocator.
 */
import { DmaBufError } from "../core/errors.js";
import { PAGE } from "../core/u64.js";

export class RefIova {
  free: { start: bigint; len: bigint }[];
  regions = 0;
  constructor(
    readonly base: bigint,
    readonly size: bigint,
  ) {
    this.free = [{ start: base, len: size }];
  }

  private static pages(size: bigint): bigint {
    return (size + PAGE - 1n) & ~(PAGE - 1n);
  }

  alloc(size: bigint): bigint {
    if (size === 0n || size > 0xffff_ffff_ffff_f000n) throw new DmaBufError("EINVAL", "bad size");
    const need = RefIova.pages(size);
    const i = this.free.findIndex((x) => x.len >= need);
    if (i < 0) throw new DmaBufError("ENOMEM", "no hole");
    const x = this.free[i]!;
    const at = x.start;
    x.start += need;
    x.len -= need;
    if (x.len === 0n) this.free.splice(i, 1);
    this.regions++;
    return at;
  }

  release(addr: bigint, size: bigint): void {
    if (size === 0n) throw new DmaBufError("EINVAL", "bad size");
    const need = RefIova.pages(size);
    const end = addr + need;
    if (addr % PAGE || addr < this.base || end > this.base + this.size || this.free.some((x) => x.start < end && addr < x.start + x.len)) {
      throw new DmaBufError("EINVAL", "not allocated");
    }
    let i = this.free.findIndex((x) => x.start > addr);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { start: addr, len: need });
    const next = this.free[i + 1];
    if (next && addr + need === next.start) {
      this.free[i]!.len += next.len;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.start + prev.len === addr) {
      prev.len += this.free[i]!.len;
      this.free.splice(i, 1);
    }
    this.regions--;
  }
}
