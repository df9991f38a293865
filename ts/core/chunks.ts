import { wasm, type Core } from "./loader.js";
import { LAYOUT } from "./abi.js";

const BATCH = 4096;

/**
 * The cursor's batches: each a view of interleaved addr, len words over wasm memory,
 * valid until the next batch. The core fills BATCH chunks per call into a buffer of its
 * own; nothing is allocated per chunk. The cursor is freed when iteration ends or stops.
 */
function* batches(core: Core, src: number, k: bigint): Generator<BigUint64Array, void, undefined> {
  const x = wasm(core);
  const cur = core.check(x.cur_new(src, k), "chunks");
  const buf = x.buf_new(BATCH * LAYOUT.ENTRY_BYTES);
  try {
    core.check(buf, "chunks");
    const ptr = core.ptr(x.buf_ptr(buf), "chunks");
    for (;;) {
      const n = core.check(x.cur_next(cur, buf, BATCH), "chunks");
      if (n === 0) return;
      yield new BigUint64Array(core.memory.buffer, ptr, n * 2);
    }
  } finally {
    x.cur_free(cur);
    if (buf > 0) x.buf_free(buf);
  }
}

/** Iterates any entry source (list or container handle) in chunks of at most k bytes (0n: whole entries). */
export function* chunksOf(core: Core, src: number, k: bigint): Generator<[bigint, bigint], void, undefined> {
  for (const view of batches(core, src, k)) {
    // copied per batch: a yield may let the caller grow memory and detach a view
    const v = view.slice();
    for (let i = 0; i < v.length; i += 2) yield [v[i]!, v[i + 1]!];
  }
}

/**
 * Calls fn with each batch of chunks as interleaved addr, len words over wasm memory
 * (no copy, no per-chunk allocation). The view is valid only during the call. A plain
 * loop (no generator): this is the fast path.
 */
export function forEachChunkBatch(core: Core, src: number, k: bigint, fn: (words: BigUint64Array) => void): void {
  const x = wasm(core);
  const cur = core.check(x.cur_new(src, k), "chunks");
  const buf = x.buf_new(BATCH * LAYOUT.ENTRY_BYTES);
  try {
    core.check(buf, "chunks");
    const ptr = core.ptr(x.buf_ptr(buf), "chunks");
    for (let n = core.check(x.cur_next(cur, buf, BATCH), "chunks"); n > 0; n = core.check(x.cur_next(cur, buf, BATCH), "chunks")) {
      fn(new BigUint64Array(core.memory.buffer, ptr, n * 2));
    }
  } finally {
    x.cur_free(cur);
    if (buf > 0) x.buf_free(buf);
  }
}
