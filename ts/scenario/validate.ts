/**
 * Scenario validation before anything runs: shape (zod) and names. Every problem is
 * reported with its JSON path; nothing of section 4's run-time rules is checked here.
 */
import type { z } from "zod";
import { DmaBufError } from "../core/errors.js";
import { scenarioSchema, LIMITS, type Scenario } from "./schema.js";

export interface Issue {
  path: (string | number)[];
  message: string;
}

/** `steps[3].backing.ranges[0].addr` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "(root)";
}

/** Invalid scenario input: `issues` lists every problem with its path. Exit code 2. */
export class ScenarioError extends DmaBufError {
  override name = "ScenarioError";
  constructor(readonly issues: Issue[]) {
    super("EINVAL", issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("\n"), issues[0]?.path ?? []);
  }
}

/** The name a map step gives its mapping: `as`, or "#<i>". */
export function mappingName(step: { as?: string | undefined }, i: number): string {
  return step.as ?? `#${i}`;
}

function checkNames(s: Scenario): Issue[] {
  const issues: Issue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const devices = new Set(Object.keys(s.devices));
  const roots = new Set(Object.keys(s.hostBridges ?? {}));
  const switches = new Set(Object.keys(s.switches ?? {}));
  if (devices.size > LIMITS.devices) add(["devices"], `at most ${LIMITS.devices} devices`);
  for (const [n, d] of Object.entries(s.devices)) {
    if (d.root !== undefined && !roots.has(d.root)) add(["devices", n, "root"], `host bridge "${d.root}" is not declared in hostBridges`);
    if (d.switch !== undefined && !switches.has(d.switch)) add(["devices", n, "switch"], `switch "${d.switch}" is not declared in switches`);
    if (d.pf !== undefined && !devices.has(d.pf)) add(["devices", n, "pf"], `device "${d.pf}" is not declared`);
    const idx = new Set<number>();
    d.bars?.forEach((b, i) => {
      if (idx.has(b.index)) add(["devices", n, "bars", i, "index"], `BAR ${b.index} is declared twice`);
      idx.add(b.index);
    });
  }
  const buffers = new Set<string>();
  const attachments = new Set<string>();
  const mappings = new Set<string>();
  const declared = new Map<string, string>(); // name -> what declared it
  const declare = (path: (string | number)[], n: string, kind: string) => {
    const prev = declared.get(n);
    if (prev) add(path, `name "${n}" is already used by ${prev}`);
    else declared.set(n, `${kind} at ${formatPath(path.slice(0, 2))}`);
  };
  const needDevice = (path: (string | number)[], n: string) => devices.has(n) || add(path, `device "${n}" is not declared in devices`);
  const need = (set: Set<string>, kind: string) => (path: (string | number)[], n: string) =>
    set.has(n) || add(path, `${kind} "${n}" is not declared by an earlier step`);
  const needBuffer = need(buffers, "buffer");
  const needAttachment = need(attachments, "attachment");
  const needMapping = need(mappings, "mapping");
  s.steps.forEach((st, i) => {
    const p = (f: string) => ["steps", i, f];
    switch (st.op) {
      case "export":
        declare(p("buffer"), st.buffer, "an export");
        needDevice(p("exporter"), st.exporter);
        buffers.add(st.buffer);
        break;
      case "attach":
        needBuffer(p("buffer"), st.buffer);
        needDevice(p("importer"), st.importer);
        declare(p("as"), st.as, "an attach");
        attachments.add(st.as);
        break;
      case "map":
        needAttachment(p("attachment"), st.attachment);
        declare(st.as === undefined ? ["steps", i] : p("as"), mappingName(st, i), "a map");
        mappings.add(mappingName(st, i));
        break;
      case "unmap":
        needMapping(p("mapping"), st.mapping);
        break;
      case "detach":
      case "pin":
      case "unpin":
        needAttachment(p("attachment"), st.attachment);
        break;
      case "lock":
      case "unlock":
        needBuffer(p("buffer"), st.buffer);
        needDevice(p("holder"), st.holder);
        break;
      default:
        needBuffer(p("buffer"), st.buffer);
    }
    st.expect?.notified?.forEach((n, k) => needAttachment(["steps", i, "expect", "notified", k], n));
    st.expect?.stale?.forEach((n, k) => needMapping(["steps", i, "expect", "stale", k], n));
  });
  return issues;
}

function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map((x) => (typeof x === "symbol" ? String(x) : x)), message: i.message }));
}

/** Parses and checks a scenario (already JSON-decoded); throws ScenarioError listing every problem. */
export function parseScenario(input: unknown): Scenario {
  const r = scenarioSchema.safeParse(input);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const issues = checkNames(r.data);
  if (issues.length) throw new ScenarioError(issues);
  return r.data;
}

/** Decodes JSON text and validates it; malformed JSON is a ScenarioError too. */
export function parseScenarioText(text: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError([{ path: [], message: `malformed JSON: ${(e as Error).message}` }]);
  }
  return parseScenario(json);
}
