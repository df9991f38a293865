// The cross-engine tests' helpers: which engines are here (a missing one is skipped with
// a loud notice, or fails the run under CI=true), the `--json --entries --state` lines of
// each engine, and the first difference between two engines' lines, named by file and step.
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import {
  bundleForPage,
  ENGINES,
  ENGINE_VM,
  findEngine,
  INSTALL_HINT,
  openPage,
  type BrowserEngine,
  type EngineName,
  type ProcessEngine,
} from "../../bench/engines.js";
import type { RecordInput } from "./page.js";

export const IN_CI = process.env.CI === "true";
const bin = fileURLToPath(new URL("../../dist/ts/cli/main.js", import.meta.url));

/** Each engine's executable, or undefined when it is missing. */
export const FOUND = Object.fromEntries(ENGINES.map((e) => [e, findEngine(e)])) as Record<EngineName, string | undefined>;
const missing = ENGINES.filter((e) => !FOUND[e]);
if (missing.length && !IN_CI) {
  const line = "=".repeat(78);
  const how = missing.map((e) => `  ${e} (${ENGINE_VM[e]}): ${INSTALL_HINT[e]}`).join("\n");
  console.warn(`\n${line}\n  CROSS-ENGINE TESTS SKIPPED for ${missing.join(", ")}: not installed.\n${how}\n  Under CI=true they fail instead.\n${line}\n`);
}

/** Skip the engine's test when it is missing, except under CI=true, where it then fails. */
export const skipEngine = (e: EngineName): boolean => !FOUND[e] && !IN_CI;

/** Fails (under CI=true) when `e` is missing. */
export function requireEngine(e: EngineName): string {
  const exe = FOUND[e];
  if (!exe) throw new Error(`${e} (${ENGINE_VM[e]}) is not installed, and CI=true needs every engine: ${INSTALL_HINT[e]}`);
  return exe;
}

/** Runs the CLI on `e` and returns its stdout split into lines (each with its "\n"). */
export function cli(e: ProcessEngine, args: string[]): string[] {
  const r = spawnSync(requireEngine(e), [bin, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  // exit 2 with lines is an invalid file among the inputs, reported on its line; without, a usage error
  if (r.status === 2 && !r.stdout) throw new Error(`dmabuf-map ${args.join(" ")} under ${e} exited 2: ${r.stderr}`);
  return r.stdout.split(/(?<=\n)/);
}

/** The `--json --entries --state` lines of `files`, then of the demo, from the CLI on `e`. */
export function cliRecords(e: ProcessEngine, files: string[]): string[] {
  return [...(files.length ? cli(e, ["run", ...files, "--json", "--entries", "--state"]) : []), ...cli(e, ["demo", "--json", "--entries", "--state"])];
}

/** The same lines made in a headless browser by test/engines/page.ts, a batch at a time. */
export async function pageRecords(e: BrowserEngine, files: string[], batch = 20): Promise<{ version: string; lines: string[] }> {
  requireEngine(e);
  const script = await bundleForPage(fileURLToPath(new URL("./page.ts", import.meta.url)));
  const page = await openPage(e, script);
  try {
    const inputs: RecordInput[] = [...files.map((file) => ({ file, text: readFileSync(file, "utf8") })), { file: "demo" }];
    const lines: string[] = [];
    for (let k = 0; k < inputs.length; k += batch) lines.push(...(await page.run((xs) => globalThis.engineRecords(xs), inputs.slice(k, k + batch))));
    return { version: page.version, lines };
  } finally {
    await page.close();
  }
}

const clip = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** Both strings around the first character where they part (a step can be long). */
function around(x: string, y: string): [string, string] {
  let k = 0;
  while (k < x.length && x[k] === y[k]) k++;
  const from = Math.max(0, k - 120);
  const cut = (s: string) => `${from ? `(char ${from}) …` : ""}${clip(s.slice(from), 320)}`;
  return [cut(x), cut(y)];
}

/** Where two lines part: the first differing step of a record, else the first differing byte. */
export function lineDifference(want: string, got: string): string {
  try {
    const [a, b] = [JSON.parse(want), JSON.parse(got)] as { steps?: unknown[]; traceHash?: string }[];
    const steps = Math.max(a!.steps?.length ?? 0, b!.steps?.length ?? 0);
    for (let i = 0; i < steps; i++) {
      const [x, y] = [JSON.stringify(a!.steps?.[i]), JSON.stringify(b!.steps?.[i])];
      if (x === y) continue;
      const [p, q] = around(String(x), String(y));
      return `first differing step: ${i}\n    Node:  ${p}\n    other: ${q}\n    traceHash ${a!.traceHash} vs ${b!.traceHash}`;
    }
  } catch {
    // not JSON on one side: the byte offset says where
  }
  let k = 0;
  while (k < want.length && want[k] === got[k]) k++;
  const [p, q] = around(want, got);
  return `first differing byte at ${k}:\n    Node:  ${JSON.stringify(p)}\n    other: ${JSON.stringify(q)}`;
}

/**
 * Compares `got` (an engine's lines for `names`, then the demo) with Node's `want`:
 * undefined when every byte agrees, else the first file that differs and where.
 */
export function firstDifference(engine: string, names: string[], want: string[], got: string[]): string | undefined {
  const label = (k: number) => (k < names.length ? basename(names[k]!) : "demo");
  if (got.length !== want.length) return `${engine} printed ${got.length} lines for ${names.length + 1} inputs, Node ${want.length}`;
  const k = want.findIndex((w, i) => w !== got[i]);
  if (k < 0) return undefined;
  const others = want.filter((w, i) => w !== got[i]).length;
  return `${engine} differs from Node on ${label(k)}${others > 1 ? ` (and ${others - 1} more input(s))` : ""}: ${lineDifference(want[k]!, got[k]!).replace(/other:/g, `${engine}:`.padEnd(6))}`;
}

/**
 * The suite both tiers run: Node's CLI lines for `files()` and the demo, then each other
 * engine's, which must be the same bytes (a difference names the file and the step).
 */
export function crossEngineSuite(title: string, files: () => string[]): void {
  describe(title, () => {
    let names: string[];
    let want: string[];
    beforeAll(() => {
      names = files();
      want = cliRecords("node", names);
      expect(want).toHaveLength(names.length + 1);
    });

    it.skipIf(skipEngine("bun"))("Bun (JavaScriptCore) prints the same bytes as Node", () => {
      expect(firstDifference("Bun", names, want, cliRecords("bun", names))).toBeUndefined();
    });

    for (const [e, name] of [
      ["chromium", "Chromium"],
      ["firefox", "Firefox ESR"],
    ] as const) {
      it.skipIf(skipEngine(e))(`${name} (${ENGINE_VM[e]}) makes the same bytes as Node's CLI`, async () => {
        const { version, lines } = await pageRecords(e, names);
        expect(firstDifference(`${name} (${version})`, names, want, lines)).toBeUndefined();
      });
    }
  });
}
