// Loads dist/ts/index.js into a vm context with only browser-standard globals and runs
// the demo. Any `node:` import or use of a Node global fails the run.
import vm from "node:vm";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = new URL("../../", import.meta.url);
const context = vm.createContext({ atob, btoa, TextEncoder, TextDecoder, URL, console: { log() {}, warn() {}, error() {} } });
const cache = new Map();

function load(url) {
  if (cache.has(url)) return cache.get(url);
  const mod = new vm.SourceTextModule(readFileSync(fileURLToPath(url), "utf8"), { context, identifier: url });
  cache.set(url, mod);
  return mod;
}

async function link(specifier, referrer) {
  if (specifier.startsWith("node:")) throw new Error(`${referrer.identifier} imports ${specifier}: not available in browsers`);
  if (specifier === "zod" || specifier.startsWith("zod/")) return load(import.meta.resolve(specifier));
  if (specifier.startsWith(".")) return load(new URL(specifier, referrer.identifier).href);
  throw new Error(`${referrer.identifier} imports bare "${specifier}": browsers need an import map for it`);
}

const entry = load(new URL("dist/ts/index.js", root).href);
await entry.link(link);
await entry.evaluate();
const m = entry.namespace;
const probe = new vm.Script("JSON.stringify({ process: typeof process, Buffer: typeof Buffer, require: typeof require, global: typeof global })");
process.stdout.write(probe.runInContext(context) + "\n");
const core = m.initSync();
const report = m.runScenario(m.parseScenario(m.DEMO_SCENARIO), core);
process.stdout.write(JSON.stringify(report.output) + "\n");
