/**
 * The readable report of a run: one line per step (a map names its address space, an
 * attach its importer and P2P path), mappings with their first entries or, with `all`,
 * every entry. It is produced line by line, so a report of any size streams. Names
 * come from the scenario: control characters in them are escaped (`escapeControls`).
 */
import { hex } from "../core/u64.js";
import { Pairs, pushPairs, type PairList } from "../model/state.js";
import type { Scenario } from "./schema.js";
import type { Core } from "../core/loader.js";
import { profileOf, runSteps, type RunReport, type StepOutcome } from "./runner.js";
import type { ProfileName } from "../model/profiles.js";
import { Chunker, Queue, TraceHasher, writeRunJson, type Sink } from "./output.js";

/** How formatReport colours its text: plain (default) or ansi. */
export interface Style {
  /** Success: a step's "ok" and the PASSED verdict. */
  ok(s: string): string;
  /** An error the step expected. */
  expected(s: string): string;
  /** An error the step did not expect, a broken expectation, FAILED. */
  bad(s: string): string;
  /** Secondary text (details, previews). */
  dim(s: string): string;
  /** Headings. */
  bold(s: string): string;
}

const plain: Style = { ok: (s) => s, expected: (s) => s, bad: (s) => s, dim: (s) => s, bold: (s) => s };

/** ANSI colours; the CLI uses them only on a TTY and never with NO_COLOR. */
export const ansi: Style = {
  ok: (s) => `\x1b[32m${s}\x1b[39m`,
  expected: (s) => `\x1b[36m${s}\x1b[39m`,
  bad: (s) => `\x1b[31m${s}\x1b[39m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
};

// C0 and C1 controls, DEL, line/paragraph separators and the bidirectional overrides
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\x1b": "\\e" };

/**
 * Text from a scenario made safe for a terminal: ESC, CR, backspace and every other
 * control or direction-changing character becomes a visible escape (`\e`, `\r`, `\b`,
 * `\x07`, `\u202e`), so a name cannot move the cursor, recolour or hide output.
 */
export function escapeControls(s: string): string {
  return s.replace(
    CONTROLS,
    (c) => NAMED[c] ?? (c.charCodeAt(0) < 0x100 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}` : `\\u${c.charCodeAt(0).toString(16)}`),
  );
}

const PAD = " ".repeat(33);

/** The first line: the scenario, its steps and devices. */
function reportHeader(scenario: Scenario, style: Style = plain, profile?: ProfileName): string {
  const p = profile ? `, profile ${profile}` : "";
  return (
    style.bold(`scenario ${escapeControls(scenario.name)}`) +
    style.dim(` (${counted(scenario.steps.length, "step")}, ${counted(Object.keys(scenario.devices).length, "device")}${p})`)
  );
}

/** "1 entry", "2 entries": a count with its noun. */
export const counted = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The last line: PASSED or FAILED with the number of failed steps, and the traceHash. */
function reportFooter(passed: boolean, failedSteps: number, traceHash: string, style: Style = plain): string {
  return (passed ? style.ok("PASSED") : style.bad(`FAILED: ${failedSteps} step(s) broke their expectations`)) + style.dim(`  traceHash ${traceHash}`);
}

/** Entry lines `addr +len`, addresses right-aligned per batch. */
function entryLines(list: PairList | { addr: bigint; len: bigint }[], style: Style, line: (s: string) => void): number {
  let n = 0;
  const batch = (pairs: [string, string][]) => {
    const width = Math.max(0, ...pairs.map(([a]) => a.length));
    for (const [a, l] of pairs) line(style.dim(`${PAD}${a.padStart(width)} +${l}`));
    n += pairs.length;
  };
  if (list instanceof Pairs) list.each((w) => batch(pushPairs([], w)));
  else batch(list.map((e) => (Array.isArray(e) ? (e as [string, string]) : [hex(e.addr), hex(e.len)])));
  return n;
}

