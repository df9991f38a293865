/** The readable report of a run: one line per step, mappings with their first entries. */
import { hex } from "../core/u64.js";
import type { Scenario } from "./schema.js";
import type { RunReport } from "./runner.js";

export interface Style {
  ok(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const plain: Style = { ok: (s) => s, bad: (s) => s, dim: (s) => s, bold: (s) => s };

/** ANSI colours; the CLI uses them only on a TTY and never with NO_COLOR. */
export const ansi: Style = {
  ok: (s) => `\x1b[32m${s}\x1b[39m`,
  bad: (s) => `\x1b[31m${s}\x1b[39m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
};

export function formatReport(scenario: Scenario, report: RunReport, style: Style = plain): string {
  const lines: string[] = [];
  const { output, details } = report;
  lines.push(style.bold(`scenario ${output.name}`) + style.dim(` (${scenario.steps.length} steps, ${Object.keys(scenario.devices).length} devices)`));
  output.steps.forEach((rec, i) => {
    const d = details[i]!;
    const st = scenario.steps[i]!;
    const head = `${String(rec.i).padStart(3)}  ${rec.op.padEnd(7)} ${d.subject}`;
    let tail: string;
    if (!rec.ok) {
      const expected = st.expect?.error === rec.error;
      tail = (expected ? style.ok : style.bad)(`${rec.error}${expected ? " (expected)" : ""}`) + style.dim(` ${d.message ?? ""}`);
    } else if (rec.result && "nelms" in rec.result) {
      const r = rec.result;
      tail = `${style.ok("ok")}  ${r.interconnect} → ${r.container}: ${r.nelms} entries, ${r.bytes} bytes, hash ${r.hash}` + (r.barNumber !== undefined ? `, BAR ${r.barNumber}` : "");
    } else if (rec.result && "notified" in rec.result) {
      const r = rec.result;
      tail = `${style.ok("ok")}  notified [${r.notified.join(", ")}]  stale [${r.stale.join(", ")}]`;
    } else if (rec.result) {
      tail = `${style.ok("ok")}  interconnect ${rec.result.interconnect}`;
    } else {
      tail = style.ok("ok");
    }
    lines.push(`${head.padEnd(28)} ${tail}`);
    const pad = " ".repeat(33);
    const width = Math.max(0, ...(d.preview ?? []).map((e) => hex(e.addr).length));
    for (const e of d.preview ?? []) lines.push(style.dim(`${pad}${hex(e.addr).padStart(width)} +${hex(e.len)}`));
    const more = rec.result && "nelms" in rec.result ? rec.result.nelms - (d.preview?.length ?? 0) : 0;
    if (d.preview && more > 0) lines.push(style.dim(`${pad}… ${more} more`));
    for (const f of d.failures) lines.push(style.bad(`${pad}✗ ${f}`));
  });
  const failed = details.filter((d) => d.failures.length).length;
  lines.push(
    (output.passed ? style.ok("PASSED") : style.bad(`FAILED: ${failed} step(s) broke their expectations`)) + style.dim(`  traceHash ${output.traceHash}`),
  );
  return lines.join("\n") + "\n";
}
