// A stale handle never comes back to life (docs/core.md#handles): a slot whose
// generation would wrap is retired instead of reused, so a handle value is issued once.
import { describe, expect, it } from "vitest";
import { RangeList } from "../../ts/core/range-list.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { wasm } from "../../ts/core/loader.js";
import { core } from "../helpers.js";

describe("handle generations", () => {
  it("4,096 reuses of a slot never issue a disposed handle's value again", () => {
    const c = core();
    const one = [{ addr: 0n, len: 4096n }];
    const first = RangeList.from(one, c);
    const h = first.handle;
    first.dispose();
    const seen = new Set<number>([h]);
    let again = 0;
    for (let i = 0; i < 4096; i++) {
      const l = RangeList.from(one, c);
      if (seen.has(l.handle)) again++;
      seen.add(l.handle);
      l.dispose();
    }
    expect(again).toBe(0);
  });

  it("a disposed handle's value, passed to the core after 4,096 handles more, is EBADF", () => {
    const c = core();
    const one = [{ addr: 0n, len: 4096n }];
    const first = RangeList.from(one, c);
    const h = first.handle;
    first.dispose();
    const live: RangeList[] = [];
    // issue handles until one has the stale value (a wrap), or 4,096 were issued
    for (let i = 0; i < 4096; i++) {
      const l = RangeList.from(one, c);
      if (l.handle === h) {
        live.push(l);
        break;
      }
      l.dispose();
    }
    let err: unknown;
    try {
      c.check(wasm(c).list_len(h), "stale");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DmaBufError);
    expect((err as DmaBufError).code).toBe("EBADF");
    for (const l of live) l.dispose();
  });
});
