/**
 * Interconnects: registered names with a default container, and the negotiation at
 * attach time (docs/rules.md#negotiation). What an interconnect does comes from the
 * exporter's ops; the registry only says which names exist.
 */
import type { ContainerKind } from "../core/container.js";
import type { AttachmentView, DmaBufOps, InterconnectOps } from "./ops.js";
import type { InterconnectMatch } from "./importer.js";
import { notThenable } from "./untrusted.js";

/** An interconnect type (the RFC v2 struct dma_buf_interconnect). */
export interface InterconnectDef {
  readonly name: string;
  /** The container a map is put in when the caller names none. */
  readonly defaultContainer: ContainerKind;
  /** A map goes through dma_map_sgtable(), whose segments dma-debug checks (docs/rules.md#dma-debug): sgt only. */
  readonly scatterlist?: boolean;
}

/** The built-in interconnects; sgt is offered by every buffer (mapDmaBuf). */
export const BUILTIN_INTERCONNECTS: readonly InterconnectDef[] = [
  { name: "sgt", defaultContainer: "sgt", scatterlist: true },
  { name: "physvec", defaultContainer: "physvec" },
  { name: "iov", defaultContainer: "ranges" },
];

/** The built-in names, as the scenario format accepts them. */
export const INTERCONNECTS = ["sgt", "physvec", "iov"] as const;
/** A built-in interconnect name: "sgt", "physvec" or "iov". */
export type InterconnectName = (typeof INTERCONNECTS)[number];

export type InterconnectRegistry = ReadonlyMap<string, InterconnectDef>;

/** The winning interconnect's ops (null for sgt), or undefined when no match is accepted: the importer-order negotiation alone (the model negotiates with ts/model/matching.ts negotiateAttach, which also knows exporter priority). */
export function negotiate(
  ops: DmaBufOps,
  attach: AttachmentView,
  matches: readonly InterconnectMatch[],
): { name: string; ops: InterconnectOps | null } | undefined {
  for (const m of matches) {
    if (m.name === "sgt") return { name: "sgt", ops: null };
    const ic = ops.interconnects?.find((x) => x.name === m.name);
    if (ic && notThenable(`interconnect ${ic.name}'s supportsInterconnects`, ic.supportsInterconnects?.(attach, m) ?? true)) return { name: m.name, ops: ic };
  }
  return undefined;
}
