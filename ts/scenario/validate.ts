/**
 * Scenario validation before anything runs: shape (zod) and names. Every problem is
 * reported with its JSON path; nothing of section 4's run-time rules is checked here.
 */
import type { z } from "zod";
import { DmaBufError } from "../core/errors.js";
import { scenarioSchema, LIMITS, type Scenario } from "./schema.js";
import { U64_MAX } from "../core/u64.js";

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

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Reference checks on the raw input, so they are reported together with shape errors. */
function checkNames(input: unknown): Issue[] {
  const issues: Issue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const s = obj(input);
  const devs = obj(s.devices);
  const devices = new Set(Object.keys(devs));
  const roots = new Set(Object.keys(obj(s.hostBridges)));
  const switches = new Set(Object.keys(obj(s.switches)));
  if (devices.size > LIMITS.devices) add(["devices"], `at most ${LIMITS.devices} devices`);
  for (const [n, raw] of Object.entries(devs)) {
    const d = obj(raw);
    const root = str(d.root);
    const sw = str(d.switch);
    const pf = str(d.pf);
    if (root !== undefined && !roots.has(root)) add(["devices", n, "root"], `host bridge "${root}" is not declared in hostBridges`);
    if (sw !== undefined && !switches.has(sw)) add(["devices", n, "switch"], `switch "${sw}" is not declared in switches`);
    if (pf !== undefined && !devices.has(pf)) add(["devices", n, "pf"], `device "${pf}" is not declared`);
    const idx = new Set<unknown>();
    arr(d.bars).forEach((b, i) => {
      const index = obj(b).index;
      if (idx.has(index)) add(["devices", n, "bars", i, "index"], `BAR ${String(index)} is declared twice`);
      idx.add(index);
    });
  }
  const buffers = new Set<string>();
  const attachments = new Set<string>();
  const mappings = new Set<string>();
  const declared = new Map<string, string>();
  const declare = (path: (string | number)[], n: string | undefined, kind: string) => {
    if (n === undefined) return;
    const prev = declared.get(n);
    if (prev) add(path, `name "${n}" is already used by ${prev}`);
    else declared.set(n, `${kind} at ${formatPath(path.slice(0, 2))}`);
  };
  const needDevice = (path: (string | number)[], n: string | undefined) => n === undefined || devices.has(n) || add(path, `device "${n}" is not declared in devices`);
  const need = (set: Set<string>, kind: string) => (path: (string | number)[], n: string | undefined) =>
    n === undefined || set.has(n) || add(path, `${kind} "${n}" is not declared by an earlier step`);
  const needBuffer = need(buffers, "buffer");
  const needAttachment = need(attachments, "attachment");
  const needMapping = need(mappings, "mapping");
  arr(s.steps).forEach((raw, i) => {
    const st = obj(raw);
    const p = (f: string) => ["steps", i, f];
    const f = (k: string) => str(st[k]);
    switch (st.op) {
      case "export":
        declare(p("buffer"), f("buffer"), "an export");
        needDevice(p("exporter"), f("exporter"));
        if (f("buffer") !== undefined) buffers.add(f("buffer")!);
        break;
      case "attach":
        needBuffer(p("buffer"), f("buffer"));
        needDevice(p("importer"), f("importer"));
        declare(p("as"), f("as"), "an attach");
        if (f("as") !== undefined) attachments.add(f("as")!);
        break;
      case "map": {
        needAttachment(p("attachment"), f("attachment"));
        const n = mappingName({ as: f("as") }, i);
        declare(f("as") === undefined ? ["steps", i] : p("as"), n, "a map");
        mappings.add(n);
        break;
      }
      case "unmap":
        needMapping(p("mapping"), f("mapping"));
        break;
      case "detach":
      case "pin":
      case "unpin":
        needAttachment(p("attachment"), f("attachment"));
        break;
      case "lock":
      case "unlock":
        needBuffer(p("buffer"), f("buffer"));
        needDevice(p("holder"), f("holder"));
        break;
      case "move":
      case "revoke":
      case "restore":
      case "close":
        needBuffer(p("buffer"), f("buffer"));
    }
    const exp = obj(st.expect);
    arr(exp.notified).forEach((n, k) => needAttachment(["steps", i, "expect", "notified", k], str(n)));
    arr(exp.stale).forEach((n, k) => needMapping(["steps", i, "expect", "stale", k], str(n)));
  });
  return issues;
}

/** Device sanity: IOMMU windows and BARs page aligned and not wrapping, real segment limits. */
function checkDevices(s: Scenario): Issue[] {
  const issues: Issue[] = [];
  const PAGE = 4096n;
  const wraps = (base: bigint, size: bigint) => size - 1n > U64_MAX - base;
  for (const [n, d] of Object.entries(s.devices)) {
    if (d.iommu) {
      const { base, size } = d.iommu;
      if (size === 0n || base % PAGE || size % PAGE || wraps(base, size)) {
        issues.push({ path: ["devices", n, "iommu"], message: "the IOVA window must be page aligned, non-empty and must not wrap past 2^64 - 1" });
      }
    }
    d.bars?.forEach((b, i) => {
      if (b.size === 0n || wraps(b.cpu, b.size) || wraps(b.bus, b.size)) issues.push({ path: ["devices", n, "bars", i], message: "a BAR must be non-empty and must not wrap past 2^64 - 1" });
    });
    if (d.maxSegmentSize === 0n) issues.push({ path: ["devices", n, "maxSegmentSize"], message: "must be at least 1" });
    const m = d.segBoundaryMask;
    if (m !== undefined && m !== U64_MAX && (m + 1n) & m) issues.push({ path: ["devices", n, "segBoundaryMask"], message: "must be 2^k - 1 (all ones for no boundary)" });
  }
  return issues;
}

function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.flatMap((i) => {
    const path = i.path.map((x) => (typeof x === "symbol" ? String(x) : x));
    if (i.code === "unrecognized_keys") return i.keys.map((k) => ({ path: [...path, k], message: "unknown field" }));
    const missing = i.code === "invalid_type" && / received undefined$/.test(i.message);
    return [{ path, message: missing ? `missing required field (expected ${i.expected})` : i.message }];
  });
}

/** Parses and checks a scenario (already JSON-decoded); throws ScenarioError listing every problem. */
export function parseScenario(input: unknown): Scenario {
  const r = scenarioSchema.safeParse(input);
  const issues = [...(r.success ? checkDevices(r.data) : zodIssues(r.error)), ...checkNames(input)];
  if (issues.length) throw new ScenarioError(issues);
  return r.data!;
}

/** Decodes JSON text and validates it; malformed JSON is a ScenarioError too. */
export function parseScenarioText(text: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new ScenarioError([{ path: [], message: `malformed JSON: ${(e as Error).message}` }]);
  }
  return parseScenario(json);
}
