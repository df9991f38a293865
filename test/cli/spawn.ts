// Runs the built CLI as a user does.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { fileURLToPath } from "node:url";

export const bin = fileURLToPath(new URL("../../dist/ts/cli/main.js", import.meta.url));
export const scen = (f = "") => fileURLToPath(new URL(`../../scenarios/${f}`, import.meta.url));

export function cli(args: string[], input?: string, opts: SpawnSyncOptions & { node?: string[] } = {}) {
  const r = spawnSync(process.execPath, [...(opts.node ?? []), bin, ...args], { input, encoding: "utf8", maxBuffer: 1 << 26, ...opts });
  return { code: r.status, signal: r.signal, out: String(r.stdout), err: String(r.stderr) };
}
