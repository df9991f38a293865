/**
 * The page builder (RangeList.fromPages) against C at 2^16 to 2^22 pages, for contiguous,
 * mixed and scattered page patterns: wasm reads the page numbers from a U64Buffer (no
 * copy), C (bench/native/pages.c) builds them the kernel's way (two passes, 32-byte
 * scatterlist records) and the wasm core's way (one pass, 16-byte entries). Every
 * implementation's entries are checked against the others' before timing, and C's on
 * every sample. wasm and both C builds alternate sample by sample (alternate.ts), C served
 * by pages.c in `serve` mode; the C results are ops `from-pages:PATTERN:kernel` and
 * `…:onepass`, each beside wasm's samples under the same op (underOps).
 */
import { getCore } from "../ts/core/loader.js";
import { RangeList } from "../ts/core/range-list.js";
import { U64Buffer } from "../ts/core/u64-buffer.js";
import { Native } from "./native.js";
import { mulberry32 } from "./inputs.js";
import { SEED, hex16, type Config } from "./listops.js";
import type { Result } from "./stats.js";
import { localSide, measure, servedSide, underOps } from "./alternate.js";

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

/** The C variants of fromPages, in the order their sides follow wasm's. */
export const PAGE_BUILDS = ["kernel", "onepass"] as const;

/** The sizes of the suite: 2^16 to 2^22 pages, or 2^16 and 2^20 with --quick. */
export const pageSizes = (quick: boolean): number[] => (quick ? [2 ** 16, 2 ** 20] : [2 ** 16, 2 ** 18, 2 ** 20, 2 ** 22]);

/** RangeList.fromPages from a U64Buffer against C, per pattern and size, alternating. */
export async function pagesSuite(cfg: Config): Promise<Result[]> {
  const core = getCore();
  const nat = cfg.native ? Native.build(cfg.log, "pages") : undefined;
  const server = nat?.server("fair", cfg.clock.name);
  const out: Result[] = [];
  try {
    for (const pattern of PAGE_PATTERNS) {
      for (const n of pageSizes(cfg.quick)) {
        const pages = U64Buffer.allocate(n, core);
        try {
          makePfns(n, pattern, pages.view());
          const op = `from-pages:${pattern}`;
          const l = RangeList.fromPages(pages);
          const check = hex16(l.hash());
          l.dispose();
          const c = server ? PAGE_BUILDS.map((how) => servedSide("native-c", server, `from-pages-${how}`, n, pattern, check)) : [];
          const sides = [localSide("wasm", () => RangeList.fromPages(pages).dispose(), cfg.clock), ...c];
          const rs = await measure("pages", op, n, sides, { quick: cfg.quick, minSampleNs: 1e6, log: cfg.log });
          out.push(...underOps(rs, new Map(c.map((_, i) => [i + 1, `${op}:${PAGE_BUILDS[i]}`]))));
        } finally {
          pages.dispose();
        }
      }
    }
  } finally {
    nat?.close();
  }
  return out;
}