/** The lines of one step, passed to `line` one by one. */
function reportStep(scenario: Scenario, { record: rec, detail: d }: StepOutcome, line: (s: string) => void, style: Style = plain): void {
  const st = scenario.steps[rec.i]!;
  const head = `${String(rec.i).padStart(3)}  ${rec.op.padEnd(7)} ${escapeControls(d.subject)}`;
  let tail: string;
  if (!rec.ok) {
    const expected = st.expect?.error === rec.error;
    tail = (expected ? style.expected : style.bad)(`${rec.error}${expected ? " (expected)" : ""}`) + style.dim(` ${escapeControls(d.message ?? "")}`);
  } else if (rec.result && "nelms" in rec.result) {
    const r = rec.result;
    tail =
      `${style.ok("ok")}  ${r.interconnect} → ${r.container}, ${d.space} addresses: ${counted(r.nelms, "entry", "entries")}, ${r.bytes} bytes, hash ${r.hash}` +
      (r.barNumber !== undefined ? `, BAR ${r.barNumber}` : "") +
      (r.direction ? `, ${r.direction}` : "");
  } else if (rec.result && "notified" in rec.result) {
    const r = rec.result;
    tail = `${style.ok("ok")}  notified [${escapeControls(r.notified.join(", "))}]  stale [${escapeControls(r.stale.join(", "))}]`;
    if (r.unmapped) tail += `  unmapped [${escapeControls(r.unmapped.join(", "))}]`;
  } else if (rec.result && "direction" in rec.result) {
    tail = `${style.ok("ok")}  direction ${rec.result.direction}`;
  } else if (rec.result) {
    tail = `${style.ok("ok")}  interconnect ${rec.result.interconnect}, importer ${escapeControls(d.importer ?? "?")}, path ${d.path ?? "none (system memory)"}`;
  } else {
    tail = style.ok("ok");
  }
  line(`${head.padEnd(28)} ${tail}`);
  const shown = entryLines(d.entries ?? d.preview ?? [], style, line);
  const more = rec.result && "nelms" in rec.result ? rec.result.nelms - shown : 0;
  if (d.preview && more > 0) line(style.dim(`${PAD}… ${more} more (--all prints every entry)`));
  for (const w of rec.warnings ?? []) line(style.expected(`${PAD}! ${w.rule}: `) + style.dim(escapeControls(w.message)));
  for (const f of d.failures) line(style.bad(`${PAD}✗ ${escapeControls(f)}`));
}

/** The whole report of a finished run, as one string. */
export function formatReport(scenario: Scenario, report: RunReport, style: Style = plain): string {
  const lines: string[] = [];
  const { output, details } = report;
  lines.push(reportHeader(scenario, style, output.profile));
  output.steps.forEach((record, i) => reportStep(scenario, { record, detail: details[i]! }, (s) => lines.push(s), style));
  lines.push(reportFooter(output.passed, details.filter((d) => d.failures.length).length, output.traceHash, style));
  return lines.join("\n") + "\n";
}

/** The checker's options of a run, only those given (so a run without them is the default run). */
const checkerOf = (o: PrintOptions) => ({ ...(o.dmaDebug ? { dmaDebug: true } : {}), ...(o.strict ? { strict: true } : {}) });

export interface PrintOptions {
  /** The JSON record instead of the report. */
  json?: boolean;
  /** JSON: add every map's address space and entries. */
  entries?: boolean;
  /** JSON: add the state after every step. */
  state?: boolean;
  /** Report: every entry of every mapping (else the first 4). */
  all?: boolean;
  /** The rule profile, overriding the scenario's. */
  profile?: ProfileName | undefined;
  /** Turn on the DMA-API debug checker (docs/rules.md#dma-debug). */
  dmaDebug?: boolean;
  /** Every warning is an expectation failure. */
  strict?: boolean;
  style?: Style;
}

/**
 * Runs `scenario` and prints it as `dmabuf-map run` does, in bounded memory: the JSON
 * record or the report go to `out` in chunks, waiting for it after each step; with
 * `json`, each expectation failure goes to `err` as a line. Resolves to passed.
 */
export async function printRun(scenario: Scenario, core: Core, opts: PrintOptions, out: Sink, err: (s: string) => void): Promise<boolean> {
  if (opts.json) {
    return writeRunJson(scenario, core, out, {
      entries: !!opts.entries,
      state: !!opts.state,
      ...checkerOf(opts),
      ...(opts.profile ? { profile: opts.profile } : {}),
      onFailure: ({ record, detail }, f) => err(`step ${record.i} (${record.op} ${escapeControls(detail.subject)}): ${escapeControls(f)}\n`),
    });
  }
  const style = opts.style ?? plain;
  const queue = new Queue();
  const text = new Chunker(queue.push);
  const line = (s: string) => text.push(s + "\n");
  const profile = profileOf(scenario, opts);
  line(reportHeader(scenario, style, profile));
  const hash = new TraceHasher();
  let failed = 0;
  for (const o of runSteps(scenario, core, { previews: 4, allEntries: !!opts.all, lazy: true, ...checkerOf(opts), ...(profile ? { profile } : {}) })) {
    hash.add(o.record);
    if (o.detail.failures.length) failed++;
    reportStep(scenario, o, line, style);
    await queue.drain(out);
  }
  line(reportFooter(!failed, failed, hash.hex(), style));
  text.flush();
  await queue.drain(out);
  return !failed;
}
