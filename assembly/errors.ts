// Status codes returned by every core export: >= 0 is success (often a handle),
// < 0 is a negated Linux errno. This file is the only place they are defined.

/** Success. */
export const OK: i32 = 0;
/** A handle that was freed, never issued, or of the wrong kind. */
export const EBADF: i32 = -9;
/** Linear memory could not grow (or an IOVA space has no hole large enough). */
export const ENOMEM: i32 = -12;
/** An argument or an entry breaks a rule; OUT[0] holds the index, OUT[1] the reason. */
export const EINVAL: i32 = -22;
/** An offset or length lies outside the bytes a list describes. */
export const ERANGE: i32 = -34;
/** A sum of u64 values wrapped past 2^64 - 1. */
export const EOVERFLOW: i32 = -75;

// Reasons stored in OUT[1] with EINVAL.
/** An entry has len == 0. */
export const R_ZERO_LEN: u64 = 1;
/** addr + len - 1 wraps past 2^64 - 1. */
export const R_WRAP: u64 = 2;
/** addr is not a multiple of the alignment. */
export const R_ADDR_ALIGN: u64 = 3;
/** len is not a multiple of the alignment. */
export const R_LEN_ALIGN: u64 = 4;
/** The alignment, segment size or boundary mask argument itself is bad. */
export const R_ARG: u64 = 5;
/** Two entries overlap (OUT[0] and OUT[2] hold their indices). */
export const R_OVERLAP: u64 = 6;
/** A region handed to iova_free was not allocated. */
export const R_NOT_ALLOCATED: u64 = 7;
