// `npm run bench -- --engines …`: its flags, and the generated block of docs/engines.md,
// which must be what bench/results/engines.json gives. The run itself on all four engines
// is test/bench/engines.slow.test.ts.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bench = (args: string[]) => spawnSync(process.execPath, [root + "dist/bench/main.js", ...args], { encoding: "utf8" });

describe("bench --engines", () => {
  it("refuses an engine it does not know, naming the ones it does, exit 2", () => {
    const r = bench(["--engines", "node,safari"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('bench: --engines: unknown "safari" (one of node, bun, chromium, firefox)\n');
    expect(r.stdout).toBe("");
  });

  it("is in --help, with --rounds", () => {
    const r = bench(["--help"]);
    expect(r.stdout).toMatch(
      /--engines LIST +instead of the suites: the ops suite on each engine in alternating rounds, as ratios to Node .*: node, bun, chromium, firefox\n/,
    );
    expect(r.stdout).toMatch(/--rounds N +with --engines: rounds, each running every engine once \(default: 3\)\n/);
  });

  it("docs/engines.md shows bench/results/engines.json: every engine, op and ratio", async () => {
    const r = spawnSync(process.execPath, [root + "scripts/gen-engines-doc.mjs", "--check"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const rep = JSON.parse(readFileSync(root + "bench/results/engines.json", "utf8"));
    expect(rep.engines.map((e: { engine: string }) => e.engine)).toEqual(["node", "bun", "chromium", "firefox"]);
    const doc = readFileSync(root + "docs/engines.md", "utf8");
    const bun = rep.engines[1].ops["split-mask"];
    expect(doc).toContain(`| split-mask | `);
    expect(doc).toContain(`${bun.median.toFixed(2)}× [${bun.min.toFixed(2)}–${bun.max.toFixed(2)}]`);
    // the report says what the ratios are made of
    for (const e of rep.engines) for (const o of Object.values(e.ops) as { p50Ns: number[]; ratio: number[] }[]) expect(o.ratio).toHaveLength(rep.rounds);
  });
});
