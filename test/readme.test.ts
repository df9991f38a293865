// The README's Node quick start, run as written (against the built package entry).
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const entry = pathToFileURL(new URL("../dist/ts/index.js", import.meta.url).pathname).href;

describe("README", () => {
  it("the Node quick start runs and prints what its comments say", () => {
    const section = readme.slice(readme.indexOf("## Quick start in Node"));
    const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
    // each `expr; // value` line becomes an assertion that the expression prints that value
    const asserted = code.replace('from "dmabuf-map"', `from ${JSON.stringify(entry)}`).replace(
      /^(list\.lookup\(0x4fffn\)|hex16\(list\.hash\(\)\)|pieces\.length|merged\.entries\(\));\s*\/\/ (.*)$/gm,
      (_m, expr: string) => `console.log(${JSON.stringify(expr)} + " => " + (typeof (${expr}) === "object" ? JSON.stringify(${expr}, (k, v) => typeof v === "bigint" ? "0x" + v.toString(16) : v) : String(${expr})));`,
    );
    const dir = mkdtempSync(join(tmpdir(), "dmabuf-readme-"));
    const file = join(dir, "quickstart.mjs");
    // it frees everything it creates: the core's heap and handles are back where init left them
    const checked = asserted.replace(/^(const core = await init\(\);.*)$/m, "$1\nconst before = core.usage();") + '\nconsole.log("leaked " + JSON.stringify(core.usage(), (k, v) => (typeof v === "bigint" ? String(v) : v)) + " vs " + JSON.stringify(before, (k, v) => (typeof v === "bigint" ? String(v) : v)));\n';
    writeFileSync(file, checked);
    const r = spawnSync(process.execPath, [file], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("pieces.length => 10");
    expect(r.stdout).toContain('merged.entries() => [{"addr":"0x1000","len":"0x4000"},{"addr":"0x10000","len":"0x1000"}]');
    expect(r.stdout).toContain('list.lookup(0x4fffn) => {"index":2,"offset":"0xfff"}');
    expect(r.stdout).toContain('hex16(list.hash()) => 0x31d1a451bc7b84ec');
    expect(r.stdout).toContain("move_notify a");
    const [, after, before] = /leaked (.*) vs (.*)/.exec(r.stdout)!;
    expect(after).toBe(before);
  });
});
