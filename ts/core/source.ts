import { wasm } from "./loader.js";
import { CoreObject } from "./handle.js";
import { chunksOf, forEachChunkBatch, summaryOf, type ChunkSummary } from "./chunks.js";
import { u64Arg, fnArg } from "./args.js";

/**
 * What RangeList and Container share: a core object whose entries the core reads back
 * in order (an entry source), so that walking them in chunks, reducing the chunks,
 * finding the entry of a byte offset, hashing them and weighing the object are the same
 * methods on either. Each subclass gives the core calls of its own kind (EntryCalls).
 */
export abstract class EntrySource extends CoreObject {
  /** @internal The core calls of this kind of entry source (a getter: no field per object). */
  protected abstract get calls(): EntryCalls;

  /** Chunks of at most k bytes (0n: whole entries), in order, fetched from the core in batches. */
  chunks(k: bigint = 0n): IterableIterator<[bigint, bigint]> {
    u64Arg(k, "chunks", "k");
    return chunksOf(this.core, this.handle, k);
  }

  /**
   * The chunks chunks(k) would yield, reduced inside the core in one call, with no
   * chunk crossing into JS: the number of chunks, their bytes and the XOR of their
   * addresses (k = 0n: whole entries; entries of len 0 give no chunk). For a driver or
   * test that needs how many descriptors a list takes at a given segment size, how many
   * bytes they carry, and a checksum to compare two walks by. O(n) for k = 0n or a power
   * of two (the XOR of a run of chunks has a closed form), one step per chunk for any
   * other k. EOVERFLOW when the bytes pass 2^64 - 1.
   */
  chunkSummary(k: bigint): ChunkSummary {
    u64Arg(k, "chunkSummary", "k");
    return summaryOf(this.core, this.handle, k);
  }

  /** The fast path of chunks(): fn gets each batch as addr, len words over wasm memory (valid during the call). */
  chunkBatches(k: bigint, fn: (words: BigUint64Array) => void): void {
    u64Arg(k, "chunkBatches", "k");
    fnArg(fn, "chunkBatches", "fn");
    forEachChunkBatch(this.core, this.handle, k, fn);
  }

  /** Bytes it occupies in the core: entries or records, headers, cached prefix sums or nodes, allocator block headers. */
  bytes(): bigint {
    this.core.check(wasm(this.core).ct_bytes(this.handle), "bytes");
    return this.core.out(0);
  }

  /** FNV-1a 64 over addr then len of each entry read back (8 little-endian bytes each): the same for a list and every container kind holding the same entries. */
  hash(): bigint {
    this.core.check(wasm(this.core)[this.calls.hash](this.handle), "hash");
    return this.core.out(0);
  }

  /**
   * The entry holding byte `offset` (a byte offset into the entries, not an address)
   * and the offset inside it; ERANGE past the end. O(log n) on a RangeList (prefix
   * sums), a linear walk on a Container, as in sg_table.
   */
  lookup(offset: bigint): { index: number; offset: bigint } {
    u64Arg(offset, "lookup", "offset");
    this.core.check(wasm(this.core)[this.calls.lookup](this.handle, offset), "lookup", (c) => (c === "ERANGE" ? `offset ${offset} is past the end` : c));
    return { index: Number(this.core.out(0)), offset: this.core.out(1) };
  }
}

/** The core exports that differ between an entry source's kinds (a list's are faster than the containers' generic walk). */
export interface EntryCalls {
  /** OUT[0] = the hash of the entries. */
  hash: "list_hash" | "ct_hash";
  /** OUT[0] = the index of the entry holding byte `offset`, OUT[1] = the offset inside it. */
  lookup: "list_lookup" | "ct_lookup";
}
