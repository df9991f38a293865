/**
 * The dmabuf-map subcommands: one table, from which the parser, the typed values and
 * every `--help` text come. The benchmarks are a development entry (`npm run bench`,
 * bench/args.ts) and are not part of the shipped command.
 */
import { choice, flag, formatHelp, int, maybeChoice, parseCommand, subset, text, UsageError, type CommandSpec, type Values } from "./args.js";
import { didYouMean } from "../core/nearest.js";

/**
 * The rule profiles (docs/rules.md#profiles). ts/util sits below the model, so the
 * names are repeated here; test/cli/compare.test.ts checks they equal PROFILE_NAMES.
 */
export const PROFILES = ["rfc-v2", "mainline", "mapping-types"] as const;

/** Output formats of `run` and `validate` for CI systems. */
export const REPORTERS = ["text", "junit", "tap"] as const;

/** A help text's closing paragraphs: examples, then the command's own exit codes. */
const more = (examples: string[], exits: string) =>
  `Examples:\n${examples.map((e) => `  ${e}`).join("\n")}\n\nExit codes: ${exits}\nData goes to stdout, logs and progress to stderr.\n`;

/** What `run` and `demo` add to their output. */
const recordFlags = {
  entries: flag("with --json: every map result carries its address space and every [addr, len]"),
  state: flag("with --json: every step record carries the model's state after the step"),
  all: flag("readable report: every entry of every mapping, not only the first 4"),
};

/** `run --bufinfo`: the state as /sys/kernel/debug/dma_buf/bufinfo (docs/kernel.md). */
const bufinfoFlags = {
  bufinfo: flag(
    "print only the state after the last step, as /sys/kernel/debug/dma_buf/bufinfo prints it (one FILE; the whole scenario runs, the exit code is run's)",
  ),
  "bufinfo-at": text("N", "with --bufinfo (implied): the state after step N (0 is the first step) instead"),
};

/** `run --svg`: the explorer's pictures as SVG files (docs/explorer.md#pictures). */
const svgFlags = {
  svg: text("FILE|DIR", "write only the pictures: FILE gets the sequence diagram; DIR (or a path ending in /) sequence.svg, topology.svg, mappings.svg"),
  "svg-at": text("N", "with --svg: the topology and mappings after step N (0 is the first step); default the last"),
};

