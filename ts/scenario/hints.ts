/**
 * Hints for scenario authors that are not problems: a value the run will refuse that
 * looks like a slip of notation. Today one kind: a decimal u64 string that is not page
 * aligned in a field that must be (the ops table's `pageAligned` paths), whose digits
 * read as hex would be ("200000" for 0x200000). The run still refuses it (EINVAL is a
 * run-time rule a scenario may test); the hint rides on that refusal's message.
 */
import { hex } from "../core/u64.js";
import { rowOf } from "./ops.js";

const PAGE = 0x1000n;
const DECIMAL = /^[0-9]{1,20}$/;

/** The hint for one raw value, or undefined. */
export function decimalHint(raw: unknown): string | undefined {
  if (typeof raw !== "string" || !DECIMAL.test(raw)) return undefined;
  const v = BigInt(raw);
  const asHex = BigInt(`0x${raw}`);
  if (v % PAGE === 0n || asHex % PAGE !== 0n || asHex >= 1n << 64n) return undefined;
  return `"${raw}" is decimal ${raw} = ${hex(v)}, not page aligned: did you mean "0x${raw}"?`;
}

/** Every value at `path` ("*" walks an array) below `at`, with its JSON path. */
function* valuesAt(at: unknown, path: readonly string[], where: (string | number)[]): Generator<[unknown, (string | number)[]]> {
  if (!path.length) {
    yield [at, where];
    return;
  }
  const [head, ...rest] = path;
  if (head === "*") {
    if (Array.isArray(at)) for (let k = 0; k < at.length; k++) yield* valuesAt(at[k], rest, [...where, k]);
  } else if (at !== null && typeof at === "object" && Object.hasOwn(at, head!)) {
    yield* valuesAt((at as Record<string, unknown>)[head!], rest, [...where, head!]);
  }
}

/** A hint and the JSON path of the value it is about. */
export interface Hint {
  path: (string | number)[];
  hint: string;
}

/** The hints of a scenario's raw JSON, by step index. */
export function scenarioHints(input: unknown): Map<number, Hint[]> {
  const out = new Map<number, Hint[]>();
  const steps = (input as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return out;
  steps.forEach((st: unknown, i) => {
    const row = rowOf((st as { op?: unknown } | null)?.op);
    for (const path of row?.pageAligned ?? []) {
      for (const [raw, where] of valuesAt(st, path, ["steps", i])) {
        const h = decimalHint(raw);
        if (h) out.set(i, [...(out.get(i) ?? []), { path: where, hint: h }]);
      }
    }
  });
  return out;
}
