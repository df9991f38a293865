/**
 * The buffer's reservation lock (dma_resv), held by a named holder (a device name).
 * The kernel blocks on a held lock; the model answers EBUSY, like a trylock.
 */
import { DmaBufError } from "../core/errors.js";

export class ResvLock {
  holder: string | undefined;

  /** EALREADY when `who` holds it, EBUSY when another holder does. */
  lock(who: string, what: string): void {
    if (this.holder === who) throw new DmaBufError("EALREADY", `${what}: resv lock already held by ${who}`);
    if (this.holder !== undefined) throw new DmaBufError("EBUSY", `${what}: resv lock held by ${this.holder}`);
    this.holder = who;
  }

  /** EPERM unless `who` holds it. */
  unlock(who: string, what: string): void {
    if (this.holder !== who) throw new DmaBufError("EPERM", `${what}: resv lock is not held by ${who}`);
    this.holder = undefined;
  }
}
