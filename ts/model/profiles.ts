/**
 * Rule profiles (docs/rules.md#profiles): which kernel the model follows. Each rule
 * that differs between profiles is one row of {@link PROFILE_ROWS}, with its kernel
 * source and one value per profile; the model, the exporters and the scenario layer
 * read a profile's values ({@link profileRules}) and never compare a profile's name.
 *
 * - `rfc-v2` (the default): the RFC v2 thread of October 2025, docs/rules.md as it
 *   was written (every shipped scenario's output is byte-identical under it).
 * - `mainline`: Linux mainline in 2026: v7.1's revoke series, the page-aligned
 *   phys_vec split, iommufd's dma-buf import.
 * - `mapping-types`: mainline plus Jason Gunthorpe's "[PATCH RFC 00/26] Add DMA-buf
 *   mapping types and convert vfio/iommufd to use them" (2026-02-17): exporter-priority
 *   matching with a per-type match (ts/model/matching.ts), and the RFC's ops shape.
 */
import { UINT_MAX } from "../core/u64.js";

/** The profiles, default first. */
export const PROFILE_NAMES = ["rfc-v2", "mainline", "mapping-types"] as const;
/** A profile's name: "rfc-v2", "mainline" or "mapping-types". */
export type ProfileName = (typeof PROFILE_NAMES)[number];
/** The profile of a scenario or model that names none. */
export const DEFAULT_PROFILE: ProfileName = "rfc-v2";

/** The largest sgt entry of mainline's phys_vec path: ALIGN_DOWN(UINT_MAX, PAGE_SIZE). */
export const MAX_SG_ENT_SZ = 0xffff_f000n;

/** What each row decides, by field. */
export interface ProfileRules {
  /** Revoking a revoked buffer succeeds and notifies nobody (otherwise it notifies again). */
  readonly revokeIdempotent: boolean;
  /** restore notifies while the buffer still reads as revoked, and clears `revoked` after. */
  readonly restoreNotifiesFirst: boolean;
  /** A dynamic importer may be non-revocable (a pinned importer with ops); otherwise such an attach is EINVAL. */
  readonly pinnedImporters: boolean;
  /** An mmio (vfio) buffer refuses importers that are not revocable: EOPNOTSUPP after the revoked check. */
  readonly mmioNeedsRevocable: boolean;
  /** An mmio (vfio) exporter has pin / unpin ops (refusing when not pinnable); otherwise pin succeeds and is counted. */
  readonly mmioPinOp: boolean;
  /** revoke waits until every mapping is unmapped: EDEADLK when one would remain. */
  readonly revokeWaitsForUnmaps: boolean;
  /** The default of attach's `unmapOnInvalidate` for revocable importers. */
  readonly unmapOnInvalidate: boolean;
  /** The largest entry of an mmio sgt map (the phys_vec path's split). */
  readonly mmioMaxSegment: bigint;
  /** The largest entry count of an mmio sgt map (EINVAL past it); undefined: no limit. */
  readonly mmioMaxEntries: bigint | undefined;
  /** iov is offered at all (otherwise negotiation skips it). */
  readonly iov: boolean;
  /** physvec is offered over mmio backing only, and its map needs exactly one range (EOPNOTSUPP). */
  readonly physvecSingleMmio: boolean;
  /** A physvec map may give `range: {offset, length}` (iommufd's IOMMU_IOAS_MAP_FILE); otherwise a range is EINVAL. */
  readonly subRangeMap: boolean;
  /** Negotiation walks the exporter's list, then the importer's; no match (or an empty list) is EINVAL (otherwise: the importer's list, EOPNOTSUPP). */
  readonly exporterPriority: boolean;
  /** Matching runs before the exporter's attach op and the core's revoked check (otherwise after them). */
  readonly matchBeforeAttach: boolean;
  /** The P2P check of sgt over mmio is the sgt match's, at attach (skip); the exporter's attach no longer checks peer2peer. */
  readonly p2pAtMatch: boolean;
  /** An ops table may give `mappingTypes` (the RFC's match_mapping list) instead of mapDmaBuf / unmapDmaBuf. */
  readonly mappingTypeOps: boolean;
}

/** One row of the profile table: the rule, its kernel source, and each profile's value. */
export interface ProfileRow<K extends keyof ProfileRules = keyof ProfileRules> {
  /** The field of ProfileRules this row decides. */
  readonly key: K;
  /** DESIGN.md section 9's row number in the list of `of` (default: mainline's rows). */
  readonly row: number;
  /** Whose list of rows `row` counts in: mainline's (how it differs from rfc-v2) or mapping-types' (how it differs from mainline). */
  readonly of?: "mapping-types";
  readonly rule: string;
  /** Kernel file, function and commit or patch title. */
  readonly source: string;
  readonly values: { readonly [P in ProfileName]: ProfileRules[K] };
}

