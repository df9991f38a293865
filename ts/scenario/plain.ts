/**
 * A scenario given as an object (parseScenario from the API, not JSON text) may be
 * anything JSON cannot be: sparse arrays, arrays of length 2^32 - 1, cycles, getters
 * that throw. Before the schema walks it, this pass refuses those with their paths
 * (docs/scenarios.md#limits): an array longer than MAX_ARRAY in O(1) (its length is
 * read, not its entries), a hole at the first one, a cycle where it closes, a value
 * that cannot be read where it is. JSON text never has them and skips this pass.
 */
import { LIMITS } from "./fields.js";
import type { Problems } from "./json.js";

/** The longest array of the format: a backing's ranges. */
export const MAX_ARRAY = Math.max(LIMITS.steps, LIMITS.rangesPerBacking);

type Path = (string | number)[];

function describe(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return "an unprintable value";
  }
}

/** The children of `v` with their keys; a hole or a huge length is a problem (and no children). */
function children(v: object, path: Path, problems: Problems): [string | number, unknown][] {
  if (Array.isArray(v)) {
    const n = v.length;
    if (n > MAX_ARRAY) return (problems.add(path, "too_big", `an array of ${n} entries is longer than any of the format (at most ${MAX_ARRAY})`), []);
    const out: [number, unknown][] = [];
    for (let i = 0; i < n; i++) {
      if (!(i in v)) return (problems.add([...path, i], "sparse_array", "is a hole: a scenario's arrays have no holes (a sparse array)"), []);
      out.push([i, v[i]]);
    }
    return out;
  }
  return Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
}

/** Adds a problem for each sparse, huge, cyclic or unreadable part of `input`; true when there was none. */
export function checkPlain(input: unknown, problems: Problems): boolean {
  const before = problems.count;
  const onPath = new WeakSet<object>();
  // an explicit stack: any depth; an exit marker takes an object off the current path
  const stack: { v: unknown; path: Path; exit?: object }[] = [{ v: input, path: [] }];
  while (stack.length && !problems.full) {
    const { v, path, exit } = stack.pop()!;
    if (exit) {
      onPath.delete(exit);
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (onPath.has(v)) {
      problems.add(path, "cycle", "refers to an object that contains it (a cycle)");
      continue;
    }
    let kids: [string | number, unknown][];
    try {
      kids = children(v, path, problems);
    } catch (e) {
      problems.add(path, "unreadable", `cannot be read (threw ${describe(e)})`);
      continue;
    }
    onPath.add(v);
    stack.push({ v: undefined, path, exit: v });
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ v: kids[i]![1], path: [...path, kids[i]![0]] });
  }
  return problems.count === before;
}
