// locate(): where a JSON path's value starts, for validate's file:line:col.
import { describe, expect, it } from "vitest";
import { locate } from "../../ts/scenario/locate.js";

describe("locate", () => {
  const text = '{"a": [1, {"b\\"c": "x,]}"}, [ ]],\n  "d": {"e": null},\n  "__proto__": 7}';

  it("finds values by key and index, through escaped keys and strings holding brackets", () => {
    expect(locate(text, [["a"], ["a", 0], ["a", 1], ["a", 1, 'b"c'], ["a", 2], ["d", "e"], ["__proto__"]])).toEqual([
      { line: 1, column: 7 },
      { line: 1, column: 8 },
      { line: 1, column: 11 },
      { line: 1, column: 20 },
      { line: 1, column: 29 },
      { line: 2, column: 14 },
      { line: 3, column: 16 },
    ]);
  });

  it("a path whose value is absent resolves to its deepest present ancestor; the root is the first value", () => {
    expect(locate(text, [["d", "missing"], ["a", 9], [], ["zzz"]])).toEqual([
      { line: 2, column: 8 },
      { line: 1, column: 7 },
      { line: 1, column: 1 },
      { line: 1, column: 1 },
    ]);
  });

  it("a leading byte order mark and white space are not values", () => {
    expect(locate('\ufeff \n {"k": 1}', [["k"]])).toEqual([{ line: 2, column: 8 }]);
  });
});
