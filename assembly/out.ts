// OUT: a small static area through which calls return u64 results and error details.
// TS reads it through its BigUint64Array view at out_ptr().

export const OUT: usize = memory.data(64, 16);

// @ts-ignore: decorator
@inline export function setOut(i: usize, v: u64): void {
  store<u64>(OUT + (i << 3), v);
}

/** Sets OUT[0] = index, OUT[1] = reason and returns EINVAL. */
// @ts-ignore: decorator
@inline export function invalid(index: u64, reason: u64): i32 {
  store<u64>(OUT, index);
  store<u64>(OUT + 8, reason);
  return -22;
}
