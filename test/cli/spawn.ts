// Runs the built CLI as a user does.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { fileURLToPath } from "node:url";

export const bin = fileURLToPath(new URL("../../dist/ts/cli/main.js", import.meta.url));
/** The benchmarks' development entry (npm run bench), not part of the shipped CLI. */
export const benchBin = fileURLToPath(new URL("../../dist/bench/main.js", import.meta.url));
export const scen = (f = "") => fileURLToPath(new URL(`../../scenarios/${f}`, import.meta.url));

export function cli(args: string[], input?: string, opts: SpawnSyncOptions & { node?: string[]; entry?: string } = {}) {
  const r = spawnSync(process.execPath, [...(opts.node ?? []), opts.entry ?? bin, ...args], { input, encoding: "utf8", maxBuffer: 1 << 26, ...opts });
  timedOut(r, `dmabuf-map ${args.join(" ")}`.slice(0, 200), opts.timeout);
  return { code: r.status, signal: r.signal, out: String(r.stdout), err: String(r.stderr) };
}

/** `npm run bench -- args` as a contributor runs it. */
export const bench = (args: string[], opts: SpawnSyncOptions = {}) => cli(args, undefined, { ...opts, entry: benchBin });

/**
 * A child that ran past its `timeout` hit a limit, which says nothing about its answer: the
 * test fails with that, not with an exit code of null (a busy machine is the usual cause).
 */
export function timedOut(r: { error?: Error }, what: string, timeout?: number): void {
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT")
    throw new Error(`time limit: ${what} was still running after ${timeout} ms and was stopped; this is a limit, not a wrong answer (is the machine busy?)`);
}
