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
};

/** Every profile the reference knows; mapping-types has no rows of its own yet (docs/rules.md#profiles). */
export const REF_PROFILES: Readonly<Record<string, RefRules>> = { "rfc-v2": RFC_V2, mainline: MAINLINE, "mapping-types": MAINLINE };
