#!/usr/bin/env node
/** The dmabuf-map command line. Exit codes: 0 ok, 1 expectation failed, 2 bad input or usage. */
import { readFileSync, statSync } from "node:fs";
import { init } from "../core/loader.js";
import { DmaBufError } from "../core/errors.js";
import { parseScenario, parseScenarioText, ScenarioError, formatPath } from "../scenario/validate.js";
import { scenarioJsonSchema, type Scenario } from "../scenario/schema.js";
import { printRun, ansi, escapeControls } from "../scenario/report.js";
import { DEMO_SCENARIO } from "../scenario/demo.js";
import { parseArgs, UsageError, HELP, type Command } from "./args.js";

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);
/** Streamed output: waits for "drain" when the pipe is full, so memory stays bounded. */
const toStdout = (s: string): void | Promise<void> => {
  if (process.stdout.write(s)) return;
  return new Promise((ok) => {
    const done = () => {
      process.stdout.off("drain", done).off("close", done);
      ok();
    };
    process.stdout.on("drain", done).on("close", done);
  });
};
const colour = () => !!process.stdout.isTTY && process.env.NO_COLOR === undefined;

/** Largest scenario file the CLI reads (a backing of 4M ranges fits; 10^7 does not). */
const MAX_INPUT = 256 * 1024 * 1024;

function readInput(file: string): string {
  let bytes: Buffer;
  try {
    if (file !== "-" && statSync(file).size > MAX_INPUT) throw new ScenarioError([{ path: [], message: `${file} is larger than ${MAX_INPUT / 1048576} MiB, the largest input read` }]);
    bytes = file === "-" ? readFileSync(0) : readFileSync(file);
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (bytes.length > MAX_INPUT) throw new ScenarioError([{ path: [], message: `input is larger than ${MAX_INPUT / 1048576} MiB, the largest input read` }]);
  return bytes.toString("utf8");
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

type RunFlags = { json: boolean; entries: boolean; state: boolean; all: boolean };

async function runAndPrint(scenario: Scenario, flags: RunFlags): Promise<number> {
  if (!flags.json && (flags.entries || flags.state)) throw new UsageError(`--${flags.entries ? "entries" : "state"} adds to the JSON record: use it with --json (the report prints every entry with --all)`);
  if (flags.json && flags.all) throw new UsageError("--all is for the readable report: with --json, use --entries");
  const core = await init();
  const opts = colour() ? { ...flags, style: ansi } : flags;
  return (await printRun(scenario, core, opts, toStdout, err)) ? 0 : 1;
}

async function main(cmd: Command): Promise<number> {
  switch (cmd.command) {
    case "help":
      out(HELP);
      return 0;
    case "version":
      out(version() + "\n");
      return 0;
    case "schema":
      out(JSON.stringify(scenarioJsonSchema(), null, 2) + "\n");
      return 0;
    case "validate": {
      const s = parseScenarioText(readInput(cmd.file));
      err(`${escapeControls(cmd.file)}: valid scenario "${escapeControls(s.name)}" (${s.steps.length} steps)\n`);
      return 0;
    }
    case "run":
      return runAndPrint(parseScenarioText(readInput(cmd.file)), cmd);
    case "demo":
      return runAndPrint(parseScenario(DEMO_SCENARIO), cmd);
    case "web": {
      const { runWebCli } = await import("./web.js");
      return runWebCli(cmd);
    }
    case "bench": {
      const { runBenchCli } = await import("../../bench/main.js");
      return runBenchCli(cmd);
    }
    case "fuzz": {
      const { runFuzzCli } = await import("../fuzz/cli.js");
      return runFuzzCli(cmd);
    }
  }
}

try {
  process.exitCode = await main(parseArgs(process.argv.slice(2)));
} catch (e) {
  if (e instanceof ScenarioError) {
    err(`invalid scenario: ${e.issues.length} problem(s)\n`);
    for (const i of e.issues) err(`  ${escapeControls(formatPath(i.path))}: ${escapeControls(i.message)}\n`);
    process.exitCode = 2;
  } else if (e instanceof UsageError) {
    err(`dmabuf-map: ${escapeControls(e.message)}\nRun dmabuf-map --help for usage.\n`);
    process.exitCode = 2;
  } else if (e instanceof DmaBufError) {
    err(`dmabuf-map: ${e.code}: ${escapeControls(e.message)}\n`);
    process.exitCode = 2;
  } else throw e;
}
