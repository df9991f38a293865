// The default entry runs where Node's globals do not exist: every module it reaches is
// loaded into a bare vm context (no process, Buffer, require, node: modules) that has
// only what browsers have, and the demo runs there with the same bytes as in Node.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./bare-context.mjs", import.meta.url));
const bin = fileURLToPath(new URL("../../dist/ts/cli/main.js", import.meta.url));

describe("browser entry without Node globals", () => {
  it("loads dist/ts/index.js and its imports in a bare context and runs the demo identically", () => {
    const r = spawnSync(process.execPath, ["--experimental-vm-modules", "--no-warnings", script], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [globals, json] = r.stdout.split("\n");
    expect(JSON.parse(globals!)).toEqual({ process: "undefined", Buffer: "undefined", require: "undefined", global: "undefined" });
    const cli = spawnSync(process.execPath, [bin, "demo", "--json"], { encoding: "utf8" });
    expect(json + "\n").toBe(cli.stdout);
  });
});
