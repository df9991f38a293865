#!/usr/bin/env node
/**
 * The dmabuf-map command line: parse, dispatch, map errors to exit codes.
 * Exit codes: 0 ok, 1 an expectation failed (or a fuzz violation), 2 bad input, usage or
 * an output error. The fuzzer and the web server are loaded only when asked for; the
 * benchmarks are a development entry (`npm run bench`), not part of this command.
 */
import { readFileSync } from "node:fs";
import { DmaBufError } from "../core/errors.js";
import { init } from "../core/loader.js";
import { parseScenario } from "../scenario/validate.js";
import { scenarioJsonSchema } from "../scenario/schema.js";
import { DEMO_SCENARIO } from "../scenario/demo.js";
import { UsageError } from "../util/args.js";
import { helpText, parseCli, type Command } from "../util/commands.js";
import { guardOutput } from "./io.js";
import { checkRunFlags, runFiles, runOne } from "./scenarios.js";
import { escapeControls } from "../scenario/report.js";
import { runBufinfoCli, runImportTraceCli, wantsBufinfo } from "./bridges.js";
import { runSvgCli, wantsSvg } from "./pictures.js";

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * The runtime when it is not Node. Bun (JavaScriptCore) runs every command (the
 * cross-engine tests check the bytes), but implements Node's API as it stands in its own
 * version: an error that Node would not raise there is reported as such, not as a stack.
 */
function otherRuntime(): { name: string; version: string } | undefined {
  const v = process.versions as Record<string, string | undefined>;
  if (v.bun) return { name: "Bun", version: v.bun };
  if (v.deno) return { name: "Deno", version: v.deno };
  return undefined;
}

/** An error that ends the command with one line on stderr and exit 2. */
class Fatal extends Error {}

/** The core, loaded on first use; without WebAssembly (`node --jitless`) a one-line error. */
async function core() {
  if (typeof WebAssembly === "undefined") throw new Fatal("this Node has no WebAssembly (was it started with --jitless?)");
  return init();
}

async function main(cmd: Command): Promise<number> {
  switch (cmd.command) {
    case "help":
      out(helpText(cmd.topic));
      return 0;
    case "version":
      out(version() + "\n");
      return 0;
    case "schema":
      out(JSON.stringify(scenarioJsonSchema(), null, 2) + "\n");
      return 0;
    case "validate":
    case "run":
      if (cmd.command === "run" && wantsSvg(cmd)) return runSvgCli(cmd, core);
      if (cmd.command === "run" && wantsBufinfo(cmd)) return runBufinfoCli(cmd, core);
      return runFiles(cmd, core);
    case "compare": {
      const { runCompare } = await import("./compare.js");
      return runCompare(cmd, core);
    }
    case "import-trace":
      return runImportTraceCli(cmd);
    case "demo":
      checkRunFlags(cmd);
      return (await runOne("demo", parseScenario(DEMO_SCENARIO), await core(), cmd)) === "passed" ? 0 : 1;
    case "web": {
      const { runWebCli } = await import("./web.js");
      return runWebCli(cmd);
    }
    case "fuzz": {
      const { runFuzzCli } = await import("../fuzz/cli.js");
      await core();
      return runFuzzCli(cmd);
    }
  }
}

guardOutput();
try {
  process.exitCode = await main(parseCli(process.argv.slice(2)));
} catch (e) {
  if (e instanceof Fatal) {
    err(`dmabuf-map: ${e.message}\n`);
    process.exitCode = 2;
  } else if (e instanceof UsageError) {
    err(`dmabuf-map: ${escapeControls(e.message)}\nRun dmabuf-map --help for usage.\n`);
    process.exitCode = 2;
  } else if (e instanceof DmaBufError) {
    err(`dmabuf-map: ${e.code}: ${escapeControls(e.message.split("\n")[0]!)}\n`);
    process.exitCode = 2;
  } else {
    const other = otherRuntime();
    if (!other) throw e; // under Node, an error not named above is a bug: its stack helps
    err(
      `dmabuf-map: ${escapeControls(e instanceof Error ? e.message : String(e))}\ndmabuf-map: ${other.name} ${other.version} may lack a Node API that this command uses: run it with Node >= 20 (npx dmabuf-map ...), and report it\n`,
    );
    process.exitCode = 2;
  }
}
