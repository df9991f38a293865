/** Command-line parsing: argv → a zod-validated command. Usage errors exit 2. */
import { z } from "zod";

export class UsageError extends Error {}

const positiveInt = z.coerce.number().int().positive();

export const commandSchema = z.discriminatedUnion("command", [
  z.strictObject({ command: z.literal("run"), file: z.string().min(1), json: z.boolean(), entries: z.boolean(), state: z.boolean(), all: z.boolean() }),
  z.strictObject({ command: z.literal("validate"), file: z.string().min(1) }),
  z.strictObject({ command: z.literal("schema") }),
  z.strictObject({ command: z.literal("demo"), json: z.boolean(), entries: z.boolean(), state: z.boolean(), all: z.boolean() }),
  z.strictObject({ command: z.literal("web"), port: z.coerce.number().int().min(0).max(65535), open: z.boolean() }),
  z.strictObject({ command: z.literal("bench"), json: z.boolean(), quick: z.boolean(), suite: z.string().optional(), out: z.string().optional() }),
  z.strictObject({ command: z.literal("fuzz"), seed: z.coerce.number().int().min(0).max(0xffff_ffff), ops: positiveInt.max(100_000_000), json: z.boolean() }),
  z.strictObject({ command: z.literal("help") }),
  z.strictObject({ command: z.literal("version") }),
]);

export type Command = z.output<typeof commandSchema>;

const FLAGS: Record<string, { takes: boolean; for: string[] }> = {
  json: { takes: false, for: ["run", "demo", "bench", "fuzz"] },
  entries: { takes: false, for: ["run", "demo"] },
  state: { takes: false, for: ["run", "demo"] },
  all: { takes: false, for: ["run", "demo"] },
  port: { takes: true, for: ["web"] },
  open: { takes: false, for: ["web"] },
  quick: { takes: false, for: ["bench"] },
  suite: { takes: true, for: ["bench"] },
  out: { takes: true, for: ["bench"] },
  seed: { takes: true, for: ["fuzz"] },
  ops: { takes: true, for: ["fuzz"] },
};

const POSITIONAL: Record<string, string | undefined> = { run: "file", validate: "file" };

export function parseArgs(argv: readonly string[]): Command {
  if (!argv.length || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") return { command: "help" };
  if (argv[0] === "--version" || argv[0] === "-v") return { command: "version" };
  const [command, ...rest] = argv as [string, ...string[]];
  const raw: Record<string, unknown> = { command };
  for (const f of Object.keys(FLAGS)) if (!FLAGS[f]!.takes && FLAGS[f]!.for.includes(command)) raw[f] = false;
  if (command === "web") raw.port = "8080";
  if (command === "fuzz") {
    raw.seed = "1";
    raw.ops = "10000";
  }
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a.startsWith("--")) {
      const [flag, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
      const spec = FLAGS[flag];
      if (!spec || !spec.for.includes(command)) throw new UsageError(`unknown option --${flag} for ${command}`);
      if (spec.takes) {
        const v = inline ?? rest[++i];
        if (v === undefined) throw new UsageError(`--${flag} needs a value`);
        raw[flag] = v;
      } else raw[flag] = true;
    } else positional.push(a);
  }
  const pos = POSITIONAL[command];
  if (pos) {
    if (positional.length !== 1) throw new UsageError(`${command} takes one ${pos} (a path, or - for standard input)`);
    raw[pos] = positional[0];
  } else if (positional.length) throw new UsageError(`${command} takes no argument "${positional[0]}"`);
  const r = commandSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    if (i.path[0] === "command") throw new UsageError(`unknown command "${command}"`);
    throw new UsageError(`--${String(i.path[0])}: ${i.message}`);
  }
  return r.data;
}

export const HELP = `dmabuf-map: a WebAssembly-cored model of Linux dma-buf sharing

Usage:
  dmabuf-map run FILE|- [--json] [--entries] [--state] [--all]
                                     run a scenario; a readable report (--all: every entry),
                                     or the JSON record (--entries: every map's address
                                     space and entries; --state: the state after each step)
  dmabuf-map validate FILE|-         check a scenario's shape and names (exit 2 on problems)
  dmabuf-map schema                  print the scenario JSON Schema
  dmabuf-map demo [--json] [--entries] [--state] [--all]
                                     run the built-in demo scenario
  dmabuf-map web [--port N] [--open] serve the explorer on 127.0.0.1 (default port 8080)
  dmabuf-map bench [--quick] [--json] [--suite NAME] [--out FILE.svg]
                                     benchmarks: wasm vs TypeScript vs native C
  dmabuf-map fuzz [--seed S] [--ops N] [--json]
                                     random operation sequences with invariant checks
  dmabuf-map --help | --version

Exit codes: 0 every expectation held, 1 an expectation failed (or a fuzz violation),
2 invalid input or usage. Data goes to stdout, logs to stderr. Colour only on a TTY,
never with NO_COLOR.
`;
