/**
 * The benchmarks' command line (`npm run bench -- …`, `node dist/bench/main.js …`): a
 * development entry, not part of the shipped `dmabuf-map` command. Parsed by the same
 * declarative layer as the CLI (ts/util/args.ts).
 */
import { choice, count, flag, formatHelp, int, parseCommand, subset, text, type CommandSpec, type Values } from "../ts/util/args.js";

/** The benchmark suites, in the order they run (bench/suites.ts defines one per name). */
export const BENCH_SUITES = ["ops", "pipeline", "containers", "call", "sweep", "pages"] as const;
export type BenchSuite = (typeof BENCH_SUITES)[number];

/** The JavaScript engines of `--engines` and of the cross-engine tests (bench/engines.ts starts them). */
export const BENCH_ENGINES = ["node", "bun", "chromium", "firefox"] as const;
export type BenchEngine = (typeof BENCH_ENGINES)[number];

export const BENCH = {
  summary: "Benchmarks: the wasm core against TypeScript (bigint and typed arrays) and native C.",
  options: {
    quick: flag("fewer sizes and samples"),
    json: flag("print the results as JSON on stdout (the table goes to stderr)"),
    suite: subset("LIST", "comma-separated suites to run", BENCH_SUITES),
    out: text("FILE.svg", "also write the per-entry cost plot"),
    input: text(
      "FILE",
      "benchmark the list operations on your own entries instead: little-endian u64 addr,len pairs, or JSON [[addr,len],...]; checked against the reference first",
    ),
    browser: flag(
      "instead of the suites: the ops suite in Node and headless Chromium, alternating sample by sample (wasm-chromium beside wasm; needs playwright-core and Chromium)",
    ),
    engines: subset(
      "LIST",
      "instead of the suites: the ops suite on each engine in alternating rounds, as ratios to Node (always run; chromium needs playwright-core, firefox puppeteer-core)",
      BENCH_ENGINES,
      "none",
    ),
    rounds: int("N", "with --engines: rounds, each running every engine once", 3, 1, 50),
    "max-n": count("N", "largest list of the sweep suite, 1e3 to 1e8", 1e7, 1e3, 1e8),
    clock: choice("NAME", "what timings count: cpu (CPU time of the process; steadier on a shared machine) or wall", ["cpu", "wall"], "cpu"),
  },
  more: `Examples:
  npm run bench -- --quick                   every suite, fewer sizes and samples
  npm run bench -- --suite ops --json        the ops suite as JSON on stdout
  npm run bench -- --input my-list.bin       the list operations on your own entries
  npm run bench -- --engines bun,firefox     the ops suite on Node, Bun and Firefox, as ratios

Exit codes: 0 done, 2 usage or bad input (one line on stderr).
`,
} as const satisfies CommandSpec;

/** The parsed command line of the benchmarks. */
export type BenchArgs = Values<typeof BENCH.options> & { operands: string[] };

/** Parses the benchmarks' arguments; `{help: true}` for -h/--help. */
export function parseBench(argv: readonly string[]): BenchArgs | { help: true } {
  const r = parseCommand("bench", BENCH, argv);
  if (r.help) return { help: true };
  const { help: _, ...values } = r;
  return values;
}

/** The benchmarks' help text. */
export const benchHelp = () => formatHelp("npm run bench --", "", BENCH);
