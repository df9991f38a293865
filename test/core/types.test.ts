// The emitted declarations compile for a browser consumer (lib es2022 + dom, bundler,
// no @types/node) and a Node-only consumer (lib es2022, @types/node, nodenext), both
// with skipLibCheck false: no Symbol.dispose, BufferSource or WebAssembly namespace type
// that only one of those environments declares. (The packed-tarball version of this
// check lives in test/package/.)
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const tsc = join(root, "node_modules/typescript/bin/tsc");
const CONSUMER = `import { init, initSync, createCore, RangeList, Container, IovaAllocator, hex16, type WasmSource, type Core } from "${root}dist/ts/index.js";
const core: Core = await init();
const list = RangeList.from([{ addr: 0x1000n, len: 0x1000n }]);
const sgt = Container.fromList("sgt", list);
const src: WasmSource = new Uint8Array(8);
void createCore(src);
initSync();
new IovaAllocator(core, 0n, 0x1000n).dispose();
sgt[Symbol.dispose]();
console.log(hex16(list.hash()), core.memory.buffer.byteLength);
`;

function check(compilerOptions: Record<string, unknown>, file: string): string {
  const dir = mkdtempSync(join(tmpdir(), "dmabuf-types-"));
  try {
    writeFileSync(join(dir, file), CONSUMER);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "es2022", strict: true, skipLibCheck: false, noEmit: true, ...compilerOptions }, files: [file] }),
    );
    const r = spawnSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8" });
    return r.stdout + r.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the emitted .d.ts files", () => {
  it("compile for a browser consumer: lib es2022 + dom, bundler, no @types/node", () => {
    expect(check({ lib: ["es2022", "dom"], module: "esnext", moduleResolution: "bundler", types: [] }, "main.ts")).toBe("");
  });
  it("compile for a Node-only consumer: lib es2022, @types/node, nodenext", () => {
    expect(
      check({ lib: ["es2022"], module: "nodenext", moduleResolution: "nodenext", types: ["node"], typeRoots: [join(root, "node_modules/@types")] }, "main.mts"),
    ).toBe("");
  });
});
