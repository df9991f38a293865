#!/usr/bin/env node
/** The dmabuf-map command line. Exit codes: 0 ok, 1 expectation failed, 2 bad input or usage. */
import { readFileSync, statSync } from "node:fs";
import { init } from "../core/loader.js";
import { DmaBufError } from "../core/errors.js";
import { parseScenario, parseScenarioBytes, ScenarioError, formatPath } from "../scenario/validate.js";
import { scenarioJsonSchema, type Scenario } from "../scenario/schema.js";
import { runScenario } from "../scenario/runner.js";
import { formatReport, ansi } from "../scenario/report.js";
import { DEMO_SCENARIO } from "../scenario/demo.js";
import { parseArgs, UsageError, HELP, type Command } from "./args.js";

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);
const colour = () => !!process.stdout.isTTY && process.env.NO_COLOR === undefined;

/** Largest scenario file the CLI reads (a backing of 4M ranges fits; 10^7 does not). */
const MAX_INPUT = 256 * 1024 * 1024;

function readInput(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    if (file !== "-" && statSync(file).size > MAX_INPUT) throw new ScenarioError([{ path: [], code: "too_big", message: `${file} is larger than ${MAX_INPUT / 1048576} MiB, the largest input read` }]);
    bytes = file === "-" ? readFileSync(0) : readFileSync(file);
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (bytes.length > MAX_INPUT) throw new ScenarioError([{ path: [], code: "too_big", message: `input is larger than ${MAX_INPUT / 1048576} MiB, the largest input read` }]);
  return bytes;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

async function runAndPrint(scenario: Scenario, json: boolean): Promise<number> {
  const core = await init();
  const report = runScenario(scenario, core, { previews: json ? 0 : 4 });
  if (json) {
    out(JSON.stringify(report.output) + "\n");
    report.details.forEach((d, i) => d.failures.forEach((f) => err(`step ${i} (${report.output.steps[i]!.op} ${d.subject}): ${f}\n`)));
  } else {
    out(formatReport(scenario, report, colour() ? ansi : undefined));
  }
  return report.output.passed ? 0 : 1;
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
      const s = parseScenarioBytes(readInput(cmd.file));
      err(`${cmd.file}: valid scenario "${s.name}" (${s.steps.length} steps)\n`);
      return 0;
    }
    case "run":
      return runAndPrint(parseScenarioBytes(readInput(cmd.file)), cmd.json);
    case "demo":
      return runAndPrint(parseScenario(DEMO_SCENARIO), cmd.json);
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
    err(`invalid scenario: ${e.issues.length + e.more} problem(s)\n`);
    for (const i of e.issues) err(`  ${formatPath(i.path)}: ${i.message}\n`);
    if (e.more) err(`  … and ${e.more} more\n`);
    process.exitCode = 2;
  } else if (e instanceof UsageError) {
    err(`dmabuf-map: ${e.message}\nRun dmabuf-map --help for usage.\n`);
    process.exitCode = 2;
  } else if (e instanceof DmaBufError) {
    err(`dmabuf-map: ${e.code}: ${e.message}\n`);
    process.exitCode = 2;
  } else throw e;
}
