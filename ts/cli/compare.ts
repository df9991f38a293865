/**
 * `dmabuf-map compare FILE|DIR… [--profiles a,b] [--json]`: each scenario under each
 * profile, the steps whose outcome differs (docs/rules.md#profiles). Exit codes like
 * diff: 0 no step differs, 1 a step differs, 2 invalid input (any file) or usage.
 */
import type { Core } from "../core/loader.js";
import type { CommandOf } from "../util/commands.js";
import { UsageError } from "../util/args.js";
import { writeCompareJson, writeCompareText } from "../scenario/compare.js";
import { load, operandFiles, printProblems, toStdout } from "./scenarios.js";

/** Runs `compare` over every file of `cmd.operands`; `getCore` is called only when a scenario needs running. */
export async function runCompare(cmd: CommandOf<"compare">, getCore: () => Promise<Core>): Promise<number> {
  if (cmd.profiles.length < 2) throw new UsageError(`--profiles needs at least two profiles to compare, not "${cmd.profiles.join(",")}"`);
  const files = operandFiles(cmd.operands);
  let code = 0;
  for (const file of files) {
    const o = await load(file);
    if (o.status === "invalid") {
      printProblems(o, (s) => void process.stderr.write(s));
      if (cmd.json) toStdout(JSON.stringify({ file: o.file, valid: false, problems: o.problems, more: o.more }) + "\n");
      code = 2;
      continue;
    }
    if (o.status !== "valid") continue;
    const core = await getCore();
    const differing = cmd.json
      ? await writeCompareJson(o.scenario, core, cmd.profiles, toStdout)
      : await writeCompareText(o.scenario, core, cmd.profiles, toStdout);
    if (differing) code = Math.max(code, 1);
  }
  return code;
}
