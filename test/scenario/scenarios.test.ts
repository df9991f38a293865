import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { parseScenario, parseScenarioText, ScenarioError } from "../../ts/scenario/validate.js";
import { runScenario, checkExpect } from "../../ts/scenario/runner.js";
import { scenarioJsonSchema } from "../../ts/scenario/schema.js";
import { DEMO_SCENARIO } from "../../ts/scenario/demo.js";
import * as ref from "../../ts/reference/ops.js";
import { core } from "../helpers.js";

const c = core();
const dir = new URL("../../scenarios/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort();
const load = (f: string) => readFileSync(new URL(f, dir), "utf8");

describe("shipped scenarios", () => {
  it("there is one for each situation and design", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "vf-bar-to-pf-iov.json",
        "p2p-gpu-sgt.json",
        "vfio-physvec-revoke.json",
        "five-containers.json",
        "static-importer-pin.json",
        "move-notify.json",
      ]),
    );
  });

  it.each(files)("%s: every expectation holds, and two runs give identical bytes", (f) => {
    const s = parseScenarioText(load(f));
    const a = runScenario(s, c);
    const failures = a.details.flatMap((d, i) => d.failures.map((x) => `step ${i}: ${x}`));
    expect(failures).toEqual([]);
    expect(a.output.passed).toBe(true);
    expect(JSON.stringify(runScenario(parseScenarioText(load(f)), c).output)).toBe(JSON.stringify(a.output));
  });

  it("the demo passes, and leaves nothing allocated in the core", () => {
    const before = c.usage();
    expect(runScenario(parseScenario(DEMO_SCENARIO), c).output.passed).toBe(true);
    expect(c.usage()).toEqual(before);
  });

  it("five containers give the same entries and hash, equal to the reference hash", () => {
    const out = runScenario(parseScenarioText(load("five-containers.json")), c).output;
    const maps = out.steps.filter((s) => s.op === "map");
    const es = [
      [0x10000n, 0x1000n],
      [0x11000n, 0x2000n],
      [0xfffffffffffff000n, 0x1000n],
      [0x80000n, 0x3000n],
    ].map(([addr, len]) => ({ addr: addr!, len: len! }));
    const want = "0x" + ref.hash(es).toString(16).padStart(16, "0");
    expect(maps.map((m) => (m.result as { hash: string }).hash)).toEqual(Array(5).fill(want));
    expect(maps.map((m) => (m.result as { container: string }).container)).toEqual(["sgt", "physvec", "mapping", "ranges", "xarray"]);
  });
});

describe("output format (docs/rules.md#output)", () => {
  const out = runScenario(parseScenarioText(load("vf-bar-to-pf-iov.json")), c).output;
  it("has the documented keys in order", () => {
    expect(Object.keys(out)).toEqual(["name", "passed", "steps", "traceHash"]);
    expect(out.steps.map((s) => Object.keys(s).join(","))).toEqual([
      "i,op,ok",
      "i,op,ok,result",
      "i,op,ok",
      "i,op,ok,result",
      "i,op,ok,error",
      "i,op,ok",
      "i,op,ok,result",
      "i,op,ok",
      "i,op,ok,error",
      "i,op,ok",
      "i,op,ok",
      "i,op,ok,error",
      "i,op,ok",
    ]);
    expect(out.steps[3]).toEqual({
      i: 3,
      op: "map",
      ok: true,
      result: { interconnect: "iov", container: "ranges", nelms: 2, bytes: "0x200000", hash: expect.stringMatching(/^0x[0-9a-f]{16}$/), barNumber: 2 },
    });
    expect(Object.keys(out.steps[3]!.result!)).toEqual(["interconnect", "container", "nelms", "bytes", "hash", "barNumber"]);
    expect(out.steps[6]!.result).toEqual({ notified: ["a0"], stale: ["m0"] });
    expect(out.steps[8]).toEqual({ i: 8, op: "map", ok: false, error: "ENODEV" });
  });

  it("hashes the iov entries (BAR offsets) by FNV-1a 64, and traceHash is FNV-1a 64 of JSON.stringify(steps)", () => {
    const h = (out.steps[3]!.result as { hash: string }).hash;
    expect(h).toBe(
      "0x" +
        ref
          .hash([
            { addr: 0n, len: 0x100000n },
            { addr: 0x200000n, len: 0x100000n },
          ])
          .toString(16)
          .padStart(16, "0"),
    );
    const th = ref.fnv1a64(new TextEncoder().encode(JSON.stringify(out.steps)));
    expect(out.traceHash).toBe("0x" + th.toString(16).padStart(16, "0"));
  });

  it("u64 values are lowercase hex without leading zeros", () => {
    const s = parseScenario({
      name: "z",
      devices: { d: {} },
      steps: [
        { op: "export", buffer: "b", exporter: "d", size: 4096, backing: { kind: "system", ranges: [{ addr: "0", len: "0x1000" }] } },
        { op: "attach", buffer: "b", importer: "d", as: "a" },
        { op: "map", attachment: "a" },
      ],
    });
    const o = runScenario(s, c).output;
    expect(o.steps[2]!.result).toMatchObject({ bytes: "0x1000", nelms: 1 });
    expect(JSON.stringify(o)).not.toMatch(/0x0[0-9a-f]+"/);
  });
});

describe("expectations", () => {
  const base = {
    name: "e",
    devices: { d: {} },
    steps: [{ op: "export", buffer: "b", exporter: "d", size: "0x1000", backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } }],
  };
  const run = (steps: unknown[]) => runScenario(parseScenario({ ...base, steps: [...base.steps, ...steps] }), c);
  it("a failure without expect.error, a success with one, or a different result fails the run, which still goes to the end", () => {
    const r = run([
      { op: "attach", buffer: "b", importer: "d", as: "a", expect: { error: "EINVAL" } },
      { op: "close", buffer: "b" },
      { op: "map", attachment: "a", expect: { nelms: 99 } },
      { op: "revoke", buffer: "b" },
    ]);
    expect(r.output.passed).toBe(false);
    expect(r.details[1]!.failures).toEqual(["expected EINVAL but the step succeeded"]);
    expect(r.details[2]!.failures[0]).toMatch(/EBUSY/);
    expect(r.details[3]!.failures[0]).toMatch(/nelms = 99, got 1/);
    expect(r.details[4]!.failures[0]).toMatch(/EOPNOTSUPP .* but no error was expected/);
    expect(r.output.steps).toHaveLength(5);
  });
  it("checkExpect compares u64 fields as numbers and lists as ordered lists", () => {
    const rec = {
      op: "map" as const,
      ok: true,
      notifications: [],
      result: { interconnect: "sgt" as const, container: "sgt" as const, nelms: 1, bytes: 0x1000n, hash: 5n },
    };
    expect(checkExpect({ bytes: 4096n, hash: 5n }, rec)).toEqual([]);
    expect(checkExpect({ bytes: 1n }, rec)).toEqual(["expected bytes = 0x1, got 0x1000"]);
    expect(checkExpect({ notified: ["x"] }, rec)).toEqual(['expected notified = ["x"] but this step has no notified']);
  });
});

