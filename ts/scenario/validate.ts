/**
 * Scenario validation before anything runs: strict JSON (json.ts), shape (zod/mini) and
 * names (the ops table). Every problem has its JSON path and a code, like a zod issue;
 * the list stops at MAX_PROBLEMS and counts the rest. Nothing of the run-time rules
 * (docs/rules.md) is checked here. Records are read key by key, so a device, host bridge
 * or switch named "__proto__" or "constructor" is an ordinary name.
 */
import * as z from "zod/mini";
import enLocale from "zod/v4/locales/en.js";
import { DmaBufError } from "../core/errors.js";
import { U64_MAX } from "../core/u64.js";
import { didYouMean } from "../core/nearest.js";
import { device, hostBridge, LIMITS, name, pciSwitch } from "./fields.js";
import { rowOf, unknownOp, type NameKind } from "./ops.js";
import { scenarioFields, stepSchema, type Scenario, type Step } from "./schema.js";
import { decodeUtf8, parseJson, Problems, setOwn, type Issue } from "./json.js";
import { checkPlain } from "./plain.js";
import { scenarioHints, type Hint } from "./hints.js";

export { MAX_PROBLEMS } from "./json.js";
export type { Hint } from "./hints.js";
export type { Issue } from "./json.js";
export { mappingName } from "./ops.js";

/** `steps[3].backing.ranges[0].addr` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "(root)";
}

/** Invalid scenario input: `issues` lists the first problems with their paths, `more` counts the rest. Exit code 2. */
export class ScenarioError extends DmaBufError {
  override name = "ScenarioError";
  constructor(
    readonly issues: Issue[],
    readonly more = 0,
  ) {
    super(
      "EINVAL",
      issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("\n") + (more ? `\n… and ${more} more problem(s)` : ""),
      issues[0]?.path ?? [],
    );
  }
}

/** The machine-readable problem list (`validate --json`): `{"problems":[{path, code, message}], "more": n}`. */
export function problemsJson(e: ScenarioError): { problems: { path: (string | number)[]; code: string; message: string }[]; more: number } {
  return { problems: e.issues.map(({ path, code, message }) => ({ path, code, message })), more: e.more };
}

// ---- shape ----

type Path = (string | number)[];
type Json = Record<string, unknown>;
const asObject = (v: unknown): Json | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined);
const en = enLocale().localeError;
/** zod's English messages, with "missing required field" for an absent one. */
const messages: z.core.$ZodErrorMap = (iss) =>
  iss.code === "invalid_type" && iss.input === undefined ? `missing required field (expected ${iss.expected})` : en(iss);
const ctx: z.core.ParseContextInternal<z.core.$ZodIssue> = { error: messages, async: false };
const unwrap = (m: unknown) => (typeof m === "string" ? m : (m as { message?: string } | undefined)?.message);
/** An issue's message, in zod's order: its own, its schema's or check's error map, ours. */
const messageOf = (iss: z.core.$ZodRawIssue): string =>
  iss.message ?? unwrap((iss.inst?._zod.def.error as z.core.$ZodErrorMap | undefined)?.(iss as never)) ?? unwrap(messages(iss as never)) ?? "Invalid input";

/**
 * Checks `input` against `schema`; problems go to `problems` under the path `at`.
 * It runs the schema directly (zod's `_zod.run`, what safeParse does inside) because a
 * failed safeParse costs about 20 µs: a huge input fails millions of times, and past
 * the first MAX_PROBLEMS the issues are only counted, never given messages.
 */
