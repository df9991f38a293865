import { wasm, Core } from "./loader.js";
import { bytesArg, instanceArg, stringArg } from "./args.js";

/** FNV-1a 64 of bytes, computed in the core (one copy in, one call). */
export function fnv1a64Bytes(core: Core, bytes: Uint8Array): bigint {
  instanceArg(core, Core, "fnv1a64Bytes", "core");
  bytesArg(bytes, "fnv1a64Bytes", "bytes");
  const x = wasm(core);
  const h = core.check(x.buf_new(Math.max(bytes.length, 16)), "hash bytes");
  try {
    new Uint8Array(core.memory.buffer, core.ptr(x.buf_ptr(h), "hash bytes"), bytes.length).set(bytes);
    core.check(x.buf_hash(h, bytes.length), "hash bytes");
    return core.out(0);
  } finally {
    x.buf_free(h);
  }
}

/** FNV-1a 64 of a string's UTF-8 bytes. */
export function fnv1a64Text(core: Core, text: string): bigint {
  return fnv1a64Bytes(core, new TextEncoder().encode(stringArg(text, "fnv1a64Text", "text")));
}
