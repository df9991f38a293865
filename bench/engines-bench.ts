/**
 * `bench --engines node,bun,chromium,firefox [--rounds R]`: the ops suite (n = 10^6, the
 * same seeded list and wasm everywhere) on each engine, in R rounds; each round runs
 * every engine once, starting one engine further along than the round before, so that
 * a busy spell of the machine does not always land on the same engine. Node and Bun run
 * it in a fresh child process, the browsers in a fresh page (./page.ts). Each run's
 * checks must equal the Node process's before its times count. Every op's time on an
 * engine is divided by Node's in the same round; the table gives the median of those
 * ratios and their range over the rounds. Wall time throughout (a page has no CPU clock).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { getCore } from "../ts/core/loader.js";
import { UsageError } from "../ts/util/args.js";
import type { BenchEngine } from "./args.js";
import { ENGINE_VM, bundleForPage, findEngine, INSTALL_HINT, openPage } from "./engines.js";
import { seededChecks, LIST_OPS, type Config } from "./listops.js";
import type { OpsRun } from "./page.js";
import type { Impl } from "./stats.js";

/** The n of the ops suite. */
const N = 1_000_000;

/** One engine's runs: per op, the p50 of each round (ns) and its ratio to Node's. */
export interface EngineResult {
  engine: BenchEngine;
  vm: string;
  /** What ran: the runtime or browser and its version. */
  version: string;
  ops: Record<string, { p50Ns: number[]; ratio: number[]; median: number; min: number; max: number }>;
}

export interface EnginesReport {
  n: number;
  rounds: number;
  quick: boolean;
  engines: EngineResult[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** One run of the ops suite on `engine`: a fresh child process, or a fresh browser and page. */
async function runner(engine: BenchEngine, quick: boolean, log: (s: string) => void): Promise<() => Promise<OpsRun>> {
  const opts = { quick, n: N, impl: `wasm-${engine}` as Impl };
  if (engine === "node" || engine === "bun") {
    const exe = findEngine(engine)!;
    const child = fileURLToPath(new URL("./engine-child.js", import.meta.url));
    return async () => {
      const r = spawnSync(exe, [child, JSON.stringify(opts)], { encoding: "utf8", maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`the ops suite under ${engine} exited ${r.status}: ${r.stderr}`);
      return JSON.parse(r.stdout) as OpsRun;
    };
  }
  const script = await bundleForPage(fileURLToPath(new URL("./page.js", import.meta.url)));
  return async () => {
    const page = await openPage(engine, script);
    try {
      log(`  ${engine}: ${page.version}`);
      // the browser's own version: a user agent string is reduced ("Chrome/156.0.0.0")
      return { ...(await page.run((o) => globalThis.runOpsBench(o), opts)), userAgent: page.version };
    } finally {
      await page.close();
    }
  };
}

/** Runs the ops suite on `engines` (Node always among them, as the baseline) for `rounds` rounds. */
export async function enginesBench(cfg: Config, asked: readonly BenchEngine[], rounds: number): Promise<EnginesReport> {
  const engines: BenchEngine[] = ["node", ...asked.filter((e) => e !== "node")];
  const missing = engines.filter((e) => !findEngine(e));
  if (missing.length) throw new UsageError(`--engines: ${missing.map((e) => `${e} is not installed (${INSTALL_HINT[e]})`).join("; ")}`);
  const want = seededChecks(N, getCore());
  const runners = await Promise.all(engines.map((e) => runner(e, cfg.quick, cfg.log)));
  const times = engines.map(() => [] as Record<string, number>[]);
  const versions: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < engines.length; k++) {
      const i = (round + k) % engines.length;
      cfg.log(`round ${round + 1}/${rounds}: ops on ${engines[i]}…`);
      const got = await runners[i]!();
      for (const op of LIST_OPS)
        if (got.checks[op] !== want[op]) throw new Error(`${engines[i]} ${op} computed ${got.checks[op]}, Node ${want[op]}: the runs disagree`);
      versions[i] = got.userAgent;
      times[i]!.push(Object.fromEntries(got.results.map((r) => [r.op, r.p50Ns])));
    }
  }
  const result = engines.map((engine, i): EngineResult => {
    const ops: EngineResult["ops"] = {};
    for (const op of LIST_OPS) {
      const p50Ns = times[i]!.map((t) => t[op]!);
      const ratio = p50Ns.map((t, r) => t / times[0]![r]![op]!);
      ops[op] = { p50Ns, ratio, median: median(ratio), min: Math.min(...ratio), max: Math.max(...ratio) };
    }
    return { engine, vm: ENGINE_VM[engine], version: versions[i]!, ops };
  });
  return { n: N, rounds, quick: cfg.quick, engines: result };
}

/** The table: per op, Node's median ns/entry, then each engine's median ratio to Node [min–max]. */
export function enginesTable(rep: EnginesReport): string {
  const others = rep.engines.slice(1);
  const node = rep.engines[0]!;
  const rows = [["op", "node ns/entry", ...others.map((e) => `${e.engine}/node [range]`)]];
  for (const op of LIST_OPS) {
    const ns = median(node.ops[op]!.p50Ns) / rep.n;
    rows.push([
      op,
      ns.toFixed(2),
      ...others.map((e) => {
        const o = e.ops[op]!;
        return `${o.median.toFixed(2)}× [${o.min.toFixed(2)}–${o.max.toFixed(2)}]`;
      }),
    ]);
  }
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map(
    (r, i) => r.map((x, c) => (c ? x.padStart(w[c]!) : x.padEnd(w[c]!))).join("  ") + (i === 0 ? "\n" + w.map((n) => "-".repeat(n)).join("  ") : ""),
  );
  const who = rep.engines.map((e) => `  ${e.engine} (${e.vm}): ${e.version}`);
  return `${lines.join("\n")}\n\nn = ${rep.n.toLocaleString("en-US")}, ${rep.rounds} round(s), wall time, ratio = engine p50 / Node p50 in the same round\n${who.join("\n")}\n`;
}
