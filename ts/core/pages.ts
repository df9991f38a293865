/**
 * Entries from page frame numbers with the kernel's page-builder semantics
 * (sg_alloc_table_from_pages_segment() / sg_alloc_append_table_from_pages() in
 * lib/scatterlist.c): the argument checks with messages that name the argument, and the
 * one call into the core (assembly/pages.ts). RangeList.fromPages, Container.fromPages
 * and Container.appendPages are built on it. docs/pages.md.
 */
import { wasm, sameCore, type Core } from "./loader.js";
import { U64Buffer } from "./u64-buffer.js";
import { DmaBufError } from "./errors.js";
import { UINT_MAX, U64_MAX, hex } from "./u64.js";

/** How pages become entries. Sizes are bytes. */
export interface PageOptions {
  /** Bytes per page: 4096 (default), 16384 or 65536 (any power of two 2^12..2^16). */
  pageSize?: bigint | number;
  /** Offset of the data in the first page (below one page; 0 on an append). Default 0. */
  offset?: bigint | number;
  /** Bytes of data after offset; the pages must hold exactly offset + size bytes, the
   *  last page at least in part. Default: all the pages after offset. */
  size?: bigint | number;
  /** Largest entry, capped at UINT_MAX and rounded down to whole pages; below one page
   *  is EINVAL. Default UINT_MAX (the kernel's SCATTERLIST_MAX_SEGMENT). */
  maxSegment?: bigint | number;
}

/** sg_alloc_append_table_from_pages() options. */
export interface AppendOptions extends PageOptions {
  /** Pages the caller will still append: > 0 leaves the table open (no SG_END on its
   *  last entry), 0 finishes it. Default 0. */
  leftPages?: number;
}

function bigArg(what: string, name: string, v: bigint | number | undefined, dflt: bigint): bigint {
  if (v === undefined) return dflt;
  if (typeof v === "number" && !Number.isSafeInteger(v)) throw new DmaBufError("EINVAL", `${what}: ${name} must be an integer, not ${v}`, [name]);
  if (typeof v !== "number" && typeof v !== "bigint") throw new DmaBufError("EINVAL", `${what}: ${name} must be a bigint or a number`, [name]);
  const b = BigInt(v);
  if (b < 0n || b > U64_MAX) throw new DmaBufError("EINVAL", `${what}: ${name} ${b} is outside 0..2^64 - 1`, [name]);
  return b;
}

/** Most pages given as an array or an iterable (2^24: 128 MiB of page numbers, 64 GiB of 4 KiB pages); a BigUint64Array is bounded only by the core's memory. */
export const MAX_PAGES = 2 ** 24;

const fail = (what: string, path: (string | number)[], msg: string): never => {
  throw new DmaBufError("EINVAL", `${what}: ${msg}`, path);
};

/**
 * The page frame numbers as u64 words (validated: integers in 0..2^64 - 1). An array's
 * length is checked first (O(1) refusal past MAX_PAGES) and a hole is refused; an
 * iterable stops at MAX_PAGES (an endless one is refused, not followed forever).
 */
function pfnWords(what: string, pfns: unknown): BigUint64Array {
  if (pfns instanceof BigUint64Array) return pfns;
  const arr = Array.isArray(pfns) ? (pfns as unknown[]) : undefined;
  if (arr && arr.length > MAX_PAGES) fail(what, ["pages"], `${arr.length} pages is more than ${MAX_PAGES} (pass a BigUint64Array for more)`);
  let w = new BigUint64Array(arr ? arr.length : 1024);
  let n = 0;
  try {
    for (const p of arr ? arr.keys() : (pfns as Iterable<unknown>)) {
      if (arr && !(n in arr)) fail(what, ["pages", n], `pages[${n}] is a hole (a sparse array)`);
      if (n === MAX_PAGES) fail(what, ["pages"], `the iterable gives more than ${MAX_PAGES} pages (pass a BigUint64Array for more)`);
      if (n === w.length) {
        const grown = new BigUint64Array(Math.min(2 * n, MAX_PAGES));
        grown.set(w);
        w = grown;
      }
      w[n] = bigArg(what, `pages[${n}]`, (arr ? arr[p as number] : p) as bigint, 0n);
      n++;
    }
  } catch (e) {
    if (e instanceof DmaBufError) throw e;
    fail(what, arr ? ["pages", n] : ["pages"], `pages${arr ? `[${n}]` : ""} cannot be read (${e})`);
  }
  return w.subarray(0, n);
}

const OPTION_KEYS = ["pageSize", "offset", "size", "maxSegment", "leftPages"] as const;
type ReadOptions = { [K in (typeof OPTION_KEYS)[number]]?: unknown };

/** The options, each read once (a getter that throws is EINVAL naming it). */
function readOptions(what: string, opts: unknown): ReadOptions {
  if (typeof opts !== "object" || opts === null) return fail(what, ["options"], "options must be an object");
  const out: ReadOptions = {};
  for (const k of OPTION_KEYS) {
    try {
      out[k] = (opts as ReadOptions)[k];
    } catch (e) {
      fail(what, [k], `${k} cannot be read (${e})`);
    }
  }
  return out;
}

