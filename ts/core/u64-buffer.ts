/**
 * u64 words kept in wasm memory, for bulk input and output without a copy: page frame
 * numbers for RangeList.fromPages, Container.fromPages and appendPages (docs/pages.md),
 * offsets and results of RangeList.lookupMany. A BigUint64Array given there is copied
 * into (or out of) the core on every call; filling a U64Buffer's view() writes the words
 * straight where the core reads them.
 */
import { Core, getCore, wasm } from "./loader.js";
import { CoreObject } from "./handle.js";
import { countArg, instanceArg } from "./args.js";

/** Most words in one U64Buffer (2^28: 2 GiB). */
export const MAX_U64_BUFFER = 2 ** 28;

const freeBuf = (c: Core, h: number) => void wasm(c).buf_free(h);

/**
 * `length` u64 words in the core's memory, all 0 at first. Fill them through view(),
 * then pass the U64Buffer to a call of the same core that takes one: RangeList.fromPages
 * (or Container.fromPages, appendPages) as page frame numbers, RangeList.lookupMany as
 * offsets or as where its results go. Call dispose() when done.
 */
export class U64Buffer extends CoreObject {
  /** Number of words. */
  readonly length: number;

  private constructor(core: Core, h: number, length: number) {
    super(core, h, "U64Buffer", freeBuf);
    this.length = length;
  }

  /** A U64Buffer of n words (1 to 2^28), all 0. */
  static allocate(n: number, core?: Core): U64Buffer {
    const what = "U64Buffer.allocate";
    countArg(n, what, "n", MAX_U64_BUFFER, 1);
    const c = core === undefined ? getCore() : instanceArg(core, Core, what, "core");
    const h = c.check(wasm(c).buf_new(n * 8), what);
    const pa = new U64Buffer(c, h, n);
    pa.view().fill(0n);
    return pa;
  }

  /**
   * The words as a BigUint64Array over the core's memory (no copy): writes
   * go straight to the core. A view is valid until the core's memory grows (any call
   * that makes objects may grow it): take a new one after such calls.
   */
  view(): BigUint64Array {
    const ptr = this.core.ptr(wasm(this.core).buf_ptr(this.handle), "U64Buffer.view");
    return new BigUint64Array(this.core.memory.buffer, ptr, this.length);
  }
}
