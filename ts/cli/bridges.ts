/**
 * The CLI's bridges to a running kernel (docs/kernel.md): `run --bufinfo` prints the
 * state as /sys/kernel/debug/dma_buf/bufinfo, `import-trace` turns ftrace text of the
 * dma_buf events into a scenario.
 */
import { basename, extname } from "node:path";
import type { Core } from "../core/loader.js";
import { scenarioBufinfo } from "../bridges/bufinfo.js";
import { importTrace, scenarioText, TraceImportError, type ImportStats } from "../bridges/trace.js";
import { escapeControls } from "../scenario/report.js";
import { UsageError } from "../util/args.js";
import type { CommandOf } from "../util/commands.js";
import { InputError, readInput } from "./io.js";
import { load, printProblems } from "./scenarios.js";

const err = (s: string) => process.stderr.write(s);
const label = (file: string) => (file === "-" ? "(stdin)" : escapeControls(file));

/** Whether `run` was asked for bufinfo (`--bufinfo`, or `--bufinfo-at`, which implies it). */
export const wantsBufinfo = (cmd: CommandOf<"run">) => cmd.bufinfo || cmd["bufinfo-at"] !== undefined;

/** `run --bufinfo [--bufinfo-at N] FILE`: exit 0 or 1 as `run`, 2 for bad input. */
export async function runBufinfoCli(cmd: CommandOf<"run">, getCore: () => Promise<Core>): Promise<number> {
  const others = (["json", "all", "entries", "state", "dma-debug", "strict"] as const).filter((k) => cmd[k]).map((k) => `--${k}`);
  if (cmd.reporter !== "text") others.push("--reporter");
  if (others.length) throw new UsageError(`--bufinfo prints only the bufinfo text: drop ${others.join(", ")}`);
  if (cmd.operands.length !== 1) throw new UsageError("--bufinfo takes one scenario FILE (or -)");
  const raw = cmd["bufinfo-at"];
  if (raw !== undefined && !/^[0-9]{1,9}$/.test(raw)) throw new UsageError(`--bufinfo-at takes a step number (0 is the first step), not "${raw}"`);
  const o = await load(cmd.operands[0]!);
  if (o.status !== "valid") {
    if (o.status === "invalid") printProblems(o, err);
    return 2;
  }
  const at = raw === undefined ? undefined : Number(raw);
  const n = o.scenario.steps.length;
  if (at !== undefined && at >= n) throw new UsageError(`--bufinfo-at ${at}: ${label(o.file)} has steps 0 to ${n - 1}`);
  const r = scenarioBufinfo(o.scenario, await getCore(), at);
  process.stdout.write(r.text);
  if (!r.passed) err(`${label(o.file)}: an expectation failed (dmabuf-map run ${label(o.file)} shows which)\n`);
  return r.passed ? 0 : 1;
}

/** The stderr summary of an import: what was read, made and skipped. */
function summary(file: string, stats: ImportStats, steps: number): string {
  const events = Object.values(stats.events).reduce((a, b) => a + b, 0);
  const other = Object.entries(stats.other).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const otherCount = other.reduce((a, [, n]) => a + n, 0);
  const listed =
    other
      .slice(0, 8)
      .map(([k, n]) => `${escapeControls(k)} ${n}`)
      .join(", ") + (other.length > 8 ? ", …" : "");
  return (
    `${label(file)}: ${stats.lines} lines, ${events} dma_buf events -> ${steps} steps; skipped ${stats.comments} comment or blank lines` +
    `, ${otherCount} other events${otherCount ? ` (${listed})` : ""}${stats.lost ? `; the trace lost ${stats.lost} events` : ""}\n`
  );
}

/** `import-trace FILE|-`: the scenario on stdout, a summary on stderr; exit 0, or 2 with the line number. */
export async function runImportTraceCli(cmd: CommandOf<"import-trace">): Promise<number> {
  const file = cmd.operands[0]!;
  let bytes: Uint8Array;
  try {
    bytes = await readInput(file);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    err(`dmabuf-map: ${label(file)}: ${e.message}\n`);
    return 2;
  }
  const name = cmd.name ?? (file === "-" ? "imported-trace" : basename(file, extname(file)) || "imported-trace");
  if (name === "") throw new UsageError("--name cannot be empty");
  try {
    const r = importTrace(new TextDecoder().decode(bytes), { name });
    process.stdout.write(scenarioText(r.scenario));
    err(summary(file, r.stats, r.scenario.steps.length));
    return 0;
  } catch (e) {
    if (!(e instanceof TraceImportError)) throw e;
    err(`dmabuf-map: ${label(file)}${e.line ? `:${e.line}` : ""}: ${escapeControls(e.reason)}\n`);
    return 2;
  }
}
