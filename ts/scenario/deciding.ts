/**
 * Which row of the profile table (ts/model/profiles.ts, docs/rules.md#profiles) decides
 * a step whose outcome differs between profiles: the explorer's compare view shows it
 * next to each profile's outcome. A row can decide a step when its values differ
 * between the compared profiles, it acts in the step's op, it yields the outcome that
 * tells them apart ({@link ROW_OPS}: where the model and the exporters read it), and
 * its values split the profiles as their outcomes do.
 * A differing step that no such row reaches follows from an earlier differing step (a
 * different interconnect chosen at attach, a mapping left in place): the view says
 * which one.
 */
import { PROFILE_ROWS, type ProfileName, type ProfileRow, type ProfileRules } from "../model/profiles.js";
import type { Op } from "../model/trace.js";
import type { CompareStep } from "./compare.js";

/**
 * Where each rule of the profile table acts: the ops that read it, and the outcomes it
 * yields there (an error code, or "ok" for a successful step whose result differs;
 * none listed: any outcome) and, for "ok", the result fields it changes (none listed:
 * any). A row missing here (a newer profile's row) is taken to act
 * in every op, with any outcome, so it is never hidden.
 */
export const ROW_OPS: Partial<Record<keyof ProfileRules, { ops: readonly Op[]; outcomes?: readonly string[]; fields?: readonly string[] }>> = {
  // ts/model/model.ts revoke(): the early return (notified []), and the wait for unmaps
  revokeIdempotent: { ops: ["revoke"], outcomes: ["ok"], fields: ["notified"] },
  revokeWaitsForUnmaps: { ops: ["revoke"], outcomes: ["EDEADLK"] },
  // ts/model/model.ts restore(): when `revoked` is cleared, around the notifications
  restoreNotifiesFirst: { ops: ["restore"], outcomes: ["ok"] },
  // ts/model/model.ts attach(): a dynamic, non-revocable importer is refused or not; it never changes what an attach chose
  pinnedImporters: { ops: ["attach"], outcomes: ["EINVAL"] },
  // ts/exporters/pci.ts: the mmio attach check, and pinOps() (a static importer pins at attach)
  mmioNeedsRevocable: { ops: ["attach"], outcomes: ["EOPNOTSUPP"] },
  mmioPinOp: { ops: ["attach", "pin"], outcomes: ["EOPNOTSUPP"] },
  // ts/model/model.ts attach() sets the default; the callbacks of move / revoke / restore unmap
  unmapOnInvalidate: { ops: ["move", "revoke", "restore", "unmap"], fields: ["stale", "unmapped"] },
  // ts/exporters/pci.ts mmioSplit(): the sgt split of a map, and its entry limit
  mmioMaxSegment: { ops: ["map"], outcomes: ["ok"], fields: ["nelms", "hash"] },
  mmioMaxEntries: { ops: ["map"], outcomes: ["EINVAL"] },
  // ts/exporters/pci.ts: which interconnects negotiation offers at attach, and so what a map gives
  iov: { ops: ["attach", "map"], outcomes: ["ok"] },
  physvecSingleMmio: { ops: ["attach", "map"], outcomes: ["ok", "EOPNOTSUPP"] },
  // ts/model/model.ts: a map's `range`
  subRangeMap: { ops: ["map"], outcomes: ["EINVAL"] },
  // mapping-types rows. ts/model/matching.ts negotiateAttach(): the exporter's list first; no match is EINVAL
  exporterPriority: { ops: ["attach"], outcomes: ["ok", "EINVAL"], fields: ["interconnect"] },
  // ts/exporters/pci.ts attach (no peer2peer check) and the sgt match's P2P distance at attach, none at map
  p2pAtMatch: { ops: ["attach", "map"], outcomes: ["ok", "EINVAL", "EOPNOTSUPP"] },
  // ts/model/model.ts attach(): matching before the exporter's attach op and the revoked check, so its EINVAL comes first
  matchBeforeAttach: { ops: ["attach"], outcomes: ["EINVAL"] },
  // ts/model/ops.ts checkOps(): the ops table's shape, checked at export
  mappingTypeOps: { ops: ["export"], outcomes: ["EINVAL"] },
};

/** The rows that can decide a differing step, or the earlier differing step it follows from. */
export interface Deciding {
  rows: ProfileRow[];
  /** Set when no row reaches this step's op: the earlier differing step whose difference carries over. */
  follows?: number;
}

/** A row's values under `profiles` differ (bigint values compared as text). */
const differsAmong = (row: ProfileRow, profiles: readonly ProfileName[]) => new Set(profiles.map((p) => String(row.values[p]))).size > 1;

/**
 * A row can decide a step only where its values tell apart the profiles whose outcomes
 * differ: every such pair when the outcomes fall in two groups (the usual case), at
 * least one pair when they fall in more (several rows at work).
 */
function separates(step: CompareStep, profiles: readonly ProfileName[]): (row: ProfileRow) => boolean {
  const outcome = (p: ProfileName) => JSON.stringify(step.outcomes[p]);
  const pairs = profiles.flatMap((a, k) => profiles.slice(k + 1).flatMap((b) => (outcome(a) !== outcome(b) ? [[a, b] as const] : [])));
  const groups = new Set(profiles.map(outcome)).size;
  return (row) => {
    const apart = pairs.filter(([a, b]) => String(row.values[a]) !== String(row.values[b])).length;
    return groups > 2 ? apart > 0 : apart === pairs.length;
  };
}

/** The fields whose values differ between the results. */
function differingFields(results: object[]): string[] {
  const keys = new Set(results.flatMap((r) => Object.keys(r)));
  const value = (r: object, k: string) => JSON.stringify((r as Record<string, unknown>)[k]);
  return [...keys].filter((k) => new Set(results.map((r) => value(r, k))).size > 1);
}

/** The rows of the profile table that differ between `profiles` (in the table's order). */
export function differingRows(profiles: readonly ProfileName[]): ProfileRow[] {
  return (PROFILE_ROWS as readonly ProfileRow[]).filter((r) => differsAmong(r, profiles));
}

/**
 * The rows that decide `step` under `profiles`; `earlier` is the index of the last
 * differing step before it, if any.
 */
export function decidingRows(step: CompareStep, profiles: readonly ProfileName[], earlier?: number): Deciding {
  const inOp = differingRows(profiles).filter((r) => ROW_OPS[r.key]?.ops.includes(step.op) ?? true);
  // the outcomes that tell the profiles apart: the error codes when a profile refused, else "ok"
  const seen = profiles.map((p) => step.outcomes[p]).map((o) => (o && !o.ok ? o.error! : "ok"));
  const refused = seen.some((o) => o !== "ok");
  const telling = refused ? seen.filter((o) => o !== "ok") : ["ok"];
  const fields = refused ? [] : differingFields(profiles.map((p) => step.outcomes[p]?.result ?? {}));
  const rows = inOp
    .filter((r) => {
      const where = ROW_OPS[r.key];
      if (!where) return true;
      const yields = where.outcomes?.some((o) => telling.includes(o)) ?? true;
      return yields && (refused || !where.fields || where.fields.some((f) => fields.includes(f)));
    })
    .filter(separates(step, profiles));
  if (rows.length) return { rows };
  return earlier === undefined ? { rows: inOp.filter(separates(step, profiles)) } : { rows: [], follows: earlier };
}
