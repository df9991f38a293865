/**
 * `npm run bench -- [--quick] [--json] [--suite LIST] [--out FILE.svg] [--max-n 1e8]
 * [--browser] [--input FILE] [--clock cpu|wall] [--engines node,bun,chromium,firefox
 * --rounds R]`, a development entry (bench/args.ts): wasm core vs pure TypeScript (bigint
 * and typed arrays) vs native C, vs the same wasm in Chromium, and the same wasm on each
 * JavaScript engine (./engines-bench.ts). Not shipped in the package.
 */
import { writeFileSync } from "node:fs";
import { cpus, arch, loadavg, platform } from "node:os";
import { init } from "../ts/core/loader.js";
import { DmaBufError } from "../ts/core/errors.js";
import { UsageError } from "../ts/util/args.js";
import { benchHelp, parseBench, type BenchArgs } from "./args.js";
import { Progress } from "./progress.js";
import { Native } from "./native.js";
import { SUITES, WALL, inputSuite, type Config } from "./suites.js";
import { browserOps, pageTimer } from "./browser.js";
import { enginesBench, enginesTable } from "./engines-bench.js";
import { CPU, peakRss, isolated } from "./sweep-child.js";
import { table, comparisons, comparisonTable, sweepSvg } from "./report.js";
import { NOISE_LIMIT_PCT, type Result } from "./stats.js";

/** How the figures were taken, as the results' env records it. */
const METHOD = {
  alternation: "per op, one sample of each implementation per round, in the order of each result's alternation field",
  center: "median of the samples (p50Ns)",
  spread: "min-max, as the larger distance of either from the median (spreadPct)",
  ratio: "median of the per-round ratios of two alternated implementations; range: their min and max",
  noiseLimitPct: NOISE_LIMIT_PCT,
  minSampleNs: "1 ms in Node and C; 150 steps of performance.now() in Chromium",
};

export async function runBenchCli(cmd: BenchArgs): Promise<number> {
  const log = (s: string) => process.stderr.write(s + "\n");
  await init();
  // Chromium has no CPU clock: a run with --browser times everything in wall time
  const clock = cmd.clock === "cpu" && !cmd.browser ? CPU : WALL;
  // C is compiled when a suite first needs it, so a bad --input is refused before that
  let built: { native: Native | undefined } | undefined;
  const cfg: Config = {
    quick: cmd.quick,
    get native() {
      built ??= { native: Native.build(log) };
      return built.native;
    },
    log,
    clock,
    maxN: cmd["max-n"],
    peakRss,
    isolate: (n) => isolated(n, cfg),
  };
  // --engines: the ops suite on each engine, in wall time (a page has no CPU clock), no C
  if (cmd.engines.length) return enginesCli(cmd, { quick: cmd.quick, native: undefined, log, clock: WALL, maxN: cmd["max-n"] });
  const results: Result[] = [];
  const t0 = performance.now();
  // --input replaces the suites; --browser runs the ops suite's wasm in Node and in
  // Chromium, alternating sample by sample (in wall time: the page has no CPU clock)
  const runs: [string, () => Promise<Result[]>][] = cmd.input
    ? [["input", () => inputSuite(cfg, cmd.input!)]]
    : cmd.browser
      ? [["ops in Node and Chromium", () => browserOps(cfg)]]
      : cmd.suite.map((s) => [s, () => SUITES[s](cfg)]);
  const progress = new Progress(
    runs.map(([name]) => name),
    cmd.quick,
    log,
  );
  log(`clock: ${clock.name} time`);
  try {
    for (const [name, run] of runs) results.push(...(await progress.run(name, run)));
  } finally {
    built?.native?.close();
  }
  progress.save();
  const cs = comparisons(results);
  const env = {
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    cc: built?.native?.cc ?? null,
    // the C builds: fair (native-c, floor) and -march=native (native-c-march)
    cflags: built?.native?.flags ?? null,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    quick: cmd.quick,
    clock: clock.name,
    method: METHOD,
    ...(cmd.browser ? { chromium: { ...pageTimer } } : {}),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    date: new Date().toISOString(),
  };
  if (cmd.json) {
    process.stdout.write(JSON.stringify({ results, comparisons: cs, env }, null, 2) + "\n");
    process.stderr.write(table(results) + "\n" + comparisonTable(cs));
  } else {
    process.stdout.write(table(results) + "\n" + comparisonTable(cs));
  }
  if (cmd.out) {
    writeFileSync(cmd.out, sweepSvg(results));
    log(`wrote ${cmd.out}`);
  }
  log(`done in ${env.seconds} s`);
  return 0;
}

/** `--engines`: the ops suite on each engine in turn; the table, or with --json the report. */
async function enginesCli(cmd: BenchArgs, cfg: Config): Promise<number> {
  const t0 = performance.now();
  const rep = await enginesBench(cfg, cmd.engines, cmd.rounds);
  const text = enginesTable(rep);
  const env = {
    platform: platform(),
    arch: arch(),
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    date: new Date().toISOString(),
  };
  if (cmd.json) {
    process.stdout.write(JSON.stringify({ ...rep, env }, null, 2) + "\n");
    process.stderr.write(text);
  } else process.stdout.write(text);
  cfg.log(`done in ${env.seconds} s`);
  return 0;
}

// `node dist/bench/main.js [flags]` (npm run bench)
if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const cmd = parseBench(process.argv.slice(2));
    if ("help" in cmd) process.stdout.write(benchHelp());
    else process.exitCode = await runBenchCli(cmd);
  } catch (e) {
    // bad usage or a bad --input file: one line, exit 2, no stack trace
    if (e instanceof UsageError || e instanceof DmaBufError) {
      process.stderr.write(`bench: ${e instanceof DmaBufError ? `${e.code}: ` : ""}${e.message.split("\n")[0]}\n`);
      process.exitCode = 2;
    } else throw e;
  }
}
