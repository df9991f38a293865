// Called instead of the default env.abort: an internal error of the core (a failed
// invariant, an unknown container kind or op). The host turns it into DmaBufError
// EFAULT ("internal bug"), never into a bad-input error. `message` is a static string
// (UTF-16, its byte length in the u32 before it), or 0.
// @ts-ignore: decorator
@external("env", "coreAbort")
declare function hostAbort(message: usize, line: u32): void;

export function coreAbort(message: string | null = null, fileName: string | null = null, line: u32 = 0, column: u32 = 0): void {
  hostAbort(changetype<usize>(message), line);
  unreachable();
}
