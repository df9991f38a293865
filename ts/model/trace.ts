/** What each model step leaves behind: the record the scenario runner prints. */
import type { ErrorCode } from "../core/errors.js";
import type { ContainerKind } from "../core/container.js";
import type { Direction } from "./direction.js";
import type { Warning } from "./dma-debug.js";
import type { SyncResult } from "./sync.js";

export type { SyncResult } from "./sync.js";
export type { Warning } from "./dma-debug.js";

/** The name of a model operation: one per DmaBufModel method and scenario step. */
export type Op = "export" | "attach" | "detach" | "map" | "unmap" | "pin" | "unpin" | "lock" | "unlock" | "move" | "revoke" | "restore" | "close" | "sync";

/** The result of a successful attach: the interconnect negotiation chose. */
export interface AttachResult {
  interconnect: string;
}

/** The result of a successful map: interconnect, container, entry count, bytes, FNV-1a hash of the entries, and the BAR for mmio. */
export interface MapResult {
  interconnect: string;
  container: ContainerKind;
  nelms: number;
  bytes: bigint;
  hash: bigint;
  barNumber?: number;
  /** The direction the map step gave (absent when it gave none: bidirectional). */
  direction?: Direction;
}

/** The result of move, revoke and restore: who was notified and which mappings went stale. */
export interface NotifyResult {
  /** Attachments of dynamic importers that got move_notify, newest first. */
  notified: string[];
  /** Mappings that became stale in this step, in the order they were mapped. */
  stale: string[];
  /**
   * Mappings that importers unmapped inside their notification (unmapOnInvalidate), in
   * the order they were mapped; absent when none (docs/rules.md#profiles row 5).
   */
  unmapped?: string[];
  /** The move_notify callbacks that threw, in call order (absent when none did). docs/rules.md#callbacks */
  callbackErrors?: CallbackError[];
}

/** A callback's exception, recorded against its attachment; the step still completed. */
export interface CallbackError {
  attachment: string;
  error: unknown;
}

/** The result a successful step may carry in its TraceRecord. */
export type StepResult = AttachResult | MapResult | NotifyResult | SyncResult;

/** One entry of DmaBufModel.trace: the op, whether it succeeded, its error code and message or result. */
export interface TraceRecord {
  op: Op;
  ok: boolean;
  error?: ErrorCode;
  message?: string;
  result?: StepResult;
  /** move_notify calls delivered by this step, in order. */
  notifications: string[];
  /** The callbacks of this step that threw (absent when none did). */
  callbackErrors?: CallbackError[];
  /** With the DMA-API debug checker on: its findings for this step (absent when none; docs/rules.md#dma-debug). */
  warnings?: Warning[];
}
