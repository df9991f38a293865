// The package as its users meet it (issue 17): the packed tarball's contents, publint and
// attw clean, installed into a fresh folder, the library entry's import graph, and the
// browser bundle budgets. Needs `npm run build` (npm test does it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };

function sh(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let tmp: string;
let tarball: string;
let files: { path: string; size: number }[];
let packedSize: number;
/** A fresh project with the tarball installed, as `npm install dmabuf-map` leaves it. */
let app: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "dmabuf-map-pack-"));
  const r = sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], root);
  expect(r.code, r.err).toBe(0);
  const [info] = JSON.parse(r.out) as [{ filename: string; size: number; files: { path: string; size: number }[] }];
  tarball = join(tmp, info.filename);
  files = info.files;
  packedSize = info.size;
  app = join(tmp, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  // the runtime dependencies come from npm's cache (filled by `npm ci`), the registry only when missing
  const i = sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], app);
  expect(i.code, i.err).toBe(0);
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Paths the README and docs name: in backticks or as relative links. */
function mentionedPaths(): { doc: string; path: string }[] {
  const docs = [
    "README.md",
    "CONTRIBUTING.md",
    ...readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ].filter((f) => existsSync(join(root, f)));
  const out: { doc: string; path: string }[] = [];
  for (const doc of docs) {
    const text = readFileSync(join(root, doc), "utf8");
    const base = doc.includes("/") ? doc.slice(0, doc.lastIndexOf("/") + 1) : "";
    // relative links: [x](docs/y.md#z) from the README, [x](y.md) inside docs/
    for (const m of text.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g)) out.push({ doc, path: normalize(base + m[1]!) });
    // `dist/…`, `schemas/…`: backticked paths that start at the repository's top
    for (const m of text.matchAll(/`((?:dist|schemas|scenarios|docs|examples|web|ts|assembly|bench|test|scripts|tools\/docs)\/[\w./-]*[\w])`/g)) {
      if (!/[*…]/.test(m[1]!)) out.push({ doc, path: m[1]! });
    }
  }
  return out;
}

/** Where a user loads from: these must be in the tarball; the rest are sources, in the repository. */
const SHIPPED = /^(dist|schemas|scenarios|docs|examples|web)\/|^(README\.md|LICENSE|package\.json)$/;

