import type { Command } from "../cli/args.js";
export async function runFuzzCli(_cmd: Extract<Command, { command: "fuzz" }>): Promise<number> {
  process.stderr.write("dmabuf-map fuzz: not built yet\n");
  return 2;
}
