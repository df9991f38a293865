import type { Command } from "../ts/cli/args.js";
export async function runBenchCli(_cmd: Extract<Command, { command: "bench" }>): Promise<number> {
  process.stderr.write("dmabuf-map bench: not built yet\n");
  return 2;
}
