// Every core operation against the pure-TS reference on random lists (seeded).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RangeList, type Entry } from "../../ts/core/range-list.js";
import * as ref from "../../ts/reference/ops.js";
import { SEED, RUNS, core, outcome } from "../helpers.js";
import { anyList, validList, pageList, u64 } from "../arbitraries.js";

core();
const opts = { seed: SEED, numRuns: RUNS };

function withList<T>(entries: Entry[], fn: (l: RangeList) => T): T {
  const l = RangeList.from(entries);
  try {
    return fn(l);
  } finally {
    l.dispose();
  }
}

/** Runs a list-returning op and reads back its entries (disposing the result). */
function entriesOf(make: () => RangeList): Entry[] {
  const r = make();
  try {
    return r.entries();
  } finally {
    r.dispose();
  }
}

const lists = fc.oneof(anyList(), validList(), pageList());

describe("wasm core agrees with the TS reference", () => {
  it("validate(align)", () => {
    fc.assert(
      fc.property(lists, fc.constantFrom(0n, 1n, 4096n, 3n, 65536n), (es, align) => {
        withList(es, (l) => {
          expect(outcome(() => l.validate(align))).toEqual(outcome(() => ref.validate(es, align)));
        });
      }),
      opts,
    );
  });

  it("total", () => {
    fc.assert(
      fc.property(lists, (es) => {
        withList(es, (l) => {
          expect(outcome(() => l.total())).toEqual(outcome(() => ref.total(es)));
        });
      }),
      opts,
    );
  });

  it("coalesce", () => {
    fc.assert(
      fc.property(lists, (es) => {
        withList(es, (l) => {
          expect(outcome(() => entriesOf(() => l.coalesce()))).toEqual(outcome(() => ref.coalesce(es)));
        });
      }),
      opts,
    );
  });

  it("split(maxSeg, boundaryMask)", () => {
    const maxSeg = fc.oneof(fc.constantFrom(0n, 1n, 4096n, 65536n, 0xffff_ffffn), fc.bigInt({ min: 1n, max: 1n << 22n }));
    const mask = fc.oneof(
      fc.constantFrom(0xffff_ffff_ffff_ffffn, 0xffffn, 0xfffn, 0n, 0xffff_ffffn, 0x1234n),
      fc.integer({ min: 12, max: 40 }).map((k) => (1n << BigInt(k)) - 1n),
    );
    fc.assert(
      fc.property(fc.oneof(validList(12), pageList(), anyList(8)), maxSeg, mask, (es, m, b) => {
        // keep outputs small: skip cases that would produce millions of pieces
        if (es.some((e) => (m > 0n && e.len / m > 5000n) || (b !== 0xffff_ffff_ffff_ffffn && e.len / (b + 1n) > 5000n))) return;
        withList(es, (l) => {
          expect(outcome(() => entriesOf(() => l.split(m, b)))).toEqual(outcome(() => ref.split(es, m, b)));
        });
      }),
      opts,
    );
  });

  it("slice(offset, length)", () => {
    fc.assert(
      fc.property(fc.oneof(pageList(), validList(), anyList(6)), u64, u64, fc.nat(100), fc.nat(100), (es, o, n, po, pn) => {
        // mix arbitrary offsets with offsets inside the list
        const tot = outcome(() => ref.total(es));
        const off = tot.ok && tot.value > 0n && po < 80 ? (tot.value * BigInt(po)) / 80n : o;
        const len = tot.ok && pn < 80 && off <= tot.value ? ((tot.value - off) * BigInt(pn)) / 80n : n;
        withList(es, (l) => {
          expect(outcome(() => entriesOf(() => l.slice(off, len)))).toEqual(outcome(() => ref.slice(es, off, len)));
        });
      }),
      opts,
    );
  });

  it("lookup(offset) and lookupMany", () => {
    fc.assert(
      fc.property(fc.oneof(pageList(), validList()), fc.array(fc.nat(1000), { maxLength: 20 }), u64, (es, fracs, wild) => {
        const tot = outcome(() => ref.total(es));
        const offs = fracs.map((f) => (tot.ok ? (tot.value * BigInt(f)) / 1000n : wild));
        offs.push(wild);
        withList(es, (l) => {
          for (const off of offs) expect(outcome(() => l.lookup(off))).toEqual(outcome(() => ref.lookup(es, off)));
          const inRange = offs.filter((x) => tot.ok && x < tot.value);
          const many = outcome(() => l.lookupMany(BigUint64Array.from(inRange)));
          if (many.ok) {
            inRange.forEach((x, i) => {
              const r = ref.lookup(es, x);
              expect([Number(many.value[2 * i]), many.value[2 * i + 1]]).toEqual([r.index, r.offset]);
            });
            // into: the same words in the caller's array (returned), its tail untouched
            const into = new BigUint64Array(2 * inRange.length + 1).fill(7n);
            expect(l.lookupMany(BigUint64Array.from(inRange), into)).toBe(into);
            expect([...into]).toEqual([...many.value, 7n]);
          } else {
            expect(many.code).toBe(outcome(() => ref.total(es)).ok ? "never" : "EOVERFLOW");
          }
        });
      }),
      opts,
    );
  });

  it("translate(delta) wraps two's complement", () => {
    fc.assert(
      fc.property(lists, fc.oneof(u64, fc.bigInt({ min: -(1n << 63n), max: 1n << 63n })), (es, d) => {
        withList(es, (l) => {
          expect(entriesOf(() => l.translate(d))).toEqual(ref.translate(es, d));
        });
      }),
      opts,
    );
  });

  it("hash is FNV-1a 64 over addr, len as little-endian bytes", () => {
    fc.assert(
      fc.property(lists, (es) => {
        withList(es, (l) => {
          expect(l.hash()).toBe(ref.hash(es));
        });
      }),
      opts,
    );
  });

  it("chunks(k) iterates in pieces of at most k bytes", () => {
    fc.assert(
      fc.property(fc.oneof(pageList(20), validList(8)), fc.constantFrom(0n, 1n << 20n, 4096n, 12345n), (es, k) => {
        if (k && es.some((e) => e.len / k > 3000n)) return;
        withList(es, (l) => {
          const got = [...l.chunks(k)].map(([addr, len]) => ({ addr, len }));
          expect(got).toEqual(ref.chunks(es, k));
        });
      }),
      opts,
    );
  });

  it("checkDisjoint reports the same overlapping pair", () => {
    const overlapping = fc.array(fc.record({ addr: fc.bigInt({ min: 0n, max: 1n << 16n }), len: fc.bigInt({ min: 1n, max: 1n << 12n }) }), { maxLength: 25 });
    fc.assert(
      fc.property(fc.oneof(overlapping, pageList()), (es) => {
        withList(es, (l) => {
          expect(outcome(() => l.checkDisjoint())).toEqual(outcome(() => ref.checkDisjoint(es)));
        });
      }),
      opts,
    );
  });
});
