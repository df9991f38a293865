/**
 * Parts shared by the PCI exporters (vfio.ts and rfc-v2.ts): who they let attach, who
 * each interconnect accepts, and the pin ops the export flags ask for.
 */
import { DmaBufError } from "../core/errors.js";
import type { AttachmentView, DmaBufOps, ExporterFlags, InterconnectOps, MapProduct, MatchContext } from "../model/ops.js";
import type { ProfileRules } from "../model/profiles.js";
import { physvecMap } from "../model/address.js";

const isMmio = (a: AttachmentView) => a.buffer.backing.kind === "mmio";

/**
 * @attach of a PCI exporter: an mmio buffer is reachable only over P2P (in
 * mapping-types the sgt match checks that instead: mapping-types row 2); in profiles
 * where vfio checks dma_buf_attach_revocable() (docs/rules.md#profiles row 4) it then
 * refuses a revoked buffer (ENODEV) and an importer that is not revocable (EOPNOTSUPP).
 */
export const attachPci =
  (rules: ProfileRules) =>
  (a: AttachmentView): void => {
    if (!isMmio(a)) return;
    if (!a.peer2peer && !rules.p2pAtMatch) throw new DmaBufError("EOPNOTSUPP", `attach ${a.name}: mmio buffer ${a.buffer.name} needs a peer2peer importer`);
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

/** A mapping type's match that skips (EOPNOTSUPP) unless `test` accepts the attachment. */
const skipUnless =
  (name: string, test: (a: AttachmentView) => boolean) =>
  (ctx: MatchContext): void => {
    if (!test(ctx.attach)) throw new DmaBufError("EOPNOTSUPP", `attach ${ctx.attach.name}: ${name} does not match ${ctx.attach.importer}`);
  };

/**
 * The sgt match of a PCI exporter (DMA_BUF_EMAPPING_SGT_P2P, dma_buf_sgt_match(): the
 * mapping-types RFC, docs/rules.md#profiles mapping-types row 2): over mmio it skips an
 * importer that is not peer2peer or has no P2P path to the exporter; over system memory
 * it accepts.
 */
export const matchSgt = (ctx: MatchContext): void => {
  const a = ctx.attach;
  if (!isMmio(a)) return;
  if (!a.peer2peer) throw new DmaBufError("EOPNOTSUPP", `attach ${a.name}: sgt of mmio buffer ${a.buffer.name} needs a peer2peer importer`);
  if (ctx.dma.p2pPath(a.buffer.exporter, a.device) === "NOT_SUPPORTED")
    throw new DmaBufError("EOPNOTSUPP", `attach ${a.name}: no P2P path from ${a.buffer.exporter.name} to ${a.importer} (pci_p2pdma_distance)`);
};

/**
 * A PCI exporter's mapping types (the RFC's match_mapping list, mapping-types rows 1 and
 * 2), in the export's order with sgt last unless the export names it; each with its
 * built-in match: sgt's P2P check, physvec (PAL) and iov accepting whom their
 * supportsInterconnects would. `maps` gives each type's map and unmap (sgt included).
 */
export function mappingTypes(
  maps: Record<string, Pick<InterconnectOps, "map" | "unmap">>,
  args: { buffer: string; interconnects: readonly string[]; rules: ProfileRules },
  exporter: string,
): InterconnectOps[] {
  const names = args.interconnects.includes("sgt") ? args.interconnects : [...args.interconnects, "sgt"];
  const matches: Record<string, (ctx: MatchContext) => void> = {
    sgt: matchSgt,
    physvec: skipUnless("physvec", acceptsPhysvec(args.rules)),
    iov: skipUnless("iov", acceptsIov(args.rules)),
  };
  return names.map((n) => {
    if (!Object.hasOwn(maps, n)) throw new DmaBufError("EINVAL", `export ${args.buffer}: the ${exporter} exporter has no ${n} interconnect`, ["interconnects"]);
    const { map, unmap } = maps[n]!;
    return unmap ? { name: n, match: matches[n]!, map, unmap } : { name: n, match: matches[n]!, map };
  });
}
