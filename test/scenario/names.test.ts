// Names that are Object.prototype keys ("__proto__", "constructor", "toString"…) are
// ordinary names for every kind of object: a scenario gives the same run with them as
// with plain names, and validation and the run agree (what validates runs; a name that is
// not declared is refused by validation, whatever it is called).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseScenario, parseScenarioText, ScenarioError } from "../../ts/scenario/validate.js";
import { runScenario } from "../../ts/scenario/runner.js";
import { core, RUNS, SEED } from "../helpers.js";

const c = core();
const HOSTILE = ["__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "__defineGetter__", "prototype", "length", "0", "#3"];
const ROLES = ["hb", "sw", "vfPf", "vf", "exporter", "importer", "buffer", "attachment", "mapping"] as const;
type Names = Record<(typeof ROLES)[number], string>;
const PLAIN = Object.fromEntries(ROLES.map((r) => [r, `plain-${r}`])) as Names;

/** A scenario that uses every kind of name: host bridge, switch, PF, devices, buffer, attachment, mapping. */
function scenario(n: Names): string {
  const range = { addr: "0x100000000000", len: "0x2000" };
  const bar = { index: 0, cpu: "0x100000000000", bus: "0x80000000", size: "0x100000" };
  return JSON.stringify({
    name: "names",
    hostBridges: { [n.hb]: { p2p: true } },
    switches: { [n.sw]: { acsRedirect: false } },
    devices: {
      [n.vfPf]: { root: n.hb },
      [n.vf]: { root: n.hb, switch: n.sw, pf: n.vfPf },
      [n.exporter]: { root: n.hb, switch: n.sw, bars: [bar] },
      [n.importer]: { root: n.hb, iommu: { base: "0x100000000", size: "0x100000" } },
    },
    steps: [
      { op: "export", buffer: n.buffer, exporter: n.exporter, size: "0x2000", dynamic: true, backing: { kind: "mmio", ranges: [range] } },
      { op: "attach", buffer: n.buffer, importer: n.importer, as: n.attachment, dynamic: true, peer2peer: true },
      { op: "lock", buffer: n.buffer, holder: n.importer },
      { op: "map", attachment: n.attachment, as: n.mapping },
      { op: "unlock", buffer: n.buffer, holder: n.importer },
      { op: "revoke", buffer: n.buffer, expect: { notified: [n.attachment], stale: [n.mapping] } },
      { op: "lock", buffer: n.buffer, holder: n.vf },
      { op: "unlock", buffer: n.buffer, holder: n.vf },
      { op: "lock", buffer: n.buffer, holder: n.importer },
      { op: "unmap", mapping: n.mapping },
      { op: "unlock", buffer: n.buffer, holder: n.importer },
      { op: "detach", attachment: n.attachment },
      { op: "close", buffer: n.buffer },
    ],
  });
}

/** The run's output with every name put back to its plain spelling. */
function run(n: Names) {
  const s = parseScenarioText(scenario(n));
  expect(Object.keys(s.devices).sort()).toEqual([n.vfPf, n.vf, n.exporter, n.importer].sort());
  expect(Object.keys(s.hostBridges!)).toEqual([n.hb]);
  expect(Object.keys(s.switches!)).toEqual([n.sw]);
  const back = new Map(ROLES.map((r) => [n[r], PLAIN[r]]));
  const { output, details } = runScenario(s, c);
  const text = JSON.stringify({ ...output, traceHash: undefined }, (k, v) =>
    Array.isArray(v) && (k === "notified" || k === "stale") ? v.map((x: string) => back.get(x)) : v,
  );
  return { text, subjects: details.map((d) => back.get(d.subject)), passed: output.passed };
}

const names = fc
  .uniqueArray(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ minLength: 1, maxLength: 6 })), { minLength: ROLES.length, maxLength: ROLES.length })
  .map((xs) => Object.fromEntries(ROLES.map((r, i) => [r, xs[i]!])) as Names);

describe("prototype keys as names", () => {
  const plain = run(PLAIN);

  it("the plain scenario passes", () => {
    expect(plain.passed).toBe(true);
  });

  it("every kind of name may be __proto__ (or any prototype key): the same run as with plain names", () => {
    for (const role of ROLES) {
      for (const hostile of HOSTILE) {
        const got = run({ ...PLAIN, [role]: hostile });
        expect(got, `${role} = ${hostile}`).toEqual(plain);
      }
    }
  });

  it("any names: validation accepts, and the run is the plain run", () => {
    fc.assert(
      fc.property(names, (n) => {
        expect(run(n)).toEqual(plain);
      }),
      { seed: SEED, numRuns: Math.min(RUNS, 100) },
    );
  });

  it("a prototype key that is not declared is refused by validation, for every kind of reference", () => {
    for (const hostile of HOSTILE) {
      const text = scenario(PLAIN)
        .replace(`"root":"plain-hb","switch"`, `"root":${JSON.stringify(hostile)},"switch"`)
        .replace(`"pf":"plain-vfPf"`, `"pf":${JSON.stringify(hostile)}`)
        .replace(`"exporter":"plain-exporter"`, `"exporter":${JSON.stringify(hostile)}`)
        .replace(`"unmap","mapping":"plain-mapping"`, `"unmap","mapping":${JSON.stringify(hostile)}`)
        .replace(`"detach","attachment":"plain-attachment"`, `"detach","attachment":${JSON.stringify(hostile)}`)
        .replace(`"close","buffer":"plain-buffer"`, `"close","buffer":${JSON.stringify(hostile)}`);
      try {
        parseScenarioText(text);
        expect.unreachable(hostile);
      } catch (e) {
        expect(e).toBeInstanceOf(ScenarioError);
        const paths = (e as ScenarioError).issues.filter((i) => i.code === "undeclared_name").map((i) => i.path.join("."));
        expect(paths, hostile).toEqual([
          "devices.plain-vf.root",
          "devices.plain-vf.pf",
          "steps.0.exporter",
          "steps.9.mapping",
          "steps.11.attachment",
          "steps.12.buffer",
        ]);
      }
    }
  });

  it("a name with a lone surrogate is refused also when the scenario is given as an object", () => {
    try {
      parseScenario({
        name: "x",
        devices: { ["d\ud800"]: {} },
        steps: [{ op: "export", buffer: "b\udc00", exporter: "d\ud800", size: 4096, backing: { kind: "system", ranges: [] } }],
      });
      expect.unreachable();
    } catch (e) {
      expect((e as ScenarioError).issues.map((i) => [i.path.join("."), i.code])).toEqual([
        ["devices.d\ud800", "invalid_key"],
        ["steps.0.buffer", "custom"],
        ["steps.0.exporter", "custom"],
      ]);
    }
  });
});
