import { WASM_BASE64 } from "./wasm-bytes.js";
import { DmaBufError, codeOf, type ErrorCode } from "./errors.js";

/** The raw exports of the core (assembly/index.ts). u64 travels as bigint. */
export interface CoreExports {
  out_ptr(): number;
  mem_live_bytes(): bigint;
  mem_live_blocks(): number;
  mem_footprint(): bigint;
  handles_live(): number;
  handles_table_bytes(): bigint;
  handle_kind(h: number): number;
  noop(): void;
  buf_new(size: number): number;
  buf_ptr(h: number): number;
  buf_size(h: number): number;
  buf_hash(h: number, n: number): number;
  buf_free(h: number): number;
  list_new(n: number): number;
  list_ptr(h: number): number;
  list_len(h: number): number;
  list_touch(h: number): number;
  list_free(h: number): number;
  list_validate(h: number, align: bigint): number;
  list_total(h: number): number;
  list_bounds(h: number): number;
  list_check_disjoint(h: number): number;
  list_coalesce(h: number): number;
  list_split(h: number, maxSeg: bigint, mask: bigint): number;
  list_slice(h: number, off: bigint, len: bigint): number;
  list_translate(h: number, delta: bigint): number;
  list_lookup(h: number, off: bigint): number;
  list_lookup_many(h: number, inBuf: number, n: number, outBuf: number): number;
  list_hash(h: number): number;
  sgt_from_list(h: number, maxSeg: bigint, mask: bigint): number;
  flat_from_list(kind: number, h: number, extra: bigint, owner: number, hasProvider: number): number;
  flat_header(h: number): number;
  xa_from_list(h: number): number;
  xa_new(): number;
  xa_store(h: number, index: bigint, addr: bigint, len: bigint): number;
  xa_load(h: number, index: bigint): number;
  xa_erase(h: number, index: bigint): number;
  xa_info(h: number): number;
  ct_count(h: number): number;
  ct_bytes(h: number): number;
  ct_to_list(h: number): number;
  ct_data_ptr(h: number): number;
  ct_hash(h: number): number;
  ct_lookup(h: number, off: bigint): number;
  ct_free(h: number): number;
  cur_new(src: number, k: bigint): number;
  cur_next(h: number, outBuf: number, max: number): number;
  cur_reset(h: number): number;
  cur_free(h: number): number;
  iova_new(base: bigint, size: bigint): number;
  iova_alloc(h: number, size: bigint): number;
  iova_free(h: number, addr: bigint, size: bigint): number;
  iova_stats(h: number): number;
  iova_map_each(h: number, list: number): number;
  iova_unmap_each(h: number, list: number): number;
  iova_free_all(h: number): number;
  pages_to_list(buf: number, n: number, pageShift: number, offset: bigint, size: bigint, maxSeg: bigint): number;
  sgt_append_pages(h: number, buf: number, n: number, pageShift: number, offset: bigint, size: bigint, maxSeg: bigint, leftPages: number): number;
}

/** What `init` accepts: bytes, a URL to fetch, a fetch Response, or a compiled module. */
export type WasmSource = BufferSource | URL | Response | Promise<Response> | WebAssembly.Module;

export interface CoreOptions {
  /** Upper bound of linear memory in 64 KiB pages (default 65536 = 4 GiB). */
  maximumPages?: number;
}

const INITIAL_PAGES = 2;

/** One instance of the wasm core with its memory and typed-array views. */
export class Core {
  readonly exports: CoreExports;
  readonly memory: WebAssembly.Memory;
  private buffer: ArrayBuffer | SharedArrayBuffer | null = null;
  private _u8!: Uint8Array;
  private _u64!: BigUint64Array;
  private readonly outIndex: number;

  constructor(instance: WebAssembly.Instance, memory: WebAssembly.Memory) {
    this.exports = instance.exports as unknown as CoreExports;
    this.memory = memory;
    this.outIndex = this.exports.out_ptr() >>> 3;
  }

  /** True when memory.buffer is still the one the views were made over. */
  viewsCurrent(): boolean {
    return this.buffer === this.memory.buffer;
  }

  private refresh(): void {
    if (this.buffer !== this.memory.buffer) {
      this.buffer = this.memory.buffer;
      this._u8 = new Uint8Array(this.buffer);
      this._u64 = new BigUint64Array(this.buffer);
    }
  }

  /** Byte view of all of memory, rebuilt whenever memory.buffer changes identity. */
  get u8(): Uint8Array {
    this.refresh();
    return this._u8;
  }

