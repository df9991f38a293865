// `dmabuf-map run --svg FILE|DIR [--svg-at N]`: the pictures of ts/render written as files,
// byte for byte what pictures() gives for the same run; FILE is the sequence diagram, a
// directory gets all three; bad combinations, step numbers and paths are exit 2.
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, scen } from "./spawn.js";
import { core } from "../helpers.js";
import { parseScenarioText } from "../../ts/scenario/validate.js";
import { runScenario } from "../../ts/scenario/runner.js";
import { pictures } from "../../ts/render/pictures.js";

const tmp = mkdtempSync(join(tmpdir(), "dmabuf-svg-"));
const expected = (file: string, at?: number) => {
  const s = parseScenarioText(readFileSync(scen(file), "utf8"));
  return pictures(s, runScenario(s, core(), { entries: true, state: true }).output.steps, at);
};

describe("run --svg", () => {
  it("writes the sequence diagram to FILE, nothing on stdout, exit as run", () => {
    const out = join(tmp, "seq.svg");
    const r = cli(["run", "--svg", out, scen("move-notify.json")]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe("");
    expect(r.err).toContain("wrote the sequence picture");
    expect(readFileSync(out, "utf8")).toBe(expected("move-notify.json").sequence);
  });

  it("writes every picture into a directory, the state after --svg-at N", () => {
    const dir = join(tmp, "pics/");
    const r = cli(["run", "--svg", dir, "--svg-at", "5", scen("move-notify.json")]);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["mappings.svg", "sequence.svg", "topology.svg"]);
    const want = expected("move-notify.json", 5);
    for (const k of ["sequence", "topology", "mappings"] as const) expect(readFileSync(join(dir, `${k}.svg`), "utf8"), k).toBe(want[k]);
    expect(want.mappings).toContain('data-mapping="m-second"');
  });

  it("reads the scenario from stdin", () => {
    const out = join(tmp, "stdin.svg");
    const r = cli(["run", "--svg", out, "-"], readFileSync(scen("p2p-gpu-sgt.json"), "utf8"));
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(expected("p2p-gpu-sgt.json").sequence);
  });

  it.each([
    [["--svg", "x.svg", "--json"], /--svg writes only the pictures: drop --json/],
    [["--svg-at", "1"], /--svg-at needs --svg/],
    [["--svg", "x.svg", "--svg-at", "-1"], /--svg-at takes a step number/],
    [["--svg", "x.svg", "--svg-at", "999"], /--svg-at 999: .* has steps 0 to \d+/],
    [["--svg", "x.svg", "--bufinfo"], /drop --bufinfo/],
  ])("%j is a usage error (exit 2), nothing written", (args, msg) => {
    const r = cli(["run", ...args, scen("move-notify.json")], undefined, { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(existsSync(join(tmp, "x.svg"))).toBe(false);
  });

  it("an unwritable path, an invalid scenario and a failed expectation have their exit codes", () => {
    const r = cli(["run", "--svg", join(tmp, "no", "such", "dir.svg"), scen("move-notify.json")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot write .*ENOENT/);
    expect(cli(["run", "--svg", join(tmp, "bad.svg"), "-"], '{"name":1}').code).toBe(2);
    expect(existsSync(join(tmp, "bad.svg"))).toBe(false);
    const failing = JSON.stringify({
      name: "f",
      devices: { d: {} },
      steps: [
        { op: "export", buffer: "b", exporter: "d", size: "0x1000", backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } },
        { op: "attach", buffer: "b", importer: "d", as: "a" },
        { op: "close", buffer: "b" },
      ],
    });
    const f = cli(["run", "--svg", join(tmp, "f.svg"), "-"], failing);
    expect(f.code).toBe(1);
    expect(readFileSync(join(tmp, "f.svg"), "utf8")).toContain("✕ EBUSY");
  });
});
