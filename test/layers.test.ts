// Layers only point down, across the whole project (README "Layout"): each folder may
// import only itself and the folders listed for it below, and no file takes part in an
// import cycle, type-only imports and dynamic import() included. A new folder must be
// given its place here before any file in it is accepted.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Who may be imported by whom, from the ground floor up. */
const MAY_IMPORT: Record<string, string[]> = {
  "ts/core": [],
  "ts/util": ["ts/core"],
  "ts/reference": ["ts/core"],
  "ts/model": ["ts/core"],
  "ts/exporters": ["ts/core", "ts/model"],
  "ts/scenario": ["ts/core", "ts/model", "ts/exporters"],
  "ts/fuzz": ["ts/core", "ts/reference", "ts/model", "ts/exporters", "ts/scenario", "ts/util"],
  "ts/bridges": ["ts/core", "ts/model", "ts/exporters", "ts/scenario"],
  "ts/render": ["ts/core", "ts/model", "ts/scenario"],
  "ts/index.ts": ["ts/core", "ts/reference", "ts/model", "ts/exporters", "ts/scenario", "ts/bridges"],
  bench: ["ts/core", "ts/reference", "ts/model", "ts/exporters", "ts/scenario", "ts/util", "ts/index.ts"],
  "ts/cli": ["ts/core", "ts/model", "ts/exporters", "ts/scenario", "ts/util", "ts/fuzz", "ts/bridges", "ts/render"],
  web: ["ts/core", "ts/model", "ts/exporters", "ts/scenario", "ts/bridges", "ts/render", "ts/index.ts"],
};

/** The layer a repo-relative file belongs to. */
const layerOf = (f: string) => Object.keys(MAY_IMPORT).find((l) => f === l || f.startsWith(l + "/"));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(join(root, p)).isDirectory()) return p === "bench/native" || p === "bench/results" ? [] : sources(p);
    return f.endsWith(".ts") && !f.endsWith(".d.ts") ? [p] : [];
  });
}

/** Each source file with the repo-relative files it imports (import, export from, import()). */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const file of ["ts", "bench", "web"].flatMap(sources)) {
    const src = readFileSync(join(root, file), "utf8");
    const specs = [...src.matchAll(/(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/g), ...src.matchAll(/import\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!);
    g.set(
      file,
      specs.filter((s) => s.startsWith(".")).map((s) => relative(root, resolve(dirname(join(root, file)), s.replace(/\.js$/, ".ts")))),
    );
  }
  return g;
}

describe("layers", () => {
  const g = graph();

  it("every file has a layer, and imports only its own layer and the ones below it", () => {
    const wrong: string[] = [];
    for (const [file, deps] of g) {
      const mine = layerOf(file);
      if (!mine) {
        wrong.push(`${file}: no layer`);
        continue;
      }
      for (const d of deps) {
        const theirs = layerOf(d);
        if (theirs !== mine && !MAY_IMPORT[mine]!.includes(theirs ?? "?")) wrong.push(`${file} -> ${d}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(g.size).toBeGreaterThan(60);
  });

  it("the lifecycle reference shares no code with the model and does not load the core", () => {
    expect(g.get("ts/reference/lifecycle.ts")!.filter((d) => d.startsWith("ts/model/") || d === "ts/core/loader.ts")).toEqual([]);
  });

  it("no import cycle, type-only imports included", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, "open");
      stack.push(f);
      for (const d of g.get(f) ?? []) {
        if (state.get(d) === "open") cycles.push([...stack.slice(stack.indexOf(d)), d].join(" -> "));
        else if (!state.has(d) && g.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, "done");
    };
    for (const f of g.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
