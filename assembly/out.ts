// OUT: a small static area through which calls return u64 results, pointers and error
// details. TS reads it through its BigUint64Array view at the address out_ptr() gives.
//
// The one result convention of every export: the i32 return value is a status, >= 0
// success (a handle, a count or a flag, as each export documents), < 0 a negated errno
// from errors.ts; anything else (u64 values, addresses, sizes) comes back in OUT.
// Inside the core, a function that makes an object returns the same status and leaves
// the object in `made`.

import { OK, ENOMEM, EINVAL } from "./errors";

/** Number of u64 slots in OUT. */
export const OUT_SLOTS: u32 = 8;
export const OUT: usize = memory.data(<i32>(OUT_SLOTS << 3), 16);

/** The object made by the last call that returned OK (see above). */
export let made: usize = 0;

// @ts-ignore: decorator
@inline export function setOut(i: usize, v: u64): void {
  store<u64>(OUT + (i << 3), v);
}

/** Sets OUT[0] = index, OUT[1] = reason and returns EINVAL. */
// @ts-ignore: decorator
@inline export function invalid(index: u64, reason: u64): i32 {
  store<u64>(OUT, index);
  store<u64>(OUT + 8, reason);
  return EINVAL;
}

/** Returns OK with `obj` in made, or ENOMEM when obj is 0. */
// @ts-ignore: decorator
@inline export function madeOrNoMem(obj: usize): i32 {
  made = obj;
  return obj ? OK : ENOMEM;
}
