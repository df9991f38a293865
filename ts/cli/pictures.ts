/**
 * `dmabuf-map run --svg FILE|DIR SCENARIO`: the explorer's pictures (ts/render) written
 * from the CLI, the same bytes as the page's SVG download: to FILE the sequence
 * diagram, into DIR (an existing directory, or a path ending in "/") sequence.svg,
 * topology.svg and mappings.svg. The topology and mappings show the state after the last
 * step, or after step N with `--svg-at N`.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Core } from "../core/loader.js";
import { runScenario } from "../scenario/runner.js";
import { escapeControls } from "../scenario/report.js";
import { pictures, PICTURES } from "../render/pictures.js";
import { UsageError } from "../util/args.js";
import type { CommandOf } from "../util/commands.js";
import { load, printProblems } from "./scenarios.js";

const err = (s: string) => process.stderr.write(s);
const label = (file: string) => (file === "-" ? "(stdin)" : escapeControls(file));

/** Whether `run` was asked for pictures (`--svg`, or `--svg-at`, which needs it). */
export const wantsSvg = (cmd: CommandOf<"run">) => cmd.svg !== undefined || cmd["svg-at"] !== undefined;

/** The files to write: FILE gets the sequence diagram, a directory every picture. */
function targets(out: string): { path: string; picture: (typeof PICTURES)[number] }[] {
  let dir = out.endsWith("/");
  try {
    dir ||= statSync(out).isDirectory();
  } catch {
    // not there yet: a file, unless the path ends in "/"
  }
  if (!dir) return [{ path: out, picture: "sequence" }];
  mkdirSync(out, { recursive: true });
  return PICTURES.map((picture) => ({ path: join(out, `${picture}.svg`), picture }));
}

/** `run --svg FILE|DIR [--svg-at N] SCENARIO`: exit 0 or 1 as `run`, 2 for bad input or a file that cannot be written. */
export async function runSvgCli(cmd: CommandOf<"run">, getCore: () => Promise<Core>): Promise<number> {
  const others = (["json", "all", "entries", "state", "bufinfo"] as const).filter((k) => cmd[k]).map((k) => `--${k}`);
  if (cmd.reporter !== "text") others.push("--reporter");
  if (cmd["bufinfo-at"] !== undefined) others.push("--bufinfo-at");
  if (others.length) throw new UsageError(`--svg writes only the pictures: drop ${others.join(", ")}`);
  if (cmd.svg === undefined || cmd.svg === "") throw new UsageError("--svg-at needs --svg FILE|DIR (where to write the pictures)");
  if (cmd.operands.length !== 1) throw new UsageError("--svg takes one scenario FILE (or -)");
  const raw = cmd["svg-at"];
  if (raw !== undefined && !/^[0-9]{1,9}$/.test(raw)) throw new UsageError(`--svg-at takes a step number (0 is the first step), not "${raw}"`);
  const o = await load(cmd.operands[0]!);
  if (o.status !== "valid") {
    if (o.status === "invalid") printProblems(o, err);
    return 2;
  }
  const n = o.scenario.steps.length;
  const at = raw === undefined ? n - 1 : Number(raw);
  if (at >= n) throw new UsageError(`--svg-at ${at}: ${label(o.file)} has steps 0 to ${n - 1}`);
  const profile = cmd.profile ? { profile: cmd.profile } : {};
  const { output } = runScenario(o.scenario, await getCore(), { entries: true, state: true, ...profile });
  const pics = pictures(o.scenario, output.steps, at);
  for (const t of targets(cmd.svg)) {
    try {
      writeFileSync(t.path, pics[t.picture]);
    } catch (e) {
      err(`dmabuf-map: cannot write ${escapeControls(t.path)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      return 2;
    }
    err(`${label(o.file)}: wrote the ${t.picture} picture to ${escapeControls(t.path)}\n`);
  }
  if (!output.passed) err(`${label(o.file)}: an expectation failed (dmabuf-map run ${label(o.file)} shows which)\n`);
  return output.passed ? 0 : 1;
}
