/**
 * A small declarative layer over `node:util` `parseArgs`, shared by the CLI and the
 * benchmarks: one table row per option gives its type, default and help line, and the
 * parsed values are typed from that table. Usage errors are {@link UsageError} (exit 2).
 *
 * Rules a user can rely on: `--flag`, `--flag=true` and `--flag=false` for booleans;
 * `--opt VALUE` and `--opt=VALUE` for values; `-h`/`--help` anywhere before `--`;
 * `--` ends the options (so `run -- -h` runs a file named `-h`).
 */
import { parseArgs as nodeParseArgs } from "node:util";
import { didYouMean } from "../core/nearest.js";

/** Bad command line: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** One option: how it is written, how its text becomes a value, its default and help. */
export interface Option<T> {
  readonly kind: "boolean" | "string";
  /** Shown after the flag in the help, e.g. `N` in `--ops N`. */
  readonly metavar?: string;
  readonly description: string;
  /** The default as the help shows it; undefined hides it. */
  readonly shown?: string;
  /** `raw` is undefined when the option is absent. */
  parse(raw: string | undefined, flag: string): T;
}

/** `--name` or `--name=true|false`; false when absent. */
export function flag(description: string): Option<boolean> {
  return {
    kind: "boolean",
    description,
    parse(raw, f) {
      if (raw === undefined || raw === "true") return raw === "true";
      if (raw === "false") return false;
      throw new UsageError(`${f} takes true or false, not "${raw}"`);
    },
  };
}

/** A free-form value, undefined when absent. */
export function text(metavar: string, description: string): Option<string | undefined> {
  return { kind: "string", metavar, description, parse: (raw) => raw };
}

/** A decimal integer in [min, max]. */
export function int(metavar: string, description: string, def: number, min: number, max: number): Option<number> {
  return {
    kind: "string",
    metavar,
    description,
    shown: String(def),
    parse(raw, f) {
      if (raw === undefined) return def;
      const n = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : NaN;
      if (!(n >= min && n <= max)) throw new UsageError(`${f} takes an integer from ${min} to ${max}, not "${raw}"`);
      return n;
    },
  };
}

/** A count in [min, max], decimal or in e-notation (`1e8`, `2.5e6`): a whole number. */
export function count(metavar: string, description: string, def: number, min: number, max: number): Option<number> {
  return {
    kind: "string",
    metavar,
    description,
    shown: def.toExponential().replace("e+", "e"),
    parse(raw, f) {
      if (raw === undefined) return def;
      const n = /^[0-9]+(\.[0-9]+)?(e[0-9]{1,2})?$/i.test(raw) ? Number(raw) : NaN;
      if (!(Number.isInteger(n) && n >= min && n <= max)) throw new UsageError(`${f} takes a whole number from ${min} to ${max} (1e8 works), not "${raw}"`);
      return n;
    },
  };
}

/** One of a fixed set of words. */
export function choice<const C extends string>(metavar: string, description: string, values: readonly C[], def: C): Option<C> {
  return {
    kind: "string",
    metavar,
    description: `${description}: ${values.join(", ")}`,
    shown: def,
    parse(raw, f) {
      if (raw === undefined) return def;
      if ((values as readonly string[]).includes(raw)) return raw as C;
      throw new UsageError(`${f} takes one of ${values.join(", ")}, not "${raw}"`);
    },
  };
}

/** One of a fixed set of words, or undefined when absent (the default is decided elsewhere). */
export function maybeChoice<const C extends string>(metavar: string, description: string, values: readonly C[]): Option<C | undefined> {
  return {
    kind: "string",
    metavar,
    description: `${description}: ${values.join(", ")}`,
    parse(raw, f) {
      if (raw === undefined || (values as readonly string[]).includes(raw)) return raw as C | undefined;
      throw new UsageError(`${f} takes one of ${values.join(", ")}, not "${raw}"`);
    },
  };
}

