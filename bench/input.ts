/**
 * `dmabuf-map bench --input FILE`: the list operations on a user's own entries. The file
 * is little-endian u64 addr, len pairs (read straight into the core's memory, no copy in
 * JS), or JSON `[[addr, len], ...]` (numbers, or strings in decimal or 0x hex for values
 * past 2^53). Every bad file is a DmaBufError naming the file and what is wrong (exit 2).
 */
import { closeSync, fstatSync, openSync, readSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DmaBufError } from "../ts/core/errors.js";
import { RangeList } from "../ts/core/range-list.js";
import type { Core } from "../ts/core/loader.js";

/** Largest binary input: 10^8 entries (1.6 GB). */
const MAX_BINARY = 16e8;
/** Largest JSON input. */
const MAX_JSON = 256 * 1024 * 1024;

function fail(file: string, message: string, path: (string | number)[] = []): never {
  throw new DmaBufError("EINVAL", `--input ${file}: ${message}`, path);
}

/** One JSON value as a u64: a safe non-negative integer, or a decimal / 0x-hex string. */
function u64Of(file: string, v: unknown, path: (string | number)[]): bigint {
  const where = `$[${path.join("][")}]`;
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || v < 0) fail(file, `${where} is ${v}: not an integer in 0..2^53 - 1 (write larger values as strings)`, path);
    return BigInt(v);
  }
  if (typeof v === "string" && /^(0x[0-9a-f]{1,16}|[0-9]{1,20})$/i.test(v)) {
    const b = BigInt(v);
    if (b <= 0xffff_ffff_ffff_ffffn) return b;
  }
  return fail(file, `${where} is ${JSON.stringify(v)?.slice(0, 40)}: not a u64 (a number, or a decimal or 0x string up to 2^64 - 1)`, path);
}

function fromJson(file: string, text: string, core: Core): RangeList {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    fail(file, `not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) fail(file, "JSON input must be an array of [addr, len] pairs");
  const list = RangeList.allocate(data.length, core);
  try {
    const v = list.view();
    data.forEach((pair: unknown, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) fail(file, `$[${i}] must be an [addr, len] pair`, [i]);
      v[2 * i] = u64Of(file, pair[0], [i, 0]);
      v[2 * i + 1] = u64Of(file, pair[1], [i, 1]);
    });
    list.touch();
    return list;
  } catch (e) {
    list.dispose();
    throw e;
  }
}

/** Reads `file` into a new list in the core; a bad file (or bad entry) throws DmaBufError. */
export function loadInput(file: string, core: Core): { list: RangeList; binary: string } {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    fail(file, `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let list: RangeList;
  let binary = file;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) fail(file, "not a regular file");
    const head = new Uint8Array(Math.min(st.size, 64));
    readSync(fd, head, 0, head.length, 0);
    if (st.size === 0) fail(file, "the file is empty: no entries");
    // a UTF-8 byte-order mark is skipped (the decoder below drops it too); UTF-16 and UTF-32 are named
    const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
      fail(file, "starts with a UTF-16 (or UTF-32) byte-order mark: save the JSON as UTF-8");
    }
    const first = head.subarray(bom).find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    if (first === 0x5b /* [ */ || first === 0x7b /* { */) {
      if (st.size > MAX_JSON) fail(file, `JSON input is larger than ${MAX_JSON / 1048576} MiB (use the binary format)`);
      const bytes = new Uint8Array(st.size);
      readSync(fd, bytes, 0, st.size, 0);
      list = fromJson(file, new TextDecoder("utf-8", { fatal: true }).decode(bytes), core);
      binary = ""; // written below for the C reference
    } else {
      if (st.size % 16) fail(file, `binary input must be 16-byte little-endian u64 addr,len pairs: its size ${st.size} is not a multiple of 16`);
      if (st.size > MAX_BINARY) fail(file, `binary input is larger than ${MAX_BINARY / 16} entries`);
      list = RangeList.allocate(st.size / 16, core);
      // straight into the list's memory, in 64 MiB reads
      for (let off = 0; off < st.size; ) {
        const view = list.view();
        const dst = new Uint8Array(view.buffer, view.byteOffset + off, Math.min(st.size - off, 1 << 26));
        const got = readSync(fd, dst, 0, dst.length, off);
        if (got <= 0) fail(file, "the file shrank while it was read");
        off += got;
      }
      list.touch();
    }
  } finally {
    closeSync(fd);
  }
  if (list.length === 0) {
    list.dispose();
    fail(file, "no entries");
  }
  try {
    list.validate();
  } catch (e) {
    list.dispose();
    const err = e as DmaBufError;
    throw new DmaBufError(err.code, `--input ${file}: ${err.message} (every entry needs len > 0 and addr + len - 1 <= 2^64 - 1)`, err.path);
  }
  if (!binary) {
    binary = join(mkdtempSync(join(tmpdir(), "dmabuf-map-input-")), "list.bin");
    const v = list.view();
    writeFileSync(binary, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return { list, binary };
}
