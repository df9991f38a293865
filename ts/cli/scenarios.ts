/**
 * `dmabuf-map run` and `dmabuf-map validate` over one or many files: each file is read
 * (bounded), validated and, for `run`, executed; its outcome goes out at once in the
 * chosen format (text, `--json` lines, JUnit XML or TAP), so memory does not grow with
 * the number of files. Exit 2 if any file is invalid, else 1 if any scenario failed, else 0.
 */
import type { Core } from "../core/loader.js";
import { parseScenarioBytes, ScenarioError, formatPath, scenarioHintsOf } from "../scenario/validate.js";
import { locate, type Position } from "../scenario/locate.js";
import { runScenario } from "../scenario/runner.js";
import type { Scenario } from "../scenario/schema.js";
import { printRun, ansi, counted, escapeControls, type PrintOptions } from "../scenario/report.js";
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

/** The text of a scenario's bytes for locating paths (BOM dropped: positions count from after it, as the reader's do). */
const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes).replace(/^\uFEFF/, "");

/** Where each problem is: the reader's own position for a syntax error, else its path's value in the text. */
function positionsOf(e: ScenarioError, bytes: Uint8Array): (Position | undefined)[] {
  const syntax = e.issues.map((i) => /at line (\d+), column (\d+)$/.exec(i.message));
  const located = syntax.every((m) => m)
    ? []
    : locate(
        textOf(bytes),
        e.issues.map((i) => i.path),
      );
  return e.issues.map((_, k) => (syntax[k] ? { line: Number(syntax[k]![1]), column: Number(syntax[k]![2]) } : located[k]));
}

/** The authoring hints of a valid scenario (validate prints them as notes), each with its position. */
function notesOf(scenario: Scenario, bytes: Uint8Array): Note[] {
  const hints = [...scenarioHintsOf(scenario).values()].flat();
  if (!hints.length) return [];
  const paths = hints.map((h) => h.path);
  const at = locate(textOf(bytes), paths);
  return hints.map((h, k) => ({ path: formatPath(h.path), message: h.hint, ...(at[k] ? { at: at[k] } : {}) }));
}

/** A note on a valid file: a hint for its author. */
interface Note {
  path: string;
  message: string;
  at?: Position;
}

/** Positions of an invalid file's problems and notes of a valid one, for the readable output. */
const extras = new WeakMap<Outcome, { at?: (Position | undefined)[]; notes?: Note[] }>();

