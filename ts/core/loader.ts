import { WASM_BASE64 } from "./wasm-bytes.js";
import { DmaBufError, codeOf, reasonText, type StatusDetail } from "./errors.js";
import { U64_MAX } from "./u64.js";
import { LAYOUT, REASON, type CoreExports } from "./abi.js";
import { countArg, optionsArg } from "./args.js";

// The WebAssembly types the public API names, declared structurally: the DOM lib
// declares the WebAssembly namespace and BufferSource, @types/node does not, and the
// package's types must compile under either (test/core/types.test.ts).

/** A WebAssembly.Memory, as far as dmabuf-map uses one. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** WebAssembly.Memory.grow: adds `delta` 64 KiB pages; returns the old size in pages. */
  grow(delta: number): number;
}
/** A compiled WebAssembly.Module. */
export type WasmModule = object;
/** Bytes of a wasm module: an ArrayBuffer or a view of one (what BufferSource means). */
export type WasmBytes = ArrayBuffer | ArrayBufferView;
/** A fetch Response (only arrayBuffer() is used). */
export interface WasmResponse {
  /** Reads the whole body; `init` compiles these bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
}
/**
 * A URL to fetch: a `URL`, or any object with a string `href`. Declared structurally so
 * the package's types need no DOM library.
 */
export interface WasmUrl {
  readonly href: string;
}
/** What `init` accepts: bytes, a URL to fetch, a fetch Response, or a compiled module. */
export type WasmSource = WasmBytes | WasmUrl | WasmResponse | Promise<WasmResponse> | WasmModule;

/** Options of `createCore` and `createCoreSync`: limits of the core instance's wasm memory. */
export interface CoreOptions {
  /** Upper bound of linear memory in 64 KiB pages (default 65536 = 4 GiB). */
  maximumPages?: number;
}

const INITIAL_PAGES = 2;
const MAX_PAGES = 65536;

let exportsOf: (core: Core) => CoreExports;

/**
 * One instance of the wasm core: its memory and handle table. Objects (lists,
 * containers, IOVA allocators) belong to the core that made them; passing one to an
 * object of another core is EXDEV.
 */
export class Core {
  readonly #x: CoreExports;
  /** The core's linear memory (imported, so its maximum is set by CoreOptions). */
  readonly memory: WasmMemory;
  #buffer: ArrayBuffer | SharedArrayBuffer | null = null;
  #u8!: Uint8Array;
  #u64!: BigUint64Array;
  readonly #outIndex: number;

  static {
    exportsOf = (core) => core.#x;
  }

  /** @internal Made by createCore / createCoreSync / init. */
  constructor(instance: WasmInstance, memory: WasmMemory) {
    this.#x = instance.exports as unknown as CoreExports;
    this.memory = memory;
    this.#outIndex = this.#x.out_ptr() / 8;
  }

  /** @internal True when memory.buffer is still the one the views were made over. */
  viewsCurrent(): boolean {
    return this.#buffer === this.memory.buffer;
  }

  #refresh(): void {
    if (this.#buffer !== this.memory.buffer) {
      this.#buffer = this.memory.buffer;
      this.#u8 = new Uint8Array(this.#buffer);
      this.#u64 = new BigUint64Array(this.#buffer);
    }
  }

  /** @internal Byte view of all of memory, rebuilt whenever memory.buffer changes identity. */
  get u8(): Uint8Array {
    this.#refresh();
    return this.#u8;
  }

  /** @internal u64 view of all of memory, rebuilt whenever memory.buffer changes identity. */
  get u64(): BigUint64Array {
    this.#refresh();
    return this.#u64;
  }

  #scratchH = 0;
  #scratchSize = 0;

