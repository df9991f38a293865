/**
 * The dmabuf-map subcommands: one table, from which the parser, the typed values and
 * every `--help` text come. It lives below both the CLI and the benchmarks, so that
 * `npm run bench` and `dmabuf-map bench` parse the same flags without importing each other.
 */
import { choice, count, flag, formatHelp, int, maybeChoice, parseCommand, subset, text, UsageError, type CommandSpec, type Values } from "./args.js";

/** The benchmark suites, in the order they run (bench/suites.ts defines one per name). */
export const BENCH_SUITES = ["ops", "pipeline", "containers", "call", "sweep"] as const;
export type BenchSuite = (typeof BENCH_SUITES)[number];

/**
 * The rule profiles (docs/rules.md#profiles). ts/util sits below the model, so the
 * names are repeated here; test/cli/compare.test.ts checks they equal PROFILE_NAMES.
 */
export const PROFILES = ["rfc-v2", "mainline", "mapping-types"] as const;

/** Output formats of `run` and `validate` for CI systems. */
export const REPORTERS = ["text", "junit", "tap"] as const;

const EXIT_CODES = `Exit codes: 0 every expectation held, 1 an expectation failed (or a fuzz violation),
2 invalid input or usage. Data goes to stdout, logs to stderr.
`;

/** What `run` and `demo` add to their output. */
const recordFlags = {
  entries: flag("with --json: every map result carries its address space and every [addr, len]"),
  state: flag("with --json: every step record carries the model's state after the step"),
  all: flag("readable report: every entry of every mapping, not only the first 4"),
};

const files = { operands: "FILE|DIR|-...", minOperands: 1, maxOperands: Infinity } as const;

export const COMMANDS = {
  run: {
    summary: "Run scenarios: a readable report, the JSON record (--json), or JUnit/TAP for CI.\nA directory means every *.json in it; - reads standard input.",
    ...files,
    options: {
      json: flag("print each scenario's JSON record (one line per file, streamed)"),
      ...recordFlags,
      reporter: choice("NAME", "report format", REPORTERS, "text"),
      profile: maybeChoice("P", "the rule profile, overriding each scenario's (default: the scenario's, else rfc-v2)", PROFILES),
    },
    more: EXIT_CODES,
  },
  compare: {
    summary: "Run scenarios under several rule profiles and show the steps whose outcome differs.\nA directory means every *.json in it; - reads standard input.",
    ...files,
    options: {
      profiles: subset("LIST", "comma-separated profiles to compare", PROFILES),
      json: flag('print one record per file: {"name","profiles","steps":[{"i","op","differs","outcomes"}]}'),
    },
    more: "Exit codes (like diff): 0 no step differs, 1 a step differs, 2 invalid input or usage.\n",
  },
  validate: {
    summary: "Check scenarios' shape and names; every problem with its JSON path.\nA directory means every *.json in it; - reads standard input.",
    ...files,
    options: {
      json: flag('print problems as JSON {"problems":[{"path","code","message"}],"more":n}'),
      reporter: choice("NAME", "report format", REPORTERS, "text"),
    },
    more: EXIT_CODES,
  },
  schema: { summary: "Print the scenario JSON Schema.", options: {} },
  demo: {
    summary: "Run the built-in demo scenario (what `npm start` shows).",
    options: { json: flag("print the JSON record instead of the report"), ...recordFlags },
  },
  web: {
    summary: "Serve the explorer (from this package) on 127.0.0.1 until interrupted.",
    options: {
      port: int("N", "port to listen on (0 picks a free one)", 8080, 0, 65535),
      open: flag("open the page in the desktop's browser"),
    },
  },
  bench: {
    summary: "Benchmarks: the wasm core against TypeScript (bigint and typed arrays) and native C.",
    options: {
      quick: flag("fewer sizes and samples (about a minute)"),
      json: flag("print the results as JSON on stdout (the table goes to stderr)"),
      suite: subset("LIST", "comma-separated suites to run", BENCH_SUITES),
      out: text("FILE.svg", "also write the per-entry cost plot"),
      input: text("FILE", "benchmark the list operations on your own entries instead: little-endian u64 addr,len pairs, or JSON [[addr,len],...]; checked against the reference first"),
      browser: flag("also run the ops suite in headless Chromium (wasm-chromium beside wasm; needs playwright-core and Chromium)"),
      "max-n": count("N", "largest list of the sweep suite, 1e3 to 1e8", 1e7, 1e3, 1e8),
      clock: choice("NAME", "what timings count: cpu (CPU time of the process; steadier on a shared machine) or wall", ["cpu", "wall"], "cpu"),
    },
  },
  fuzz: {
    summary: "Random operation sequences over random topologies, with invariant checks after every step.",
    options: {
      seed: int("S", "random seed", 1, 0, 0xffff_ffff),
      ops: int("N", "number of operations", 10_000, 1, 100_000_000),
      json: flag("print the report as JSON"),
    },
    more: "Exit codes: 0 every invariant held, 1 a violation (shrunk to a scenario), 2 usage.\n",
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** A parsed command line of one subcommand: its option values and operands. */
export type CommandOf<K extends CommandName> = { command: K; operands: string[] } & Values<(typeof COMMANDS)[K]["options"]>;

/** Every parsed command line, or a request for (global or per-command) help or the version. */
export type Command = { [K in CommandName]: CommandOf<K> }[CommandName] | { command: "help"; topic?: CommandName } | { command: "version" };

const PROG = "dmabuf-map";

const isCommand = (s: string): s is CommandName => Object.hasOwn(COMMANDS, s);

/** Parse a whole command line (the words after `dmabuf-map`). */
export function parseCli(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return { command: "help" };
  if (first === "--version" || first === "-v") return { command: "version" };
  if (first === "help") {
    if (rest[0] !== undefined && !isCommand(rest[0])) throw new UsageError(`unknown command "${rest[0]}"`);
    return rest[0] ? { command: "help", topic: rest[0] } : { command: "help" };
  }
  if (!isCommand(first)) throw new UsageError(first.startsWith("-") ? `unknown option ${first}` : `unknown command "${first}"`);
  return parseSubcommand(first, rest) as Command;
}

/** Parse the words after a known subcommand (`npm run bench -- …` starts here). */
export function parseSubcommand<K extends CommandName>(name: K, argv: readonly string[]): CommandOf<K> | { command: "help"; topic: K } {
  const r = parseCommand(name, COMMANDS[name] as CommandSpec, argv);
  if (r.help) return { command: "help", topic: name };
  const { help: _, ...values } = r;
  return { command: name, ...values } as CommandOf<K>;
}

/** `dmabuf-map --help`, or one subcommand's help with its defaults. */
export function helpText(topic?: CommandName): string {
  if (topic) return formatHelp(PROG, topic, COMMANDS[topic]);
  const rows = Object.entries(COMMANDS).map(([k, c]: [string, CommandSpec]) => [`${k}${c.operands ? ` ${c.operands}` : ""}`, c.summary.split("\n")[0]!]);
  const w = Math.max(...rows.map(([l]) => l!.length));
  return `${PROG}: a WebAssembly-cored model of Linux dma-buf sharing

Usage: ${PROG} COMMAND [options]

Commands:
${rows.map(([l, r]) => `  ${l!.padEnd(w)}  ${r}`).join("\n")}

${PROG} COMMAND --help shows a command's options and their defaults.
${PROG} --version prints the version.

${EXIT_CODES}Colour only on a TTY, never with NO_COLOR.
`;
}
