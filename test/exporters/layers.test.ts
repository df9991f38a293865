// The model and the exporters point down only: ts/model imports ts/core and itself,
// ts/exporters imports ts/core, ts/model and itself (the scenario layer picks the
// exporter), and neither has an import cycle, type-only imports included.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Each file of `dirs` with the repo-relative files it imports (import, export from, import()). */
function graph(dirs: string[]): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const d of dirs) {
    for (const f of readdirSync(join(root, d))) {
      if (!f.endsWith(".ts")) continue;
      const file = join(root, d, f);
      const src = readFileSync(file, "utf8");
      const specs = [...src.matchAll(/(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/g), ...src.matchAll(/import\("([^"]+)"\)/g)].map((m) => m[1]!);
      g.set(relative(root, file), specs.filter((s) => s.startsWith(".")).map((s) => relative(root, resolve(dirname(file), s.replace(/\.js$/, ".ts")))));
    }
  }
  return g;
}

describe("layers", () => {
  const g = graph(["ts/model", "ts/exporters"]);

  it("ts/model imports only ts/core and ts/model; ts/exporters only ts/core, ts/model and ts/exporters", () => {
    const wrong: string[] = [];
    for (const [file, deps] of g) {
      const allowed = file.startsWith("ts/model/") ? ["ts/core/", "ts/model/"] : ["ts/core/", "ts/model/", "ts/exporters/"];
      for (const d of deps) if (!allowed.some((a) => d.startsWith(a))) wrong.push(`${file} -> ${d}`);
    }
    expect(wrong).toEqual([]);
    expect(g.size).toBeGreaterThan(10);
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