  /** u64 view of all of memory, rebuilt whenever memory.buffer changes identity. */
  get u64(): BigUint64Array {
    this.refresh();
    return this._u64;
  }

  private scratchH = 0;
  private scratchSize = 0;

  /**
   * The core's scratch buffer for bulk input and output (lookup offsets, cursor chunks),
   * at least `bytes` long; returns its handle. Grown on demand, never shrunk, and left
   * out of usage(). One JS -> wasm call then moves a whole batch.
   */
  scratch(bytes: number): number {
    if (bytes > this.scratchSize || !this.scratchH) {
      const want = Math.max(bytes, 4096);
      const h = this.check(this.exports.buf_new(want), "scratch buffer");
      if (this.scratchH) this.exports.buf_free(this.scratchH);
      this.scratchH = h;
      this.scratchSize = want;
    }
    return this.scratchH;
  }

  /** Byte address of the scratch buffer (valid until the next scratch() that grows it). */
  scratchPtr(): number {
    return this.exports.buf_ptr(this.scratchH);
  }

  /** OUT[i]: a u64 result of the last call. */
  out(i: number): bigint {
    return this.u64[this.outIndex + i]!;
  }

  /** Returns a non-negative status; throws DmaBufError for a negative one. */
  check(status: number, what: string, detail?: (code: ErrorCode) => string): number {
    if (status >= 0) return status;
    const code = codeOf(status);
    throw new DmaBufError(code, `${what}: ${detail ? detail(code) : code}`);
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
    const e = this.exports;
    const s = this.scratchH ? 1 : 0;
    const table = e.handles_table_bytes();
    return {
      bytes: e.mem_live_bytes() - (s ? BigInt(e.buf_size(this.scratchH) + 16) : 0n) - table,
      blocks: e.mem_live_blocks() - s - (table ? 1 : 0),
      handles: e.handles_live() - s,
    };
  }
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function imports(memory: WebAssembly.Memory): WebAssembly.Imports {
  const fail = (line: number) => {
    throw new DmaBufError("EINVAL", `dmabuf-map core assertion failed (line ${line})`);
  };
  return { env: { memory, coreAbort: fail, abort: (_m: number, _f: number, line: number) => fail(line) } };
}

function newMemory(opts: CoreOptions): WebAssembly.Memory {
  const maximum = opts.maximumPages ?? 65536;
  return new WebAssembly.Memory({ initial: Math.min(INITIAL_PAGES, maximum), maximum });
}

function start(instance: WebAssembly.Instance, memory: WebAssembly.Memory): Core {
  const init = instance.exports._initialize as (() => void) | undefined;
  init?.();
  return new Core(instance, memory);
}

async function toModuleOrBytes(source: WasmSource | undefined): Promise<WebAssembly.Module | BufferSource> {
  if (source === undefined) return decodeBase64(WASM_BASE64);
  if (source instanceof WebAssembly.Module) return source;
  if (typeof URL !== "undefined" && source instanceof URL) return (await fetch(source)).arrayBuffer();
  if (typeof Response !== "undefined" && source instanceof Response) return source.arrayBuffer();
  if (source instanceof Promise) return (await source).arrayBuffer();
  return source as BufferSource;
}

/** A new, independent core instance (its own memory and handle table). */
export async function createCore(source?: WasmSource, opts: CoreOptions = {}): Promise<Core> {
  const m = await toModuleOrBytes(source);
  const memory = newMemory(opts);
  const instance =
    m instanceof WebAssembly.Module
      ? await WebAssembly.instantiate(m, imports(memory))
      : (await WebAssembly.instantiate(m, imports(memory))).instance;
  return start(instance, memory);
}

/** Synchronous createCore: bytes or a compiled module only. */
export function createCoreSync(source?: BufferSource | WebAssembly.Module, opts: CoreOptions = {}): Core {
  const m = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source ?? decodeBase64(WASM_BASE64));
  const memory = newMemory(opts);
  return start(new WebAssembly.Instance(m, imports(memory)), memory);
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
export function initSync(source?: BufferSource | WebAssembly.Module): Core {
  shared ??= createCoreSync(source);
  return shared;
}

/** The shared core; throws if neither init() nor initSync() has run. */
export function getCore(): Core {
  if (!shared) throw new DmaBufError("EINVAL", "dmabuf-map is not initialised: await init() or call initSync() first");
  return shared;
}
