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
      /^(list\.lookup\(0x4fffn\)|hex16\(list\.hash\(\)\)|list\.split\(0x800n, 0xfffn\)\.length);\s*\/\/ (.*)$/gm,
      (_m, expr: string) => `console.log(${JSON.stringify(expr)} + " => " + (typeof (${expr}) === "object" ? JSON.stringify(${expr}, (k, v) => typeof v === "bigint" ? "0x" + v.toString(16) : v) : String(${expr})));`,
    );
    const dir = mkdtempSync(join(tmpdir(), "dmabuf-readme-"));
    const file = join(dir, "quickstart.mjs");
    writeFileSync(file, asserted);
    const r = spawnSync(process.execPath, [file], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('list.split(0x800n, 0xfffn).length => 10');
    expect(r.stdout).toContain('list.lookup(0x4fffn) => {"index":2,"offset":"0xfff"}');
    expect(r.stdout).toContain('hex16(list.hash()) => 0x31d1a451bc7b84ec');
    expect(r.stdout).toContain("move_notify a");
  });
});
