// Every fenced block of the README, CONTRIBUTING.md and docs/ runs or is checked, by its kind:
// js runs (its `expr; // value` comments asserted), json validates as a scenario and runs
// with its expectations held, text after "`npx dmabuf-map …`:" is that command's exact
// output, sh names only scripts and commands that exist, html's module script runs; text
// and mermaid blocks without a command are diagrams. A block of another kind fails.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { blocksOf, instrument, markdownFiles, root, statedValue, type Block } from "./blocks.js";
import { parseScenario } from "../../ts/scenario/validate.js";
import { runScenario } from "../../ts/scenario/runner.js";
import { COMMANDS } from "../../ts/util/commands.js";
import { core } from "../helpers.js";
import { cli } from "../cli/spawn.js";

const entry = pathToFileURL(fileURLToPath(new URL("dist/ts/index.js", root))).href;
const tmp = mkdtempSync(join(tmpdir(), "dmabuf-blocks-"));
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { scripts: Record<string, string> };
const blocks = markdownFiles().flatMap(blocksOf);
const where = (b: Block) => `${b.file}:${b.line}`;
const KINDS = ["js", "json", "text", "sh", "html", "mermaid"];

/** Runs a module file; returns its exit code, output and the checks it ran. */
function runModule(text: string, name: string) {
  const file = join(tmp, name);
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, [file], { encoding: "utf8", cwd: fileURLToPath(root) });
  return { code: r.status, out: r.stdout, err: r.stderr, checks: Number(/__checks (\d+)/.exec(r.stdout)?.[1] ?? -1) };
}

describe("code blocks of the README and docs", () => {
  it("are found, and each has a kind this test knows", () => {
    expect(blocks.length).toBeGreaterThan(10);
    for (const b of blocks) expect(KINDS, `${where(b)} is a \`\`\`${b.lang} block`).toContain(b.lang);
  });

  it.each(blocks.filter((b) => b.lang === "js").map((b) => [where(b), b] as const))("%s runs and holds what its comments state", (_w, b) => {
    const { text, checks } = instrument(b.code, entry);
    const r = runModule(text, `${b.file.replace(/\W/g, "_")}_${b.line}.mjs`);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.checks).toBe(checks); // every check was reached
  });

  it.each(blocks.filter((b) => b.lang === "json").map((b) => [where(b), b] as const))("%s validates and runs with its expectations held", (_w, b) => {
    const s = parseScenario(JSON.parse(b.code));
    const report = runScenario(s, core());
    expect(report.details.flatMap((d, i) => d.failures.map((f) => `step ${i}: ${f}`))).toEqual([]);
  });

  it.each(blocks.filter((b) => b.lang === "text" && /`npx dmabuf-map [^`]+`:\s*$/.test(b.before)).map((b) => [where(b), b] as const))(
    "%s is the exact output of its command",
    (_w, b) => {
      const args = /`npx dmabuf-map ([^`]+)`/.exec(b.before)![1]!.split(/\s+/);
      const r = cli(args, undefined, { cwd: fileURLToPath(root), env: { ...process.env, NO_COLOR: "1" } });
      expect(r.out).toBe(b.code);
    },
  );

  it.each(blocks.filter((b) => b.lang === "sh").map((b) => [where(b), b] as const))("%s names only scripts and commands that exist", (_w, b) => {
    const cmds = b.code
      .split("\n")
      .map((l) => l.replace(/#.*/, "").trim())
      .filter(Boolean);
    expect(cmds.length).toBeGreaterThan(0);
    for (const c of cmds.flatMap((l) => l.split("&&").map((x) => x.trim()))) {
      const run = /^npm run ([\w:-]+)/.exec(c);
      const npm = /^npm (install|start|test|ci)\b/.exec(c);
      const bin = /^(?:npx |bunx --bun )?dmabuf-map ([\w-]+)/.exec(c);
      expect(!!(run || npm || bin), `${c}: a command this test cannot check`).toBe(true);
      if (run) expect(Object.keys(pkg.scripts), c).toContain(run[1]);
      if (npm?.[1] === "start" || npm?.[1] === "test") expect(Object.keys(pkg.scripts), c).toContain(npm[1]);
      if (bin) expect(Object.keys(COMMANDS), c).toContain(bin[1]);
    }
  });

  it.each(blocks.filter((b) => b.lang === "html").map((b) => [where(b), b] as const))("%s: its module script prints what the CLI prints", (_w, b) => {
    const script = /<script type="module">([\s\S]*?)<\/script>/.exec(b.code)![1]!;
    const js = script.replace(/from "[^"]*\/dist\/ts\/index\.js"/, `from ${JSON.stringify(entry)}`);
    const r = runModule(js, `${b.file.replace(/\W/g, "_")}_${b.line}.mjs`);
    expect(r.err).toBe("");
    expect(r.out).toBe(cli(["demo", "--json"]).out);
  });

  it("diagrams are the only blocks not run: text without a command, and mermaid", () => {
    const diagrams = blocks.filter((b) => (b.lang === "text" && !/`npx dmabuf-map [^`]+`:\s*$/.test(b.before)) || b.lang === "mermaid");
    for (const d of diagrams) expect(d.code, where(d)).not.toMatch(/^\s*((import|const|let)\b|\{|npm |npx )/m);
  });
});

describe("the block checker itself", () => {
  it("asserts a stated value, and fails when the code disagrees", () => {
    const ok = instrument("const x = [1, 2];\nx.length; // 2\nx;\n// [1, 2]\n({a: 1, b: 2}); // {a: 1}\n", entry);
    expect(ok.checks).toBe(3);
    expect(runModule(ok.text, "ok.mjs")).toMatchObject({ code: 0, checks: 3 });
    const bad = instrument("[1, 2].length; // 3\n", entry);
    const r = runModule(bad.text, "bad.mjs");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/line 1: got 2, the comment says 3/);
  });

  it("reads values, not prose", () => {
    expect(statedValue('"0x31" (FNV-1a 64)')).toBe('"0x31"');
    expect(statedValue('{interconnect: "sgt", nelms: 1} (then more)')).toBe('{interconnect: "sgt", nelms: 1}');
    expect(statedValue("10 (pieces of at most 2 KiB)")).toBe("10");
    expect(statedValue("10 pieces of at most 2 KiB")).toBeUndefined(); // a number that starts prose
    expect(statedValue("{a: 1} then prose")).toBeUndefined();
    expect(statedValue("frees the model's buffers")).toBeUndefined();
    expect(statedValue("{a: b}")).toBeUndefined(); // b is no value
  });
});

describe("examples/", () => {
  it("the README's Node quick start is examples/quickstart.mjs, word for word", () => {
    const quick = blocks.find((b) => b.file === "README.md" && b.lang === "js")!;
    expect(readFileSync(new URL("examples/quickstart.mjs", root), "utf8")).toBe(quick.code);
  });

  it("examples/quickstart.cjs runs through require() of the ES module entry", () => {
    const r = spawnSync(process.execPath, [fileURLToPath(new URL("examples/quickstart.cjs", root))], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^0x[0-9a-f]{16}\n1\n$/);
  });
});
