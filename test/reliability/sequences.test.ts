// Long random sequences of core operations agree with the TS reference, on a core whose
// memory grows in the middle of the sequence.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createCoreSync } from "../../ts/core/loader.js";
import { RangeList, type Entry } from "../../ts/core/range-list.js";
import { Container, CONTAINER_KINDS } from "../../ts/core/container.js";
import * as ref from "../../ts/reference/ops.js";
import { SEED, outcome } from "../helpers.js";
import { pageList } from "../arbitraries.js";

type Op = { kind: "coalesce" | "split" | "slice" | "translate" | "container" | "grow" | "drop"; a: number; b: number };
const op = fc.record({
  kind: fc.constantFrom("coalesce", "split", "slice", "translate", "container", "grow", "drop"),
  a: fc.nat(),
  b: fc.nat(),
}) as fc.Arbitrary<Op>;

describe("wasm and reference over long sequences", () => {
  it("agree step by step, with memory growth mid-sequence, and free everything at the end", () => {
    fc.assert(
      fc.property(fc.array(pageList(30), { minLength: 1, maxLength: 4 }), fc.array(op, { minLength: 50, maxLength: 150 }), (seeds, ops) => {
        const c = createCoreSync();
        RangeList.from([], c).dispose();
        const base = c.usage();
        const lists: { w: RangeList; r: Entry[] }[] = seeds.map((es) => ({ w: RangeList.from(es, c), r: es }));
        const ballast: RangeList[] = [];
        for (const o of ops) {
          const src = lists[o.a % lists.length]!;
          const tot = ref.total(src.r);
          let made: { w: RangeList; r: Entry[] } | undefined;
          switch (o.kind) {
            case "coalesce":
              made = { w: src.w.coalesce(), r: ref.coalesce(src.r) };
              break;
            case "split": {
              const seg = BigInt(1 + (o.b % 8)) * 0x1000n;
              made = { w: src.w.split(seg, 0xffffn), r: ref.split(src.r, seg, 0xffffn) };
              break;
            }
            case "slice": {
              const off = tot ? BigInt(o.b) % tot : 0n;
              const len = tot - off ? BigInt(o.a) % (tot - off) : 0n;
              made = { w: src.w.slice(off, len), r: ref.slice(src.r, off, len) };
              break;
            }
            case "translate":
              made = { w: src.w.translate(BigInt(o.b) * 0x1000n), r: ref.translate(src.r, BigInt(o.b) * 0x1000n) };
              break;
            case "container": {
              if (!src.r.length) break;
              const ct = Container.fromList(CONTAINER_KINDS[o.b % 5]!, src.w);
              expect(ct.hash()).toBe(ref.hash(src.r));
              ct.dispose();
              break;
            }
            case "grow": {
              ballast.push(RangeList.allocate(20_000 + (o.b % 50_000), c));
              break;
            }
            case "drop":
              if (lists.length > 1) lists.splice(o.a % lists.length, 1)[0]!.w.dispose();
              break;
          }
          if (made) {
            expect(made.w.entries()).toEqual(made.r);
            expect(made.w.hash()).toBe(ref.hash(made.r));
            if (made.r.length)
              expect(outcome(() => made!.w.lookup(ref.total(made!.r) - 1n))).toEqual(outcome(() => ref.lookup(made!.r, ref.total(made!.r) - 1n)));
            lists.push(made);
          }
          // every live list still reads back right after whatever grew
          const check = lists[o.b % lists.length]!;
          expect(check.w.hash()).toBe(ref.hash(check.r));
        }
        // the sequence ran across at least one memory.grow (views were rebuilt under it)
        if (ops.some((o) => o.kind === "grow")) expect(c.pages).toBeGreaterThan(2);
        for (const l of lists) l.w.dispose();
        for (const b of ballast) b.dispose();
        expect(c.usage()).toEqual(base);
      }),
      { seed: SEED, numRuns: 12 },
    );
  });
});
