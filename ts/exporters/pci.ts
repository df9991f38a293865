/**
 * Parts shared by the PCI exporters (vfio.ts and rfc-v2.ts): who they let attach, who
 * each interconnect accepts, and the pin ops the export flags ask for.
 */
import { DmaBufError } from "../core/errors.js";
import type { AttachmentView, DmaBufOps, ExporterFlags, MapProduct } from "../model/ops.js";
import type { ProfileRules } from "../model/profiles.js";
import { physvecMap } from "../model/address.js";

const isMmio = (a: AttachmentView) => a.buffer.backing.kind === "mmio";

/**
 * @attach of a PCI exporter: an mmio buffer is reachable only over P2P; in profiles
 * where vfio checks dma_buf_attach_revocable() (docs/rules.md#profiles row 4) it then
 * refuses a revoked buffer (ENODEV) and an importer that is not revocable (EOPNOTSUPP).
 */
export const attachPci =
  (rules: ProfileRules) =>
  (a: AttachmentView): void => {
    if (!isMmio(a)) return;
    if (!a.peer2peer) throw new DmaBufError("EOPNOTSUPP", `attach ${a.name}: mmio buffer ${a.buffer.name} needs a peer2peer importer`);
    if (!rules.mmioNeedsRevocable) return;
    if (a.buffer.revoked) throw new DmaBufError("ENODEV", `attach ${a.name}: buffer ${a.buffer.name} is revoked`);
    if (!a.revocable)
      throw new DmaBufError("EOPNOTSUPP", `attach ${a.name}: mmio buffer ${a.buffer.name} needs a revocable importer (dma_buf_attach_revocable)`);
  };

/** physvec accepts any dynamic importer; where it is vfio's private channel to iommufd (row 7), only over mmio. */
export const acceptsPhysvec =
  (rules: ProfileRules) =>
  (a: AttachmentView): boolean =>
    a.dynamic && (!rules.physvecSingleMmio || isMmio(a));

/** iov accepts only the exporter device's PF, for an mmio backing; never where the profile has no iov (row 7). */
export const acceptsIov =
  (rules: ProfileRules) =>
  (a: AttachmentView): boolean =>
    rules.iov && a.buffer.exporter.pf === a.importer && isMmio(a);

/** The physvec map: the backing's ranges; where it is vfio_pci_dma_buf_iommufd_map() (row 7), one mmio range only (EOPNOTSUPP). */
export const mapPhysvec =
  (rules: ProfileRules) =>
  (a: AttachmentView): MapProduct => {
    if (rules.physvecSingleMmio && (!isMmio(a) || a.buffer.backing.ranges.length !== 1)) {
      throw new DmaBufError(
        "EOPNOTSUPP",
        `map ${a.name}: physvec needs exactly one mmio range (${a.buffer.name} has ${a.buffer.backing.ranges.length} ${a.buffer.backing.kind} range(s))`,
      );
    }
    return physvecMap(a.buffer);
  };

/**
 * @pin / @unpin for the export flags: present when dynamic or not pinnable; EOPNOTSUPP
 * when not pinnable, except over mmio in a profile where vfio has no pin op (row 4):
 * there the pin succeeds.
 */
export function pinOps(args: ExporterFlags): Pick<DmaBufOps, "pin" | "unpin"> {
  if (!args.dynamic && args.pinnable) return {};
  return {
    pin(a) {
      if (!args.pinnable && (args.rules.mmioPinOp || !isMmio(a))) {
        throw new DmaBufError("EOPNOTSUPP", `pin ${a.name}: ${a.buffer.name} cannot be pinned (its exporter must stay free to revoke)`);
      }
    },
    unpin() {},
  };
}

/** The sgt split of an mmio map under the profile (row 6). */
export const mmioSplit = (rules: ProfileRules) => ({ maxSegment: rules.mmioMaxSegment, maxEntries: rules.mmioMaxEntries });

/** The entries of `table` for the names asked at export (sgt aside); EINVAL for a name without ops. */
export function offered<T>(table: Record<string, T>, args: { buffer: string; interconnects: readonly string[] }, exporter: string): T[] {
  return args.interconnects
    .filter((n) => n !== "sgt")
    .map((n) => {
      if (!Object.hasOwn(table, n))
        throw new DmaBufError("EINVAL", `export ${args.buffer}: the ${exporter} exporter has no ${n} interconnect`, ["interconnects"]);
      return table[n]!;
    });
}