describe("validation", () => {
  const errs = (input: unknown) => {
    try {
      parseScenario(input);
      return [];
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      return (e as ScenarioError).issues.map((i) => `${i.path.join("/")}: ${i.message}`);
    }
  };
  const sc = (steps: unknown[], devices: unknown = { d: {} }) => ({ name: "v", devices, steps });
  const exp = (size: unknown, ranges: unknown[] = [{ addr: "0x1000", len: "0x1000" }]) => ({
    op: "export",
    buffer: "b",
    exporter: "d",
    size,
    backing: { kind: "system", ranges },
  });

  it.each([
    ["0x1000", true],
    ["4096", true],
    [4096, true],
    ["0xFFFFFFFFFFFFFFFF", true],
    ["18446744073709551615", true],
    ["0x10000000000000000", false],
    ["18446744073709551616", false],
    [9007199254740992, false],
    [-1, false],
    [1.5, false],
    ["0x", false],
    ["0xg", false],
    ["-5", false],
    [" 5", false],
    [true, false],
    [null, false],
  ])("u64 %s accepted: %s", (v, ok) => {
    expect(errs(sc([exp(v)])).length === 0).toBe(ok);
  });

  it("reports every problem at once with its JSON path", () => {
    const problems = errs({
      name: "v",
      extra: 1,
      devices: { d: { root: "r0" }, e: { pf: "nope", colour: "red" } },
      steps: [
        exp("0x1000"),
        { op: "attach", buffer: "zz", importer: "d", as: "b" },
        { op: "fly" },
        { op: "map", attachment: "a0" },
        { op: "unmap", mapping: "#9" },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "extra: unknown field",
        "devices/e/colour: unknown field",
        'devices/d/root: host bridge "r0" is not declared in hostBridges',
        'devices/e/pf: device "nope" is not declared',
        'steps/1/buffer: buffer "zz" is not declared by an earlier step',
        'steps/1/as: name "b" is already used by an export at steps[0]',
        expect.stringMatching(/^steps\/2\/op: unknown op "fly"/),
        'steps/3/attachment: attachment "a0" is not declared by an earlier step',
        'steps/4/mapping: mapping "#9" is not declared by an earlier step',
      ]),
    );
  });

  it("default mapping names #i are names too; expect names must be declared; codes and containers are checked", () => {
    const steps = [exp("0x1000"), { op: "attach", buffer: "b", importer: "d", as: "a" }, { op: "map", attachment: "a" }, { op: "unmap", mapping: "#2" }];
    expect(errs(sc(steps))).toEqual([]);
    expect(errs(sc([...steps, { op: "map", attachment: "a", as: "#2" }]))).toEqual(['steps/4/as: name "#2" is already used by a map at steps[2]']);
    expect(
      errs(sc([...steps, { op: "revoke", buffer: "b", expect: { notified: ["ghost"], error: "EWHAT" } }, { op: "map", attachment: "a", container: "tree" }]))
        .length,
    ).toBe(3);
  });

  it("shape only: run-time rules (alignment, sums, overlap) are not validation errors", () => {
    expect(errs(sc([exp("0x1001", [{ addr: "0x1", len: "0" }])]))).toEqual([]);
  });

  it("malformed JSON is a validation error, not a crash", () => {
    expect(() => parseScenarioText("{ nope")).toThrow(ScenarioError);
    expect(() => parseScenarioText("[]")).toThrow(/expected object/);
  });

  it("the committed JSON Schema is the one the zod schemas generate (run npm run schemas)", () => {
    const committed = JSON.parse(readFileSync(new URL("../../schemas/scenario.schema.json", import.meta.url), "utf8"));
    expect(committed).toEqual(scenarioJsonSchema());
    for (const f of files) expect(JSON.parse(load(f)).$schema).toBe("../schemas/scenario.schema.json");
  });
});
