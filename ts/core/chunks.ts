import { wasm, type Core } from "./loader.js";
import { LAYOUT } from "./abi.js";

const BATCH = 4096;

/**
 * A cursor over `src` with its batch buffer. next() has the core fill BATCH chunks per
 * call into the buffer and returns them as a view of interleaved addr, len words over
 * wasm memory (valid until the next call; undefined when done): nothing is allocated
 * per chunk. close() frees the cursor and the buffer.
 */
function openBatches(core: Core, src: number, k: bigint): { next(): BigUint64Array | undefined; close(): void } {
  const x = wasm(core);
  const cur = core.check(x.cur_new(src, k), "chunks");
  const buf = x.buf_new(BATCH * LAYOUT.ENTRY_BYTES);
  const close = () => {
    x.cur_free(cur);
    if (buf > 0) x.buf_free(buf);
  };
  let ptr: number;
  try {
    core.check(buf, "chunks");
    ptr = core.ptr(x.buf_ptr(buf), "chunks");
  } catch (e) {
    close();
    throw e;
  }
  return {
    next() {
      const n = core.check(x.cur_next(cur, buf, BATCH), "chunks");
      return n ? new BigUint64Array(core.memory.buffer, ptr, n * 2) : undefined;
    },
    close,
  };
}

/** Iterates any entry source (list or container handle) in chunks of at most k bytes (0n: whole entries). */
export function* chunksOf(core: Core, src: number, k: bigint): Generator<[bigint, bigint], void, undefined> {
  const b = openBatches(core, src, k);
  try {
    for (let view = b.next(); view; view = b.next()) {
      // copied per batch: a yield may let the caller grow memory and detach a view
      const v = view.slice();
      for (let i = 0; i < v.length; i += 2) yield [v[i]!, v[i + 1]!];
    }
  } finally {
    b.close();
  }
}

/**
 * Calls fn with each batch of chunks as interleaved addr, len words over wasm memory
 * (no copy, no per-chunk allocation). The view is valid only during the call. A plain
 * loop (no generator): this is the fast path.
 */
export function forEachChunkBatch(core: Core, src: number, k: bigint, fn: (words: BigUint64Array) => void): void {
  const b = openBatches(core, src, k);
  try {
    for (let view = b.next(); view; view = b.next()) fn(view);
  } finally {
    b.close();
  }
}

/** What chunkSummary() returns: the chunks of at most k bytes, reduced. */
export interface ChunkSummary {
  /** Number of chunks (entries of len 0 give none). */
  count: bigint;
  /** Their bytes: the sum of len. */
  bytes: bigint;
  /** XOR of the chunks' first addresses (a checksum of where the chunks start, independent of order). */
  xor: bigint;
}

/** The detail of EOVERFLOW from a sum of len (total(), chunkSummary()). */
export const sumOverflow = () => "sum of len passes 2^64 - 1";

/** One core call: the chunks of `src` reduced (see RangeList.chunkSummary). */
export function summaryOf(core: Core, src: number, k: bigint): ChunkSummary {
  core.check(wasm(core).chunk_summary(src, k), "chunkSummary", sumOverflow);
  return { count: core.out(0), bytes: core.out(1), xor: core.out(2) };
}
