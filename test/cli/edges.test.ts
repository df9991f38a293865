// The CLI at its I/O edges: endless inputs are cut off at the cap, closed pipes and full
// disks end cleanly, a Node without WebAssembly gets one line.
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, cli, scen } from "./spawn.js";

const tmp = mkdtempSync(join(tmpdir(), "dmabuf-map-edges-"));
const TOO_BIG = /^dmabuf-map: .*: input larger than 268435456 bytes \(256 MiB\), the largest input read\n$/;
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .*:\d+:\d+/);

/** A scenario whose --json output is about 1.4 MB: far more than a pipe buffer holds. */
function bigScenario(): string {
  const steps = [{ op: "export", buffer: "b", exporter: "d", size: "0x1000", backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } }];
  for (let i = 0; i < 40_000; i++) steps.push({ op: i % 2 ? "unlock" : "lock", buffer: "b", holder: "d" } as never);
  const file = join(tmp, "big.json");
  writeFileSync(file, JSON.stringify({ name: "big", devices: { d: {} }, steps }));
  return file;
}

describe("bounded reads", () => {
  it("validate /dev/zero stops at the cap: exit 2, one line", () => {
    const r = cli(["validate", "/dev/zero"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(TOO_BIG);
    expect(r.out).toBe("");
  });

  it("an endless standard input stops at the cap, for run and validate", () => {
    for (const cmd of ["run", "validate"]) {
      const zero = openSync("/dev/zero", "r");
      const r = spawnSync(process.execPath, [bin, cmd, "-"], { stdio: [zero, "pipe", "pipe"], encoding: "utf8" });
      closeSync(zero);
      expect(r.status, cmd).toBe(2);
      expect(r.stderr).toMatch(TOO_BIG);
    }
  });

  it("an endless FIFO stops at the cap; --json reports it as a problem", () => {
    const fifo = join(tmp, "fifo.json");
    execFileSync("mkfifo", [fifo]);
    const writer = spawnSync("sh", ["-c", `(cat /dev/zero > '${fifo}' 2>/dev/null &) ; exec '${process.execPath}' '${bin}' validate '${fifo}' --json`], {
      encoding: "utf8",
    });
    expect(writer.status).toBe(2);
    expect(writer.stderr).toMatch(TOO_BIG);
    expect(JSON.parse(writer.stdout).problems).toEqual([
      { path: "", code: "too_big", message: "input larger than 268435456 bytes (256 MiB), the largest input read" },
    ]);
  });
});

describe("closed pipes, full disks, no WebAssembly", () => {
  it("run --json | head -c 10 ends quietly with exit 0", () => {
    const big = bigScenario();
    const r = spawnSync("bash", ["-c", `'${process.execPath}' '${bin}' run '${big}' --json | head -c 10; echo "status \${PIPESTATUS[0]}" >&2`], {
      encoding: "utf8",
    });
    expect(r.stdout).toBe('{"name":"b');
    expect(r.stderr).toBe("status 0\n");
  });

  it("> /dev/full is one line naming ENOSPC, exit 2", () => {
    for (const args of [["run", bigScenario(), "--json"], ["schema"], ["--help"]]) {
      const full = openSync("/dev/full", "w");
      const r = spawnSync(process.execPath, [bin, ...args], { stdio: ["ignore", full, "pipe"], encoding: "utf8" });
      closeSync(full);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toBe("dmabuf-map: cannot write output: ENOSPC (no space left on device)\n");
    }
  });

  it("node --jitless (no WebAssembly) gives a one-line error, exit 2", () => {
    for (const args of [["demo"], ["run", scen("move-notify.json")], ["fuzz", "--ops", "10"]]) {
      const r = cli(args, undefined, { node: ["--jitless"] });
      expect(r.code, args.join(" ")).toBe(2);
      // Node itself may warn that --jitless turns off --expose-wasm; ours is the one other line
      const lines = r.err.split("\n").filter((l) => l && !l.startsWith("Warning: disabling flag --expose_wasm"));
      expect(lines).toEqual(["dmabuf-map: this Node has no WebAssembly (was it started with --jitless?)"]);
      noStack(r.err);
    }
    // validation needs no WebAssembly
    expect(cli(["validate", scen("move-notify.json")], undefined, { node: ["--jitless"] }).code).toBe(0);
  });
});
