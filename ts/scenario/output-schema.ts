/**
 * The run output (`run --json`, with `--entries` and `--state`) as zod schemas: the
 * source of schemas/run-output.schema.json (`npm run schemas`) and of the tests that
 * check every record against it. Field by field: docs/output.md.
 */
import { z } from "zod";
import { MODEL_CODES } from "../core/errors.js";
import { CONTAINER_KINDS } from "../core/container.js";
import { INTERCONNECTS } from "../model/interconnects.js";
import { SPACES } from "../model/state.js";
import { PROFILE_NAMES } from "../model/profiles.js";
import { DIRECTIONS } from "../model/direction.js";
import { DMA_DEBUG_RULES } from "../model/dma-debug.js";

const OPS = ["export", "attach", "detach", "map", "unmap", "pin", "unpin", "lock", "unlock", "move", "revoke", "restore", "close", "sync"] as const;
const PATHS = ["BUS_ADDR", "THRU_HOST_BRIDGE", "NOT_SUPPORTED"] as const;

const u64 = z
  .string()
  .regex(/^0x(0|[1-9a-f][0-9a-f]*)$/)
  .meta({ id: "hexU64", description: 'a u64 as "0x" + lowercase hex digits without leading zeros' });
const hash = z
  .string()
  .regex(/^0x[0-9a-f]{16}$/)
  .meta({ id: "hash", description: 'FNV-1a 64 as "0x" + exactly 16 lowercase hex digits' });
const pairs = z.array(z.tuple([u64, u64])).meta({ id: "pairs", description: "[addr, len] pairs, in order" });
const interconnect = z.enum(INTERCONNECTS);
const name = z.string();

const direction = z.enum(DIRECTIONS);
const syncResult = z.strictObject({ direction }).meta({ id: "syncResult", description: "sync: the direction the exporter's CPU-access op was called with" });
const warning = z
  .strictObject({
    rule: z.enum(DMA_DEBUG_RULES.map((r) => r.rule) as [string, ...string[]]).meta({ description: "the rule's stable name (docs/rules.md#dma-debug)" }),
    message: z.string(),
  })
  .meta({ id: "warning", description: "a finding of the DMA-API debug checker" });
const attachResult = z.strictObject({ interconnect }).meta({ id: "attachResult", description: "attach: the negotiated interconnect" });
const mapResult = z
  .strictObject({
    interconnect,
    container: z.enum(CONTAINER_KINDS),
    nelms: z.number().int().nonnegative().meta({ description: "entries in the container" }),
    bytes: u64,
    hash: hash.meta({ description: "FNV-1a 64 over the entries read back (addr, len as 8 little-endian bytes each)" }),
    barNumber: z.number().int().min(0).max(5).optional().meta({ description: "iov only: the BAR the offsets are in" }),
    direction: direction.optional().meta({ description: "the DMA direction, only when the map step gave one" }),
    space: z.enum(SPACES).optional().meta({ description: "--entries: the address space of the entries" }),
    entries: pairs.optional().meta({ description: "--entries: every [addr, len] in the container's read-back order" }),
  })
  .meta({ id: "mapResult", description: "map: the mapping made" });
const notifyResult = z
  .strictObject({
    notified: z.array(name).meta({ description: "attachments that got move_notify, newest first" }),
    stale: z.array(name).meta({ description: "mappings that became stale in this step, in map order" }),
    unmapped: z
      .array(name)
      .optional()
      .meta({ description: "mappings importers unmapped inside their notification (unmapOnInvalidate), in map order; only when any" }),
  })
  .meta({ id: "notifyResult", description: "move, revoke, restore" });

const bufferState = z.strictObject({
  name,
  exporter: name,
  size: u64,
  backing: z
    .strictObject({ kind: z.enum(["system", "mmio"]), ranges: pairs })
    .nullable()
    .meta({ description: "null once closed" }),
  dynamic: z.boolean(),
  revoked: z.boolean(),
  closed: z.boolean(),
  lock: name.nullable().meta({ description: "the device holding the resv lock" }),
  pins: z.number().int().nonnegative().meta({ description: "explicit pins plus static importers' live mappings" }),
});
const attachmentState = z.strictObject({
  name,
  buffer: name,
  importer: name,
  dynamic: z.boolean(),
  interconnect,
  path: z.enum(PATHS).nullable().meta({ description: "P2P path exporter → importer for mmio backings; null for system memory" }),
  pins: z.number().int().nonnegative(),
  detached: z.boolean(),
});
const mappingState = z.strictObject({
  name,
  attachment: name,
  status: z.enum(["live", "stale"]),
  interconnect,
  container: z.enum(CONTAINER_KINDS),
  space: z.enum(SPACES),
  direction: direction.meta({ description: "the DMA direction it was mapped with" }),
  nelms: z.number().int().nonnegative(),
  bytes: u64,
  iova: pairs.meta({ description: "IOVA regions held in the importer's IOMMU" }),
});
const iovaState = z.strictObject({
  device: name,
  base: u64,
  size: u64,
  used: u64,
  free: u64,
  regions: pairs.meta({ description: "allocated regions, by address" }),
});
const state = z
  .strictObject({ buffers: z.array(bufferState), attachments: z.array(attachmentState), mappings: z.array(mappingState), iova: z.array(iovaState) })
  .meta({ id: "state", description: "--state: the model after the step" });

export const stepRecordSchema = z
  .strictObject({
    i: z.number().int().nonnegative(),
    op: z.enum(OPS),
    ok: z.boolean(),
    error: z.enum(MODEL_CODES).optional().meta({ description: "only when not ok" }),
    result: z.union([mapResult, notifyResult, attachResult, syncResult]).optional().meta({ description: "only when the step succeeded and returns one" }),
    warnings: z.array(warning).min(1).optional().meta({ description: "with the DMA-API debug checker on (--dma-debug): the step's warnings, only when any" }),
    state: state.optional(),
  })
  .meta({ id: "step" });

export const runOutputSchema = z
  .strictObject({
    name: z.string(),
    profile: z.enum(PROFILE_NAMES).optional().meta({ description: "the rule profile, only when the scenario or --profile named one" }),
    passed: z.boolean().meta({ description: "false when any expectation failed" }),
    steps: z.array(stepRecordSchema),
    traceHash: hash.meta({ description: "FNV-1a 64 of the UTF-8 bytes of the steps array exactly as printed" }),
  })
  .meta({ title: "dmabuf-map run output", description: "The record `dmabuf-map run --json` prints (see docs/output.md)." });

export type RunOutputJson = z.output<typeof runOutputSchema>;

/** The JSON Schema of the run output. */
export function runOutputJsonSchema(): unknown {
  return z.toJSONSchema(runOutputSchema, { io: "output", target: "draft-2020-12" });
}
