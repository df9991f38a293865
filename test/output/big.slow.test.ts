// The slow tier: records larger than the longest JS string, streamed in bounded memory
// (through the CLI in a 200 MB heap, and through writeRunJson with a slow consumer).
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, openSync, closeSync, readSync, fstatSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Fnv64, writeRunJson } from "../../ts/scenario/output.js";
import { parseScenario } from "../../ts/scenario/validate.js";
import { core } from "../helpers.js";
import { bin, timedOut } from "../cli/spawn.js";
import { amplifying } from "./amplify.js";

const c = core();

describe("streamed --json", () => {
  it("prints a record larger than the longest JS string in a 200 MB heap, exit 0, nothing on stderr", () => {
    const dir = mkdtempSync(join(tmpdir(), "dmabuf-amp-"));
    try {
      const file = join(dir, "out.json");
      const fd = openSync(file, "w");
      const r = spawnSync(process.execPath, ["--max-old-space-size=200", bin, "run", "-", "--json"], {
        input: JSON.stringify(amplifying(1000, 2100)),
        stdio: ["pipe", fd, "pipe"],
        encoding: "utf8",
      });
      closeSync(fd);
      timedOut(r, "run --json of the amplifying scenario");
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const rd = openSync(file, "r");
      const size = fstatSync(rd).size;
      const head = Buffer.alloc(100);
      const tail = Buffer.alloc(64);
      readSync(rd, head, 0, 100, 0);
      readSync(rd, tail, 0, 64, size - 64);
      closeSync(rd);
      expect(size).toBeGreaterThan(2 ** 29);
      expect(head.toString()).toMatch(/^\{"name":"amplify","passed":true,"steps":\[\{"i":0,"op":"export","ok":true\}/);
      expect(tail.toString()).toMatch(/\]\}\}\],"traceHash":"0x[0-9a-f]{16}"\}\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("writeRunJson", () => {
  it("writes a record larger than the longest JS string in bounded chunks, with the right traceHash", async () => {
    const input = amplifying(1000, 2100);
    expect(JSON.stringify(input).length).toBeLessThan(500_000); // a few hundred KB of input
    const s = parseScenario(input);
    let bytes = 0;
    let largest = 0;
    let head = "";
    let tail = "";
    const hash = new Fnv64(); // over the writes between the header and the trailer: the steps array
    let pending: string | undefined;
    const passed = await writeRunJson(s, c, async (x) => {
      await new Promise((ok) => setImmediate(ok)); // a slow consumer: the writer waits for it
      if (!head) head = x;
      else if (pending !== undefined) hash.updateText(pending);
      if (head !== x) pending = x;
      bytes += x.length;
      largest = Math.max(largest, x.length);
      tail = (tail + x).slice(-600);
    });
    expect(passed).toBe(true);
    expect(bytes).toBeGreaterThan(2 ** 29); // V8's string limit: JSON.stringify would throw "Invalid string length"
    expect(largest).toBeLessThan(1 << 20);
    expect(head).toBe(`{"name":"amplify","passed":true,"steps":`);
    expect(tail).toMatch(/"a1x+","a0x+"\],"stale":\[\]\}\}\],"traceHash":"0x[0-9a-f]{16}"\}\n$/);
    expect(pending).toBe(`,"traceHash":"${hash.hex()}"}\n`);
  });
});
