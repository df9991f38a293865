/** Linux errno values for every code the core or the model reports. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EBADF: 9,
  ENOMEM: 12,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ERANGE: 34,
  EDEADLK: 35,
  EPROTO: 71,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  EALREADY: 114,
} as const;

export type ErrorCode = keyof typeof ERRNO;

/** Codes a scenario step may report: those of the lifecycle table (docs/rules.md#lifecycle). */
export const MODEL_CODES = [
  "ENOENT", "EINVAL", "EOPNOTSUPP", "ENODEV", "EALREADY", "EBUSY", "EPERM", "ENOMEM",
] as const satisfies readonly ErrorCode[];

const BY_NUMBER = new Map<number, ErrorCode>(
  Object.entries(ERRNO).map(([k, v]) => [v, k as ErrorCode]),
);

/** Why an entry was rejected (the core's EINVAL reasons). */
export const REASONS = ["", "zero length", "addr + len - 1 wraps past 2^64 - 1", "addr not aligned", "len not aligned", "bad argument", "entries overlap", "region not allocated"] as const;

/**
 * The one error type of dmabuf-map. `code` is an errno name ("EINVAL", ...); `path`
 * names what was wrong (a JSON path for scenario input, an entry index for lists).
 * Whatever threw it changed no state.
 */
export class DmaBufError extends Error {
  override name = "DmaBufError";
  readonly code: ErrorCode;
  readonly path: readonly (string | number)[];
  constructor(code: ErrorCode, message: string, path: readonly (string | number)[] = []) {
    super(message);
    this.code = code;
    this.path = path;
  }
}

/** The errno name of a negative core status. */
export function codeOf(status: number): ErrorCode {
  return BY_NUMBER.get(-status) ?? "EINVAL";
}
