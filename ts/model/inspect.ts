/**
 * Inspection of a model for tests and reports: a mapping's first entries, and a plain
 * description of all state that proves a failed step changed nothing. Reads only; the
 * lifecycle rules live in model.ts. (ts/model/state.ts is the documented `--state`
 * form; this one also shows the core's and the IOVA allocators' bookkeeping.)
 */
import type { Core } from "../core/loader.js";
import type { Buffer } from "./buffer.js";
import type { Attachment, Mapping } from "./attachment.js";
import type { Topology } from "./topology.js";

/** What inspection reads of a model. */
export interface Inspected {
  readonly core: Core;
  readonly topology: Topology;
  readonly buffers: ReadonlyMap<string, Buffer>;
  readonly attachments: ReadonlyMap<string, Attachment>;
  readonly mappings: ReadonlyMap<string, Mapping>;
}

/** The live mapping `name`'s entries (first `max`); none for an unknown or unmapped name. */
export function mappingEntries(mappings: ReadonlyMap<string, Mapping>, name: string, max: number): { addr: bigint; len: bigint }[] {
  const m = mappings.get(name);
  if (!m || m.unmapped) return [];
  const out: { addr: bigint; len: bigint }[] = [];
  for (const [addr, len] of m.container.chunks()) {
    if (out.length >= max) break;
    out.push({ addr, len });
  }
  return out;
}

/** A plain description of all state, to prove a failed step changed nothing. */
export function snapshot(w: Inspected): unknown {
  const hex = (v: bigint) => v.toString(16);
  const usage = w.core.usage();
  return {
    buffers: [...w.buffers.values()].map((b) => ({
      name: b.name,
      closed: b.closed,
      revoked: b.revoked,
      holder: b.lock.holder ?? null,
      backing: b.closed ? null : { kind: b.backing.kind, hash: hex(b.backing.ranges.hash()), bar: b.backing.bar?.index ?? null },
      attachments: b.attachments.map((a) => a.name),
      pins: b.closed ? 0 : b.pins,
    })),
    attachments: [...w.attachments.values()].map((a) => ({ name: a.name, detached: a.detached, pins: a.pins, mappings: a.mappings.map((m) => m.name) })),
    mappings: [...w.mappings.values()].map((m) => ({ name: m.name, unmapped: m.unmapped, stale: m.stale })),
    iova: [...w.topology.iova.entries()].map(([d, a]) => {
      const st = a.stats();
      return { d, ...st, free: hex(st.free), largest: hex(st.largest) };
    }),
    core: { ...usage, bytes: hex(usage.bytes) },
  };
}
