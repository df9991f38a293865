import { REASON } from "./abi.js";

/** Linux errno values for every code the core or the model reports. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EBADF: 9,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EXDEV: 18,
  ENODEV: 19,
  EINVAL: 22,
  ERANGE: 34,
  EDEADLK: 35,
  EPROTO: 71,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  EALREADY: 114,
} as const;

/** The symbolic code a DmaBufError carries (`err.code`): an errno name such as "EINVAL" (a key of ERRNO). */
export type ErrorCode = keyof typeof ERRNO;

/** Codes a scenario step may report: those of the lifecycle table (docs/rules.md#lifecycle). */
export const MODEL_CODES = [
  "ENOENT",
  "EINVAL",
  "EOPNOTSUPP",
  "ENODEV",
  "EALREADY",
  "EBUSY",
  "EPERM",
  "ENOMEM",
  "EDEADLK",
] as const satisfies readonly ErrorCode[];

const BY_NUMBER = new Map<number, ErrorCode>(Object.entries(ERRNO).map(([k, v]) => [v, k as ErrorCode]));

/** Why an entry was rejected: the text of each of the core's EINVAL reasons. */
export const REASON_TEXT: Record<keyof typeof REASON, string> = {
  ZERO_LEN: "zero length",
  WRAP: "addr + len - 1 wraps past 2^64 - 1",
  ADDR_ALIGN: "addr not aligned",
  LEN_ALIGN: "len not aligned",
  ARG: "bad argument",
  OVERLAP: "entries overlap",
  NOT_ALLOCATED: "region not allocated",
};
const REASON_BY_NUMBER = new Map<number, string>(Object.entries(REASON).map(([k, v]) => [v, REASON_TEXT[k as keyof typeof REASON]]));

/** The text of a core EINVAL reason number. */
export function reasonText(reason: number): string {
  return REASON_BY_NUMBER.get(reason) ?? `unknown reason ${reason}`;
}

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

/** The errno name of a negative core status (EFAULT for one the core never returns: a bug). */
export function codeOf(status: number): ErrorCode {
  return BY_NUMBER.get(-status) ?? "EFAULT";
}

/**
 * How a failed core call's message ends: a text per code, or "entry" for the calls
 * that check entries (list builders and operations, container builders), whose EINVAL
 * names the entry and the rule it broke.
 */
export type StatusDetail = ((code: ErrorCode) => string) | "entry";
