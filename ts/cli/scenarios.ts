/**
 * `dmabuf-map run` and `dmabuf-map validate` over one or many files: each file is read
 * (bounded), validated and, for `run`, executed; its outcome goes out at once in the
 * chosen format (text, `--json` lines, JUnit XML or TAP), so memory does not grow with
 * the number of files. Exit 2 if any file is invalid, else 1 if any scenario failed, else 0.
 */
import type { Core } from "../core/loader.js";
import { parseScenarioBytes, ScenarioError, formatPath } from "../scenario/validate.js";
import { runScenario } from "../scenario/runner.js";
import type { Scenario } from "../scenario/schema.js";
import { printRun, ansi, escapeControls, type PrintOptions } from "../scenario/report.js";
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

/** Reads and validates one file: its scenario, or the problems. */
export async function load(file: string): Promise<Outcome> {
  try {
    return { file, status: "valid", scenario: parseScenarioBytes(await readInput(file)) };
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof InputError) return { file, status: "invalid", ...problemsOf(e) };
    throw e;
  }
}

const label = (file: string) => (file === "-" ? "(stdin)" : escapeControls(file));

/** Streamed output: waits for "drain" when the pipe is full, so memory stays bounded. */
export function toStdout(s: string): void | Promise<void> {
  if (process.stdout.write(s)) return;
  return new Promise((ok) => {
    const done = () => {
      process.stdout.off("drain", done).off("close", done);
      ok();
    };
    process.stdout.on("drain", done).on("close", done);
  });
}

/** The human-readable lines for an invalid file, always on stderr. */
export function printProblems(o: Extract<Outcome, { status: "invalid" }>): void {
  const input = o.problems.length === 1 && o.problems[0]!.path === "" && ["unreadable", "too_big", "not_found"].includes(o.problems[0]!.code);
  if (input) err(`dmabuf-map: ${label(o.file)}: ${escapeControls(o.problems[0]!.message)}\n`);
  else {
    err(`${label(o.file)}: invalid scenario: ${o.problems.length + o.more} problem(s)\n`);
    for (const p of o.problems) err(`  ${escapeControls(p.path || "(root)")}: ${escapeControls(p.message)}\n`);
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
      return void err(`${label(o.file)}: valid scenario "${escapeControls(o.scenario.name)}" (${o.scenario.steps.length} steps)\n`);
    // a run without a reporter was printed as it ran (runOne)
  }
}

/** What `run` and `demo` print: `--json` (with `--entries`, `--state`) or the report (with `--all`). */
export type RunFlags = Pick<PrintOptions, "json" | "entries" | "state" | "all" | "profile">;

/** `--entries` and `--state` belong to the record, `--all` to the report. */
export function checkRunFlags(f: RunFlags): void {
  if (!f.json && (f.entries || f.state)) throw new UsageError(`--${f.entries ? "entries" : "state"} adds to the JSON record: use it with --json (the report prints every entry with --all)`);
  if (f.json && f.all) throw new UsageError("--all is for the readable report: with --json, use --entries");
}

/** Run one valid scenario and print it; returns "passed" or "failed". The record and the report are streamed. */
export async function runOne(file: string, scenario: Scenario, core: Core, flags: RunFlags, reporter?: Reporter): Promise<"passed" | "failed"> {
  if (!reporter) return (await printRun(scenario, core, { ...flags, ...(colour() && !flags.json ? { style: ansi } : {}) }, toStdout, err)) ? "passed" : "failed";
  const report = runScenario(scenario, core, { previews: 0, ...(flags.profile ? { profile: flags.profile } : {}) });
  const status = report.output.passed ? "passed" : "failed";
  emit({ file, status, scenario, report }, false, reporter);
  return status;
}

/** The files the operands name (a directory: its *.json; - once at most); a bad operand is a usage error. */
export function operandFiles(operands: string[]): string[] {
  if (operands.filter((f) => f === "-").length > 1) throw new UsageError("standard input (-) can be read only once");
  try {
    return expandOperands(operands);
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * `run` or `validate` over every file of `cmd.operands`; `getCore` is called only when a
 * scenario needs running.
 */
export async function runFiles(cmd: CommandOf<"run"> | CommandOf<"validate">, getCore: () => Promise<Core>): Promise<number> {
  if (cmd.json && cmd.reporter !== "text") throw new UsageError(`--json and --reporter ${cmd.reporter} cannot be combined`);
  if (cmd.command === "run") checkRunFlags(cmd);
  const files = operandFiles(cmd.operands);
  const reporter: Reporter | undefined = cmd.reporter === "junit" ? junit(cmd.command) : cmd.reporter === "tap" ? tap() : undefined;
  const counts = new Map<Outcome["status"], number>();
  if (reporter) out(reporter.start(files.length));
  for (const file of files) {
    const o = await load(file);
    let status = o.status;
    if (o.status === "valid" && cmd.command === "run") status = await runOne(file, o.scenario, await getCore(), cmd, reporter);
    else emit(o, cmd.json, reporter);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  if (reporter) out(reporter.end());
  if (files.length > 1) err(summary(cmd.command, counts, files.length));
  return exitCode(counts.keys());
}
