/**
 * `npm run bench -- --input FILE` on a user's own list (binary u64 pairs or JSON): it is
 * checked against the reference, timed, and reported in the usual JSON shape; bad files
 * are exit 2 with one line naming the file and the problem. Also: bench names the suite
 * and the operation it is running on stderr.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bench } from "../cli/spawn.js";

const dir = mkdtempSync(join(tmpdir(), "bench-input-"));
const file = (name: string, data: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

/** 300 page-aligned entries, every third one adjacent to the next. */
function binaryList(): Uint8Array {
  const w = new BigUint64Array(600);
  let a = 0x10_0000n;
  for (let i = 0; i < 300; i++) {
    const len = BigInt(4096 * (1 + (i % 5)));
    w[2 * i] = a;
    w[2 * i + 1] = len;
    a += len + (i % 3 ? 8192n : 0n);
  }
  return new Uint8Array(w.buffer);
}

const OPS = ["coalesce", "split", "split-mask", "slice", "lookup", "iterate", "iterate-js", "hash"];

describe("bench --input", () => {
  it("times every list operation on the user's binary list, after checking it against the reference", () => {
    const r = bench(["--input", file("list.bin", binaryList()), "--quick", "--json"]);
    expect(r.err).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as {
      results: { suite: string; impl: string; op: string; n: number; p50Ns: number; alternation?: string[]; samplesNs?: number[] }[];
      comparisons: unknown[];
      env: { clock: string; cflags?: { fair: string } };
    };
    const wasm = out.results.filter((x) => x.impl === "wasm");
    expect(wasm.map((x) => x.op)).toEqual(OPS);
    for (const x of wasm) {
      expect(x).toMatchObject({ suite: "input", n: 300 });
      expect(x.p50Ns).toBeGreaterThan(0);
    }
    expect(out.env.clock).toBe("cpu");
    // with a C compiler, each op's wasm, C and floor samples were taken in the same rounds
    if (out.env.cflags) {
      for (const op of OPS) {
        const sides = out.results.filter((x) => x.op === op);
        expect(sides.map((x) => x.impl)).toEqual(sides[0]!.alternation);
        expect(sides.map((x) => x.impl)).toEqual(expect.arrayContaining(["wasm", "native-c", "floor"]));
        for (const x of sides) expect(x.samplesNs).toHaveLength(sides[0]!.samplesNs!.length);
      }
    }
    // progress: the suite, then each op and its implementations as it starts
    expect(r.err).toMatch(/input .*list\.bin: 300 entries; checking wasm against the reference/);
    expect(r.err).toMatch(/input · coalesce · n = 300: wasm/);
    expect(r.err).toMatch(/input · hash · n = 300: wasm/);
  });

  it("reads JSON [[addr, len], ...] with numbers and decimal or hex strings", () => {
    const r = bench([
      "--input",
      file(
        "list.json",
        JSON.stringify([
          [4096, 8192],
          ["0x3000", "4096"],
          ["18446744073709547520", 4096],
        ]),
      ),
      "--quick",
      "--json",
      "--clock",
      "wall",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { results: { impl: string; n: number }[]; env: { clock: string } };
    expect(out.results.filter((x) => x.impl === "wasm").map((x) => x.n)).toEqual(OPS.map(() => 3));
    expect(out.env.clock).toBe("wall");
  });

  it.each([
    ["empty.bin", "", /the file is empty/],
    ["odd.bin", new Uint8Array(24), /size 24 is not a multiple of 16/],
    ["zero.json", "[[4096, 0]]", /entry 0: zero length/],
    ["wrap.json", '[["0xfffffffffffff000", 8192]]', /entry 0: addr \+ len - 1 wraps/],
    ["shape.json", "[[1, 2], [3]]", /\$\[1\] must be an \[addr, len\] pair/],
    ["big.json", "[[1, 2], [9007199254740993, 2]]", /\$\[1\]\[0\] is 9007199254740992: not an integer in 0\.\.2\^53 - 1/],
    ["neg.json", '[[1, "-2"]]', /\$\[0\]\[1\] is "-2": not a u64/],
    ["syntax.json", "[[1, 2]", /not valid JSON/],
    ["object.json", '{"a": 1}', /must be an array of \[addr, len\] pairs/],
    ["none.json", "[]", /no entries/],
  ])("%s is exit 2 with one line naming the file and the problem", (name, data, msg) => {
    const p = file(name, data);
    const r = bench(["--input", p, "--quick"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--input ${p}: `);
    expect(r.err).toMatch(msg);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("a missing file is exit 2", () => {
    const r = bench(["--input", join(dir, "missing.bin")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read it \(ENOENT\)/);
  });
});
