/**
 * `node|bun dist/bench/engine-child.js '{"quick":…,"n":…,"impl":…}'`: one run of the ops
 * suite in this runtime, for `bench --engines` (./engines-bench.ts). The results go to
 * stdout as one JSON line, progress to stderr.
 */
import { runOps } from "./page.js";

globalThis.benchLog = (s) => void process.stderr.write(s + "\n");
const opts = JSON.parse(process.argv[2] ?? "{}") as Parameters<typeof runOps>[0];
process.stdout.write(JSON.stringify(await runOps(opts)) + "\n");
