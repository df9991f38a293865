// The core's allocator, driven through scratch buffers: blocks never overlap, contents
// survive other allocations and frees, and a full memory is ENOMEM, never a trap.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createCoreSync, wasm } from "../../ts/core/loader.js";
import { STATUS } from "../../ts/core/abi.js";
import { SEED } from "../helpers.js";

describe("core allocator", () => {
  it("random alloc/free under a memory limit keeps every live block intact", () => {
    const size = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 2048 }), fc.integer({ min: 2049, max: 300_000 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), size, fc.nat()), { minLength: 50, maxLength: 400 }), (ops) => {
        const c = createCoreSync(undefined, { maximumPages: 24 }); // 1.5 MiB: forces reclaim and ENOMEM
        const e = wasm(c);
        const ptr = (bh: number) => c.ptr(e.buf_ptr(bh), "buf");
        const base = c.usage();
        const live: { h: number; n: number; tag: number }[] = [];
        let tag = 1;
        const check = (b: (typeof live)[number]) => {
          const bytes = new Uint8Array(c.memory.buffer, ptr(b.h), b.n);
          expect(bytes.every((x) => x === (b.tag & 0xff))).toBe(true);
        };
        for (const [isAlloc, n, pick] of ops) {
          if (isAlloc || !live.length) {
            const h = e.buf_new(n);
            if (h === STATUS.ENOMEM) {
              continue;
            }
            expect(h).toBeGreaterThan(0);
            const b = { h, n, tag: tag++ };
            new Uint8Array(c.memory.buffer, ptr(h), n).fill(b.tag & 0xff);
            live.push(b);
          } else {
            const [b] = live.splice(pick % live.length, 1);
            check(b!);
            expect(e.buf_free(b!.h)).toBe(0);
          }
        }
        live.forEach(check);
        // live blocks never overlap
        const spans = live.map((b) => [ptr(b.h), ptr(b.h) + b.n] as const).sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
        for (const b of live) e.buf_free(b.h);
        // everything handed back; a large block fits again after frees in small classes
        expect(c.usage()).toEqual(base);
        expect(e.buf_new(1_000_000)).toBeGreaterThan(0);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it("a request larger than memory can ever be is ENOMEM", () => {
    const c = createCoreSync(undefined, { maximumPages: 4 });
    const e = wasm(c);
    expect(e.buf_new(0x7fff_0000)).toBe(STATUS.ENOMEM);
    expect(e.list_new(0x0fff_ffff)).toBe(STATUS.ENOMEM);
    expect(e.buf_new(1000)).toBeGreaterThan(0);
  });
});