/** Reads and validates one file: its outcome (valid with the scenario, or invalid with its problems). */
export async function load(file: string): Promise<Outcome> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readInput(file);
    const scenario = parseScenarioBytes(bytes);
    const o: Outcome = { file, status: "valid", scenario };
    extras.set(o, { notes: notesOf(scenario, bytes) });
    return o;
  } catch (e) {
    if (!(e instanceof ScenarioError || e instanceof InputError)) throw e;
    const o: Outcome = { file, status: "invalid", ...problemsOf(e) };
    if (e instanceof ScenarioError && bytes) extras.set(o, { at: positionsOf(e, bytes) });
    return o;
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

/** `file:line:col: ` where the position is known, else `file: `: the form editors and grep read. */
const where = (file: string, at?: Position) => `${label(file)}${at ? `:${at.line}:${at.column}` : ""}: `;

/** The human-readable lines for an invalid file (validate: on stdout; run: on stderr, beside the output). */
export function printProblems(o: Extract<Outcome, { status: "invalid" }>, write: (s: string) => void): void {
  const input = o.problems.length === 1 && o.problems[0]!.path === "" && ["unreadable", "too_big", "not_found"].includes(o.problems[0]!.code);
  // a file that cannot be read is an error of the command, not a finding: always on stderr
  if (input) return void err(`dmabuf-map: ${label(o.file)}: ${escapeControls(o.problems[0]!.message)}\n`);
  const at = extras.get(o)?.at ?? [];
  write(`${label(o.file)}: invalid scenario: ${o.problems.length + o.more} problem(s)\n`);
  o.problems.forEach((p, k) => write(`${where(o.file, at[k])}${escapeControls(p.path || "(root)")}: ${escapeControls(p.message)}\n`));
  if (o.more) write(`${label(o.file)}: … and ${o.more} more\n`);
}

/** A valid file's line and its notes (validate). */
function printValid(o: Extract<Outcome, { status: "valid" }>, write: (s: string) => void): void {
  write(`${label(o.file)}: valid scenario "${escapeControls(o.scenario.name)}" (${counted(o.scenario.steps.length, "step")})\n`);
  for (const n of extras.get(o)?.notes ?? []) write(`${where(o.file, n.at)}note: ${escapeControls(n.path)}: ${escapeControls(n.message)}\n`);
}

/** Exit code of a batch: 2 if any file was invalid, else 1 if any scenario failed, else 0. */
function exitCode(outcomes: Iterable<Outcome["status"]>): number {
  let code = 0;
  for (const s of outcomes) code = Math.max(code, s === "invalid" ? 2 : s === "failed" ? 1 : 0);
  return code;
}

function summary(command: string, counts: Map<Outcome["status"], number>, total: number): string {
  const n = (k: Outcome["status"]) => counts.get(k) ?? 0;
  const parts =
    command === "run" ? [`${n("passed")} passed`, `${n("failed")} failed`, `${n("invalid")} invalid`] : [`${n("valid")} valid`, `${n("invalid")} invalid`];
  return `${command}: ${total} file(s), ${parts.join(", ")}\n`;
}

/** Colour flags of run and demo: --color, --no-color. */
export interface ColourFlags {
  color: boolean;
  "no-color": boolean;
}

/**
 * Whether the readable report is coloured: never with NO_COLOR (set to anything) or
 * --no-color; else with --color, or FORCE_COLOR set to anything but "0" or "false"; else
 * when stdout is a TTY.
 */
export function useColour(f: ColourFlags, env = process.env, tty = !!process.stdout.isTTY): boolean {
  if (f.color && f["no-color"]) throw new UsageError("--color and --no-color cannot be combined");
  if (env.NO_COLOR !== undefined || f["no-color"]) return false;
  if (f.color) return true;
  if (env.FORCE_COLOR !== undefined) return !["0", "false"].includes(env.FORCE_COLOR);
  return tty;
}

/**
 * Print a file's outcome in the chosen format. `validate`'s findings are its output, on
 * stdout; with `--json` or a reporter that output is machine-readable, and the readable
 * lines go to stderr, as `run`'s problems always do (its stdout is the report or record).
 */
function emit(o: Outcome, json: boolean, reporter: Reporter | undefined, validate: boolean): void {
  const readable = validate && !json && !reporter ? out : err;
  if (o.status === "invalid") printProblems(o, readable);
  if (o.status === "valid") printValid(o, readable);
  if (reporter) return void out(reporter.file(o));
  if (json && (o.status === "invalid" || o.status === "valid")) {
    const problems = o.status === "invalid" ? { valid: false, problems: o.problems, more: o.more } : { valid: true, problems: [], more: 0 };
    out(JSON.stringify({ file: o.file, ...problems }) + "\n");
  }
  // a run without a reporter was printed as it ran (runOne)
}

/** What `run` and `demo` print: `--json` (with `--entries`, `--state`) or the report (with `--all`). */
export type RunFlags = Pick<PrintOptions, "json" | "entries" | "state" | "all" | "profile" | "strict"> & ColourFlags & { "dma-debug"?: boolean };

/** `--entries` and `--state` belong to the record, `--all` to the report. */
export function checkRunFlags(f: RunFlags): void {
  if (!f.json && (f.entries || f.state))
    throw new UsageError(`--${f.entries ? "entries" : "state"} adds to the JSON record: use it with --json (the report prints every entry with --all)`);
  if (f.json && f.all) throw new UsageError("--all is for the readable report: with --json, use --entries");
  useColour(f);
}

/**
 * Run one valid scenario and print it; returns "passed" or "failed". The record and the
 * report are streamed. With several files (`named`), each line on stderr starts with its
 * file's name, as problem lines do.
 */
export async function runOne(file: string, scenario: Scenario, core: Core, flags: RunFlags, reporter?: Reporter, named = false): Promise<"passed" | "failed"> {
  const log = named ? (s: string) => err(`${label(file)}: ${s}`) : err;
  if (!reporter)
    return (await printRun(
      scenario,
      core,
      { ...flags, dmaDebug: !!flags["dma-debug"], ...(useColour(flags) && !flags.json ? { style: ansi } : {}) },
      toStdout,
      log,
    ))
      ? "passed"
      : "failed";
  const checker = { dmaDebug: !!flags["dma-debug"], strict: !!flags.strict };
  const report = runScenario(scenario, core, { previews: 0, ...checker, ...(flags.profile ? { profile: flags.profile } : {}) });
  const status = report.output.passed ? "passed" : "failed";
  emit({ file, status, scenario, report }, false, reporter, false);
  return status;
}

/**
 * `run` or `validate` over every file of `cmd.operands`; `getCore` is called only when a
 * scenario needs running.
 */
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
    if (o.status === "valid" && cmd.command === "run") status = await runOne(file, o.scenario, await getCore(), cmd, reporter, files.length > 1);
    else emit(o, cmd.json, reporter, cmd.command === "validate");
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  if (reporter) out(reporter.end());
  if (files.length > 1) (cmd.command === "validate" && !cmd.json && !reporter ? out : err)(summary(cmd.command, counts, files.length));
  return exitCode(counts.keys());
}