describe("the tarball", () => {
  it("holds every path the README and docs name that a user loads; every other named path exists in the repository", () => {
    const inTarball = new Set(files.map((f) => f.path));
    const mentioned = mentionedPaths();
    expect(mentioned.length).toBeGreaterThan(50);
    const missing = mentioned.filter(({ path }) => {
      if (/\.(png|jpe?g|svg)$/.test(path)) return !existsSync(join(root, path)); // pictures: repository only (docs/package.md)
      if (SHIPPED.test(path)) return !inTarball.has(path) && ![...inTarball].some((f) => f.startsWith(path.replace(/\/?$/, "/")));
      return !existsSync(join(root, path));
    });
    expect(missing).toEqual([]);
  });

  it("ships the library, the CLI, schemas, scenarios, docs, examples and the explorer; no bench, no maps, no screenshot, the wasm once", () => {
    const paths = files.map((f) => f.path);
    console.log(`tarball: ${packedSize} bytes packed, ${files.reduce((n, f) => n + f.size, 0)} bytes unpacked, ${files.length} files`);
    for (const must of [
      "LICENSE",
      "README.md",
      "package.json",
      "dist/ts/index.js",
      "dist/ts/index.d.ts",
      "dist/ts/cli/main.js",
      "dist/web/dmabuf-map.js",
      "examples/quickstart.mjs",
      "schemas/scenario.schema.json",
      "scenarios/vf-bar-to-pf-iov.json",
      "docs/scenarios.md",
      "web/index.html",
    ]) {
      expect(paths, must).toContain(must);
    }
    // the explorer: its page, style and one bundle (which carries its own copy of the wasm)
    expect(paths.filter((p) => p.startsWith("web/") || p.startsWith("dist/web/")).sort()).toEqual([
      "dist/web/dmabuf-map.js",
      "dist/web/explorer.js",
      "dist/web/run-worker.js",
      "web/index.html",
      "web/style.css",
    ]);
    // the benchmarks are a development entry: neither they nor tinybench ship or install
    expect(paths.filter((p) => p.startsWith("dist/bench/") || p.startsWith("bench/"))).toEqual([]);
    expect(paths.filter((p) => p.endsWith(".map"))).toEqual([]);
    expect(paths.filter((p) => /\.(png|jpe?g|gif|svg)$/.test(p))).toEqual([]);
    expect(paths.filter((p) => /^(ts|assembly|test|bench\/[^/]+\.ts|docs\/api)\//.test(p) || p.endsWith(".tsbuildinfo"))).toEqual([]);
    // the wasm is embedded in dist/ts/core/wasm-bytes.js, and not shipped a second time as a file
    expect(paths.filter((p) => p.endsWith(".wasm"))).toEqual([]);
    const meta = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(Object.keys(meta.dependencies)).toEqual(["zod"]);
    expect(meta).toMatchObject({
      license: "MIT",
      repository: { url: expect.stringMatching(/^git\+https:\/\//) },
      homepage: expect.stringMatching(/^https:\/\//),
      bugs: { url: expect.stringMatching(/^https:\/\//) },
    });
  });

  it("publint finds nothing, not even a suggestion", async () => {
    const tgz = readFileSync(tarball);
    const { messages, pkg: manifest } = await publint({
      level: "suggestion",
      strict: true,
      pack: { tarball: tgz.buffer.slice(tgz.byteOffset, tgz.byteOffset + tgz.byteLength) as ArrayBuffer },
    });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, manifest)}`)).toEqual([]);
  });

  it("attw --profile esm-only finds no problem", () => {
    const r = sh(bin("attw"), [tarball, "--profile", "esm-only", "--format", "ascii"], tmp);
    expect(r.code, r.out + r.err).toBe(0);
  });

  it("installs into a fresh project: the CLI runs from node_modules/.bin and the library imports", () => {
    const cli = sh(
      join(app, "node_modules", ".bin", "dmabuf-map"),
      ["run", join(app, "node_modules", pkg.name, "scenarios", "move-notify.json"), "--json"],
      app,
    );
    expect(cli.code, cli.err).toBe(0);
    expect(JSON.parse(cli.out).passed).toBe(true);
    expect(sh(join(app, "node_modules", ".bin", "dmabuf-map"), ["--version"], app).out).toBe(`${pkg.version}\n`);
    writeFileSync(
      join(app, "lib.mjs"),
      'import { init, RangeList } from "dmabuf-map";\nawait init();\nconst l = RangeList.from([{ addr: 0x1000n, len: 0x1000n }]);\nconsole.log(l.length);\nl.dispose();\n',
    );
    expect(sh(process.execPath, ["lib.mjs"], app).out).toBe("1\n");
  });
});

/** A consumer project inside `app` whose tsconfig is `options`, type-checked by the project's tsc. */
function typecheck(name: string, options: Record<string, unknown>) {
  const dir = join(app, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "es2022", strict: true, noEmit: true, skipLibCheck: false, ...options }, include: ["*.ts"] }),
  );
  // everything a user reaches first: the core, the model with an exporter, scenarios, errors
  writeFileSync(
    join(dir, "app.ts"),
    `import { init, RangeList, Container, DmaBufModel, DmaBufError, parseScenario, runScenario, DEMO_SCENARIO, hex16, type Entry, type Scenario } from "dmabuf-map";
const core = await init();
const list = RangeList.from([{ addr: 0x1000n, len: 0x1000n }]);
const entries: Entry[] = list.entries();
const sgt = Container.fromList("sgt", list);
sgt.dispose();
list.dispose();
const scenario: Scenario = parseScenario(DEMO_SCENARIO);
const passed: boolean = runScenario(scenario, core).output.passed;
const model = new DmaBufModel(core, { devices: { d: {} } });
model.dispose();
const code: string | undefined = new DmaBufError("EINVAL", "x").code;
export { entries, passed, code, hex16 };
`,
  );
  return sh(bin("tsc"), ["-p", join(dir, "tsconfig.json")], dir);
}

describe("the published types (skipLibCheck false)", () => {
  it("compile for a browser consumer: lib es2022 + dom, bundler resolution, no @types/node", () => {
    const r = typecheck("browser", { lib: ["es2022", "dom"], module: "esnext", moduleResolution: "bundler", types: [] });
    expect(r.out + r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it.each([
    ["bundler", { module: "esnext", moduleResolution: "bundler" }],
    ["node16", { module: "node16", moduleResolution: "node16" }],
    ["nodenext", { module: "nodenext", moduleResolution: "nodenext" }],
  ])("the .d.ts files need no DOM and no Node types: lib es2022 alone, skipLibCheck false, %s", (name, resolution) => {
    const r = typecheck(`bare-${name}`, { lib: ["es2022"], types: [], ...resolution });
    // zod's own declarations name the DOM's URL (docs/package.md): only this package's files must be clean
    const ours = (r.out + r.err).split("\n").filter((l) => l.trim() && !/node_modules\/zod\//.test(l));
    expect(ours).toEqual([]);
    expect(r.out).toMatch(/node_modules\/zod\//); // the filter above hides no error of ours: zod's are the only ones
  });

  it("compile for a Node-only consumer: lib es2022, @types/node 20, nodenext", () => {
    const r = typecheck("node", {
      lib: ["es2022"],
      module: "nodenext",
      moduleResolution: "nodenext",
      types: ["node"],
      typeRoots: [join(root, "node_modules", "@types")],
    });
    expect(r.out + r.err).toBe("");
    expect(r.code).toBe(0);
  });
});

/** esbuild's browser bundle of `code` (importing the installed package), minified: bytes and inputs. */
async function bundle(code: string) {
  const r = await build({
    stdin: { contents: code, resolveDir: app, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return { bytes: r.outputFiles.reduce((n, f) => n + f.contents.length, 0), inputs: Object.keys(r.metafile.inputs) };
}

describe("the library entry for embedders", () => {
  it("never loads the bench, tinybench, the CLI or a Node built-in", async () => {
    const { inputs } = await bundle('import * as lib from "dmabuf-map"; console.log(lib);');
    expect(inputs.some((p) => p.includes("dmabuf-map/dist/ts/index.js"))).toBe(true);
    expect(inputs.filter((p) => /tinybench|dist\/bench\/|dist\/ts\/cli\/|dist\/ts\/util\/|dist\/ts\/fuzz\/cli|^node:/.test(p))).toEqual([]);
  });

  /**
   * Issue 17.3's budgets. init + RangeList measured 41,921 bytes with the release wasm at
   * 21.5 KB; the module dropped its all-zero data segments (asc `zeroFilledMemory`) and
   * the bundle is back under 40 KiB (38,351 bytes). It grew to 40,919 bytes by 2026-12-08;
   * issue 30's fromPages checks (sparse, huge and endless page lists, options behind
   * throwing getters: EINVAL instead of a raw RangeError or a hang) add 860 bytes, so the
   * budget is 42 KiB (41,779 bytes measured). Issue 32's one-pass split and page builder
   * (fast loops beside the general one) and U64Buffer add 632 bytes of wasm and the class:
   * 43 KiB (43,205 bytes measured). Issue 32 item 7's one-pass map product check
   * (list_total_within) and the sgt built straight from a list: 45 KiB (45,260 bytes
   * measured). parseScenario + runScenario passed 150 KiB with issue 29's mapping-types
   * profile (exporter-priority matching, its rows' kernel sources, the RFC-shaped PCI
   * exporters), issue 31's direction, dma-debug checker and sync step (5.5 KB) and issue
   * 32's core and map path: 166,235 bytes measured, budget 164 KiB.
   */
  const BUNDLES: Record<string, { code: string; budget: number }> = {
    "init + RangeList": {
      code: 'import { init, RangeList } from "dmabuf-map"; await init(); console.log(RangeList.from([]).length);',
      budget: 45 * 1024,
    },
    "parseScenario + runScenario": {
      code: 'import { init, parseScenario, runScenario, DEMO_SCENARIO } from "dmabuf-map"; console.log(runScenario(parseScenario(DEMO_SCENARIO), await init()).output);',
      budget: 164 * 1024,
    },
  };

  it.each(Object.entries(BUNDLES))("%s: minified browser bundle within its budget", async (name, b) => {
    const { bytes } = await bundle(b.code);
    console.log(`bundle ${name}: ${bytes} bytes (budget ${b.budget})`);
    expect(bytes).toBeLessThanOrEqual(b.budget);
  });
});

describe("the explorer's bundle", () => {
  /**
   * Issue 33's budget, stated in the README: dist/web/explorer.js (minified, the page's one
   * script: CodeMirror 6, codemirror-json-schema and json-schema-library, zod, the page)
   * within 680 KiB. Measured 2026-12-08: 630,449 bytes (203,237 gzipped), of which
   * CodeMirror and its JSON Schema support are about 520 KB; the page was 95 KB before the editor.
   * Issue 33's pictures (ts/render: the sequence diagram, the topology and the mappings as
   * SVG, their downloads) bring it to 655,750 bytes (212,865 gzipped), still within the budget.
   */
  const EXPLORER_BUDGET = 680 * 1024;

  it("dist/web/explorer.js, as shipped, is within its budget", () => {
    const shipped = files.find((f) => f.path === "dist/web/explorer.js")!;
    console.log(`explorer bundle: ${shipped.size} bytes (budget ${EXPLORER_BUDGET})`);
    expect(shipped.size).toBeGreaterThan(0);
    expect(shipped.size).toBeLessThanOrEqual(EXPLORER_BUDGET);
  });
});