function shape<T>(schema: z.core.$ZodType<T>, input: unknown, at: Path, problems: Problems): T | undefined {
  const r = schema._zod.run({ value: input, issues: [] }, ctx) as z.core.ParsePayload<T>;
  if (!r.issues.length) return r.value;
  for (const i of r.issues) {
    if (problems.full) {
      problems.more += i.code === "unrecognized_keys" ? i.keys.length : 1;
      continue;
    }
    const path = [...at, ...(i.path ?? []).map((x) => (typeof x === "symbol" ? String(x) : x))];
    if (i.code === "unrecognized_keys") {
      const known = Object.keys((i.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape ?? {});
      for (const k of i.keys) problems.add([...path, k], "unrecognized_keys", `unknown field${didYouMean(k, known)}`);
    } else problems.add(path, i.code, messageOf(i));
  }
  return undefined;
}

const object = z.record(z.string(), z.unknown());
const top = z.strictObject({
  ...scenarioFields,
  hostBridges: z.optional(object),
  switches: z.optional(object),
  devices: object,
  steps: z.array(z.unknown()).check(z.maxLength(LIMITS.steps, { error: `at most ${LIMITS.steps} steps` })),
});

/** A record checked key by key (zod's records skip a "__proto__" key). */
function record<T>(input: Record<string, unknown> | undefined, field: string, value: z.core.$ZodType<T>, problems: Problems): Record<string, T> | undefined {
  if (input === undefined) return undefined;
  const out: Record<string, T> = {};
  let ok = true;
  for (const k of Object.keys(input)) {
    const keyProblems = new Problems();
    const key = shape(name, k, [], keyProblems);
    if (key === undefined) problems.add([field, k], "invalid_key", `Invalid key in record: ${keyProblems.issues.map((i) => i.message).join("; ")}`);
    const v = shape(value, input[k], [field, k], problems);
    if (key === undefined || v === undefined) ok = false;
    else setOwn(out, k, v);
  }
  return ok ? out : undefined;
}

/** Shape of the whole scenario, one record entry and one step at a time; undefined when anything failed. */
function checkShape(input: unknown, problems: Problems): Scenario | undefined {
  const t = shape(top, input, [], problems);
  // the records and steps are read from the input itself: zod's record output drops a "__proto__" key
  const fields = obj(input);
  const hostBridges = record(asObject(fields.hostBridges), "hostBridges", hostBridge, problems);
  const switches = record(asObject(fields.switches), "switches", pciSwitch, problems);
  const devices = record(asObject(fields.devices), "devices", device, problems);
  const stepsIn = Array.isArray(fields.steps) ? fields.steps : [];
  const steps: Step[] = [];
  stepsIn.forEach((st, i) => {
    // a step that is no object or has no known op is one issue of the union: once the list is full, count it without zod
    if (problems.full && !rowOf(asObject(st)?.op)) return void problems.more++;
    const s = shape(stepSchema, st, ["steps", i], problems);
    if (s) steps.push(s as Step);
  });
  if (!t || !devices || steps.length !== stepsIn.length || (fields.hostBridges !== undefined && !hostBridges) || (fields.switches !== undefined && !switches))
    return undefined;
  const out = { ...t, devices, steps } as Scenario;
  if (hostBridges) out.hostBridges = hostBridges;
  if (switches) out.switches = switches;
  return out;
}

/** Device sanity: IOMMU windows and BARs page aligned and not wrapping, real segment limits. */
function checkDevices(s: Scenario, problems: Problems): void {
  const PAGE = 4096n;
  const wraps = (base: bigint, size: bigint) => size - 1n > U64_MAX - base;
  for (const [n, d] of Object.entries(s.devices)) {
    if (d.iommu) {
      const { base, size } = d.iommu;
      if (size === 0n || base % PAGE || size % PAGE || wraps(base, size)) {
        problems.add(["devices", n, "iommu"], "invalid_iommu", "the IOVA window must be page aligned, non-empty and must not wrap past 2^64 - 1");
      }
    }
    d.bars?.forEach((b, i) => {
      if (b.size === 0n || wraps(b.cpu, b.size) || wraps(b.bus, b.size))
        problems.add(["devices", n, "bars", i], "invalid_bar", "a BAR must be non-empty and must not wrap past 2^64 - 1");
    });
    if (d.maxSegmentSize === 0n) problems.add(["devices", n, "maxSegmentSize"], "too_small", "must be at least 1");
    const m = d.segBoundaryMask;
    if (m !== undefined && m !== U64_MAX && (m + 1n) & m)
      problems.add(["devices", n, "segBoundaryMask"], "invalid_mask", "must be 2^k - 1 (all ones for no boundary)");
  }
}

// ---- names ----

const obj = (v: unknown): Json => asObject(v) ?? {};
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const article = (op: string) => (/^[aeiou]/.test(op) ? `an ${op}` : `a ${op}`);

/** Reference checks on the raw input, so they are reported together with shape errors. */
function checkNames(input: unknown, problems: Problems): void {
  const s = obj(input);
  const devs = obj(s.devices);
  const roots = new Set(Object.keys(obj(s.hostBridges)));
  const switches = new Set(Object.keys(obj(s.switches)));
  const declaredIn: Record<NameKind, Set<string>> = { device: new Set(Object.keys(devs)), buffer: new Set(), attachment: new Set(), mapping: new Set() };
  const devices = declaredIn.device;
  if (devices.size > LIMITS.devices) problems.add(["devices"], "too_big", `at most ${LIMITS.devices} devices`);
  for (const [n, raw] of Object.entries(devs)) {
    const d = obj(raw);
    const root = str(d.root);
    const sw = str(d.switch);
    const pf = str(d.pf);
    if (root !== undefined && !roots.has(root)) problems.add(["devices", n, "root"], "undeclared_name", `host bridge "${root}" is not declared in hostBridges`);
    if (sw !== undefined && !switches.has(sw)) problems.add(["devices", n, "switch"], "undeclared_name", `switch "${sw}" is not declared in switches`);
    if (pf !== undefined && !devices.has(pf)) problems.add(["devices", n, "pf"], "undeclared_name", `device "${pf}" is not declared`);
    const idx = new Set<unknown>();
    arr(d.bars).forEach((b, i) => {
      const index = obj(b).index;
      if (idx.has(index)) problems.add(["devices", n, "bars", i, "index"], "duplicate_bar", `BAR ${String(index)} is declared twice`);
      idx.add(index);
    });
  }
  const declared = new Map<string, string>();
  const need = (path: Path, n: string | undefined, kind: NameKind) => {
    if (n === undefined || declaredIn[kind].has(n)) return;
    problems.add(path, "undeclared_name", kind === "device" ? `device "${n}" is not declared in devices` : `${kind} "${n}" is not declared by an earlier step`);
  };
  arr(s.steps).forEach((raw, i) => {
    const st = obj(raw);
    const row = rowOf(st.op);
    if (row) {
      for (const [field, use] of Object.entries(row.names) as [string, (typeof row.names)[string]][]) {
        if (!use) continue;
        if ("needs" in use) {
          need(["steps", i, field], str(st[field]), use.needs);
          continue;
        }
        const given = str(st[field]);
        const n = given ?? row.defaultName?.(i);
        if (n === undefined) continue;
        const path = given === undefined ? ["steps", i] : ["steps", i, field];
        const prev = declared.get(n);
        if (prev) problems.add(path, "duplicate_name", `name "${n}" is already used by ${prev}`);
        else declared.set(n, `${article(st.op as string)} at ${formatPath(["steps", i])}`);
        declaredIn[use.declares].add(n);
      }
    }
    const exp = obj(st.expect);
    arr(exp.notified).forEach((n, k) => need(["steps", i, "expect", "notified", k], str(n), "attachment"));
    arr(exp.stale).forEach((n, k) => need(["steps", i, "expect", "stale", k], str(n), "mapping"));
  });
}

// ---- entry points ----

/** Parses and checks a scenario (already JSON-decoded); throws ScenarioError listing the problems. */
export function parseScenario(input: unknown): Scenario {
  const problems = new Problems();
  // an object from the API may be sparse, huge, cyclic or unreadable: refused with paths before the schema walks it
  if (!checkPlain(input, problems)) throw new ScenarioError(problems.issues, problems.more);
  return validate(input, problems);
}

/** Shape, devices and names of `input` (plain data: parsed JSON, or an object checkPlain passed). */
function validate(input: unknown, problems: Problems): Scenario {
  const s = checkShape(input, problems);
  if (s) checkDevices(s, problems);
  checkNames(input, problems);
  if (problems.count) throw new ScenarioError(problems.issues, problems.more);
  const hints = scenarioHints(input);
  if (hints.size) HINTS.set(s!, hints);
  return s!;
}

/** The authoring hints of each validated scenario (hints.ts), kept beside it. */
const HINTS = new WeakMap<Scenario, Map<number, Hint[]>>();

/**
 * The authoring hints of a validated scenario by step index (a JSON path and a hint): values the
 * run will refuse that look like a slip of notation, such as a decimal size that would be
 * page aligned in hex. The runner adds them to the step's refusal; `validate` prints them.
 */
export function scenarioHintsOf(s: Scenario): ReadonlyMap<number, readonly Hint[]> {
  return HINTS.get(s) ?? new Map();
}

/** Reads strict JSON text (json.ts) and validates it; malformed JSON is a ScenarioError too. */
export function parseScenarioText(text: string): Scenario {
  const problems = new Problems();
  const json = parseJson(text, problems);
  if (problems.count) throw new ScenarioError(problems.issues, problems.more);
  return validate(json!.value, problems);
}

/** Decodes UTF-8 bytes strictly (a byte that is not UTF-8 is a problem) and validates the scenario. */
export function parseScenarioBytes(bytes: Uint8Array): Scenario {
  const r = decodeUtf8(bytes);
  if ("issue" in r) throw new ScenarioError([r.issue]);
  return parseScenarioText(r.text);
}

/** The unknown ops of `steps` as problems (runScenario refuses them before running anything). */
export function checkOps(steps: readonly { op: unknown }[]): void {
  const problems = new Problems();
  steps.forEach((st, i) => rowOf(st?.op) || problems.add(["steps", i, "op"], "invalid_union", unknownOp(st?.op)));
  if (problems.count) throw new ScenarioError(problems.issues, problems.more);
}