/** Page frame numbers as the page builder takes them: a U64Buffer (read where it lies in
 *  the core), a BigUint64Array or an iterable of bigints or safe integers (copied in). */
export type Pages = U64Buffer | BigUint64Array | Iterable<bigint | number>;

/** The checked arguments of one call, in the core's units. */
interface PageCall {
  /** The pages to copy in, or the U64Buffer to read where it is. */
  words: BigUint64Array | U64Buffer;
  leftPages: unknown;
  shift: number;
  offset: bigint;
  size: bigint;
  maxSegment: bigint;
}

function checkCall(core: Core, what: string, pfns: Pages, options: PageOptions): PageCall {
  const opts = readOptions(what, options) as PageOptions & { leftPages?: unknown };
  if (pfns instanceof U64Buffer) {
    sameCore(core, pfns, what);
    void pfns.handle; // EBADF after dispose()
  }
  const words = pfns instanceof U64Buffer ? pfns : pfnWords(what, pfns);
  const page = bigArg(what, "pageSize", opts.pageSize, 4096n);
  const shift = page.toString(2).length - 1;
  if (page !== 1n << BigInt(shift) || shift < 12 || shift > 16)
    throw new DmaBufError("EINVAL", `${what}: pageSize ${page} is not a power of two from 4096 to 65536`, ["pageSize"]);
  const n = BigInt(words.length);
  if (n === 0n) throw new DmaBufError("EINVAL", `${what}: no pages`, ["pages"]);
  if (n > 0xffff_ffffn) throw new DmaBufError("EINVAL", `${what}: ${n} pages is more than n_pages (unsigned int) can count`, ["pages"]);
  const offset = bigArg(what, "offset", opts.offset, 0n);
  if (offset >= page) throw new DmaBufError("EINVAL", `${what}: offset ${hex(offset)} is not inside the first page (pageSize ${hex(page)})`, ["offset"]);
  const bytes = n * page;
  const size = bigArg(what, "size", opts.size, bytes - offset);
  if (size === 0n) throw new DmaBufError("EINVAL", `${what}: size is 0`, ["size"]);
  if (offset + size > bytes)
    throw new DmaBufError("EINVAL", `${what}: offset + size = ${hex(offset + size)} passes the ${n} pages (${hex(bytes)} bytes)`, ["size"]);
  if (offset + size <= bytes - page)
    throw new DmaBufError(
      "EINVAL",
      `${what}: offset + size = ${hex(offset + size)} leaves the last page unused: pass ${(offset + size + page - 1n) / page} pages`,
      ["size"],
    );
  const maxSegment = bigArg(what, "maxSegment", opts.maxSegment, UINT_MAX);
  const capped = maxSegment < UINT_MAX ? maxSegment : UINT_MAX;
  if (capped < page)
    throw new DmaBufError("EINVAL", `${what}: maxSegment ${hex(maxSegment)} is below one page (${hex(page)}): the kernel's WARN_ON(max_segment < PAGE_SIZE)`, [
      "maxSegment",
    ]);
  return { words, leftPages: opts.leftPages, shift, offset, size, maxSegment };
}

/** Copies the pages into a core buffer, runs `call` with its handle, frees the buffer
 *  (a U64Buffer is read where it is: `call` gets its handle). */
function withPages(core: Core, what: string, words: BigUint64Array | U64Buffer, call: (buf: number) => number): number {
  if (words instanceof U64Buffer) return call(words.handle);
  const e = wasm(core);
  const buf = core.check(e.buf_new(Math.max(words.length * 8, 16)), what);
  try {
    new BigUint64Array(core.memory.buffer, core.ptr(e.buf_ptr(buf), what), words.length).set(words);
    return call(buf);
  } finally {
    e.buf_free(buf);
  }
}

/** Status of pages_to_list: a new list handle or a negative errno (OUT holds details). */
export function pagesToListStatus(core: Core, what: string, pfns: Pages, opts: PageOptions): number {
  const a = checkCall(core, what, pfns, opts);
  return withPages(core, what, a.words, (buf) => wasm(core).pages_to_list(buf, a.words.length, a.shift, a.offset, a.size, a.maxSegment));
}

/** Status of sgt_append_pages: the sgt's handle (new when sgt = 0) or a negative errno. */
export function appendPagesStatus(core: Core, what: string, sgt: number, pfns: Pages, opts: AppendOptions): number {
  const a = checkCall(core, what, pfns, opts);
  const left = (a.leftPages ?? 0) as number;
  if (!Number.isSafeInteger(left) || left < 0 || left > 0xffff_ffff)
    throw new DmaBufError("EINVAL", `${what}: leftPages must be an integer in 0..2^32 - 1, not ${left}`, ["leftPages"]);
  if (sgt && a.offset !== 0n) throw new DmaBufError("EINVAL", `${what}: offset must be 0 on an append (the kernel's WARN_ON(offset))`, ["offset"]);
  return withPages(core, what, a.words, (buf) => wasm(core).sgt_append_pages(sgt, buf, a.words.length, a.shift, a.offset, a.size, a.maxSegment, left));
}
