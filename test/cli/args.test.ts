// The shared command-line parser (ts/util): the flag forms users type, help, errors.
import { describe, expect, it } from "vitest";
import { BENCH_SUITES, COMMANDS, helpText, parseCli, parseSubcommand } from "../../ts/util/commands.js";
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
    expect(parseCli(["bench", "--quick=false", "--json"])).toMatchObject({ quick: false, json: true });
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
    expect(parseCli(["bench", "--suite", "sweep,ops"])).toMatchObject({ suite: ["sweep", "ops"] });
    expect(parseCli(["bench"])).toMatchObject({ suite: [...BENCH_SUITES] });
    expect(usage(["bench", "--suite", "ops,nope"])).toMatch(/unknown "nope"/);
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

  it("every help text shows the defaults: fuzz seed and ops, the bench suites", () => {
    expect(helpText("fuzz")).toMatch(/--seed S\s+random seed \(default: 1\)/);
    expect(helpText("fuzz")).toMatch(/--ops N\s+number of operations \(default: 10000\)/);
    expect(helpText("bench")).toMatch(new RegExp(`--suite LIST .*${BENCH_SUITES.join(", ")} \\(default: all\\)`));
    expect(helpText("run")).toMatch(/--reporter NAME\s+report format: text, junit, tap \(default: text\)/);
    for (const name of Object.keys(COMMANDS)) expect(helpText(), name).toMatch(new RegExp(`^  ${name}\\b`, "m"));
  });

  it("bench parses alone (npm run bench) and names exactly the suites bench/ defines", async () => {
    expect(parseSubcommand("bench", ["--quick"])).toMatchObject({ command: "bench", quick: true });
    const { SUITES } = await import("../../bench/suites.js");
    expect(Object.keys(SUITES)).toEqual([...BENCH_SUITES]);
  });
});

describe("the strict XML checker used on JUnit output", () => {
  it("accepts well-formed XML and rejects each kind of malformation", () => {
    const ok = parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<a x="1 &amp; 2"><b y='&#x41;'/>t&lt;</a>\n`);
    expect(ok).toMatchObject({ name: "a", attrs: { x: "1 & 2" }, text: "t<", children: [{ name: "b", attrs: { y: "A" } }] });
    for (const bad of ["<a>", "<a></b>", "<a x=1/>", '<a x="1" x="2"/>', "<a>&nbsp;</a>", "<a>&</a>", "<a/><b/>", '<a x="<"/>', "<a>\u001b</a>", "<a>&#x1b;</a>", "<a>\ud800</a>", "text"]) {
      expect(() => parseXml(bad), bad).toThrow();
    }
  });
});
