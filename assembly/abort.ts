// Called instead of the default env.abort. The core has no assertions in release builds;
// in debug builds a failed assertion reaches the host through this import.
// @ts-ignore: decorator
@external("env", "coreAbort")
declare function hostAbort(code: i32): void;

export function coreAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  hostAbort(<i32>line);
  unreachable();
}
