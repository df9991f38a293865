// The CLI under Bun as a user runs it: the packed package installed (npm, offline) into a
// fresh project, then `bunx --bun dmabuf-map …` runs it on JavaScriptCore and prints the
// same bytes as Node. Plain `bunx dmabuf-map` follows the bin's `#!/usr/bin/env node`
// (docs/engines.md says so). And a Node API that Bun lacks is a two-line message, exit 2.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FOUND, requireEngine, skipEngine } from "./engines.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe.skipIf(skipEngine("bun"))("dmabuf-map under Bun", () => {
  let dir: string;
  let app: string;
  let fakeNode: string;
  const bunx = (args: string[], path: string) =>
    spawnSync(join(dirname(requireEngine("bun")), "bunx.exe"), args, { cwd: app, encoding: "utf8", env: { ...process.env, PATH: path } });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dmabuf-bunx-"));
    const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], { cwd: root, encoding: "utf8" });
    expect(pack.status, pack.stderr).toBe(0);
    app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), '{"name":"app","private":true}');
    const tgz = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz"))!);
    const install = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", tgz], { cwd: app, encoding: "utf8" });
    expect(install.status, install.stderr).toBe(0);
    // a `node` first on PATH that says it was called: shows which runtime bunx picked
    fakeNode = join(dir, "bin");
    mkdirSync(fakeNode);
    writeFileSync(join(fakeNode, "node"), "#!/bin/sh\necho 'node was called' >&2\nexit 99\n");
    chmodSync(join(fakeNode, "node"), 0o755);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("`bunx --bun dmabuf-map` runs on Bun, without Node, and prints Node's bytes", () => {
    const path = `${fakeNode}:${process.env.PATH}`;
    const node = spawnSync(process.execPath, [join(app, "node_modules/dmabuf-map/dist/ts/cli/main.js"), "demo", "--json", "--entries", "--state"], {
      encoding: "utf8",
    });
    expect(node.status).toBe(0);
    const r = bunx(["--bun", "dmabuf-map", "demo", "--json", "--entries", "--state"], path);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(node.stdout);
    const v = bunx(["--bun", "dmabuf-map", "--version"], path);
    expect(v.stdout).toBe(`${JSON.parse(spawnSync("npm", ["pkg", "get", "version"], { cwd: root, encoding: "utf8" }).stdout)}\n`);
  });

  it("plain `bunx dmabuf-map` follows the bin's shebang to node", () => {
    const r = bunx(["dmabuf-map", "--version"], `${fakeNode}:${process.env.PATH}`);
    expect(r.stderr).toContain("node was called");
    expect(r.status).toBe(99);
  });

  it("a Node API missing under Bun ends in a clear message naming Bun, exit 2, no stack", () => {
    // what a gap in Bun's Node API looks like: a function that is not there
    const preload = join(dir, "no-stdout-write.mjs");
    writeFileSync(preload, "process.stdout.write = undefined;\n");
    const r = spawnSync(FOUND.bun!, ["--preload", preload, join(root, "dist/ts/cli/main.js"), "schema"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^dmabuf-map: .*process\.stdout\.write/);
    expect(lines[1]).toMatch(/^dmabuf-map: Bun \d+\.\d+\.\d+ may lack a Node API that this command uses: run it with Node >= 20/);
  });
});
