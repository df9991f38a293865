import { initSync, type Core } from "../ts/core/loader.js";

/** Seed for every property test; FC_SEED overrides it to reproduce a report. */
export const SEED = Number(process.env.FC_SEED ?? 20261125);
export const RUNS = Number(process.env.FC_RUNS ?? 200);
/** Entries of the end-to-end big-list test; the mutation runs (vitest.mutate.config.ts) use fewer. */
export const BIG_N = Number(process.env.BIG_N ?? 1_000_000);

export function core(): Core {
  return initSync();
}

/** Runs fn and returns its value or its error code and path, to compare two implementations. */
export function outcome<T>(fn: () => T): { ok: true; value: T } | { ok: false; code: string; path: readonly (string | number)[] } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    const err = e as { code?: string; path?: readonly (string | number)[] };
    if (!err.code) throw e;
    return { ok: false, code: err.code, path: err.path ?? [] };
  }
}