const row = <K extends keyof ProfileRules>(r: ProfileRow<K>): ProfileRow<K> => r;
/** A value for rfc-v2, and another for mainline and mapping-types. */
const rfcElse = <T>(rfc: T, later: T) => ({ "rfc-v2": rfc, mainline: later, "mapping-types": later });
/** One value for rfc-v2 and mainline, another for mapping-types. */
const rfcOnly = <T>(before: T, rfc: T) => ({ "rfc-v2": before, mainline: before, "mapping-types": rfc });
/** The mapping-types RFC's cover letter, and a patch of it by number and title. */
const RFC = '"[PATCH RFC 00/26] Add DMA-buf mapping types and convert vfio/iommufd to use them" (Jason Gunthorpe, 2026-02-17)';
const patch = (n: string, title: string) => `${RFC}, ${n}/26 "${title}"`;

/** The profile table: one row per rule that differs (docs/rules.md#profiles shows the same table). */
export const PROFILE_ROWS = [
  row({
    key: "revokeIdempotent",
    row: 1,
    rule: "revoking a revoked buffer succeeds with notified [] and stale []",
    source:
      'drivers/vfio/pci/vfio_pci_dmabuf.c vfio_pci_dma_buf_move() acts only when priv->revoked changes; c64a647c84f3 "vfio/pci: fix dma-buf kref underflow after revoke"',
    values: rfcElse(false, true),
  }),
  row({
    key: "restoreNotifiesFirst",
    row: 2,
    rule: "restore notifies while the buffer still reads as revoked, then clears revoked",
    source:
      'drivers/vfio/pci/vfio_pci_dmabuf.c vfio_pci_dma_buf_move(): "if (revoked) priv->revoked = true" before dma_buf_invalidate_mappings(), cleared after the wait ("vfio: Wait for dma-buf invalidation to complete", revoke series v7)',
    values: rfcElse(false, true),
  }),
  row({
    key: "pinnedImporters",
    row: 3,
    rule: "a dynamic importer with revocable: false is a pinned importer with ops (never notified, no pin on map); rfc-v2: EINVAL",
    source:
      'drivers/dma-buf/dma-buf.c dma_buf_attach_revocable(); "dma-buf: Make .invalidate_mapping() truly optional", "dma-buf: Rename .move_notify() callback to a clearer identifier" (revoke series v7, merged for v7.1)',
    values: rfcElse(false, true),
  }),
  row({
    key: "mmioNeedsRevocable",
    row: 4,
    rule: "an mmio buffer's attach: not peer2peer EOPNOTSUPP, revoked ENODEV, not revocable EOPNOTSUPP",
    source:
      'drivers/vfio/pci/vfio_pci_dmabuf.c vfio_pci_dma_buf_attach() calls dma_buf_attach_revocable(); "vfio: Permit VFIO to work with pinned importers" (base 61ceaf236115)',
    values: rfcElse(false, true),
  }),
  row({
    key: "mmioPinOp",
    row: 4,
    rule: "vfio has pin / unpin (pin EOPNOTSUPP when not pinnable); mainline: no pin op, pin succeeds and is counted",
    source: 'drivers/vfio/pci/vfio_pci_dmabuf.c vfio_pci_dmabuf_ops loses .pin / .unpin in "vfio: Permit VFIO to work with pinned importers"',
    values: rfcElse(true, false),
  }),
  row({
    key: "revokeWaitsForUnmaps",
    row: 5,
    rule: "revoke waits until every mapping is unmapped: EDEADLK (nothing changed) when one would remain",
    source:
      'include/linux/dma-buf.h / drivers/dma-buf/dma-buf.c dma_buf_invalidate_mappings() revoke sequence; drivers/vfio/pci/vfio_pci_dmabuf.c wait_for_completion() ("vfio: Wait for dma-buf invalidation to complete")',
    values: rfcElse(false, true),
  }),
  row({
    key: "unmapOnInvalidate",
    row: 5,
    rule: "default of unmapOnInvalidate: a revocable importer's callback unmaps its mappings before it returns",
    source: "drivers/iommu/iommufd/pages.c iopt_revoke_notify() unmaps every tracked area; drivers/infiniband/hw/mlx5/mr.c mlx5_ib_dmabuf_invalidate_cb()",
    values: rfcElse(false, true),
  }),
  row({
    key: "mmioMaxSegment",
    row: 6,
    rule: "mmio sgt entries are cut at 0xfffff000 (page aligned) instead of 0xffffffff",
    source: "drivers/dma-buf/dma-buf-mapping.c MAX_SG_ENT_SZ = ALIGN_DOWN(UINT_MAX, PAGE_SIZE), fill_sg_entry()",
    values: rfcElse(UINT_MAX, MAX_SG_ENT_SZ),
  }),
  row({
    key: "mmioMaxEntries",
    row: 6,
    rule: "an mmio sgt map whose entry count overflows u32 is EINVAL",
    source: "drivers/dma-buf/dma-buf-mapping.c calc_sg_nents() check_add_overflow(), sg_alloc_table() of 0 entries",
    values: rfcElse<bigint | undefined>(undefined, UINT_MAX),
  }),
  row({
    key: "iov",
    row: 7,
    rule: "iov exists (mainline has none: negotiation skips it; mapping-types has it again as a driver-private mapping type)",
    source: `drivers/vfio/pci/vfio_pci_dmabuf.c: only vfio_pci_dma_buf_iommufd_map(), the private physvec channel to iommufd; ${RFC}: cover letter, "xe vGPU requires the host driver to accept a DMABUF from VFIO of its own VF", mapping types "extendable" for a private interconnect`,
    values: { "rfc-v2": true, mainline: false, "mapping-types": true },
  }),
  row({
    key: "physvecSingleMmio",
    row: 7,
    rule: "physvec is offered only over mmio, and its map of more than one range is EOPNOTSUPP",
    source: "drivers/vfio/pci/vfio_pci_dmabuf.c vfio_pci_dma_buf_iommufd_map(): nr_ranges != 1 is -EOPNOTSUPP",
    values: rfcElse(false, true),
  }),
  row({
    key: "subRangeMap",
    row: 8,
    rule: "a physvec map may give range {offset, length}; rfc-v2: a range is EINVAL",
    source:
      "drivers/iommu/iommufd/pages.c iopt_alloc_dmabuf_pages() (start + length - 1 < size); tools/testing/selftests/iommu/iommufd.c dmabuf_simple, dmabuf_revoke",
    values: rfcElse(false, true),
  }),
  row({
    key: "exporterPriority",
    row: 1,
    of: "mapping-types",
    rule: "exporter priority: walk the exporter's list, for each the importer's; the first same-type pair whose match accepts wins; no pair, or an empty list on either side, is EINVAL",
    source: `drivers/dma-buf/dma-buf-mapping.c dma_buf_match_mapping(); ${patch("01", "dma-buf: Introduce DMA-buf mapping types")}`,
    values: rfcOnly(false, true),
  }),
  row({
    key: "p2pAtMatch",
    row: 2,
    of: "mapping-types",
    rule: "sgt over mmio: the sgt match skips an importer that is not peer2peer or has no P2P path (the check moves from map to attach); the exporter's attach no longer checks peer2peer",
    source: `drivers/dma-buf/dma-buf-mapping.c dma_buf_sgt_match() (pci_p2pdma_distance), ${patch("02", "dma-buf: Add the SGT DMA mapping type")}; drivers/vfio/pci/vfio_pci_dmabuf.c DMA_BUF_EMAPPING_SGT_P2P, ${patch("12", "vfio/pci: Change the DMA-buf exporter to use mapping_type")}`,
    values: rfcOnly(false, true),
  }),
  row({
    key: "matchBeforeAttach",
    row: 2,
    of: "mapping-types",
    rule: "matching runs first (after the core's checks of the importer's own request), before the exporter's attach op (mainline row 4) and the core's revoked check",
    source: `drivers/dma-buf/dma-buf.c dma_buf_mapping_attach() calls ops->match_mapping() / dma_buf_match_mapping() before ops->attach(); ${patch("03", "dma-buf: Add dma_buf_mapping_attach()")}`,
    values: rfcOnly(false, true),
  }),
  row({
    key: "mappingTypeOps",
    row: 3,
    of: "mapping-types",
    rule: "export shape: an ops table with mappingTypes (a mapping-type match) must not have mapDmaBuf / unmapDmaBuf, one without must have both: EINVAL at export",
    source: `drivers/dma-buf/dma-buf.c dma_buf_export() WARN_ON()s; ${patch("03", "dma-buf: Add dma_buf_mapping_attach()")}, ${patch("05", "dma-buf: Allow single exporter drivers to avoid the match_mapping function")}`,
    values: rfcOnly(false, true),
  }),
] as const satisfies readonly ProfileRow[];

/** Each profile's values, built once from the rows. */
const RULES = Object.fromEntries(
  PROFILE_NAMES.map((p) => [p, Object.freeze(Object.fromEntries(PROFILE_ROWS.map((r) => [r.key, r.values[p]])))]),
) as unknown as Record<ProfileName, ProfileRules>;

/** Whether `v` names a profile. */
export const isProfileName = (v: unknown): v is ProfileName => (PROFILE_NAMES as readonly unknown[]).includes(v);

/** The rules of profile `p`. */
export function profileRules(p: ProfileName): ProfileRules {
  return RULES[p];
}
