/**
 * How the model calls user code (docs/rules.md#ops-contract): a DmaBufError thrown by
 * an exporter or importer op is a refusal and passes through; anything else is EPROTO
 * naming who threw it.
 */
import { DmaBufError } from "../core/errors.js";
import { notThenable } from "./untrusted.js";

/** Runs user code: a DmaBufError is a refusal and passes; anything else thrown is EPROTO naming `who`, kept as `cause`. */
export function userCode<T>(who: string, fn: () => T): T {
  try {
    return notThenable(who, fn());
  } catch (e) {
    if (e instanceof DmaBufError) throw e;
    const err = new DmaBufError("EPROTO", `${who} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    Object.defineProperty(err, "cause", { value: e });
    throw err;
  }
}

/** Runs an op that another step calls (the pin of a map): a refusal's message names that step first. */
export function refusedIn<T>(what: string, call: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DmaBufError) throw new DmaBufError(e.code, `${what}: ${call} was refused: ${e.message}`, e.path);
    throw e;
  }
}
