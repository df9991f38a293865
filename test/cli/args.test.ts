// The shared command-line parser (ts/util): the flag forms users type, help, errors.
import { describe, expect, it } from "vitest";
import { COMMANDS, helpText, parseCli } from "../../ts/util/commands.js";
import { BENCH_SUITES, benchHelp, parseBench } from "../../bench/args.js";
import { useColour } from "../../ts/cli/scenarios.js";
import { nearest } from "../../ts/core/nearest.js";
import { UsageError } from "../../ts/util/args.js";
import { parseXml } from "./xml.js";

const usage = (argv: string[]) => {
  try {
    parseCli(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
};

describe("argument parsing", () => {
  it("boolean flags take --flag, --flag=true and --flag=false", () => {
    expect(parseCli(["run", "a.json"])).toMatchObject({ command: "run", json: false, operands: ["a.json"] });
    expect(parseCli(["run", "a.json", "--json"])).toMatchObject({ json: true });
    expect(parseCli(["run", "--json=true", "a.json"])).toMatchObject({ json: true });
    expect(parseCli(["run", "a.json", "--json=false"])).toMatchObject({ json: false });
    expect(parseBench(["--quick=false", "--json"])).toMatchObject({ quick: false, json: true });
    expect(usage(["run", "a.json", "--json=yes please"])).toMatch(/--json takes true or false/);
  });

  it("values take --opt V and --opt=V, with defaults, ranges and choices", () => {
    expect(parseCli(["fuzz"])).toMatchObject({ seed: 1, ops: 10_000, json: false });
    expect(parseCli(["fuzz", "--seed", "7", "--ops=300"])).toMatchObject({ seed: 7, ops: 300 });
    expect(usage(["fuzz", "--ops", "-3"])).toMatch(/--ops takes an integer from 1/);
    expect(usage(["fuzz", "--ops", "1e3"])).toMatch(/--ops/);
    expect(usage(["fuzz", "--seed"])).toMatch(/--seed needs a value/);
    expect(usage(["fuzz", "--seed", "--json"])).toMatch(/--seed needs a value/);
    expect(usage(["fuzz", "--seed=1", "--seed=2"])).toMatch(/given twice/);
    expect(parseBench(["--suite", "sweep,ops"])).toMatchObject({ suite: ["sweep", "ops"] });
    expect(parseBench([])).toMatchObject({ suite: [...BENCH_SUITES] });
    expect(() => parseBench(["--suite", "ops,nope"])).toThrow(/unknown "nope"/);
    expect(parseCli(["run", "x", "--reporter", "junit"])).toMatchObject({ reporter: "junit" });
    expect(usage(["run", "x", "--reporter", "xml"])).toMatch(/--reporter takes one of text, junit, tap/);
  });

  it("-h and --help anywhere before -- ask for that command's help; -- ends the options", () => {
    for (const name of Object.keys(COMMANDS)) {
      expect(parseCli([name, "--help"])).toEqual({ command: "help", topic: name });
      expect(parseCli([name, "-h"])).toEqual({ command: "help", topic: name });
    }
    expect(parseCli(["run", "a.json", "--bogus", "-h"])).toEqual({ command: "help", topic: "run" });
    expect(parseCli(["run", "--", "-h"])).toMatchObject({ command: "run", operands: ["-h"] });
    expect(parseCli(["help", "fuzz"])).toEqual({ command: "help", topic: "fuzz" });
    expect(parseCli([])).toEqual({ command: "help" });
    expect(parseCli(["--version"])).toEqual({ command: "version" });
  });

  it("unknown commands, options, short flags and operand counts are usage errors", () => {
    expect(usage(["frobnicate"])).toMatch(/unknown command "frobnicate"/);
    expect(usage(["--frob"])).toMatch(/unknown option --frob/);
    expect(usage(["run"])).toMatch(/run needs FILE/);
    expect(usage(["run", "x", "--bogus"])).toMatch(/unknown option --bogus for run/);
    expect(usage(["run", "x", "-j"])).toMatch(/unknown option -j for run/);
    expect(usage(["schema", "extra"])).toMatch(/schema takes no argument "extra"/);
    expect(usage(["demo", "--reporter", "tap"])).toMatch(/unknown option --reporter for demo/);
    expect(usage(["help", "nope"])).toMatch(/unknown command "nope"/);
  });

  it("a near miss is named: commands, options, and nothing when two are as near", () => {
    expect(usage(["rnu"])).toBe('unknown command "rnu" (did you mean "run"?)');
    expect(usage(["valdiate", "x"])).toBe('unknown command "valdiate" (did you mean "validate"?)');
    expect(usage(["help", "fuz"])).toBe('unknown command "fuz" (did you mean "fuzz"?)');
    expect(usage(["run", "x", "--jsno"])).toBe("unknown option --jsno for run (did you mean --json?)");
    expect(usage(["run", "x", "--entires"])).toBe("unknown option --entires for run (did you mean --entries?)");
    expect(usage(["--verison"])).toBe("unknown option --verison (did you mean --version?)");
    expect(usage(["frobnicate"])).toBe('unknown command "frobnicate"');
    expect(nearest("ab", ["ac", "ad"])).toBeUndefined(); // a tie is no suggestion
    expect(nearest("sizee", ["size", "sizes"])).toBeUndefined();
    expect(nearest("bufer", ["buffer", "backing"])).toBe("buffer");
  });

  it("colour: --no-color and NO_COLOR always win; --color or FORCE_COLOR colour a pipe; else the TTY decides", () => {
    const f = (color: boolean, no: boolean) => ({ color, "no-color": no });
    expect(useColour(f(false, false), {}, true)).toBe(true);
    expect(useColour(f(false, false), {}, false)).toBe(false);
    expect(useColour(f(true, false), {}, false)).toBe(true);
    expect(useColour(f(false, true), {}, true)).toBe(false);
    expect(useColour(f(true, false), { NO_COLOR: "" }, true)).toBe(false);
    expect(useColour(f(false, false), { FORCE_COLOR: "1" }, false)).toBe(true);
    expect(useColour(f(false, false), { FORCE_COLOR: "" }, false)).toBe(true);
    expect(useColour(f(false, false), { FORCE_COLOR: "0" }, true)).toBe(false);
    expect(useColour(f(false, false), { FORCE_COLOR: "1", NO_COLOR: "1" }, true)).toBe(false);
    expect(() => useColour(f(true, true))).toThrow(/--color and --no-color cannot be combined/);
  });

  it("every help text has examples and its command's exit codes", () => {
    for (const name of Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]) {
      expect(helpText(name), name).toMatch(/\nExamples:\n {2}dmabuf-map /);
      expect(helpText(name), name).toMatch(/\nExit codes: 0 /);
    }
    expect(helpText("validate")).toMatch(/Exit codes: 0 every file is valid, 2 a file is invalid/);
    expect(helpText("validate")).not.toMatch(/\b1 an expectation failed/);
    expect(helpText()).toMatch(/Examples:\n {2}dmabuf-map demo/);
    expect(benchHelp()).toMatch(/^Usage: npm run bench -- \[options\][^]*Examples:\n {2}npm run bench -- --quick/);
  });

  it("every help text shows the defaults: fuzz seed and ops, the bench suites", () => {
    expect(helpText("fuzz")).toMatch(/--seed S\s+random seed \(default: 1\)/);
    expect(helpText("fuzz")).toMatch(/--ops N\s+number of operations \(default: 10000\)/);
    expect(benchHelp()).toMatch(new RegExp(`--suite LIST .*${BENCH_SUITES.join(", ")} \\(default: all\\)`));
    expect(helpText("run")).toMatch(/--reporter NAME\s+report format: text, junit, tap \(default: text\)/);
    for (const name of Object.keys(COMMANDS)) expect(helpText(), name).toMatch(new RegExp(`^  ${name}\\b`, "m"));
  });

  it("bench parses alone (npm run bench) and names exactly the suites bench/ defines", async () => {
    expect(parseBench(["--quick"])).toMatchObject({ quick: true });
    expect(parseBench(["-h"])).toEqual({ help: true });
    const { SUITES } = await import("../../bench/suites.js");
    expect(Object.keys(SUITES)).toEqual([...BENCH_SUITES]);
  });
});

describe("the strict XML checker used on JUnit output", () => {
  it("accepts well-formed XML and rejects each kind of malformation", () => {
    const ok = parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<a x="1 &amp; 2"><b y='&#x41;'/>t&lt;</a>\n`);
    expect(ok).toMatchObject({ name: "a", attrs: { x: "1 & 2" }, text: "t<", children: [{ name: "b", attrs: { y: "A" } }] });
    for (const bad of [
      "<a>",
      "<a></b>",
      "<a x=1/>",
      '<a x="1" x="2"/>',
      "<a>&nbsp;</a>",
      "<a>&</a>",
      "<a/><b/>",
      '<a x="<"/>',
      "<a>\u001b</a>",
      "<a>&#x1b;</a>",
      "<a>\ud800</a>",
      "text",
    ]) {
      expect(() => parseXml(bad), bad).toThrow();
    }
  });
});
