import type { Core } from "./loader.js";
import { DmaBufError } from "./errors.js";

type Releaser = { core: Core; h: number; free: (c: Core, h: number) => void };
const backstop = new FinalizationRegistry<Releaser>((r) => r.free(r.core, r.h));

/**
 * Base of every object that owns a core handle. dispose() frees it at once; a
 * FinalizationRegistry is only a backstop for objects that were never disposed.
 * Any use after dispose() throws DmaBufError EBADF.
 */
export abstract class CoreObject {
  readonly core: Core;
  #h: number;
  readonly #what: string;

  protected constructor(core: Core, h: number, what: string, free: (c: Core, h: number) => void) {
    this.core = core;
    this.#h = h;
    this.#what = what;
    backstop.register(this, { core, h, free }, this);
    this.#free = free;
  }
  readonly #free: (c: Core, h: number) => void;

  /** The live handle; throws EBADF after dispose(). */
  get handle(): number {
    if (!this.#h) throw new DmaBufError("EBADF", `${this.#what} used after dispose()`);
    return this.#h;
  }

  get disposed(): boolean {
    return this.#h === 0;
  }

  /** Frees the core object now. Calling it twice is harmless. */
  dispose(): void {
    if (!this.#h) return;
    backstop.unregister(this);
    this.#free(this.core, this.#h);
    this.#h = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  protected what(): string {
    return this.#what;
  }
}
