/**
 * Parts shared by the PCI exporters (vfio.ts and rfc-v2.ts): who they let attach, who
 * each interconnect accepts, and the pin ops the export flags ask for.
 */
import { DmaBufError } from "../core/errors.js";
import type { AttachmentView, DmaBufOps } from "../model/ops.js";

/** @attach of a PCI exporter: an mmio buffer is reachable only over P2P. */
export function attachPci(a: AttachmentView): void {
  if (a.buffer.backing.kind === "mmio" && !a.peer2peer) throw new DmaBufError("EOPNOTSUPP", `attach ${a.name}: mmio buffer ${a.buffer.name} needs a peer2peer importer`);
}

/** physvec accepts any dynamic importer. */
export const acceptsPhysvec = (a: AttachmentView): boolean => a.dynamic;

/** iov accepts only the exporter device's PF, for an mmio backing. */
export const acceptsIov = (a: AttachmentView): boolean => a.buffer.exporter.pf === a.importer && a.buffer.backing.kind === "mmio";

/** @pin / @unpin for the export flags: present when dynamic or not pinnable; EOPNOTSUPP when not pinnable. */
export function pinOps(args: { dynamic: boolean; pinnable: boolean }): Pick<DmaBufOps, "pin" | "unpin"> {
  if (!args.dynamic && args.pinnable) return {};
  return {
    pin(a) {
      if (!args.pinnable) throw new DmaBufError("EOPNOTSUPP", `pin ${a.name}: ${a.buffer.name} cannot be pinned (its exporter must stay free to revoke)`);
    },
    unpin() {},
  };
}

/** The entries of `table` for the names asked at export (sgt aside); EINVAL for a name without ops. */
export function offered<T>(table: Record<string, T>, args: { buffer: string; interconnects: readonly string[] }, exporter: string): T[] {
  return args.interconnects
    .filter((n) => n !== "sgt")
    .map((n) => {
      if (!Object.hasOwn(table, n)) throw new DmaBufError("EINVAL", `export ${args.buffer}: the ${exporter} exporter has no ${n} interconnect`, ["interconnects"]);
      return table[n]!;
    });
}
