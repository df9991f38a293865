import type { Core } from "./loader.js";

const BATCH = 4096;

/**
 * Iterates any entry source (list or container handle) in chunks of at most k bytes
 * (0n: whole entries). The core fills BATCH chunks per call into a buffer of its own;
 * nothing is allocated per step. The cursor is freed when iteration ends or stops.
 */
export function* chunksOf(core: Core, src: number, k: bigint): Generator<[bigint, bigint], void, undefined> {
  const e = core.exports;
  const cur = core.check(e.cur_new(src, k), "chunks");
  const buf = core.check(e.buf_new(BATCH * 16), "chunks");
  try {
    for (;;) {
      const n = core.check(e.cur_next(cur, buf, BATCH), "chunks");
      if (n === 0) return;
      // copied per batch: a yield may let the caller grow memory and detach a view
      const v = new BigUint64Array(core.memory.buffer, e.buf_ptr(buf), n * 2).slice();
      for (let i = 0; i < n; i++) yield [v[2 * i]!, v[2 * i + 1]!];
    }
  } finally {
    e.cur_free(cur);
    e.buf_free(buf);
  }
}

/**
 * Calls fn with each batch of chunks as interleaved addr, len words over wasm memory
 * (no copy, no per-chunk allocation). The view is valid only during the call.
 */
export function forEachChunkBatch(core: Core, src: number, k: bigint, fn: (words: BigUint64Array) => void): void {
  const e = core.exports;
  const cur = core.check(e.cur_new(src, k), "chunks");
  const buf = core.check(e.buf_new(BATCH * 16), "chunks");
  try {
    for (;;) {
      const n = core.check(e.cur_next(cur, buf, BATCH), "chunks");
      if (n === 0) return;
      fn(new BigUint64Array(core.memory.buffer, e.buf_ptr(buf), n * 2));
    }
  } finally {
    e.cur_free(cur);
    e.buf_free(buf);
  }
}
