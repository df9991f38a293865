// The built CLI as a user runs it: output formats, exit codes, errors without stack traces.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { cli, scen } from "./spawn.js";
import { COMMANDS } from "../../ts/util/commands.js";

describe("dmabuf-map CLI", () => {
  it("run --json prints the documented record; twice gives identical bytes", () => {
    const a = cli(["run", scen("vf-bar-to-pf-iov.json"), "--json"]);
    expect(a.code).toBe(0);
    const rec = JSON.parse(a.out);
    expect(Object.keys(rec)).toEqual(["name", "passed", "steps", "traceHash"]);
    expect(rec.passed).toBe(true);
    expect(a.out.endsWith("}\n")).toBe(true);
    expect(cli(["run", scen("vf-bar-to-pf-iov.json"), "--json"]).out).toBe(a.out);
  });

  it("reads the scenario from standard input with -", () => {
    const r = cli(["run", "-", "--json"], readFileSync(scen("move-notify.json"), "utf8"));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).name).toBe("move-notify");
  });

  it("exit 1 when an expectation fails, with the reason on stderr in --json mode", () => {
    const s = JSON.parse(readFileSync(scen("vf-bar-to-pf-iov.json"), "utf8"));
    s.steps[3].expect.nelms = 3;
    const r = cli(["run", "-", "--json"], JSON.stringify(s));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).passed).toBe(false);
    expect(r.err).toMatch(/step 3 \(map m0\): expected nelms = 3, got 2/);
    const text = cli(["run", "-"], JSON.stringify(s));
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/FAILED/);
  });

  it("validate prints its findings on stdout, each with file:line:col and its path, without a stack trace", () => {
    const bad = `{"name": "x", "devices": {"d": {"iommu": {"base": "0x", "size": 1}}},
 "steps": [{"op": "map", "attachment": "nope"},
  {"op": "export"}]}`;
    const r = cli(["validate", "-"], bad);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^\(stdin\): invalid scenario: 6 problem\(s\)\n/);
    expect(r.out).toContain("(stdin):1:51: devices.d.iommu.base: expected a u64");
    expect(r.out).toContain('(stdin):2:40: steps[0].attachment: attachment "nope" is not declared');
    expect(r.out).toContain("(stdin):3:3: steps[1].buffer: missing required field");
    expect(r.out).not.toMatch(/\n\s+at /);
    expect(r.err).toBe("");
    // piped into grep, the findings are there
    expect(r.out.split("\n").filter((l) => l.includes("steps[1]"))).toHaveLength(4);
    // a syntax error has the reader's own position
    expect(cli(["validate", "-"], '{"name": "x",\n "devices": {,}}').out).toContain("(stdin):2:14: (root): malformed JSON");
    const ok = cli(["validate", scen("p2p-gpu-sgt.json")]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/p2p-gpu-sgt\.json: valid scenario "p2p-gpu-sgt" \(\d+ steps\)\n$/);
    expect(cli(["run", "-"], "{ not json").code).toBe(2);
  });

  it("colours the report on a pipe with FORCE_COLOR or --color, never with NO_COLOR or --no-color", () => {
    const f = scen("move-notify.json");
    const env = (e: Record<string, string>) => ({ env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...e } });
    const esc = /\x1b\[/;
    expect(cli(["run", f], undefined, env({})).out).not.toMatch(esc);
    expect(cli(["run", f], undefined, env({ FORCE_COLOR: "1" })).out).toMatch(esc);
    expect(cli(["run", f, "--color"], undefined, env({})).out).toMatch(esc);
    expect(cli(["demo", "--color"], undefined, env({})).out).toMatch(esc);
    expect(cli(["run", f, "--no-color"], undefined, env({ FORCE_COLOR: "1" })).out).not.toMatch(esc);
    expect(cli(["run", f, "--color"], undefined, env({ NO_COLOR: "1" })).out).not.toMatch(esc);
    expect(cli(["run", f, "--json", "--color"], undefined, env({})).out).not.toMatch(esc); // data is never coloured
    const both = cli(["run", f, "--color", "--no-color"], undefined, env({}));
    expect([both.code, both.err]).toEqual([2, "dmabuf-map: --color and --no-color cannot be combined\nRun dmabuf-map --help for usage.\n"]);
  });

  it("validate notes a decimal size that hex would make page aligned, and still exits 0", () => {
    const s = `{"name": "hint", "devices": {"d": {}},
 "steps": [{"op": "export", "buffer": "b", "exporter": "d", "size": "200000",
            "backing": {"kind": "system", "ranges": [{"addr": "0x0", "len": "0x200000"}]}}]}`;
    const r = cli(["validate", "-"], s);
    expect(r.code).toBe(0);
    expect(r.out).toContain('(stdin):2:69: note: steps[0].size: "200000" is decimal 200000 = 0x30d40, not page aligned: did you mean "0x200000"?');
  });

  it("usage errors exit 2", () => {
    for (const args of [
      ["frobnicate"],
      ["run"],
      ["run", "a", "b"],
      ["run", "x.json", "--bogus"],
      ["fuzz", "--ops", "-3"],
      ["validate", "/nonexistent/file.json"],
    ]) {
      const r = cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(/dmabuf-map/);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it("every subcommand's --help and -h exit 0 with its options; run -h no longer opens a file", () => {
    for (const name of Object.keys(COMMANDS)) {
      for (const h of ["--help", "-h"]) {
        const r = cli([name, h]);
        expect(r.code, `${name} ${h}`).toBe(0);
        expect(r.out).toMatch(new RegExp(`^Usage: dmabuf-map ${name}`));
        expect(r.err).toBe("");
      }
    }
    expect(cli(["fuzz", "--help"]).out).toMatch(/--ops N .*\(default: 10000\)/);
    // the benchmarks are a development entry: the installed command says where they are
    const b = cli(["bench", "--help"]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(
      /^dmabuf-map: the benchmarks are a development entry, not part of the installed command: in a checkout of the repository, run npm run bench -- --help\n/,
    );
    expect(cli(["help", "run"]).out).toBe(cli(["run", "--help"]).out);
  });

  it("--json=false means the readable report, --json=true the record", () => {
    const f = scen("move-notify.json");
    expect(cli(["run", f, "--json=false"]).out).toBe(cli(["run", f]).out);
    expect(cli(["run", f, "--json=true"]).out).toBe(cli(["run", f, "--json"]).out);
    expect(cli(["demo", "--json=false"]).out).toMatch(/^scenario demo/);
  });

  it("run/demo --json --entries / --state add the runner's entries and state to the record; --all prints every entry", async () => {
    const { runScenario } = await import("../../ts/scenario/runner.js");
    const { parseScenarioText } = await import("../../ts/scenario/validate.js");
    const { core } = await import("../helpers.js");
    const f = scen("p2p-gpu-sgt.json");
    const s = parseScenarioText(readFileSync(f, "utf8"));
    for (const [flags, opts] of [
      [["--entries"], { entries: true }],
      [["--state"], { state: true }],
      [["--entries", "--state"], { entries: true, state: true }],
    ] as const) {
      const r = cli(["run", f, "--json", ...flags]);
      expect(r.code, flags.join(" ")).toBe(0);
      expect(r.out).toBe(JSON.stringify(runScenario(s, core(), opts).output) + "\n");
    }
    expect(cli(["demo", "--json", "--state"]).out).toMatch(/"state":\{"buffers":/);
    expect(cli(["run", f, "--entries"]).err).toMatch(/--entries adds to the JSON record: use it with --json/);
    expect(cli(["run", f, "--json", "--all"]).err).toMatch(/--all is for the readable report/);
    const many = JSON.stringify({
      name: "many",
      devices: { cpu: {}, dev: { maxSegmentSize: "0x1000" } },
      steps: [
        { op: "export", buffer: "b", exporter: "cpu", size: "0x10000", backing: { kind: "system", ranges: [{ addr: "0x100000", len: "0x10000" }] } },
        { op: "attach", buffer: "b", importer: "dev", as: "a" },
        { op: "map", attachment: "a", as: "m", expect: { nelms: 16 } },
      ],
    });
    expect(cli(["run", "-"], many).out).toMatch(/… 12 more/);
    const all = cli(["run", "-", "--all"], many);
    expect(all.code).toBe(0);
    expect(all.out).not.toMatch(/more/);
    expect(all.out).toMatch(/0x10f000 \+0x1000/);
  });

  it("--help, --version, schema, demo", () => {
    expect(cli(["--help"]).out).toMatch(/Usage:/);
    expect(cli(["--version"]).out.trim()).toBe(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version);
    expect(JSON.parse(cli(["schema"]).out).title).toBe("dmabuf-map scenario");
    const demo = cli(["demo"]);
    expect(demo.code).toBe(0);
    expect(demo.out).toMatch(/interconnect physvec/);
    expect(demo.out).toMatch(/ENODEV \(expected\)/);
    expect(demo.out).toMatch(/notified \[iommufd, peer\]/);
    expect(demo.out).not.toMatch(/\x1b\[/); // not a TTY: no colour
  });
});
