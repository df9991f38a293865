/**
 * CI formats for `run` and `validate`: JUnit XML (one `<testsuite>` per file, one
 * `<testcase>` per step for `run`, one per file for `validate`) and TAP 14 (one test
 * point per file). Both stream: the head, one piece per file, the tail.
 */
import type { Scenario } from "../scenario/schema.js";
import type { RunReport } from "../scenario/runner.js";

/** One validation problem as `--json` prints it. */
export interface Problem {
  path: string;
  code: string;
  message: string;
}

/** What became of one file. */
export type Outcome =
  | { file: string; status: "invalid"; problems: Problem[]; more: number }
  | { file: string; status: "valid"; scenario: Scenario }
  | { file: string; status: "passed" | "failed"; scenario: Scenario; report: RunReport };

export interface Reporter {
  start(files: number): string;
  file(o: Outcome): string;
  end(): string;
}

/**
 * Characters no report may carry raw: C0 controls but tab, LF and CR; DEL and the C1
 * controls (NEL among them: YAML 1.1 reads it as a line break); the noncharacters
 * U+FDD0..U+FDEF, U+FFFE and U+FFFF (XML 1.0 and YAML exclude them); LS and PS (line
 * breaks to YAML and to many viewers); lone surrogates. Escaped as `\uXXXX`.
 */
const UNSAFE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufdd0-\ufdef\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const u4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * Text safe inside XML 1.0 attributes and elements: markup escaped, and the UNSAFE
 * characters (those XML cannot carry at all, and those it discourages) written as `\uXXXX`.
 */
export function xmlText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!).replace(UNSAFE, u4);
}

const XML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

const attrs = (a: Record<string, string | number>) =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlText(String(v))}"`)
    .join("");

const problemLines = (o: Extract<Outcome, { status: "invalid" }>) => [
  ...o.problems.map((p) => `${p.path || "(root)"}: ${p.message}`),
  ...(o.more ? [`… and ${o.more} more`] : []),
];

/** Expectation failures of a finished run, one line each, prefixed by their step. */
function failureLines(o: Extract<Outcome, { status: "passed" | "failed" }>): string[] {
  const { output, details } = o.report;
  return details.flatMap((d, i) => d.failures.map((f) => `step ${i} (${output.steps[i]!.op} ${d.subject}): ${f}`));
}

export function junit(command: "run" | "validate"): Reporter {
  return {
    start: () => `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attrs({ name: `dmabuf-map ${command}` })}>\n`,
    file(o) {
      const suite = (tests: number, failures: number, errors: number, name: string, body: string) =>
        `  <testsuite${attrs({ name, file: o.file, tests, failures, errors })}>\n${body}  </testsuite>\n`;
      if (o.status === "invalid") {
        const lines = problemLines(o);
        const body = `    <testcase${attrs({ classname: o.file, name: "validate" })}>\n      <error${attrs({ type: "invalid", message: `invalid scenario: ${o.problems.length + o.more} problem(s)` })}>${xmlText(lines.join("\n"))}</error>\n    </testcase>\n`;
        return suite(1, 0, 1, o.file, body);
      }
      if (o.status === "valid") return suite(1, 0, 0, o.scenario.name, `    <testcase${attrs({ classname: o.file, name: "validate" })}/>\n`);
      const { output, details } = o.report;
      let failures = 0;
      const cases = output.steps.map((rec, i) => {
        const d = details[i]!;
        const head = `    <testcase${attrs({ classname: output.name, name: `${rec.i} ${rec.op} ${d.subject}` })}`;
        if (!d.failures.length) return `${head}/>\n`;
        failures++;
        return `${head}>\n      <failure${attrs({ type: "expectation", message: d.failures[0]! })}>${xmlText(d.failures.join("\n"))}</failure>\n    </testcase>\n`;
      });
      return suite(output.steps.length, failures, 0, output.name, cases.join(""));
    },
    end: () => "</testsuites>\n",
  };
}

/** A TAP description: one line, with `#` and `\` escaped as TAP 14 asks, and every control and UNSAFE character as `\uXXXX`. */
const tapText = (s: string) =>
  s
    .replace(/[\\#]/g, (c) => `\\${c}`)
    .replace(/[\t\n\r]/g, u4)
    .replace(UNSAFE, u4);
/** A YAML double-quoted scalar: JSON's string (C0 escaped), and the UNSAFE characters JSON leaves raw escaped too. */
const yamlText = (s: string) => JSON.stringify(s).replace(UNSAFE, u4);

export function tap(): Reporter {
  let n = 0;
  return {
    start: (files) => `TAP version 14\n1..${files}\n`,
    file(o) {
      n++;
      const name = o.status === "invalid" ? o.file : `${o.file}: ${o.scenario.name}`;
      const ok = o.status === "valid" || o.status === "passed";
      const lines = o.status === "invalid" ? problemLines(o) : o.status === "failed" ? failureLines(o) : [];
      // JSON strings are YAML double-quoted scalars once the characters YAML excludes are escaped too
      const yaml = lines.length
        ? `  ---\n  message: ${JSON.stringify(o.status === "invalid" ? "invalid scenario" : "expectations failed")}\n  problems:\n${lines.map((l) => `    - ${yamlText(l)}\n`).join("")}  ...\n`
        : "";
      return `${ok ? "ok" : "not ok"} ${n} - ${tapText(name)}\n${yaml}`;
    },
    end: () => "",
  };
}
