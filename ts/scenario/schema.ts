/**
 * The scenario format as zod schemas (DESIGN.md section 5). u64 values are "0x…" or
 * decimal strings, or safe-integer numbers, and become bigint. Objects are strict:
 * unknown fields and unknown ops are errors. `npm run schemas` writes the JSON Schema.
 */
import { z } from "zod";
import { MODEL_CODES } from "../core/errors.js";
import { CONTAINER_KINDS } from "../core/container.js";
import { INTERCONNECTS } from "../model/interconnects.js";
import { U64_MAX } from "../core/u64.js";

/** Largest accepted inputs; past them validation fails with a clear message. */
export const LIMITS = { steps: 1_000_000, rangesPerBacking: 1 << 22, devices: 4096, nameLength: 256 } as const;

/** Why a JSON number is not an acceptable u64 (undefined when it is). */
function numberProblem(v: number): string | undefined {
  if (!Number.isInteger(v)) return "expected an integer";
  if (v < 0) return "expected a non-negative integer";
  if (!Number.isSafeInteger(v)) return 'numbers above 2^53 - 1 lose precision in JSON: write it as a string ("0x…")';
  return undefined;
}

export const u64 = z
  .union(
    [
      z.string().regex(/^(0x[0-9a-fA-F]+|[0-9]+)$/, { error: 'expected a u64 as "0x…" hex or decimal digits' }),
      z.number().check((ctx) => {
        const message = numberProblem(ctx.value);
        if (message) ctx.issues.push({ code: "custom", message, input: ctx.value });
      }),
    ],
    {
      error: (iss) =>
        typeof iss.input === "number"
          ? numberProblem(iss.input)
          : typeof iss.input === "string"
            ? 'expected a u64 as "0x…" hex or decimal digits'
            : 'expected a u64 as a string ("0x1000", "4096") or a safe integer',
    },
  )
  .transform((v, ctx) => {
    const b = BigInt(v);
    if (b > U64_MAX) {
      ctx.issues.push({ code: "custom", message: "value is above 2^64 - 1", input: v });
      return z.NEVER;
    }
    return b;
  })
  .meta({ id: "u64", description: 'u64: "0x…" hex, decimal string, or a safe-integer number; at most 2^64 - 1' });

export const name = z.string().min(1, { error: "a name cannot be empty" }).max(LIMITS.nameLength);

const range = z.strictObject({ addr: u64, len: u64 }).meta({ id: "range", description: "{addr, len}: len bytes from addr" });
export const backing = z.strictObject({
  kind: z.enum(["system", "mmio"]),
  ranges: z.array(range).max(LIMITS.rangesPerBacking, { error: `at most ${LIMITS.rangesPerBacking} ranges per backing` }),
}).meta({ id: "backing", description: "system RAM ranges, or mmio ranges inside one BAR of the exporter" });

const bar = z.strictObject({ index: z.number().int().min(0).max(5), cpu: u64, bus: u64, size: u64 });

export const device = z.strictObject({
  root: name.optional(),
  switch: name.optional(),
  pf: name.optional(),
  bars: z.array(bar).max(6).optional(),
  iommu: z.strictObject({ base: u64, size: u64 }).optional(),
  maxSegmentSize: u64.optional().meta({ description: "dma_get_max_seg_size(); default 4294967295 (UINT_MAX)" }),
  segBoundaryMask: u64.optional().meta({ description: "dma_get_seg_boundary(); default all ones (no boundary)" }),
});

const interconnect = z.enum(INTERCONNECTS);
const container = z.enum(CONTAINER_KINDS);
const code = z.enum(MODEL_CODES);

export const expectation = z.strictObject({
  error: code.optional(),
  interconnect: interconnect.optional(),
  container: container.optional(),
  nelms: z.number().int().nonnegative().optional(),
  bytes: u64.optional(),
  hash: u64.optional(),
  barNumber: z.number().int().min(0).max(5).optional(),
  notified: z.array(name).optional(),
  stale: z.array(name).optional(),
}).meta({ id: "expect", description: "error (a code), or result fields that must be equal" });

const step = <O extends string, S extends z.ZodRawShape>(op: O, shape: S) =>
  z.strictObject({ op: z.literal(op), ...shape, expect: expectation.optional() });

export const stepSchema = z.discriminatedUnion(
  "op",
  [
    step("export", {
      buffer: name,
      exporter: name,
      size: u64,
      backing,
      dynamic: z.boolean().optional(),
      pinnable: z.boolean().optional(),
      interconnects: z.array(interconnect).optional(),
    }),
    step("attach", {
      buffer: name,
      importer: name,
      as: name,
      dynamic: z.boolean().optional(),
      peer2peer: z.boolean().optional(),
      allowIc: z.boolean().optional(),
      interconnects: z.array(interconnect).min(1).optional(),
    }),
    step("detach", { attachment: name }),
    step("pin", { attachment: name }),
    step("unpin", { attachment: name }),
    step("map", { attachment: name, as: name.optional(), container: container.optional() }),
    step("unmap", { mapping: name }),
    step("lock", { buffer: name, holder: name }),
    step("unlock", { buffer: name, holder: name }),
    step("move", { buffer: name, backing }),
    step("revoke", { buffer: name }),
    step("restore", { buffer: name }),
    step("close", { buffer: name }),
  ],
  { error: (iss) => (iss.code === "invalid_union" ? `unknown op ${JSON.stringify((iss.input as { op?: unknown })?.op)}: expected one of export, attach, detach, pin, unpin, map, unmap, lock, unlock, move, revoke, restore, close` : undefined) },
);

export const scenarioSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1),
    description: z.string().optional(),
    hostBridges: z.record(name, z.strictObject({ p2p: z.boolean().optional() })).optional(),
    switches: z.record(name, z.strictObject({ acsRedirect: z.boolean().optional() })).optional(),
    devices: z.record(name, device),
    steps: z.array(stepSchema).max(LIMITS.steps, { error: `at most ${LIMITS.steps} steps` }),
  })
  .meta({ title: "dmabuf-map scenario", description: "A dma-buf scenario: topology and steps (see docs/scenarios.md)." });

export type Scenario = z.output<typeof scenarioSchema>;
export type Step = Scenario["steps"][number];
export type Expectation = z.output<typeof expectation>;

/** The JSON Schema of the scenario input format. */
export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(scenarioSchema, { io: "input", target: "draft-2020-12" });
}
