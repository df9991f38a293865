// The slow tier (npm run test:all): two generated giants through the CLI, a scenario of
// 10^6 steps that runs and a backing of 10^7 ranges that is refused at the input limit.
import { describe, expect, it } from "vitest";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli as run } from "../cli/spawn.js";

describe("generated giants", () => {
  const tmp = mkdtempSync(join(tmpdir(), "dmabuf-map-giant-"));

  it("a scenario of 10^6 steps validates and runs", () => {
    const steps: string[] = [
      '{"op":"export","buffer":"b","exporter":"d","size":"0x1000","backing":{"kind":"system","ranges":[{"addr":"0x1000","len":"0x1000"}]}}',
    ];
    for (let i = 1; i < 1_000_000; i++) steps.push(i % 2 ? '{"op":"lock","buffer":"b","holder":"d"}' : '{"op":"unlock","buffer":"b","holder":"d"}');
    const text = `{"name":"million","devices":{"d":{}},"steps":[${steps.join(",")}]}`;
    const r = run(["run", "-", "--json"], text, { maxBuffer: 1 << 28 });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.steps).toHaveLength(1_000_000);
    expect(out.passed).toBe(true);
  });

  it("a backing of 10^7 ranges is refused with a clear error, not a hang", async () => {
    const file = join(tmp, "ten-million.json");
    const ws = createWriteStream(file);
    ws.write(
      '{"name":"huge","devices":{"d":{}},"steps":[{"op":"export","buffer":"b","exporter":"d","size":"0x9896800000","backing":{"kind":"system","ranges":[',
    );
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
