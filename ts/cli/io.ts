/**
 * The CLI's input and output edges: reads with a hard cap counted while reading (files,
 * devices, FIFOs and standard input alike), directory expansion, and stdout/stderr that
 * end quietly on a closed pipe and in one line on a full disk.
 */
import { createReadStream, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Largest input the CLI reads, counted while reading (a backing of 4M ranges fits; 10^7 does not). */
export const MAX_INPUT = 256 * 1024 * 1024;

/** A file that cannot be read, or is too large: a problem of that file (exit 2). */
export class InputError extends Error {
  override name = "InputError";
  constructor(
    readonly code: "unreadable" | "too_big" | "not_found",
    message: string,
  ) {
    super(message);
  }
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/**
 * The bytes of `file` (`-` is standard input); parseScenarioBytes decodes them strictly. Stops reading as soon as
 * more than `max` bytes arrived, so `/dev/zero`, an endless FIFO or stdin cost at most
 * `max` bytes of memory.
 */
export async function readInput(file: string, max = MAX_INPUT): Promise<Uint8Array> {
  const stream = file === "-" ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw new InputError("too_big", `input larger than ${max} bytes (${max / 1048576} MiB), the largest input read`);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError("unreadable", `cannot read: ${errno(e)}`);
  } finally {
    if (file === "-") process.stdin.destroy();
  }
  return Buffer.concat(chunks, size);
}

/**
 * The files named by the operands: a directory stands for every `*.json` below it
 * (recursively, sorted by path, hidden entries skipped); `-` and plain files stay as
 * given. A directory without scenarios is an error, so a typo never passes silently.
 */
export function expandOperands(operands: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith(".")) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".json")) files.push(p);
    }
  };
  for (const op of operands) {
    let dir = false;
    try {
      dir = op !== "-" && statSync(op).isDirectory();
    } catch {
      // not there or not a directory: reading it reports the error against the file
    }
    if (!dir) {
      files.push(op);
      continue;
    }
    const before = files.length;
    try {
      walk(op);
    } catch (e) {
      throw new InputError("unreadable", `cannot read directory ${op}: ${errno(e)}`);
    }
    if (files.length === before) throw new InputError("not_found", `no *.json files in directory ${op}`);
  }
  return files;
}

/** Process exit code for an output error (ENOSPC, EIO, …); the same as bad input. */
export const EXIT_IO = 2;

/**
 * Make stdout and stderr safe: a closed pipe (`| head`) ends the process quietly with the
 * exit code reached so far; any other write error (`> /dev/full`) is one line on stderr
 * and exit {@link EXIT_IO}.
 */
export function guardOutput(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit();
    try {
      process.stderr.write(`dmabuf-map: cannot write output: ${e.code ?? e.message}${e.code === "ENOSPC" ? " (no space left on device)" : ""}\n`);
    } finally {
      process.exit(EXIT_IO);
    }
  });
  // stderr closed too: nothing left to tell anybody
  process.stderr.on("error", () => process.exit(EXIT_IO));
}
