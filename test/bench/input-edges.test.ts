/**
 * `npm run bench -- --input` at the top of the address space and with a byte-order mark: the C
 * reference agrees with wasm on entries that end at 2^64 - 1, a UTF-8 BOM is skipped,
 * a UTF-16 one is named, and a disagreement would be one line, exit 2.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bench } from "../cli/spawn.js";

const dir = mkdtempSync(join(tmpdir(), "bench-edges-"));
const file = (name: string, data: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

describe("bench --input edges", () => {
  it.each([
    ["the single entry [2^64 - 1, 1]", '[["0xffffffffffffffff", "0x1"]]'],
    ["a page that ends at 2^64 - 1", '[["0xfffffffffffff000", "0x1000"]]'],
  ])("%s: every implementation agrees, exit 0", (_, json) => {
    const r = bench(["--input", file(`top-${json.length}.json`, json), "--quick", "--json"]);
    expect(r.err).not.toMatch(/at .*\.js:\d+|disagree/);
    expect(r.code).toBe(0);
  });

  it("a UTF-8 byte-order mark before JSON is skipped", () => {
    const r = bench(["--input", file("bom.json", "\ufeff[[4096, 4096]]"), "--quick", "--json"]);
    expect(r.err).not.toMatch(/at .*\.js:\d+/);
    expect(r.code).toBe(0);
  });

  it("a UTF-16 byte-order mark is named, one line, exit 2", () => {
    const text = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("[[4096, 4096]]", "utf16le")]);
    const r = bench(["--input", file("utf16.json", text), "--quick", "--json"]);
    expect(r.code).toBe(2);
    expect(r.err).not.toMatch(/at .*\.js:\d+/);
    expect(r.err).toMatch(/^bench: EINVAL: --input .*UTF-16.*$/m);
  });
});
