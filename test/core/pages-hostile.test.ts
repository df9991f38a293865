// fromPages given what a type checker lets through (docs/pages.md#arguments): sparse and
// huge arrays, null, iterables that throw, options behind getters. Each is a DmaBufError
// EINVAL naming the argument, at once, never a raw TypeError or RangeError.
import { describe, expect, it } from "vitest";
import { RangeList } from "../../ts/core/range-list.js";
import { Container } from "../../ts/core/container.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { core } from "../helpers.js";

function refused(fn: () => unknown): { code: string; path: readonly (string | number)[] } {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(DmaBufError);
    return { code: (e as DmaBufError).code, path: (e as DmaBufError).path };
  }
  throw new Error("expected a DmaBufError");
}

describe("fromPages with hostile arguments", () => {
  const c = core();

  it("a sparse array: EINVAL at the first hole (not a silent page 0)", () => {
    const pages = [10n, 11n, 12n];
    delete pages[1];
    expect(refused(() => RangeList.fromPages(pages, {}, c))).toEqual({ code: "EINVAL", path: ["pages", 1] });
  });

  it("a sparse array of length 2^32 - 1: EINVAL at once, nothing allocated", () => {
    const pages: bigint[] = [];
    pages.length = 2 ** 32 - 1;
    pages[0] = 1n;
    const before = c.usage();
    expect(refused(() => RangeList.fromPages(pages, {}, c))).toEqual({ code: "EINVAL", path: ["pages"] });
    expect(refused(() => Container.fromPages(pages, {}, c))).toEqual({ code: "EINVAL", path: ["pages"] });
    expect(c.usage()).toEqual(before);
  });

  it("null, a number, an iterable that throws: EINVAL naming pages", () => {
    expect(refused(() => RangeList.fromPages(null as never, {}, c))).toEqual({ code: "EINVAL", path: ["pages"] });
    expect(refused(() => RangeList.fromPages(5 as never, {}, c))).toEqual({ code: "EINVAL", path: ["pages"] });
    const bad = {
      *[Symbol.iterator]() {
        yield 1n;
        throw new Error("iterator");
      },
    };
    expect(refused(() => RangeList.fromPages(bad, {}, c))).toEqual({ code: "EINVAL", path: ["pages"] });
  });

  it("an endless iterable: EINVAL once it passes the most pages the core can hold", () => {
    let n = 0;
    const endless = {
      *[Symbol.iterator]() {
        for (;;) yield BigInt(n++);
      },
    };
    expect(refused(() => RangeList.fromPages(endless, {}, c))).toEqual({ code: "EINVAL", path: ["pages"] });
  }, 120_000);

  it("a throwing getter on an option, or on an entry: EINVAL naming it", () => {
    const opts = Object.defineProperty({}, "pageSize", {
      get() {
        throw new TypeError("boom");
      },
      enumerable: true,
    });
    expect(refused(() => RangeList.fromPages([1n], opts, c))).toEqual({ code: "EINVAL", path: ["pageSize"] });
    const pages = [1n, 2n];
    Object.defineProperty(pages, 1, {
      get() {
        throw new TypeError("boom");
      },
    });
    expect(refused(() => RangeList.fromPages(pages, {}, c))).toEqual({ code: "EINVAL", path: ["pages", 1] });
    expect(refused(() => RangeList.fromPages([1n], null as never, c))).toEqual({ code: "EINVAL", path: ["options"] });
  });
});
