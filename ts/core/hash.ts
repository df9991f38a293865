import type { Core } from "./loader.js";

/** FNV-1a 64 of bytes, computed in the core (one copy in, one call). */
export function fnv1a64Bytes(core: Core, bytes: Uint8Array): bigint {
  const e = core.exports;
  const h = core.check(e.buf_new(Math.max(bytes.length, 16)), "hash bytes");
  try {
    new Uint8Array(core.memory.buffer, e.buf_ptr(h), bytes.length).set(bytes);
    core.check(e.buf_hash(h, bytes.length), "hash bytes");
    return core.out(0);
  } finally {
    e.buf_free(h);
  }
}

/** FNV-1a 64 of a string's UTF-8 bytes. */
export function fnv1a64Text(core: Core, text: string): bigint {
  return fnv1a64Bytes(core, new TextEncoder().encode(text));
}
