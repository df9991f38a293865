/**
 * The importer's side of dma-buf: struct dma_buf_attach_ops, plus the interconnect
 * match list of the RFC v2 discussion. Documented field by field like
 * include/linux/dma-buf.h. An importer is dynamic exactly when it has
 * invalidateMappings (or its older name moveNotify), or says `revocable: false` (a
 * pinned importer with ops, docs/rules.md#profiles).
 */

/** One entry of the importer's ordered match list (dma_buf_interconnect_match). */
export interface InterconnectMatch {
  /** A registered interconnect name (sgt, physvec, iov, or one the model registered). */
  readonly name: string;
}

/** struct dma_buf_attach_ops, given to attach. */
export interface ImporterOps {
  /**
   * @move_notify: called by move, revoke and restore on every dynamic importer's
   * attachment, newest first, with the buffer's resv lock held (by the exporter's
   * device when nobody held it). Optional; present ⇒ the importer is dynamic. It may
   * throw: the error is recorded against the attachment and the step completes; it must
   * not call the model (EDEADLK). docs/rules.md#callbacks.
   */
  moveNotify?(attachment: string): void;
  /**
   * @invalidate_mappings: the same callback under its mainline name (v7.1 renamed
   * move_notify). Give one of the two, not both.
   */
  invalidateMappings?(attachment: string): void;
  /**
   * Whether the importer gives its mappings back when invalidated
   * (dma_buf_attach_revocable()). Optional, default true for a dynamic importer. false:
   * a pinned importer with ops (RDMA without ODP): dynamic (its map needs the lock, no
   * pin on map) but never notified, and its mappings never go stale; profiles before
   * mainline refuse it (EINVAL). Its callback, if any, is never called.
   */
  readonly revocable?: boolean;
  /**
   * The invalidate callback unmaps every live mapping this attachment holds before it
   * returns (iommufd's iopt_revoke_notify, mlx5 ODP): the model unmaps them inside the
   * notification and lists them in the step's `unmapped`. Optional, default: the
   * profile's (false in rfc-v2, true in mainline); only for revocable importers.
   */
  readonly unmapOnInvalidate?: boolean;
  /** @allow_peer2peer: the importer can reach memory over PCI P2P. Optional, default false; needs moveNotify. */
  readonly allowPeer2peer?: boolean;
  /** The importer supports interconnects other than sgt. Optional, default false; needs moveNotify. */
  readonly supportsInterconnects?: boolean;
  /** The ordered match list offered to negotiation. Optional, default [{name: "sgt"}]; non-empty. */
  readonly interconnects?: readonly InterconnectMatch[];
}

/** The flag form of attach's importer (the scenario form): sugar that builds ImporterOps. */
export interface ImporterFlags {
  dynamic?: boolean;
  /** false: a pinned importer with ops (needs `dynamic`); default: the value of `dynamic`. */
  revocable?: boolean;
  /** See ImporterOps.unmapOnInvalidate; only for revocable importers. */
  unmapOnInvalidate?: boolean;
  peer2peer?: boolean;
  allowIc?: boolean;
  interconnects?: readonly string[];
  /** The move_notify callback of a `dynamic` importer, called with the attachment's name; default does nothing. */
  moveNotify?: (attachment: string) => void;
  /** The same callback under its mainline name; give one of the two. */
  invalidateMappings?: (attachment: string) => void;
}

/** The ops the flags describe: `dynamic` gives a moveNotify (the caller's, or one that does nothing). */
export function importerFromFlags(f: ImporterFlags): ImporterOps {
  const ops: { -readonly [K in keyof ImporterOps]: ImporterOps[K] } = {};
  if (f.dynamic && f.revocable === false) ops.revocable = false;
  else if (f.dynamic) ops.invalidateMappings = f.invalidateMappings ?? f.moveNotify ?? (() => {});
  if (f.unmapOnInvalidate !== undefined) ops.unmapOnInvalidate = f.unmapOnInvalidate;
  if (f.peer2peer !== undefined) ops.allowPeer2peer = f.peer2peer;
  if (f.allowIc !== undefined) ops.supportsInterconnects = f.allowIc;
  if (f.interconnects) ops.interconnects = f.interconnects.map((name) => ({ name }));
  return ops;
}
