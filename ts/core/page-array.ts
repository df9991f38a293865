/**
 * Page frame numbers kept in wasm memory, for the page builder without a copy:
 * RangeList.fromPages, Container.fromPages and appendPages read a PageArray where it lies.
 * A BigUint64Array or an iterable given there is first copied into the core; filling a
 * PageArray's view() writes the numbers straight where the core reads them. docs/pages.md.
 */
import { Core, getCore, wasm } from "./loader.js";
import { CoreObject } from "./handle.js";
import { countArg, instanceArg } from "./args.js";

/** Most pages in one PageArray (2^28: 2 GiB of page numbers). */
export const MAX_PAGE_ARRAY = 2 ** 28;

const freeBuf = (c: Core, h: number) => void wasm(c).buf_free(h);

/**
 * `length` page frame numbers (u64) in the core's memory, all 0 at first. Fill them
 * through view(), then pass the PageArray to RangeList.fromPages (or Container.fromPages,
 * appendPages) of the same core. The core checks every number when it builds (a page
 * whose bytes pass 2^64 - 1 is EINVAL naming its index). Call dispose() when done.
 */
export class PageArray extends CoreObject {
  /** Number of page frame numbers. */
  readonly length: number;

  private constructor(core: Core, h: number, length: number) {
    super(core, h, "PageArray", freeBuf);
    this.length = length;
  }

  /** A PageArray of n page frame numbers (1 to 2^28), all 0. */
  static allocate(n: number, core?: Core): PageArray {
    const what = "PageArray.allocate";
    countArg(n, what, "n", MAX_PAGE_ARRAY, 1);
    const c = core === undefined ? getCore() : instanceArg(core, Core, what, "core");
    const h = c.check(wasm(c).buf_new(n * 8), what);
    const pa = new PageArray(c, h, n);
    pa.view().fill(0n);
    return pa;
  }

  /**
   * The page frame numbers as a BigUint64Array over the core's memory (no copy): writes
   * go straight to the core. A view is valid until the core's memory grows (any call
   * that makes objects may grow it): take a new one after such calls.
   */
  view(): BigUint64Array {
    const ptr = this.core.ptr(wasm(this.core).buf_ptr(this.handle), "PageArray.view");
    return new BigUint64Array(this.core.memory.buffer, ptr, this.length);
  }
}
