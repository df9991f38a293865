/** What each model step leaves behind: the record the scenario runner prints. */
import type { ErrorCode } from "../core/errors.js";
import type { ContainerKind } from "../core/container.js";

export type Op = "export" | "attach" | "detach" | "map" | "unmap" | "pin" | "unpin" | "lock" | "unlock" | "move" | "revoke" | "restore" | "close";

export interface AttachResult {
  interconnect: string;
}

export interface MapResult {
  interconnect: string;
  container: ContainerKind;
  nelms: number;
  bytes: bigint;
  hash: bigint;
  barNumber?: number;
}

export interface NotifyResult {
  /** Attachments of dynamic importers that got move_notify, newest first. */
  notified: string[];
  /** Mappings that became stale in this step, in the order they were mapped. */
  stale: string[];
  /** The move_notify callbacks that threw, in call order (absent when none did). docs/rules.md#callbacks */
  callbackErrors?: CallbackError[];
}

/** A callback's exception, recorded against its attachment; the step still completed. */
export interface CallbackError {
  attachment: string;
  error: unknown;
}

export type StepResult = AttachResult | MapResult | NotifyResult;

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
}
