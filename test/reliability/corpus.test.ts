// Every file of test/bad-inputs/ through the CLI: a clear error (exit 2, the path or rule,
// no stack trace) or a correct run, never a hang or a crash. Plus two generated giants.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = new URL("../bad-inputs/", import.meta.url);
const bin = fileURLToPath(new URL("../../dist/ts/cli/main.js", import.meta.url));
const expected = JSON.parse(readFileSync(new URL("EXPECTED.json", dir), "utf8")) as Record<string, { exit: number; stderr: string }>;

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", input, timeout: 120_000, maxBuffer: 1 << 28 });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

describe("bad-input corpus", () => {
  it("has at least 50 files, each with an asserted outcome", () => {
    const files = readdirSync(dir).filter((f) => f !== "EXPECTED.json");
    expect(files.length).toBeGreaterThanOrEqual(50);
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))("%s", (file, want) => {
    const r = run(["run", fileURLToPath(new URL(file, dir)), "--json"]);
    expect(r.signal).toBeNull();
    expect({ code: r.code, err: r.err }).toMatchObject({ code: want.exit });
    expect(r.err).not.toMatch(/\n\s+at .*:\d+:\d+/); // no stack trace
    if (want.stderr) expect(r.err).toMatch(new RegExp(want.stderr));
    if (want.exit === 2) {
      const j = JSON.parse(r.out); // run --json prints the problems as JSON
      expect(j.valid).toBe(false);
      expect(j.problems.length).toBeGreaterThan(0);
    }
    else expect(JSON.parse(r.out).passed).toBe(want.exit === 0);
  });
});

describe("generated giants", () => {
  const tmp = mkdtempSync(join(tmpdir(), "dmabuf-map-giant-"));

  it("a scenario of 10^6 steps validates and runs", () => {
    const steps: string[] = ['{"op":"export","buffer":"b","exporter":"d","size":"0x1000","backing":{"kind":"system","ranges":[{"addr":"0x1000","len":"0x1000"}]}}'];
    for (let i = 1; i < 1_000_000; i++) steps.push(i % 2 ? '{"op":"lock","buffer":"b","holder":"d"}' : '{"op":"unlock","buffer":"b","holder":"d"}');
    const text = `{"name":"million","devices":{"d":{}},"steps":[${steps.join(",")}]}`;
    const r = run(["run", "-", "--json"], text);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.steps).toHaveLength(1_000_000);
    expect(out.passed).toBe(true);
  });

  it("a backing of 10^7 ranges is refused with a clear error, not a hang", async () => {
    const file = join(tmp, "ten-million.json");
    const ws = createWriteStream(file);
    ws.write('{"name":"huge","devices":{"d":{}},"steps":[{"op":"export","buffer":"b","exporter":"d","size":"0x9896800000","backing":{"kind":"system","ranges":[');
    const chunk: string[] = [];
    for (let i = 0; i < 10_000_000; i++) {
      chunk.push(`${i ? "," : ""}{"addr":${i * 8192},"len":4096}`);
      if (chunk.length === 100_000) {
        if (!ws.write(chunk.join(""))) await new Promise((ok) => ws.once("drain", ok));
        chunk.length = 0;
      }
    }
    ws.end(chunk.join("") + "]}}]}");
    await new Promise((ok) => ws.on("finish", ok));
    const r = run(["run", file, "--json"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/input larger than 268435456 bytes/);
    rmSync(tmp, { recursive: true, force: true });
  });
});
