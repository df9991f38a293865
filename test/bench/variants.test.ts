// The C variants beside wasm (bench/alternate.ts underOps, servedSide; bench/pages.ts):
// lookup-batched and fromPages' kernel and one-pass C builds are sampled in the same rounds
// as wasm and compared to wasm's samples round by round. Then the served C programs
// themselves (bench/native/pages.c, lookup_many.c): their results agree with wasm's. No
// timing is asserted.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { init } from "../../ts/core/loader.js";
import { RangeList } from "../../ts/core/range-list.js";
import { U64Buffer } from "../../ts/core/u64-buffer.js";
import { measure, servedSide, underOps, type Side } from "../../bench/alternate.js";
import { comparisons } from "../../bench/report.js";
import type { NativeServer } from "../../bench/native.js";
// the built module: it finds bench/native/*.c from dist/bench/ (npm run build first)
import { Native } from "../../dist/bench/native.js";
import { PAGE_PATTERNS, makePfns, pageSizes } from "../../bench/pages.js";
import { hex16, SEED } from "../../bench/listops.js";
import type { Result } from "../../bench/stats.js";

const fixed = (impl: Result["impl"], perRun: number[]): Side => {
  let k = 0;
  return { impl, run: (iters) => perRun[Math.min(k++, perRun.length - 1)]! * iters };
};
const quiet = { quick: true, minSampleNs: 1e6, log: () => {} };

describe("underOps: a C variant under its own op, beside wasm's samples", () => {
  it("lookup: wasm against plain C under lookup, against C batched under lookup-batched, paired by round", async () => {
    // calibration, warm-ups, then 7 rounds; wasm steady, plain C 2× wasm, batched C 0.5× wasm
    const rs = await measure("ops", "lookup", 10, [fixed("wasm", [2e6]), fixed("native-c", [4e6]), fixed("native-c", [1e6])], quiet);
    const out = underOps(rs, new Map([[2, "lookup-batched"]]));
    expect(out.map((r) => `${r.impl} ${r.op}`)).toEqual(["wasm lookup", "native-c lookup", "wasm lookup-batched", "native-c lookup-batched"]);
    // the repeated wasm result is wasm's, samples and all
    expect(out[2]!.samplesNs).toEqual(rs[0]!.samplesNs);
    const cs = comparisons(out);
    expect(cs.map((c) => `${c.op} ${c.a}/${c.b} ${c.ratio} ${c.paired}`)).toEqual(["lookup wasm/native-c 0.5 true", "lookup-batched wasm/native-c 2 true"]);
  });

  it("pages: each variant gets wasm once, and the untouched results keep their op", () => {
    const r = (impl: Result["impl"], p50Ns: number): Result => ({
      suite: "pages",
      impl,
      op: "from-pages:mixed",
      n: 4,
      nsPerEntry: 0,
      p50Ns,
      p99Ns: 0,
      rme: 0,
      samples: 1,
    });
    const out = underOps(
      [r("wasm", 1), r("native-c", 2), r("native-c", 3), r("native-c-march", 4)],
      new Map([
        [1, "k"],
        [2, "o"],
        [3, "o"],
      ]),
    );
    expect(out.map((x) => `${x.impl} ${x.op} ${x.p50Ns}`)).toEqual([
      "wasm from-pages:mixed 1",
      "wasm k 1",
      "native-c k 2",
      "wasm o 1",
      "native-c o 3",
      "native-c-march o 4",
    ]);
    expect(() => underOps([r("wasm", 1)], new Map([[0, "x"]]))).toThrow(/first result/);
    expect(() => underOps([r("wasm", 1)], new Map([[3, "x"]]))).toThrow(/no result 3/);
  });
});

describe("servedSide: one served C op as a side", () => {
  it("asks for the op, n, source and iterations, returns the ns, and refuses a result that disagrees", async () => {
    const asked: string[] = [];
    let check = "0x1";
    const server = {
      sample: async (op: string, n: number, source: string, iters: number) => {
        asked.push(`${op} ${n} ${source} ${iters}`);
        return { ns: 100 * iters, check };
      },
    } as unknown as NativeServer;
    const side = servedSide("native-c", server, "from-pages-kernel", 8, "mixed", "0x1");
    expect(await side.run(3)).toBe(300);
    expect(asked).toEqual(["from-pages-kernel 8 mixed 3"]);
    check = "0xbad";
    await expect(side.run(1)).rejects.toThrow(/native-c from-pages-kernel at n=8 \(mixed\) computed 0xbad, wasm 0x1/);
  });
});

describe("the pages suite's sizes", () => {
  it("2^16 to 2^22 pages; --quick two of them", () => {
    expect(pageSizes(false)).toEqual([2 ** 16, 2 ** 18, 2 ** 20, 2 ** 22]);
    expect(pageSizes(true)).toEqual([2 ** 16, 2 ** 20]);
  });
});

const hasCc = spawnSync(process.env.CC ?? "cc", ["--version"]).status === 0;

describe.skipIf(!hasCc)("the served C programs agree with wasm", () => {
  it("pages.c serve: kernel-style and one-pass entries hash as wasm's fromPages, every pattern", async () => {
    const core = await init();
    const nat = Native.build(() => {}, "pages")!;
    const server = nat.server("fair", "wall")!;
    try {
      for (const pattern of PAGE_PATTERNS) {
        const n = 3000;
        const pages = U64Buffer.allocate(n, core);
        makePfns(n, pattern, pages.view());
        const l = RangeList.fromPages(pages);
        const want = hex16(l.hash());
        l.dispose();
        pages.dispose();
        for (const how of ["kernel", "onepass"]) expect((await server.sample(`from-pages-${how}`, n, pattern, 2)).check, `${how} ${pattern}`).toBe(want);
      }
    } finally {
      nat.close();
    }
  });

  it("lookup_many.c serve: the {index, intra} pairs hash as wasm's lookupMany on the seeded list", async () => {
    const nat = Native.build(() => {}, "lookupMany")!;
    const ranges = Native.build(() => {}, "ranges")!;
    try {
      const n = 5000;
      // ranges.c's plain lookup is the reference the ops suite checks wasm against
      const plain = ranges.run("lookup", n, 1, String(SEED), "wall").check;
      expect((await nat.server("fair", "wall")!.sample("lookup", n, String(SEED), 2)).check).toBe(plain);
    } finally {
      nat.close();
      ranges.close();
    }
  });
});
