// House rules of the source (CONTRIBUTING.md): no function in ts/ or assembly/ runs past
// MAX_LINES lines, unless ALLOWED names it with the reason. Functions are found by the
// TypeScript compiler itself (the typescript devDependency's API, which parses
// AssemblyScript as TypeScript): declarations, methods, constructors, accessors, function
// expressions and arrow functions, nested ones included. A function's lines run from its
// first token (its doc comment not counted) to its closing brace.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API } from "typescript/unstable/sync";
import { SyntaxKind, type Node, type SourceFile } from "typescript/unstable/ast";
import { computeLineStarts, skipTrivia } from "typescript/unstable/ast/scanner";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The longest a function may be, in lines. */
const MAX_LINES = 80;

/**
 * Documented exceptions, "file function" -> why it stays long. Empty today: keep it
 * that way. An entry needs a reason a reviewer accepts (say, a hot loop that must stay
 * one function for the engine), and the test fails when an entry no longer needs it.
 */
const ALLOWED: Record<string, string> = {};

const FUNCTIONS = new Set<SyntaxKind>([
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ArrowFunction,
  SyntaxKind.MethodDeclaration,
  SyntaxKind.Constructor,
  SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor,
]);

interface Fn {
  /** "file name" (repo-relative file; <anonymous> for an unnamed function) */
  where: string;
  line: number;
  lines: number;
}

/** Every function with a body in `sf`, with its length in lines. */
function functionsOf(sf: SourceFile, file: string): Fn[] {
  const text = sf.text;
  const starts = computeLineStarts(text);
  const lineOf = (pos: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const out: Fn[] = [];
  const visit = (n: Node): void => {
    const fn = n as Node & { body?: Node; name?: { text?: string } };
    if (FUNCTIONS.has(n.kind) && fn.body) {
      const first = lineOf(skipTrivia(text, n.pos));
      const parent = n.parent as Node & { name?: { text?: string } };
      const name = fn.name?.text ?? parent?.name?.text ?? "<anonymous>";
      out.push({ where: `${file} ${name}`, line: first + 1, lines: lineOf(n.end) - first + 1 });
    }
    n.forEachChild(visit);
  };
  visit(sf);
  return out;
}

/** Parses the given files (repo-relative globs) with the compiler; closes it after. */
function parse(include: string[]): Map<string, SourceFile> {
  const dir = mkdtempSync(join(tmpdir(), "dmabuf-house-"));
  const config = join(dir, "tsconfig.json");
  // syntax only: nothing is resolved or type-checked
  writeFileSync(config, JSON.stringify({ compilerOptions: { noEmit: true, noResolve: true, noLib: true, types: [] }, include }));
  const api = new API({ cwd: root });
  try {
    const program = api.updateSnapshot({ openProject: config }).getProject(config)!.program;
    return new Map(program.getSourceFileNames().map((f) => [relative(root, f), program.getSourceFile(f)!]));
  } finally {
    api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("house rules", () => {
  let fns: Fn[];
  beforeAll(() => {
    const files = parse([join(root, "ts/**/*.ts"), join(root, "assembly/**/*.ts")]);
    fns = [...files].flatMap(([file, sf]) => functionsOf(sf, file));
  });
  afterAll(() => void (fns = []));

  it("finds the functions of both trees (the scan itself works)", () => {
    const files = new Set(fns.map((f) => f.where.split(" ")[0]!));
    expect([...files].filter((f) => f.startsWith("assembly/")).length).toBeGreaterThan(10);
    expect([...files].filter((f) => f.startsWith("ts/")).length).toBeGreaterThan(50);
    expect(fns.find((f) => f.where === "assembly/list.ts listSplit")?.lines).toBeGreaterThan(10);
    expect(fns.find((f) => f.where === "ts/core/source.ts lookup")?.lines).toBeGreaterThan(3);
  });

  it(`no function in ts/ or assembly/ is longer than ${MAX_LINES} lines, apart from the documented exceptions`, () => {
    const long = fns.filter((f) => f.lines > MAX_LINES && !(f.where in ALLOWED)).map((f) => `${f.where} (line ${f.line}): ${f.lines} lines`);
    expect(long).toEqual([]);
  });

  it("DmaBufModel holds the lifecycle rules and stays within 350 lines (issue 27)", () => {
    const text = readFileSync(join(root, "ts/model/model.ts"), "utf8").split("\n");
    const start = text.findIndex((l) => l.startsWith("export class DmaBufModel "));
    const end = text.findIndex((l, k) => k > start && l === "}");
    expect(start).toBeGreaterThan(0);
    expect(end - start + 1).toBeLessThanOrEqual(350);
  });

  it("every documented exception is still needed", () => {
    const needed = new Set(fns.filter((f) => f.lines > MAX_LINES).map((f) => f.where));
    expect(Object.keys(ALLOWED).filter((w) => !needed.has(w))).toEqual([]);
  });

  it("measures a function from its first token to its closing brace, doc comment left out", () => {
    const dir = mkdtempSync(join(tmpdir(), "dmabuf-house-fixture-"));
    try {
      const body = Array.from({ length: MAX_LINES - 1 }, (_, k) => `  x += ${k};`).join("\n");
      writeFileSync(
        join(dir, "fixture.ts"),
        `/** a doc\n * comment */\nexport function long(x: number): number {\n${body}\n}\nconst short = () => {\n  return 1;\n};\n`,
      );
      const sf = [...parse([join(dir, "*.ts")]).values()].find((s) => s.fileName.endsWith("fixture.ts"))!;
      const got = functionsOf(sf, "fixture.ts").map((f) => [f.where, f.line, f.lines]);
      expect(got).toEqual([
        ["fixture.ts long", 3, MAX_LINES + 1],
        ["fixture.ts short", MAX_LINES + 4, 3],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
