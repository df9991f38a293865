/**
 * DMA_BUF_IOCTL_SYNC (drivers/dma-buf/dma-buf.c dma_buf_ioctl, include/uapi/linux/dma-buf.h;
 * docs/rules.md#sync): the flags a `sync` step gives, read as the kernel reads
 * struct dma_buf_sync's bitmask. Each flag is one row; each refused combination is one
 * rule, EINVAL, checked in table order.
 */
import { DmaBufError } from "../core/errors.js";
import { bad, checkName } from "./args.js";
import type { Direction } from "./direction.js";

/** The exporter op a sync calls. */
export type CpuAccessOp = "beginCpuAccess" | "endCpuAccess";

/** What each flag means: a phase (DMA_BUF_SYNC_START is 0 in the kernel, END is 4) or an access bit (READ 1, WRITE 2). */
const FLAGS: Readonly<Record<string, { phase?: CpuAccessOp; rw?: number }>> = {
  start: { phase: "beginCpuAccess" },
  end: { phase: "endCpuAccess" },
  read: { rw: 1 },
  write: { rw: 2 },
};

/** The direction of the access bits (dma_buf_ioctl's switch on DMA_BUF_SYNC_RW). */
const RW_DIRECTION: Readonly<Record<number, Direction>> = { 1: "from-device", 2: "to-device", 3: "bidirectional" };

/** The result of a successful sync: the direction the exporter's op was called with. */
export interface SyncResult {
  direction: Direction;
}

interface Read {
  unknown: string[];
  phases: Set<CpuAccessOp>;
  rw: number;
}

/** The refused combinations, in the order they are checked (the kernel's mask check, then its RW switch, then the model's START/END rule). */
const SYNC_RULES: readonly { broken(r: Read): boolean; message(r: Read): string }[] = [
  {
    broken: (r) => r.unknown.length > 0,
    message: (r) =>
      `unknown flag ${JSON.stringify(r.unknown[0])} (flags are ${Object.keys(FLAGS).join(", ")}; dma_buf_ioctl: bits outside DMA_BUF_SYNC_VALID_FLAGS_MASK)`,
  },
  { broken: (r) => !RW_DIRECTION[r.rw], message: () => "flags need read, write or both (dma_buf_ioctl: DMA_BUF_SYNC_RW is 0)" },
  {
    broken: (r) => r.phases.size !== 1,
    message: () => "flags need exactly one of start and end (the kernel reads START as the absence of END; the model asks for one)",
  },
];

/** sync's arguments, checked (a name, and a list of at most 8 strings; which strings is a rule of syncFlags); returns the step's `what`. */
export function syncArgs(buffer: unknown, flags: unknown): string {
  const what = `sync ${checkName("sync", buffer, ["buffer"])}`;
  if (!Array.isArray(flags) || flags.length > 8 || !flags.every((f) => typeof f === "string")) bad(what, ["flags"], "must be a list of at most 8 flag names");
  return what;
}

/** The flags of a sync step (checked by syncArgs): the op to call and its direction; EINVAL naming the rule otherwise (rows S1-S3). */
export function syncFlags(what: string, flags: readonly string[]): { op: CpuAccessOp; direction: Direction } {
  const r: Read = { unknown: [], phases: new Set(), rw: 0 };
  for (const f of flags) {
    const row = Object.hasOwn(FLAGS, f) ? FLAGS[f]! : undefined;
    if (!row) r.unknown.push(f);
    if (row?.phase) r.phases.add(row.phase);
    r.rw |= row?.rw ?? 0;
  }
  for (const rule of SYNC_RULES) if (rule.broken(r)) throw new DmaBufError("EINVAL", `${what}: ${rule.message(r)}`);
  return { op: [...r.phases][0]!, direction: RW_DIRECTION[r.rw]! };
}
