// `npm test` rebuilds only what changed (issue 17.10): the wasm step runs only when its
// inputs (assembly/, asconfig.json, the build scripts, the compiler, the command) changed
// or an output is missing.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../scripts/if-changed.mjs", import.meta.url));

describe("scripts/if-changed.mjs wasm", () => {
  it("runs the build when an input changed or an output is missing, and only then", () => {
    const dir = mkdtempSync(join(tmpdir(), "dmabuf-map-incr-"));
    for (const d of ["assembly", "scripts", "build", "ts/core", "node_modules/assemblyscript"]) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, "assembly/index.ts"), "export function f(): i32 { return 1; }\n");
    writeFileSync(join(dir, "asconfig.json"), "{}");
    writeFileSync(join(dir, "node_modules/assemblyscript/package.json"), '{"version":"0.28.20"}');
    writeFileSync(join(dir, "package.json"), JSON.stringify({ scripts: { "build:wasm:all": "asc" } }));
    // the "build": count runs and write the outputs
    const build =
      "const fs=require('fs');fs.appendFileSync('runs','x');for(const f of ['build/release.wasm','build/debug.wasm','ts/core/wasm-bytes.ts','ts/core/abi.ts'])fs.writeFileSync(f,'')";
    const runs = () => {
      const r = spawnSync(process.execPath, [script, "wasm", process.execPath, "-e", build], { cwd: dir, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      try {
        return readFileSync(join(dir, "runs"), "utf8").length;
      } catch {
        return 0;
      }
    };
    expect(runs()).toBe(1);
    expect(runs()).toBe(1); // nothing changed
    writeFileSync(join(dir, "assembly/index.ts"), "export function f(): i32 { return 2; }\n");
    expect(runs()).toBe(2);
    expect(runs()).toBe(2);
    writeFileSync(join(dir, "assembly/index.ts"), "export function f(): i32 { return 2; }\n"); // same bytes again
    expect(runs()).toBe(2);
    rmSync(join(dir, "build/debug.wasm"));
    expect(runs()).toBe(3);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ scripts: { "build:wasm:all": "asc -O3" } }));
    expect(runs()).toBe(4);
    writeFileSync(join(dir, "node_modules/assemblyscript/package.json"), '{"version":"0.28.21"}');
    expect(runs()).toBe(5);
    writeFileSync(join(dir, "assembly/new.ts"), "");
    expect(runs()).toBe(6);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a failed build saves nothing, so the next run builds again", () => {
    const dir = mkdtempSync(join(tmpdir(), "dmabuf-map-incr-"));
    mkdirSync(join(dir, "assembly"));
    writeFileSync(join(dir, "assembly/index.ts"), "");
    writeFileSync(join(dir, "package.json"), "{}");
    const r = spawnSync(process.execPath, [script, "wasm", process.execPath, "-e", "process.exit(3)"], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(3);
    expect(() => readFileSync(join(dir, "build/.wasm-inputs"))).toThrow();
    rmSync(dir, { recursive: true, force: true });
  });
});
