/**
 * The page builder (RangeList.fromPages) against C at 2^16 to 2^22 pages, for contiguous,
 * mixed and scattered page patterns: wasm reads the page numbers from a U64Buffer (no
 * copy), C (bench/native/pages.c) builds them the kernel's way (two passes, 32-byte
 * scatterlist records) and the wasm core's way (one pass, 16-byte entries). Every
 * implementation's entries are checked against the others' before timing.
 */
import { getCore } from "../ts/core/loader.js";
import { RangeList } from "../ts/core/range-list.js";
import { U64Buffer } from "../ts/core/u64-buffer.js";
import { Native } from "./native.js";
import { mulberry32 } from "./inputs.js";
import { SEED, hex16, fmtN, timeTasks, disagree, type Config } from "./listops.js";
import { summarize, type Result } from "./stats.js";

export const PAGE_PATTERNS = ["contiguous", "mixed", "scattered"] as const;
export type PagePattern = (typeof PAGE_PATTERNS)[number];

/** n page frame numbers of a pattern, into `w`, exactly as bench/native/pages.c makes
 *  them: every page after the last, every other page, or runs broken at about one page
 *  in four by a gap of 1..64 pages. */
export function makePfns(n: number, pattern: PagePattern, w: BigUint64Array): BigUint64Array {
  const r = mulberry32(SEED);
  let pfn = 0x10_0000;
  for (let i = 0; i < n; i++) {
    w[i] = BigInt(pfn);
    pfn += pattern === "contiguous" ? 1 : pattern === "scattered" ? 2 : r() % 4 === 0 ? 2 + (r() % 64) : 1;
  }
  return w;
}

/** RangeList.fromPages from a U64Buffer against C, per pattern and size. */
export async function pagesSuite(cfg: Config): Promise<Result[]> {
  const core = getCore();
  const sizes = cfg.quick ? [2 ** 16, 2 ** 20] : [2 ** 16, 2 ** 18, 2 ** 20, 2 ** 22];
  const nat = cfg.native ? Native.build(cfg.log, "pages") : undefined;
  const out: Result[] = [];
  for (const pattern of PAGE_PATTERNS) {
    for (const n of sizes) {
      const pages = U64Buffer.allocate(n, core);
      makePfns(n, pattern, pages.view());
      const op = `from-pages:${pattern}`;
      const l = RangeList.fromPages(pages);
      const check = hex16(l.hash());
      l.dispose();
      out.push(...(await timeTasks("pages", "wasm", n, { [op]: () => RangeList.fromPages(pages).dispose() }, cfg)));
      pages.dispose();
      for (const how of ["kernel", "onepass"] as const) {
        if (!nat) continue;
        cfg.log(`  pages · native-c · ${op} (${how}) · n = ${fmtN(n)}`);
        const run = nat.run(`from-pages-${how}`, n, cfg.quick ? 5 : 15, pattern, cfg.clock.name);
        if (run.check !== check) disagree(`native from-pages-${how} (${pattern}, n=${n}) computed ${run.check}, wasm ${check}`);
        const s = summarize(run.samples);
        out.push({ suite: "pages", impl: "native-c", op: `${op}:${how}`, n, nsPerEntry: s.p50Ns / n, ...s });
      }
    }
  }
  return out;
}
