/** `dmabuf-map fuzz --seed S --ops N [--json]`: exit 0 when every invariant held and the model agreed with the reference, 1 otherwise. */
import { init } from "../core/loader.js";
import type { CommandOf } from "../util/commands.js";
import { fuzz, TABLE_ROWS, type FuzzReport } from "./fuzz.js";
import { faultName } from "./hostile.js";

/** Seconds between progress lines when stderr is not a terminal. */
const PIPE_EVERY_MS = 3000;

/**
 * Progress for stderr: a bar redrawn on a TTY, else a line every few seconds (so a
 * piped run does not look dead); either way the last report is the real final count.
 */
export function progress(tty: boolean, write: (s: string) => void, now: () => number = () => performance.now()): (done: number, total: number) => void {
  let lastPct = -1;
  let lastDone = -1;
  let lastLine = now();
  return (done, total) => {
    if (done === lastDone) return;
    lastDone = done;
    const pct = Math.floor((done / total) * 100);
    if (tty) {
      if (pct === lastPct) return;
      lastPct = pct;
      const bar = "█".repeat(Math.floor(pct / 4)).padEnd(25, "·");
      write(`\r  fuzz ${bar} ${pct}% (${done.toLocaleString("en-US")} ops)${done === total ? "\n" : ""}`);
      return;
    }
    const t = now();
    if (done !== total && t - lastLine < PIPE_EVERY_MS) return;
    lastLine = t;
    write(`fuzz: ${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} ops (${pct}%)\n`);
  };
}

/** The readable report: outcomes, coverage of the lifecycle table, violations. */
function readable(report: FuzzReport, seconds: number): string {
  const out: string[] = [];
  out.push(
    `fuzz seed ${report.seed}: ${report.ops.toLocaleString("en-US")} ops (+ ${report.teardown.toLocaleString("en-US")} teardown steps) in ${seconds.toFixed(1)} s`,
  );
  out.push(
    `errors by code: ${
      Object.entries(report.errors)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "none"
    }`,
  );
  const rows = report.coverage.rows;
  const missing = TABLE_ROWS.filter((r) => !rows[r]);
  out.push(
    `lifecycle rows reached: ${TABLE_ROWS.length - missing.length} of ${TABLE_ROWS.length}${missing.length ? ` (never: ${missing.join(", ")})` : ""}; least: ${TABLE_ROWS.map(
      (r) => [r, rows[r] ?? 0] as const,
    )
      .sort((a, b) => a[1] - b[1])
      .slice(0, 3)
      .map(([r, n]) => `${r} ${n}`)
      .join(", ")}`,
  );
  out.push(`differences from the reference: ${report.differences}`);
  out.push(`violations: ${report.violations.length}`);
  for (const v of report.violations.slice(0, 20)) out.push(`  op ${v.op} (epoch ${v.epoch}) ${v.invariant}: ${v.message}`);
  out.push(
    `resources at the end: ${report.leaks.iova} IOVA allocator(s) not pristine, heap ${report.leaks.heapBytes} bytes / ${report.leaks.heapBlocks} blocks / ${report.leaks.handles} handles above baseline`,
  );
  if (report.hostile)
    out.push(
      `the violation came in a hostile epoch: exporter ${report.hostile.exporter} breaks the ops contract (${faultName(report.hostile)}); the scenario below needs that exporter (ts/fuzz/hostile.ts), so replay it with fuzz --seed ${report.seed}`,
    );
  if (report.repro) out.push(`reproduce (seed ${report.seed}) with dmabuf-map run on this scenario:`, JSON.stringify(report.repro, null, 2));
  return out.join("\n") + "\n";
}

export async function runFuzzCli(cmd: CommandOf<"fuzz">): Promise<number> {
  const core = await init();
  const t0 = performance.now();
  const report = fuzz(core, { seed: cmd.seed, ops: cmd.ops, onProgress: progress(!!process.stderr.isTTY, (s) => process.stderr.write(s)) });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(cmd.json ? JSON.stringify(report) + "\n" : readable(report, seconds));
  return report.violations.length ? 1 : 0;
}
