// Bundles the explorer page (web/app.ts) and the library's browser entry (ts/index.ts)
// into dist/web/ with everything they import (zod, the embedded wasm): the installed
// package serves them without an import map or a node_modules path.
import { build } from "esbuild";

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
await build({ ...common, entryPoints: ["web/app.ts"], outfile: "dist/web/explorer.js" });
// the explorer's runs happen in a worker (web/bounds.ts): its own bundle, with the core inside
await build({ ...common, entryPoints: ["web/run-worker.ts"], outfile: "dist/web/run-worker.js" });
await build({ ...common, entryPoints: ["ts/index.ts"], outfile: "dist/web/dmabuf-map.js" });
