/**
 * The scenario format (docs/scenarios.md) as zod/mini schemas: the step schema is built
 * from the ops table (ops.ts), the rest from fields.ts. `npm run schemas` writes the
 * JSON Schema. Validation (validate.ts) checks the same pieces one device and one step
 * at a time, so that a huge input stops at the first problems.
 */
import * as z from "zod/mini";
import type { Op } from "../model/trace.js";
import { OPS, OP_NAMES, unknownOp, type Ops } from "./ops.js";
import { describe, device, expectation, hostBridge, name, optional, pciSwitch, profile, LIMITS } from "./fields.js";

export { LIMITS } from "./fields.js";

type Flat<T> = { [K in keyof T]: T[K] };
/** The step of one op, as validation returns it. */
export type StepOf<O extends Op> = Flat<{ op: O } & z.output<z.ZodMiniObject<Ops[O]["shape"]>> & { expect?: Expectation }>;
/** One validated scenario step, discriminated by `op`. */
export type Step = { [O in Op]: StepOf<O> }[Op];
export type Expectation = z.output<typeof expectation>;

/** One strict object per op: `op`, the row's fields, and `expect`; chosen by `op`. */
export const stepSchema = describe(
  z.discriminatedUnion(
    "op",
    OP_NAMES.map((op) => {
      const step = z.strictObject({
        op: describe(z.literal(op), "the step"),
        ...OPS[op].shape,
        expect: optional(expectation, "what the step must give; none: it must succeed"),
      });
      const refine = (OPS[op] as { refine?: (st: Record<string, unknown>) => { field: string; message: string } | undefined }).refine;
      if (!refine) return step;
      return step.check(
        z.superRefine((st, ctx) => {
          const p = refine(st as Record<string, unknown>);
          if (p) ctx.issues.push({ code: "custom", path: [p.field], message: p.message, input: st });
        }),
      );
    }) as unknown as [z.ZodMiniObject<{ op: z.ZodMiniLiteral<Op> }>],
    { error: (iss) => (iss.code === "invalid_union" ? unknownOp((iss.input as { op?: unknown })?.op) : undefined) },
  ),
  "one step of the dma-buf lifecycle, chosen by op",
) as unknown as z.ZodMiniType<Step, unknown>;

/** The parts of a scenario besides its devices and steps, which validation checks one at a time. */
export const scenarioFields = {
  $schema: optional(z.string(), "the JSON Schema this file follows (editors use it)"),
  name: describe(
    z.string().check(z.minLength(1), z.maxLength(LIMITS.nameLength)),
    `the scenario's name, printed in reports (at most ${LIMITS.nameLength} characters, like every name)`,
  ),
  description: optional(z.string(), "what the scenario shows"),
  profile: optional(profile, 'the rule profile: "rfc-v2" (default), "mainline" or "mapping-types" (docs/rules.md#profiles); `run --profile` overrides it'),
  dmaDebug: optional(z.boolean(), "true: run with the DMA-API debug checker on, as `run --dma-debug` does (docs/rules.md#dma-debug)"),
};

/** The zod schema of a scenario file (topology and steps); parseScenario validates against it. */
export const scenarioSchema = z.strictObject({
  ...scenarioFields,
  hostBridges: optional(z.record(name, hostBridge), "PCI host bridges by name"),
  switches: optional(z.record(name, pciSwitch), "PCIe switches by name"),
  devices: describe(z.record(name, device), "the devices by name: exporters, importers and lock holders"),
  steps: describe(z.array(stepSchema).check(z.maxLength(LIMITS.steps, { error: `at most ${LIMITS.steps} steps` })), "the steps, run in order on a fresh model"),
});
z.globalRegistry.add(scenarioSchema, { title: "dmabuf-map scenario", description: "A dma-buf scenario: topology and steps (see docs/scenarios.md)." });

/** A validated scenario, as parseScenario returns it. */
export type Scenario = z.output<typeof scenarioSchema>;

/** The JSON Schema of the scenario input format. */
export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(scenarioSchema, { io: "input", target: "draft-2020-12" });
}
