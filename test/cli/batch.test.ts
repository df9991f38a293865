// run/validate over many files: summary, exit codes, JSON problems, JUnit and TAP.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, scen } from "./spawn.js";
import { parseXml, type XmlElement } from "./xml.js";

const shipped = readdirSync(scen())
  .filter((f) => f.endsWith(".json"))
  .sort();
const tmp = mkdtempSync(join(tmpdir(), "dmabuf-map-batch-"));
const failing = join(tmp, "b-failing.json");
const invalid = join(tmp, "c-invalid.json");
{
  const s = JSON.parse(readFileSync(scen("vf-bar-to-pf-iov.json"), "utf8"));
  s.name = "fails <&> \u001b";
  s.steps[3].expect.nelms = 3;
  writeFileSync(failing, JSON.stringify(s));
  writeFileSync(invalid, JSON.stringify({ name: "x", devices: {}, steps: [{ op: "map", attachment: "nope" }] }));
  writeFileSync(join(tmp, "a-ok.json"), readFileSync(scen("move-notify.json")));
  writeFileSync(join(tmp, "notes.txt"), "not a scenario");
}

describe("many files at once", () => {
  it("run scenarios/ runs every shipped scenario with a summary line, exit 0", () => {
    const r = cli(["run", scen(), "--json"]);
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.name)).toEqual(shipped.map((f) => f.replace(/\.json$/, "")));
    expect(lines.every((l) => l.passed)).toBe(true);
    expect(r.err).toBe(`run: ${shipped.length} file(s), ${shipped.length} passed, 0 failed, 0 invalid\n`);
  });

  it("exit 1 if a scenario fails, 2 if one is invalid; *.json only, sorted; the others still run", () => {
    const r = cli(["run", tmp]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/scenario move-notify[^]*PASSED[^]*FAILED/);
    // with several files and --json, a failed expectation's line on stderr names its file
    expect(cli(["run", tmp, "--json"]).err).toMatch(/^[^\n]*b-failing\.json: step 3 \(map m0\): expected nelms = 3, got 2$/m);
    expect(r.err).toMatch(/c-invalid\.json: invalid scenario: 1 problem\(s\)\n[^\n]*c-invalid\.json:1:\d+: steps\[0\]\.attachment: attachment "nope"/);
    expect(r.err).toMatch(/run: 3 file\(s\), 1 passed, 1 failed, 1 invalid\n$/);
    expect(cli(["run", join(tmp, "a-ok.json"), failing]).code).toBe(1);
    expect(cli(["validate", scen(), tmp]).code).toBe(2);
    const v = cli(["validate", scen(), join(tmp, "a-ok.json")]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(new RegExp(`validate: ${shipped.length + 1} file\\(s\\), ${shipped.length + 1} valid, 0 invalid\\n$`));
    expect(v.err).toBe("");
  });

  it("validate --json and run --json print problems as JSON; an unreadable file is a problem too", () => {
    for (const cmd of ["validate", "run"]) {
      const r = cli([cmd, invalid, "--json"]);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.out)).toEqual({
        file: invalid,
        valid: false,
        problems: [{ path: "steps[0].attachment", code: expect.any(String), message: 'attachment "nope" is not declared by an earlier step' }],
        more: 0,
      });
    }
    const ok = cli(["validate", scen("p2p-gpu-sgt.json"), "--json"]);
    expect(JSON.parse(ok.out)).toEqual({ file: scen("p2p-gpu-sgt.json"), valid: true, problems: [], more: 0 });
    const gone = cli(["validate", join(tmp, "gone.json"), "--json"]);
    expect(gone.code).toBe(2);
    expect(JSON.parse(gone.out).problems).toEqual([{ path: "", code: "unreadable", message: "cannot read: ENOENT" }]);
    expect(gone.err).toBe(`dmabuf-map: ${join(tmp, "gone.json")}: cannot read: ENOENT\n`);
  });

  it("run scenarios/ --reporter junit is well-formed JUnit XML with one testcase per step", () => {
    const r = cli(["run", scen(), "--reporter", "junit"]);
    expect(r.code).toBe(0);
    const root = parseXml(r.out);
    expect(root.name).toBe("testsuites");
    expect(root.children.map((s) => s.attrs.name)).toEqual(shipped.map((f) => f.replace(/\.json$/, "")));
    for (const suite of root.children) {
      const rec = JSON.parse(cli(["run", suite.attrs.file!, "--json"]).out);
      expect(suite.children).toHaveLength(rec.steps.length);
      expect(suite.attrs).toMatchObject({ tests: String(rec.steps.length), failures: "0", errors: "0" });
      expect(suite.children.every((c) => c.name === "testcase" && !c.children.length)).toBe(true);
    }
  });

  it("JUnit marks failures and invalid files, and escapes what XML cannot carry", () => {
    const r = cli(["run", tmp, "--reporter=junit"]);
    expect(r.code).toBe(2);
    const suites = parseXml(r.out).children;
    expect(suites.map((s) => s.attrs.name)).toEqual(["move-notify", "fails <&> \\u001b", invalid]);
    const fail = suites[1]!;
    expect(fail.attrs.failures).toBe("1");
    const broken = fail.children.filter((c: XmlElement) => c.children.length);
    expect(broken.map((c) => c.attrs.name)).toEqual(["3 map m0"]);
    expect(broken[0]!.children[0]).toMatchObject({ name: "failure", attrs: { message: "expected nelms = 3, got 2" } });
    expect(suites[2]!.attrs.errors).toBe("1");
    expect(suites[2]!.children[0]!.children[0]).toMatchObject({
      name: "error",
      text: 'steps[0].attachment: attachment "nope" is not declared by an earlier step',
    });
    const v = parseXml(cli(["validate", tmp, "--reporter", "junit"]).out);
    expect(v.children.map((s) => s.attrs.errors)).toEqual(["0", "0", "1"]);
  });

  it("TAP: a plan, one test point per file, YAML diagnostics for failures", () => {
    const r = cli(["run", tmp, "--reporter", "tap"]);
    expect(r.code).toBe(2);
    const lines = r.out.split("\n");
    expect(lines.slice(0, 3)).toEqual(["TAP version 14", "1..3", `ok 1 - ${join(tmp, "a-ok.json")}: move-notify`]);
    expect(r.out).toContain(
      `not ok 2 - ${failing}: fails <&> \\u001b\n  ---\n  message: "expectations failed"\n  problems:\n    - "step 3 (map m0): expected nelms = 3, got 2"\n  ...\n`,
    );
    expect(r.out).toContain(`not ok 3 - ${invalid}\n`);
    expect(cli(["run", tmp, "--json", "--reporter", "tap"]).err).toMatch(/--json and --reporter tap cannot be combined/);
  });

  it("an empty directory or - twice is a usage error", () => {
    const empty = mkdtempSync(join(tmpdir(), "dmabuf-map-empty-"));
    expect(cli(["run", empty]).err).toMatch(/no \*\.json files in directory/);
    expect(cli(["run", empty]).code).toBe(2);
    expect(cli(["validate", "-", "-"], "{}").err).toMatch(/standard input \(-\) can be read only once/);
  });
});
