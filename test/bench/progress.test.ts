// Benchmark progress: "[k of N] suite NAME" with the time left as the last run here took it,
// and no made-up estimate before a first run.
import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Progress, span } from "../../bench/progress.js";
import { spread } from "../../bench/report.js";
import { bench } from "../cli/spawn.js";

describe("bench progress", () => {
  it("counts suites k of N; estimates only from a previous run of the same suites", async () => {
    const file = pathToFileURL(join(mkdtempSync(join(tmpdir(), "bench-progress-")), "d.json"));
    const lines: string[] = [];
    const first = new Progress(["a", "b"], true, (s) => lines.push(s), file);
    await first.run("a", async () => 1);
    await first.run("b", async () => 2);
    first.save();
    expect(lines[0]).toBe("[1 of 2] suite a (quick): no estimate before a first run of these suites here");
    expect(lines[1]).toMatch(/^\[1 of 2\] suite a done in \d+ s$/);
    expect(lines[2]).toBe("[2 of 2] suite b (quick): no estimate before a first run of these suites here");
    const again: string[] = [];
    const second = new Progress(["a", "b"], true, (s) => again.push(s), file);
    expect(second.line("a")).toBe("[1 of 2] suite a (quick): about 0 s left (as the last run here)");
    // a full run is another run: its estimate waits for a full run
    expect(new Progress(["a"], false, () => {}, file).line("a")).toMatch(/no estimate/);
  });

  it("spans read in minutes and seconds; one sample has no spread", () => {
    expect(span(45.4)).toBe("45 s");
    expect(span(80)).toBe("1 min 20 s");
    const r = { suite: "s", impl: "wasm", op: "o", n: 1, nsPerEntry: 1, p50Ns: 1, p99Ns: 1, rme: 0 } as const;
    expect(spread({ ...r, samples: 1 })).toBe("1 sample");
    expect(spread({ ...r, rme: 2.345, samples: 9 })).toBe("2.3%");
  });

  it("npm run bench prints its progress on stderr", () => {
    const r = bench(["--suite", "call", "--quick"]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^\[1 of 1\] suite call \(quick\): /m);
    expect(r.err).toMatch(/^\[1 of 1\] suite call done in /m);
  });
});
