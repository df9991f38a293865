// The strict JSON reader (ts/scenario/json.ts): the same values as JSON.parse for any
// JSON without duplicate keys, and a problem with a path for everything JSON.parse lets
// through silently (duplicate keys, invalid UTF-8, lone surrogates, huge number literals).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeUtf8, parseJson, Problems } from "../../ts/scenario/json.js";
import { parseScenarioBytes, parseScenarioText, ScenarioError } from "../../ts/scenario/validate.js";
import { RUNS, SEED } from "../helpers.js";

const parse = (text: string) => {
  const problems = new Problems();
  const r = parseJson(text, problems);
  return { value: r?.value, issues: problems.issues };
};
const issuesOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues;
    throw e;
  }
  return [];
};

describe("strict JSON reader", () => {
  it("reads what JSON.parse reads, for any JSON text (also one written with spaces)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (v, pretty) => {
        const text = JSON.stringify(v, null, pretty ? 2 : undefined);
        const r = parse(text);
        expect(r.issues).toEqual([]);
        expect(r.value).toStrictEqual(JSON.parse(text));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("refuses what JSON.parse refuses, with a line and column", () => {
    for (const bad of ["", "{", "[1,]", '{"a":1,}', "{'a':1}", "01", "1.", "-", "tru", '"a\nb"', '"\\x"', "[1] 2", '{"a" 1}', "nul", "[1 2]"]) {
      expect(() => JSON.parse(bad), bad).toThrow();
      const r = parse(bad);
      expect(r.issues, bad).toHaveLength(1);
      expect(r.issues[0]).toMatchObject({ path: [], code: "invalid_json", message: expect.stringMatching(/^malformed JSON: .* at line \d+, column \d+$/) });
    }
    expect(parse('{\n  "a": 1\n  "b": 2\n}').issues[0]!.message).toBe("malformed JSON: expected ',' or '}' but found \"\\\"\" at line 3, column 3");
  });

  it("reads any depth without recursion", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(parse(deep).issues).toEqual([]);
  });

  it("keeps __proto__ as an own key, like JSON.parse", () => {
    const r = parse('{"__proto__":{"x":1},"constructor":2}').value as Record<string, unknown>;
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.keys(r)).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(r, "__proto__")!.value).toEqual({ x: 1 });
  });

  it("a duplicate key at any depth is a problem naming its path", () => {
    expect(parse('{"a":1,"a":2}').issues).toEqual([{ path: ["a"], code: "duplicate_key", message: 'key "a" appears twice in the same object' }]);
    expect(parse('{"s":[{"x":{}},{"x":{"k":1,"j":2,"k":3}}]}').issues).toMatchObject([{ path: ["s", 1, "x", "k"], code: "duplicate_key" }]);
    expect(parse('{"__proto__":1,"__proto__":2}').issues).toMatchObject([{ path: ["__proto__"], code: "duplicate_key" }]);
    // the same key in two sibling objects is fine
    expect(parse('[{"a":1},{"a":1}]').issues).toEqual([]);
  });

  it("a lone surrogate in a string or key is a problem; a pair is text", () => {
    expect(parse('["\\ud83d\\ude00"]')).toEqual({ value: ["😀"], issues: [] });
    expect(parse('{"n":"a\\ud800"}').issues).toMatchObject([{ path: ["n"], code: "lone_surrogate" }]);
    expect(parse('{"\\udc00":1}').issues).toMatchObject([{ path: ["\udc00"], code: "lone_surrogate" }]);
    expect(parse('["\ud800"]').issues).toMatchObject([{ path: [0], code: "lone_surrogate" }]); // a raw one in JS text
  });

  it("a number literal longer than 256 characters is a problem, a long string of digits is the schema's", () => {
    expect(parse(`{"n":1${"0".repeat(256)}}`).issues).toMatchObject([{ path: ["n"], code: "too_long" }]);
    expect(parse(`{"n":1${"0".repeat(255)}}`).issues).toEqual([]);
  });

  it("invalid UTF-8 is a problem with its line and column, never U+FFFD", () => {
    const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
    expect(decodeUtf8(bytes('{"a":\n"\xff"}'))).toEqual({
      issue: { path: [], code: "invalid_utf8", message: "input is not valid UTF-8: byte 0xff at line 2, column 2" },
    });
    for (const bad of ["\xfe", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80"]) {
      const r = decodeUtf8(bytes(`"${bad}"`));
      expect("issue" in r, JSON.stringify(bad)).toBe(true);
    }
    expect(decodeUtf8(new TextEncoder().encode('"é😀"'))).toEqual({ text: '"é😀"' });
    // \xff and \xfe used to become the same U+FFFD name; now both are refused
    const named = (b: number) =>
      Uint8Array.from([...new TextEncoder().encode('{"name":"x","devices":{"d'), b, ...new TextEncoder().encode('":{}},"steps":[]}')]);
    expect(issuesOf(() => parseScenarioBytes(named(0xff)))).toMatchObject([{ code: "invalid_utf8" }]);
    expect(issuesOf(() => parseScenarioBytes(named(0xfe)))).toMatchObject([{ code: "invalid_utf8" }]);
  });

  it("a byte order mark is skipped", () => {
    expect(parseScenarioText('\ufeff{"name":"x","devices":{},"steps":[]}').name).toBe("x");
    expect(parseScenarioBytes(Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"name":"x","devices":{},"steps":[]}')])).name).toBe("x");
  });

  it("a scenario with a duplicate key is refused, not read with the last value", () => {
    const text = '{"name":"x","devices":{"d":{"iommu":{"base":"0x100000","size":"0x10000"},"iommu":{"base":"0x0","size":"0x1000"}}},"steps":[]}';
    expect(issuesOf(() => parseScenarioText(text))).toEqual([
      { path: ["devices", "d", "iommu"], code: "duplicate_key", message: 'key "iommu" appears twice in the same object' },
    ]);
  });
});
