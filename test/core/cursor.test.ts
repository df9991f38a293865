/**
 * The chunk cursor's batches (assembly/cursor.ts) cut anywhere: a batch may end inside
 * an entry's full chunks, right before its tail, or exactly at its end. Small batch sizes
 * put those boundaries everywhere, for every source kind, k a power of two or not, and
 * k = 0 (whole entries); the concatenated batches must be the reference's chunks.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RangeList, type Entry } from "../../ts/core/range-list.js";
import { Container, CONTAINER_KINDS } from "../../ts/core/container.js";
import * as ref from "../../ts/reference/ops.js";
import { SEED, RUNS, core } from "../helpers.js";
import { pageList, validList } from "../arbitraries.js";
import { wasm } from "../../ts/core/loader.js";

const c = core();

/** All chunks of source handle `src` read through cur_next with batches of `max`. */
function drain(src: number, k: bigint, max: number): Entry[] {
  const e = wasm(c);
  const cur = c.check(e.cur_new(src, k), "cur_new");
  const buf = c.check(e.buf_new(max * 16), "buf_new");
  const out: Entry[] = [];
  try {
    for (let n = c.check(e.cur_next(cur, buf, max), "cur_next"); n > 0; n = c.check(e.cur_next(cur, buf, max), "cur_next")) {
      expect(n).toBeLessThanOrEqual(max);
      const w = new BigUint64Array(c.memory.buffer, c.ptr(e.buf_ptr(buf), "buf_ptr"), n * 2);
      for (let i = 0; i < w.length; i += 2) out.push({ addr: w[i]!, len: w[i + 1]! });
    }
    expect(e.cur_next(cur, buf, max)).toBe(0); // stays finished
  } finally {
    e.cur_free(cur);
    e.buf_free(buf);
  }
  return out;
}

describe("cursor batches", () => {
  it("any batch size gives the reference's chunks, for lists and every container", () => {
    fc.assert(
      fc.property(fc.oneof(pageList(12), validList(6)), fc.constantFrom(0n, 1n, 4096n, 12345n, 1n << 20n), fc.integer({ min: 1, max: 7 }), (es, k, max) => {
        if (k && es.some((x) => x.len / k > 2000n)) return;
        const want = ref.chunks(es, k);
        const list = RangeList.from(es, c);
        try {
          expect(drain(list.handle, k, max)).toEqual(want);
          for (const kind of CONTAINER_KINDS) {
            if (kind === "sgt") continue; // sgt splits entries over UINT_MAX: covered below
            const ct = Container.fromList(kind, list);
            try {
              expect(drain(ct.handle, k, max)).toEqual(want);
            } finally {
              ct.dispose();
            }
          }
          if (es.some((x) => x.len > 1n << 36n)) return; // the sgt would hold up to 2^32 pieces
          const sgt = Container.fromList("sgt", list);
          try {
            expect(drain(sgt.handle, k, max)).toEqual(ref.chunks(ref.sgtEntries(es), k));
          } finally {
            sgt.dispose();
          }
        } finally {
          list.dispose();
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("a batch that ends exactly at an entry's last chunk, then exactly at the list's end", () => {
    const list = RangeList.from(
      [
        [0x1000n, 0x3000n],
        [0x10000n, 0x1000n],
      ],
      c,
    );
    expect(drain(list.handle, 0x1000n, 3)).toEqual(ref.chunks(list.entries(), 0x1000n));
    expect(drain(list.handle, 0x1000n, 4)).toEqual(ref.chunks(list.entries(), 0x1000n));
    list.dispose();
  });
});