  /**
   * @internal The core's scratch buffer for bulk input and output (lookup offsets, cursor chunks),
   * at least `bytes` long; returns its handle. Grown on demand, never shrunk, and left
   * out of usage(). One JS -> wasm call then moves a whole batch.
   */
  scratch(bytes: number): number {
    if (bytes > this.#scratchSize || !this.#scratchH) {
      const want = Math.max(bytes, 4096);
      const h = this.check(this.#x.buf_new(want), "scratch buffer");
      if (this.#scratchH) this.#x.buf_free(this.#scratchH);
      this.#scratchH = h;
      this.#scratchSize = want;
    }
    return this.#scratchH;
  }

  /** @internal Byte address of the scratch buffer (valid until the next scratch() that grows it). */
  scratchPtr(): number {
    return this.ptr(this.#x.buf_ptr(this.#scratchH), "scratch buffer");
  }

  /** @internal OUT[i]: a u64 result of the last call. */
  out(i: number): bigint {
    return this.u64[this.#outIndex + i]!;
  }

  /** @internal OUT[0] after a successful call that returns an address or a size, as a Number
   *  (unsigned: addresses past 2 GiB stay positive). */
  ptr(status: number, what: string): number {
    this.check(status, what);
    return Number(this.out(0));
  }

  /**
   * @internal The one decoder of core statuses: returns a non-negative status and
   * throws DmaBufError "<what>: <detail>" for a negative one. `detail` words the
   * message by code (default: the code itself). With "entry" (the calls that check
   * entries: list builders and operations, container builders), an EINVAL reads OUT:
   * OUT[0] the entry (U64_MAX: an argument, not an entry), OUT[1] the rule it broke
   * (REASON), for an overlap OUT[2] the other entry; the error's path is the entry.
   */
  check(status: number, what: string, detail?: StatusDetail): number {
    if (status >= 0) return status;
    const code = codeOf(status);
    if (detail !== "entry" || code !== "EINVAL") throw new DmaBufError(code, `${what}: ${typeof detail === "function" ? detail(code) : code}`);
    const index = this.out(0);
    const reason = Number(this.out(1));
    const entry = index !== U64_MAX;
    throw new DmaBufError(
      code,
      `${what}: ${reason === REASON.OVERLAP ? `entries ${this.out(2)} and ${index} overlap` : `${entry ? `entry ${index}` : "argument"}: ${reasonText(reason)}`}`,
      entry ? [Number(index)] : [],
    );
  }

  /** Pages of linear memory (64 KiB each). Memory only grows. */
  get pages(): number {
    return this.memory.buffer.byteLength / 65536;
  }

  /**
   * Live heap bytes, live blocks and live handles of the objects in the core: the
   * numbers leak checks compare. The handle table (which grows and never shrinks) and
   * the scratch buffer are not objects and are left out.
   */
  usage(): { bytes: bigint; blocks: number; handles: number } {
    const x = this.#x;
    let scratchBytes = 0n;
    if (this.#scratchH) scratchBytes = BigInt(this.ptr(x.buf_size(this.#scratchH), "usage") + LAYOUT.BLOCK_HDR);
    const s = this.#scratchH ? 1 : 0;
    this.check(x.mem_stats(), "usage");
    const table = this.out(4);
    return {
      bytes: this.out(0) - scratchBytes - table,
      blocks: Number(this.out(1)) - s - (table ? 1 : 0),
      handles: Number(this.out(3)) - s,
    };
  }
}

/** The raw exports of a core: for ts/core only, not part of the package's API. */
export function wasm(core: Core): CoreExports {
  return exportsOf(core);
}

/** Throws EXDEV unless `obj` belongs to `core`. */
export function sameCore(core: Core, obj: { readonly core: Core }, what: string): void {
  if (obj.core !== core) throw new DmaBufError("EXDEV", `${what}: the object belongs to another core (objects cannot move between cores)`);
}

// The parts of the WebAssembly API the loader calls, typed here for the same reason.
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Module: { new (bytes: WasmBytes): WasmModule };
  Instance: { new (m: WasmModule, imports: object): WasmInstance };
  Memory: { new (d: { initial: number; maximum: number }): WasmMemory };
  instantiate(bytes: WasmBytes, imports: object): Promise<{ instance: WasmInstance }>;
  instantiate(m: WasmModule, imports: object): Promise<WasmInstance>;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A static UTF-16 string of the core (its byte length in the u32 before it). */
function coreString(memory: WasmMemory, ptr: number): string {
  if (!ptr) return "";
  const bytes = new DataView(memory.buffer).getUint32(ptr - 4, true);
  return String.fromCharCode(...new Uint16Array(memory.buffer.slice(ptr, ptr + bytes)));
}

/** The core's imports: its memory and the handler of internal errors (EFAULT). */
export function coreImports(memory: WasmMemory): { env: Record<string, unknown> } {
  const coreAbort = (message: number, line: number) => {
    const what = coreString(memory, message >>> 0) || `assertion at line ${line}`;
    throw new DmaBufError("EFAULT", `dmabuf-map internal bug: ${what}. This is not caused by your input; please report it.`);
  };
  return { env: { memory, coreAbort } };
}

/** A new memory for each instance, never a shared one: the module is built with `zeroFilledMemory` (its zeroed statics ship no data). */
function newMemory(opts: CoreOptions): WasmMemory {
  const o = optionsArg<CoreOptions>(opts, "createCore", "opts");
  const maximum = o.maximumPages === undefined ? MAX_PAGES : countArg(o.maximumPages, "createCore", "maximumPages", MAX_PAGES);
  if (maximum < 1) throw new DmaBufError("ERANGE", `createCore: maximumPages = 0 is out of range (1 to ${MAX_PAGES})`, ["maximumPages"]);
  return new WA.Memory({ initial: Math.min(INITIAL_PAGES, maximum), maximum });
}

function start(instance: WasmInstance, memory: WasmMemory): Core {
  const init = instance.exports._initialize as (() => void) | undefined;
  init?.();
  return new Core(instance, memory);
}

const isModule = (s: unknown): s is WasmModule => s instanceof (WA.Module as unknown as new () => object);
const isBytes = (s: unknown): s is WasmBytes => ArrayBuffer.isView(s) || Object.prototype.toString.call(s) === "[object ArrayBuffer]";

const isResponse = (s: unknown): s is WasmResponse => typeof s === "object" && s !== null && typeof (s as WasmResponse).arrayBuffer === "function";

async function toModuleOrBytes(source: unknown): Promise<WasmModule | WasmBytes> {
  if (source === undefined) return decodeBase64(WASM_BASE64);
  if (isModule(source) || isBytes(source)) return source;
  if (typeof (source as Partial<WasmUrl> | null)?.href === "string") return (await fetch((source as WasmUrl).href)).arrayBuffer();
  const resolved = source instanceof Promise ? ((await source) as unknown) : source;
  if (isResponse(resolved)) return resolved.arrayBuffer();
  throw new DmaBufError("EINVAL", "init: source must be wasm bytes, a URL, a Response (or a promise of one), or a WebAssembly.Module", ["source"]);
}

/** A new, independent core instance (its own memory and handle table). */
export async function createCore(source?: WasmSource, opts: CoreOptions = {}): Promise<Core> {
  const m = await toModuleOrBytes(source);
  const memory = newMemory(opts);
  const instance = isBytes(m) ? (await WA.instantiate(m, coreImports(memory))).instance : await WA.instantiate(m, coreImports(memory));
  return start(instance, memory);
}

/** Synchronous createCore: bytes or a compiled module only. */
export function createCoreSync(source?: WasmBytes | WasmModule, opts: CoreOptions = {}): Core {
  syncSourceArg(source, "createCoreSync");
  const m = source === undefined ? new WA.Module(decodeBase64(WASM_BASE64)) : isModule(source) ? source : new WA.Module(source);
  const memory = newMemory(opts);
  return start(new WA.Instance(m, coreImports(memory)), memory);
}

/** A synchronous source is bytes, a compiled module or nothing (the embedded bytes). */
function syncSourceArg(source: unknown, what: string): void {
  if (source !== undefined && !isModule(source) && !isBytes(source)) {
    throw new DmaBufError("EINVAL", `${what}: source must be wasm bytes or a WebAssembly.Module`, ["source"]);
  }
}

let shared: Core | undefined;
let pending: Promise<Core> | undefined;

/** Loads the shared core once (idempotent); later calls return the same instance. */
export function init(source?: WasmSource): Promise<Core> {
  if (shared) return Promise.resolve(shared);
  pending ??= createCore(source).then((c) => (shared = c));
  return pending;
}

/** Synchronous init: compiles the embedded bytes (or the given ones) right away. */
export function initSync(source?: WasmBytes | WasmModule): Core {
  syncSourceArg(source, "initSync"); // checked even when the shared core already exists
  shared ??= createCoreSync(source);
  return shared;
}

/** The shared core; throws if neither init() nor initSync() has run. */
export function getCore(): Core {
  if (!shared) throw new DmaBufError("EINVAL", "dmabuf-map is not initialised: await init() or call initSync() first");
  return shared;
}
