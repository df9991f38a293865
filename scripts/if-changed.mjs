// Runs a build step only when its inputs changed: `node scripts/if-changed.mjs wasm CMD…`
// hashes the step's inputs (file contents, so a checkout or touch does not matter) and
// runs CMD when the hash differs from the one saved after the last successful run, or
// when an output is missing. `npm test` and `npm run build` then skip the wasm build
// unless assembly/ (or the tools that build it) changed.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";

const STEPS = {
  wasm: {
    inputs: ["assembly", "asconfig.json", "scripts", "node_modules/assemblyscript/package.json", "package.json#build:wasm:all"],
    outputs: ["build/release.wasm", "build/debug.wasm", "ts/core/wasm-bytes.ts", "ts/core/abi.ts"],
    stamp: "build/.wasm-inputs",
  },
};

const [name, ...cmd] = process.argv.slice(2);
const step = STEPS[name];
if (!step || !cmd.length) {
  console.error(`usage: node scripts/if-changed.mjs ${Object.keys(STEPS).join("|")} COMMAND…`);
  process.exit(2);
}

function files(path) {
  if (!existsSync(path)) return [];
  try {
    return readdirSync(path, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .flatMap((e) => files(join(path, e.name)));
  } catch {
    return [path]; // not a directory
  }
}

const hash = createHash("sha256");
for (const input of step.inputs) {
  const [path, script] = input.split("#");
  if (script) hash.update(`${input}\0${JSON.parse(readFileSync(path, "utf8")).scripts?.[script] ?? ""}\0`);
  else for (const f of files(path)) hash.update(`${f}\0`).update(readFileSync(f)).update("\0");
}
const digest = hash.digest("hex");
const saved = existsSync(step.stamp) ? readFileSync(step.stamp, "utf8").trim() : "";
if (saved === digest && step.outputs.every((o) => existsSync(o))) {
  console.error(`${name}: up to date (inputs unchanged), not rebuilt`);
  process.exit(0);
}
const r = spawnSync(cmd[0], cmd.slice(1), { stdio: "inherit", shell: process.platform === "win32" });
if (r.status !== 0) process.exit(r.status ?? 1);
mkdirSync(dirname(step.stamp), { recursive: true });
writeFileSync(step.stamp, digest + "\n");
