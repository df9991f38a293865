// The container kinds: one row each. A kind's handle kind is K_CONTAINER + its row, and
// its name (OP_NAME) is what the TS side calls it; both reach TS through ct_kind_info
// (scripts/gen-abi.mjs writes them into ts/core/abi.ts). Adding a kind: write its file
// (see kind.ts for the ops it answers) and add its function here. docs/core.md walks
// through it.

import { K_CONTAINER } from "../handles";
import { KindFn } from "./kind";
import { sgtKind } from "./sgt";
import { physvecKind, mappingKind, rangesKind } from "./flat";
import { xarrayKind } from "./xarray";

const ROWS: StaticArray<KindFn> = [
  sgtKind,
  physvecKind,
  mappingKind,
  rangesKind,
  xarrayKind,
];

/** Number of container kinds. */
export function containerKinds(): u32 { return <u32>ROWS.length; }

/** True when `kind` is a registered container kind. */
// @ts-ignore: decorator
@inline export function isContainer(kind: u32): bool { return kind - K_CONTAINER < <u32>ROWS.length; }

/** Runs `op` of container kind `kind` (which must be registered: anything else is an
 *  internal error, reported to the host as one). */
// @ts-ignore: decorator
@inline export function ctOp(kind: u32, op: u32, c: usize, x: u64): u64 {
  if (!isContainer(kind)) abort("not a container kind");
  return unchecked(ROWS[kind - K_CONTAINER])(op, c, x);
}

/** The handle kind of a registered kind function. */
export function kindOf(fn: KindFn): u32 {
  for (let i = 0; i < ROWS.length; i++) {
    if (changetype<usize>(unchecked(ROWS[i])) == changetype<usize>(fn)) return K_CONTAINER + <u32>i;
  }
  abort("kind function not registered");
  return 0;
}
