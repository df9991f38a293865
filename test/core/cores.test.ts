// Objects belong to the core that made them: passing one to an object of another core
// is EXDEV, and neither core's memory is touched (handle numbers repeat across cores, so
// without the check core A would silently use its own object with the same number).
import { describe, expect, it } from "vitest";
import { createCoreSync } from "../../ts/core/loader.js";
import { RangeList } from "../../ts/core/range-list.js";
import { Container } from "../../ts/core/container.js";
import { IovaAllocator } from "../../ts/core/iova.js";
import { outcome } from "../helpers.js";

describe("objects of two cores", () => {
  it("an IOVA allocator refuses a list of another core (mapEach, unmapEach) with EXDEV and changes nothing", () => {
    const a = createCoreSync();
    const b = createCoreSync();
    const listA = RangeList.from([[0x1000n, 0x1000n]], a);
    const listB = RangeList.from(
      [
        [0x5000n, 0x3000n],
        [0x9000n, 0x1000n],
      ],
      b,
    );
    expect(listB.handle).toBe(listA.handle); // the same number in both handle tables
    const iova = new IovaAllocator(a, 0x10_0000n, 0x10_0000n);
    const [ua, ub] = [a.usage(), b.usage()];
    expect(outcome(() => iova.mapEach(listB))).toMatchObject({ ok: false, code: "EXDEV" });
    expect(outcome(() => iova.unmapEach(listB))).toMatchObject({ ok: false, code: "EXDEV" });
    expect([a.usage(), b.usage()]).toEqual([ua, ub]);
    expect(iova.pristine()).toBe(true);
    // the same list through its own core's allocator works
    const iovaB = new IovaAllocator(b, 0x10_0000n, 0x10_0000n);
    const mapped = iovaB.mapEach(listB);
    expect(mapped.entries().map((e) => e.len)).toEqual([0x3000n, 0x1000n]);
    iovaB.unmapEach(mapped);
    for (const o of [listA, listB, iova, iovaB, mapped]) o.dispose();
  });

  it("a container is built in its list's core and stays there", () => {
    const a = createCoreSync();
    const b = createCoreSync();
    const listA = RangeList.from([[0x1000n, 0x1000n]], a);
    const listB = RangeList.from([[0x5000n, 0x3000n]], b);
    const base = a.usage();
    const ct = Container.fromList("physvec", listB);
    expect(ct.core).toBe(b);
    expect(a.usage()).toEqual(base); // nothing made in core A
    expect(ct.hash()).toBe(listB.hash());
    const cv = ct.convert("sgt", { maxSegment: 0x1000n });
    expect([cv.core, cv.count]).toEqual([b, 3]);
    expect(Container.kindOf(b, ct.handle)).toBe("physvec");
    expect(Container.kindOf(a, ct.handle)).toBeUndefined(); // in A that number is a list, not a container
    for (const o of [listA, listB, ct, cv]) o.dispose();
  });

  it("a list from a core is refused as the core argument of another API (wrong type: EINVAL)", () => {
    const a = createCoreSync();
    const l = RangeList.from([[0x1000n, 0x1000n]], a);
    expect(outcome(() => RangeList.allocate(1, l as never))).toMatchObject({ ok: false, code: "EINVAL", path: ["core"] });
    l.dispose();
  });
});