/** A comma-separated subset of a fixed set of words; when absent, all of them (or none, with `absent` "none"). */
export function subset<const C extends string>(metavar: string, description: string, values: readonly C[], absent: "all" | "none" = "all"): Option<C[]> {
  return {
    kind: "string",
    metavar,
    description: `${description}: ${values.join(", ")}`,
    ...(absent === "all" ? { shown: "all" } : {}),
    parse(raw, f) {
      if (raw === undefined) return absent === "all" ? [...values] : [];
      const picked = raw.split(",");
      for (const p of picked) if (!(values as readonly string[]).includes(p)) throw new UsageError(`${f}: unknown "${p}" (one of ${values.join(", ")})`);
      return [...new Set(picked)] as C[];
    },
  };
}

type AnyOption = Option<unknown>;

/** A subcommand: its positional arguments, options and help text. */
export interface CommandSpec<O extends Record<string, AnyOption> = Record<string, AnyOption>> {
  readonly summary: string;
  /** Positional arguments as the usage line shows them, e.g. `FILE|DIR|-...`. */
  readonly operands?: string;
  readonly minOperands?: number;
  /** Infinity for "any number". */
  readonly maxOperands?: number;
  readonly options: O;
  /** Extra help paragraphs (exit codes, examples). */
  readonly more?: string;
}

/** The values a command's option table produces. */
export type Values<O extends Record<string, AnyOption>> = { -readonly [K in keyof O]: O[K] extends Option<infer T> ? T : never };

/** A parsed command line: option values, operands, or a request for help. */
export type Parsed<O extends Record<string, AnyOption>> = { help: true } | ({ help: false; operands: string[] } & Values<O>);

/** Parse `argv` (the words after the subcommand) against `spec`. */
export function parseCommand<O extends Record<string, AnyOption>>(name: string, spec: CommandSpec<O>, argv: readonly string[]): Parsed<O> {
  const decl: Record<string, { type: "boolean" | "string"; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const [k, o] of Object.entries(spec.options)) decl[k] = { type: o.kind };
  const { tokens } = nodeParseArgs({ args: [...argv], options: decl, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === "option" && t.name === "help")) return { help: true };
  const raw = new Map<string, string>();
  const operands: string[] = [];
  for (const t of tokens) {
    if (t.kind === "positional") operands.push(t.value);
    if (t.kind !== "option") continue;
    const o = Object.hasOwn(spec.options, t.name) ? spec.options[t.name] : undefined;
    if (!o || !t.rawName.startsWith("--")) {
      const flags = [...Object.keys(spec.options), "help"].map((k) => `--${k}`);
      throw new UsageError(`unknown option ${t.rawName} for ${name}${didYouMean(t.rawName.startsWith("--") ? t.rawName : `-${t.rawName}`, flags, (f) => f)}`);
    }
    if (o.kind === "string" && (t.value === undefined || (!t.inlineValue && t.value.startsWith("--")))) throw new UsageError(`${t.rawName} needs a value`);
    if (raw.has(t.name)) throw new UsageError(`${t.rawName} is given twice`);
    raw.set(t.name, t.value ?? "true");
  }
  const min = spec.minOperands ?? 0;
  const max = spec.maxOperands ?? 0;
  if (operands.length > max) throw new UsageError(max ? `${name} takes at most ${max} argument(s)` : `${name} takes no argument "${operands[0]}"`);
  if (operands.length < min) throw new UsageError(`${name} needs ${spec.operands ?? "arguments"}`);
  const values: Record<string, unknown> = { help: false, operands };
  for (const [k, o] of Object.entries(spec.options)) values[k] = o.parse(raw.get(k), `--${k}`);
  return values as Parsed<O>;
}

/** The help text of one subcommand, defaults included. */
export function formatHelp(prog: string, name: string, spec: CommandSpec): string {
  const rows: [string, string][] = Object.entries(spec.options).map(([k, o]) => [
    `--${k}${o.metavar ? ` ${o.metavar}` : ""}`,
    `${o.description}${o.shown !== undefined ? ` (default: ${o.shown})` : ""}`,
  ]);
  rows.push(["-h, --help", "show this help"]);
  const w = Math.max(...rows.map(([l]) => l.length));
  const usage = [prog, name, spec.operands, Object.keys(spec.options).length ? "[options]" : ""].filter(Boolean).join(" ");
  return `Usage: ${usage}\n\n${spec.summary}\n\nOptions:\n${rows.map(([l, r]) => `  ${l.padEnd(w)}  ${r}`).join("\n")}\n${spec.more ? `\n${spec.more}` : ""}`;
}
