/**
 * fast-check arbitraries for entry lists, shared by the property tests. Apart from
 * test/helpers.ts so that a test without properties does not load fast-check (each
 * mutant's run in `npm run mutate` starts a fresh worker and pays every import).
 */
import fc from "fast-check";
import type { Entry } from "../ts/core/range-list.js";

const M = 0xffff_ffff_ffff_ffffn;

/** Page-aligned lists, about 30% of neighbours adjacent. */
export const pageList = (max = 40): fc.Arbitrary<Entry[]> =>
  fc.array(fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 1 << 20 })), { maxLength: max }).map((xs) => {
    let addr = 0x1_0000_0000n;
    return xs.map(([pages, gapRoll, gap]) => {
      if (gapRoll >= 3) addr += BigInt(gap) * 4096n;
      const e = { addr, len: BigInt(pages) * 4096n };
      addr += e.len;
      return e;
    });
  });

/** Any u64 values, including lengths 0 and wrapping entries, biased to edges. */
export const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: M }),
  fc.constantFrom(0n, 1n, 4095n, 4096n, 0xffff_ffffn, 0x1_0000_0000n, M, M - 1n, M - 4095n),
  fc.bigInt({ min: 0n, max: 1n << 20n }),
);

/** Arbitrary entries, valid or not. */
export const anyList = (max = 30): fc.Arbitrary<Entry[]> => fc.array(fc.record({ addr: u64, len: u64 }), { maxLength: max });

/** Valid entries (len > 0, no wrap) anywhere in the 64-bit space. */
export const validList = (max = 30): fc.Arbitrary<Entry[]> =>
  fc.array(
    fc.tuple(u64, fc.oneof(fc.bigInt({ min: 1n, max: 1n << 24n }), fc.bigInt({ min: 1n, max: M }))).map(([addr, len]) => {
      const room = M - addr + 1n; // bytes from addr to the top
      return { addr, len: ((len - 1n) % room) + 1n };
    }),
    { maxLength: max },
  );
