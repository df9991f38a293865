// Fenced code blocks of the README and docs, and how each kind is checked
// (test/docs/blocks.test.ts). A block's kind is its info string; every block has one.
import { readdirSync, readFileSync } from "node:fs";

export const root = new URL("../../", import.meta.url);

/** One fenced block: its file, the line of its opening fence, info string, text and the line before it. */
export interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
  before: string;
}

/** The markdown files whose blocks are checked: the README, CONTRIBUTING and docs/. */
export function markdownFiles(): string[] {
  const docs = readdirSync(new URL("docs/", root))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return ["README.md", ...["CONTRIBUTING.md"].filter((f) => readdirSync(root).includes(f)), ...docs.sort()];
}

export function blocksOf(file: string): Block[] {
  const lines = readFileSync(new URL(file, root), "utf8").split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]!);
    let b = start - 1;
    while (b >= 0 && !lines[b]!.trim()) b--;
    out.push({ file, line: start + 1, lang: open[1]!, code: body.join("\n") + "\n", before: b >= 0 ? lines[b]! : "" });
  }
  return out;
}

/** The end of the first JS value in `s` (a literal, array or object, brackets balanced), or -1. */
function valueEnd(s: string): number {
  if (!/^[[{"'0-9-]|^(true|false|null|undefined)\b/.test(s)) return -1;
  if (!/^[[{]/.test(s)) {
    const m = /^("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?[0-9][0-9a-fx_n.]*|true|false|null|undefined)/.exec(s);
    return m ? m[0].length : -1;
  }
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === "'") {
      for (i++; i < s.length && s[i] !== c; i++) if (s[i] === "\\") i++;
    } else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") if (--depth === 0) return i + 1;
  }
  return -1;
}

/**
 * The value a comment states, as JS source: the comment starts with a JS value that
 * evaluates alone, followed by nothing or by a remark in parentheses.
 */
export function statedValue(comment: string): string | undefined {
  const c = comment.trim();
  const end = valueEnd(c);
  if (end < 0 || !/^(\s*$|\s+\()/.test(c.slice(end))) return undefined;
  const src = c.slice(0, end);
  try {
    new Function(`return (${src});`)();
    return src;
  } catch {
    return undefined;
  }
}

const STATEMENT = /^(const|let|var|for|if|else|try|catch|finally|import|export|return|throw|while|function|class|await init|\}|\/\/)/;

/**
 * A js block as a module that asserts what its comments state: `expr; // value` (or an
 * expression line followed by a line that is only `// value`) becomes a check that the
 * expression partially equals the value (every key given, every element of an array of
 * the same length). Returns the module text and the number of checks put in.
 */
export function instrument(code: string, entry: string): { text: string; checks: number } {
  const lines = code.replace(/from "dmabuf-map"/g, `from ${JSON.stringify(entry)}`).split("\n");
  let checks = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const inline = /^(\s*)([^/].*?);\s*\/\/\s*(.+)$/.exec(l);
    const next = /^\s*\/\/\s*(.+)$/.exec(lines[i + 1] ?? "");
    const [indent, expr, comment] = inline
      ? [inline[1]!, inline[2]!, inline[3]!]
      : /^(\s*)([^/].*);\s*$/.test(l) && next
        ? [/^\s*/.exec(l)![0], l.trim().replace(/;$/, ""), next[1]!]
        : [];
    if (expr === undefined || STATEMENT.test(expr.trim()) || expr.includes("=>") || /^\w+\s*=[^=]/.test(expr.trim())) continue;
    const want = statedValue(comment!);
    if (want === undefined) continue;
    lines[i] = `${indent}__check(${expr}, ${want}, ${i + 1});`;
    checks++;
  }
  const prelude = `const __seen = [];
const __show = (v) => JSON.stringify(v, (k, x) => (typeof x === "bigint" ? "0x" + x.toString(16) + "n" : x));
function __match(got, want) {
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => __match(got[i], w));
  if (want && typeof want === "object") return !!got && typeof got === "object" && Object.keys(want).every((k) => __match(got[k], want[k]));
  return got === want;
}
function __check(got, want, line) {
  if (!__match(got, want)) throw new Error("line " + line + ": got " + __show(got) + ", the comment says " + __show(want));
  __seen.push(line);
}
process.on("exit", () => console.log("__checks " + __seen.length));
`;
  return { text: prelude + lines.join("\n"), checks };
}
