/**
 * `dmabuf-map run` and `dmabuf-map validate` over one or many files: each file is read
 * (bounded), validated and, for `run`, executed; its outcome goes out at once in the
 * chosen format (text, `--json` lines, JUnit XML or TAP), so memory does not grow with
 * the number of files. Exit 2 if any file is invalid, else 1 if any scenario failed, else 0.
 */
import type { Core } from "../core/loader.js";
import { parseScenarioBytes, ScenarioError, formatPath } from "../scenario/validate.js";
import { runScenario, type StepOutcome } from "../scenario/runner.js";
import { writeRunJson } from "../scenario/output.js";
import type { Scenario } from "../scenario/schema.js";
import { formatReport, ansi } from "../scenario/report.js";
import type { CommandOf } from "../util/commands.js";
import { UsageError } from "../util/args.js";
import { expandOperands, InputError, readInput } from "./io.js";
import { junit, tap, type Outcome, type Problem, type Reporter } from "./reporters.js";

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

function problemsOf(e: ScenarioError | InputError): { problems: Problem[]; more: number } {
  if (e instanceof InputError) return { problems: [{ path: "", code: e.code, message: e.message }], more: 0 };
  const problems = e.issues.map((i) => ({ path: i.path.length ? formatPath(i.path) : "", code: i.code, message: i.message }));
  return { problems, more: e.more };
}

async function load(file: string): Promise<Outcome> {
  try {
    return { file, status: "valid", scenario: parseScenarioBytes(await readInput(file)) };
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof InputError) return { file, status: "invalid", ...problemsOf(e) };
    throw e;
  }
}

const label = (file: string) => (file === "-" ? "(stdin)" : file);

/** The human-readable lines for an invalid file, always on stderr. */
function printProblems(o: Extract<Outcome, { status: "invalid" }>): void {
  const input = o.problems.length === 1 && o.problems[0]!.path === "" && ["unreadable", "too_big", "not_found"].includes(o.problems[0]!.code);
  if (input) err(`dmabuf-map: ${label(o.file)}: ${o.problems[0]!.message}\n`);
  else {
    err(`${label(o.file)}: invalid scenario: ${o.problems.length + o.more} problem(s)\n`);
    for (const p of o.problems) err(`  ${p.path || "(root)"}: ${p.message}\n`);
    if (o.more) err(`  … and ${o.more} more\n`);
  }
}

/** Exit code of a batch: 2 if any file was invalid, else 1 if any scenario failed, else 0. */
function exitCode(outcomes: Iterable<Outcome["status"]>): number {
  let code = 0;
  for (const s of outcomes) code = Math.max(code, s === "invalid" ? 2 : s === "failed" ? 1 : 0);
  return code;
}

function summary(command: string, counts: Map<Outcome["status"], number>, total: number): string {
  const n = (k: Outcome["status"]) => counts.get(k) ?? 0;
  const parts = command === "run" ? [`${n("passed")} passed`, `${n("failed")} failed`, `${n("invalid")} invalid`] : [`${n("valid")} valid`, `${n("invalid")} invalid`];
  return `${command}: ${total} file(s), ${parts.join(", ")}\n`;
}

const colour = () => !!process.stdout.isTTY && process.env.NO_COLOR === undefined;

/** Print a file's outcome in the chosen format; problems always go to stderr as text too. */
function emit(o: Outcome, json: boolean, reporter: Reporter | undefined): void {
  if (o.status === "invalid") printProblems(o);
  if (reporter) return void out(reporter.file(o));
  switch (o.status) {
    case "invalid":
      if (json) out(JSON.stringify({ file: o.file, valid: false, problems: o.problems, more: o.more }) + "\n");
      return;
    case "valid":
      if (json) out(JSON.stringify({ file: o.file, valid: true, problems: [], more: 0 }) + "\n");
      return void err(`${label(o.file)}: valid scenario "${o.scenario.name}" (${o.scenario.steps.length} steps)\n`);
    default:
      out(formatReport(o.scenario, o.report, colour() ? ansi : undefined));
  }
}

/** What `run` and `demo` add to their output (`--entries`, `--state`, `--all`). */
export interface RecordOptions {
  entries: boolean;
  state: boolean;
  all: boolean;
}

/** Usage errors of the record flags: `--entries`/`--state` need `--json`, `--all` is for the report. */
export function checkRecordFlags(o: RecordOptions & { json: boolean }): void {
  if (!o.json && (o.entries || o.state)) throw new UsageError(`--${o.entries ? "entries" : "state"} adds to the JSON record: use it with --json (the report prints every entry with --all)`);
  if (o.json && o.all) throw new UsageError("--all is for the readable report: with --json, use --entries");
}

/** Run one valid scenario and print it; returns "passed" or "failed". The `--json` record is streamed. */
export function runOne(file: string, scenario: Scenario, core: Core, json: boolean, reporter?: Reporter, record?: RecordOptions): "passed" | "failed" {
  if (json && !reporter) {
    const onFailure = (o: StepOutcome, f: string) => err(`step ${o.record.i} (${o.record.op} ${o.detail.subject}): ${f}\n`);
    return writeRunJson(scenario, core, out, { entries: record?.entries, state: record?.state, onFailure }) ? "passed" : "failed";
  }
  const report = runScenario(scenario, core, { previews: reporter ? 0 : record?.all ? Infinity : 4 });
  const status = report.output.passed ? "passed" : "failed";
  emit({ file, status, scenario, report }, json, reporter);
  return status;
}

/**
 * `run` or `validate` over every file of `cmd.operands`; `getCore` is called only when a
 * scenario needs running.
 */
export async function runFiles(cmd: CommandOf<"run"> | CommandOf<"validate">, getCore: () => Promise<Core>): Promise<number> {
  if (cmd.json && cmd.reporter !== "text") throw new UsageError(`--json and --reporter ${cmd.reporter} cannot be combined`);
  if (cmd.command === "run") checkRecordFlags(cmd);
  if (cmd.operands.filter((f) => f === "-").length > 1) throw new UsageError("standard input (-) can be read only once");
  let files: string[];
  try {
    files = expandOperands(cmd.operands);
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message);
    throw e;
  }
  const reporter: Reporter | undefined = cmd.reporter === "junit" ? junit(cmd.command) : cmd.reporter === "tap" ? tap() : undefined;
  const counts = new Map<Outcome["status"], number>();
  if (reporter) out(reporter.start(files.length));
  for (const file of files) {
    const o = await load(file);
    let status = o.status;
    if (o.status === "valid" && cmd.command === "run") status = runOne(file, o.scenario, await getCore(), cmd.json, reporter, cmd.command === "run" ? cmd : undefined);
    else emit(o, cmd.json, reporter);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  if (reporter) out(reporter.end());
  if (files.length > 1) err(summary(cmd.command, counts, files.length));
  return exitCode(counts.keys());
}
