// Bundles the explorer page (web/app.ts) and the library's browser entry (ts/index.ts)
// into dist/web/ with everything they import (zod, the embedded wasm, CodeMirror): the
// installed package serves them without an import map or a node_modules path.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const common = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  minify: true,
  legalComments: "none",
  logLevel: "warning",
};

// codemirror-json-schema renders descriptions with markdown-it and shiki and can parse
// JSON5 and YAML: the editor needs none of it (JSON only, plain descriptions), so those
// modules are replaced by web/cm-stubs/ and stay out of the bundle (its size budget:
// test/package/package.test.ts).
const STUBS = { "../utils/markdown": "markdown.ts", "./json5-parser": "other-modes.ts", "./yaml-parser": "other-modes.ts" };
const stubs = {
  name: "codemirror-json-schema-stubs",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/(utils\/markdown|json5-parser|yaml-parser)$/ }, (args) =>
      args.importer.includes("codemirror-json-schema") ? { path: fileURLToPath(new URL(`../web/cm-stubs/${STUBS[args.path]}`, import.meta.url)) } : undefined,
    );
  },
};

await build({ ...common, entryPoints: ["web/app.ts"], outfile: "dist/web/explorer.js", plugins: [stubs] });
// the explorer's runs happen in a worker (web/bounds.ts): its own bundle, with the core inside
await build({ ...common, entryPoints: ["web/run-worker.ts"], outfile: "dist/web/run-worker.js" });
await build({ ...common, entryPoints: ["ts/index.ts"], outfile: "dist/web/dmabuf-map.js" });
