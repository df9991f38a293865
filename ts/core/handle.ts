import type { Core } from "./loader.js";
import { DmaBufError } from "./errors.js";

// Symbol.dispose is declared by TypeScript's esnext.disposable lib and by @types/node,
// but not by lib es2022 + dom: declare it here the way @types/node does, so that the
// package's types compile for every consumer. At run time the method is only added
// where the engine has Symbol.dispose.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

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
  readonly #free: (c: Core, h: number) => void;

  protected constructor(core: Core, h: number, what: string, free: (c: Core, h: number) => void) {
    this.core = core;
    this.#h = h;
    this.#what = what;
    this.#free = free;
    backstop.register(this, { core, h, free }, this);
  }

  /** The live handle; throws EBADF after dispose(). */
  get handle(): number {
    if (!this.#h) throw new DmaBufError("EBADF", `${this.#what} used after dispose()`);
    return this.#h;
  }

  /** True once dispose() has freed the handle; any further use throws EBADF. */
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

  /** Same as dispose(), for `using` (present where the engine has Symbol.dispose). */
  declare [Symbol.dispose]: () => void;

  /** The object's name for error messages (e.g. "RangeList"), as given to the constructor. */
  protected what(): string {
    return this.#what;
  }
}

const disposeSymbol = (Symbol as { dispose?: symbol }).dispose;
if (disposeSymbol) {
  Object.defineProperty(CoreObject.prototype, disposeSymbol, {
    value(this: CoreObject) {
      this.dispose();
    },
    writable: true,
    configurable: true,
  });
}
