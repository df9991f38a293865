/**
 * The reference's own profile table, written from docs/rules.md#profiles (DESIGN.md
 * section 9), not from ts/model/profiles.ts: the differential fuzzer checks the model
 * against it, so the two tables must agree without sharing code. One entry per
 * profile, one field per rule that differs from the RFC v2 thread.
 */
export interface RefRules {
  /** Row 1: a second revoke succeeds and notifies nobody. */
  idempotentRevoke: boolean;
  /** Row 2: restore clears `revoked` only after notifying. */
  clearRevokedLast: boolean;
  /** Row 3: importers with ops and `revocable: false` may attach (else EINVAL). */
  pinnedWithOps: boolean;
  /** Row 4: vfio (an mmio buffer) refuses non-revocable importers, and has no pin op. */
  vfioRevocableOnly: boolean;
  /** Row 5: revoke waits for every mapping to be unmapped (EDEADLK otherwise); the default of unmapOnInvalidate. */
  waitForUnmaps: boolean;
  unmapOnInvalidateDefault: boolean;
  /** Row 6: the largest mmio sgt entry, and the largest entry count (undefined: none). */
  mmioEntryMax: bigint;
  mmioNentsMax: bigint | undefined;
  /** Row 7: iov exists; physvec only over mmio with one range. */
  hasIov: boolean;
  physvecOneMmioRange: boolean;
  /** Row 8: physvec maps may take a sub-range. */
  subRanges: boolean;
  /** mapping-types row 1: the exporter's list (export order, sgt last unless named) picks first; nothing matching is EINVAL. */
  exporterFirst: boolean;
  /** mapping-types row 2: the importer checks (L5) and the match come before vfio's attach and the revoked check. */
  matchFirst: boolean;
  /** mapping-types row 2: sgt of an mmio buffer needs peer2peer and a P2P path at attach (skipped otherwise); vfio's attach drops its peer2peer check. */
  sgtP2pAtAttach: boolean;
  /** mapping-types row 3: ops tables may be RFC-shaped (mappingTypes). */
  typedTables: boolean;
}

const RFC_V2: RefRules = {
  idempotentRevoke: false,
  clearRevokedLast: false,
  pinnedWithOps: false,
  vfioRevocableOnly: false,
  waitForUnmaps: false,
  unmapOnInvalidateDefault: false,
  mmioEntryMax: 0xffff_ffffn,
  mmioNentsMax: undefined,
  hasIov: true,
  physvecOneMmioRange: false,
  subRanges: false,
  exporterFirst: false,
  matchFirst: false,
  sgtP2pAtAttach: false,
  typedTables: false,
};

const MAINLINE: RefRules = {
  idempotentRevoke: true,
  clearRevokedLast: true,
  pinnedWithOps: true,
  vfioRevocableOnly: true,
  waitForUnmaps: true,
  unmapOnInvalidateDefault: true,
  mmioEntryMax: 0xffff_ffffn - 0xfffn,
  mmioNentsMax: 0xffff_ffffn,
  hasIov: false,
  physvecOneMmioRange: true,
  subRanges: true,
  exporterFirst: false,
  matchFirst: false,
  sgtP2pAtAttach: false,
  typedTables: false,
};

/** mainline, plus the mapping-types RFC's rows; iov is back as a driver-private mapping type. */
const MAPPING_TYPES: RefRules = { ...MAINLINE, hasIov: true, exporterFirst: true, matchFirst: true, sgtP2pAtAttach: true, typedTables: true };

/** Every profile the reference knows (docs/rules.md#profiles). */
export const REF_PROFILES: Readonly<Record<string, RefRules>> = { "rfc-v2": RFC_V2, mainline: MAINLINE, "mapping-types": MAPPING_TYPES };
