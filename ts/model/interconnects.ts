/**
 * Interconnects and their negotiation at attach time: the importer offers an ordered
 * list, the first one the exporter offers and accepts wins. `sgt` is always offered.
 */
import type { AttachmentView, DmaBufOps, InterconnectMatch } from "./ops.js";

export const INTERCONNECTS = ["sgt", "physvec", "iov"] as const;
export type InterconnectName = (typeof INTERCONNECTS)[number];

/** The winning interconnect, or undefined when none of the importer's matches is accepted. */
export function negotiate(ops: DmaBufOps, attach: AttachmentView, matches: readonly InterconnectMatch[]): InterconnectName | undefined {
  for (const m of matches) {
    if (m.name === "sgt") return "sgt";
    const ic = ops.interconnects?.find((x) => x.name === m.name);
    if (ic?.supportsInterconnects(attach, m)) return m.name;
  }
  return undefined;
}