/** Colour of the readable report: --color and --no-color win over the environment (NO_COLOR always means none). */
const colourFlags = {
  color: flag("colour the report even when stdout is no TTY (as FORCE_COLOR does)"),
  "no-color": flag("never colour the report"),
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
      "dma-debug": flag("check exporters' products and unmaps as CONFIG_DMA_API_DEBUG would: steps gain warnings (docs/rules.md#dma-debug)"),
      strict: flag("every warning is an expectation failure (exit 1)"),
      ...colourFlags,
      ...bufinfoFlags,
      ...svgFlags,
    },
    more: more(
      [
        "dmabuf-map run scenarios/vf-bar-to-pf-iov.json           the readable report",
        "dmabuf-map run scenarios/ --json --entries              one JSON record per file, with every entry",
        "dmabuf-map run my.json --json --state | jq .steps[3]     the state after step 3",
        "dmabuf-map run --dma-debug --strict my-exporter.json     fail on what dma-debug would report",
        "dmabuf-map run scenarios/ --reporter junit > junit.xml  for CI",
        "dmabuf-map run --bufinfo my.json > model.txt            the state as debugfs bufinfo, to diff with",
        "  sudo cat /sys/kernel/debug/dma_buf/bufinfo | diff model.txt -",
        "dmabuf-map run --bufinfo-at 3 my.json                   the bufinfo after step 3",
        "dmabuf-map run --svg seq.svg my.json                    the sequence diagram, as the explorer draws it",
        "dmabuf-map run --svg pictures/ --svg-at 5 my.json       every picture, the state after step 5",
      ],
      "0 every expectation held, 1 an expectation failed, 2 invalid input or usage\n(with several files: 2 if any is invalid, else 1 if any failed).",
    ),
  },
  compare: {
    summary:
      "Run scenarios under several rule profiles and show the steps whose outcome differs.\nA directory means every *.json in it; - reads standard input.",
    ...files,
    options: {
      profiles: subset("LIST", "comma-separated profiles to compare", PROFILES),
      json: flag('print one record per file: {"name","profiles","steps":[{"i","op","differs","outcomes"}]}'),
    },
    more: more(
      [
        "dmabuf-map compare scenarios/revoke-twice-device-reset.json     the steps where rfc-v2 and mainline differ",
        "dmabuf-map compare scenarios/ --profiles rfc-v2,mainline --json  one JSON record per file",
      ],
      "0 no step differs, 1 a step differs, 2 invalid input or usage (like diff).",
    ),
  },
  validate: {
    summary:
      "Check scenarios' shape and names; every problem with file:line:col and its JSON path.\nA directory means every *.json in it; - reads standard input.",
    ...files,
    options: {
      json: flag('print problems as JSON {"problems":[{"path","code","message"}],"more":n}'),
      reporter: choice("NAME", "report format", REPORTERS, "text"),
    },
    more: more(
      [
        "dmabuf-map validate my.json                    problems and notes on stdout",
        "dmabuf-map validate scenarios/ | grep steps    findings are data: pipe them",
        "cat my.json | dmabuf-map validate - --json     one JSON line per file",
      ],
      "0 every file is valid, 2 a file is invalid or unreadable, or usage.",
    ),
  },
  schema: {
    summary: "Print the scenario JSON Schema.",
    options: {},
    more: more(["dmabuf-map schema > scenario.schema.json    point a scenario's $schema at it for editor help"], "0 printed, 2 usage."),
  },
  "import-trace": {
    summary:
      "Turn an ftrace capture of the dma_buf events into a scenario (printed on stdout).\nFILE is the text of trace, trace_pipe or trace-cmd report; - reads standard input.\nComments, blank lines, other events and lost-event markers are skipped and counted on\nstderr; every default for what a trace cannot tell is in the scenario's description.",
    operands: "FILE|-",
    minOperands: 1,
    maxOperands: 1,
    options: {
      name: text("NAME", "the scenario's name (default: FILE's name without its extension, or imported-trace)"),
    },
    more: more(
      [
        "dmabuf-map import-trace app.trace > app.json && dmabuf-map run app.json",
        "dmabuf-map run --bufinfo app.json            the state at the trace's end, as debugfs bufinfo",
        "sudo cat /sys/kernel/tracing/trace | dmabuf-map import-trace - > now.json",
        "  (capture first: sudo trace-cmd record -e dma_buf my-app && trace-cmd report > app.trace)",
      ],
      "0 the scenario was printed, 2 a malformed line, a line that contradicts\nthe ones before it (both with the line number), no dma_buf event, or usage.",
    ),
  },
  demo: {
    summary: "Run the built-in demo scenario (what `npm start` shows).",
    options: { json: flag("print the JSON record instead of the report"), ...recordFlags, ...colourFlags },
    more: more(["dmabuf-map demo", "dmabuf-map demo --json --entries"], "0 every expectation held, 1 an expectation failed, 2 usage."),
  },
  web: {
    summary: "Serve the explorer (from this package) on 127.0.0.1 until interrupted.",
    options: {
      port: int("N", "port to listen on (0 picks a free one)", 8080, 0, 65535),
      open: flag("open the page in the desktop's browser"),
    },
    more: more(
      ["dmabuf-map web                 then open http://127.0.0.1:8080", "dmabuf-map web --port 0       a free port, printed on stderr"],
      "0 stopped by a signal, 2 usage or the port is busy.",
    ),
  },
  fuzz: {
    summary: "Random operation sequences over random topologies, with invariant checks after every step.",
    options: {
      seed: int("S", "random seed", 1, 0, 0xffff_ffff),
      ops: int("N", "number of operations", 10_000, 1, 100_000_000),
      json: flag("print the report as JSON"),
    },
    more: more(
      ["dmabuf-map fuzz --seed 7 --ops 100000", "dmabuf-map fuzz --json | jq .coverage"],
      "0 every invariant held, 1 a violation (shrunk to a scenario), 2 usage.",
    ),
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** A parsed command line of one subcommand: its option values and operands. */
export type CommandOf<K extends CommandName> = { command: K; operands: string[] } & Values<(typeof COMMANDS)[K]["options"]>;

/** Every parsed command line, or a request for (global or per-command) help or the version. */
export type Command = { [K in CommandName]: CommandOf<K> }[CommandName] | { command: "help"; topic?: CommandName } | { command: "version" };

const PROG = "dmabuf-map";

/** Commands that are not part of the shipped CLI, and where they are. */
const ELSEWHERE: Record<string, string> = {
  bench: "the benchmarks are a development entry, not part of the installed command: in a checkout of the repository, run npm run bench -- --help",
};

const isCommand = (s: string): s is CommandName => Object.hasOwn(COMMANDS, s);

/** Parse a whole command line (the words after `dmabuf-map`). */
export function parseCli(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return { command: "help" };
  if (first === "--version" || first === "-v") return { command: "version" };
  if (first === "help") {
    if (rest[0] !== undefined && !isCommand(rest[0])) throw new UsageError(`unknown command "${rest[0]}"${didYouMean(rest[0], Object.keys(COMMANDS))}`);
    return rest[0] ? { command: "help", topic: rest[0] } : { command: "help" };
  }
  if (!isCommand(first)) {
    if (Object.hasOwn(ELSEWHERE, first)) throw new UsageError(ELSEWHERE[first]!);
    if (first.startsWith("-")) throw new UsageError(`unknown option ${first}${didYouMean(first, ["--help", "--version"], (f) => f)}`);
    throw new UsageError(`unknown command "${first}"${didYouMean(first, Object.keys(COMMANDS))}`);
  }
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

${PROG} COMMAND --help shows a command's options, defaults, examples and exit codes.
${PROG} --version prints the version.

Examples:
  ${PROG} demo                                     the built-in scenario
  ${PROG} run scenarios/vf-bar-to-pf-iov.json      a shipped scenario
  ${PROG} validate my.json                         check your own

Exit codes: 0 success, 1 an expectation failed (or a fuzz violation), 2 invalid input or usage.
Data goes to stdout, logs to stderr. Colour on a TTY, with FORCE_COLOR or --color;
never with NO_COLOR or --no-color.
`;
}
