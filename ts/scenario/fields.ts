/**
 * The pieces of the scenario format (docs/scenarios.md): u64 values, names, backings,
 * devices and expectations, as zod/mini schemas. u64 values are "0x…" or decimal
 * strings, or safe-integer numbers, and become bigint. Objects are strict: unknown
 * fields are errors. Every property carries a description, which the JSON Schema
 * (`dmabuf-map schema`) passes on to editors.
 */
import { DIRECTIONS } from "../model/direction.js";
import { DMA_DEBUG_RULES } from "../model/dma-debug.js";
import * as z from "zod/mini";
import { MODEL_CODES } from "../core/errors.js";
import { CONTAINER_KINDS } from "../core/container.js";
import { INTERCONNECTS } from "../model/interconnects.js";
import { PROFILE_NAMES } from "../model/profiles.js";
import { ADDRESS_SPACES } from "../model/ops.js";
import { P2P_PATHS } from "../model/topology.js";
import { U64_MAX } from "../core/u64.js";

/** Largest accepted inputs; past them validation fails with a clear message. */
export const LIMITS = { steps: 1_000_000, rangesPerBacking: 1 << 22, devices: 4096, nameLength: 256, numberLength: 256 } as const;

/**
 * `schema` with a description for editors (and an id, which makes it a shared $defs
 * entry). A clone with `schema` as parent, as zod's own `.meta()` makes: the JSON Schema
 * of a described u64 is a $ref to the u64 definition plus the description.
 */
export function describe<T extends z.core.$ZodType>(schema: T, description: string, id?: string): T {
  const described = (schema as unknown as z.ZodMiniType).clone() as unknown as T;
  z.globalRegistry.add(described, id ? { id, description } : { description });
  return described;
}

/** Why a JSON number is not an acceptable u64 (undefined when it is). */
function numberProblem(v: number): string | undefined {
  if (!Number.isInteger(v)) return "expected an integer";
  if (v < 0) return "expected a non-negative integer";
  if (!Number.isSafeInteger(v)) return 'numbers above 2^53 - 1 lose precision in JSON: write it as a string ("0x…")';
  return undefined;
}

const U64_TEXT = 'expected a u64 as "0x…" hex or decimal digits';

export const u64 = describe(
  z.pipe(
    z.union(
      [
        z
          .string()
          .check(
            z.maxLength(LIMITS.numberLength, { error: `a u64 has at most ${LIMITS.numberLength} characters` }),
            z.regex(/^(0x[0-9a-fA-F]+|[0-9]+)$/, { error: U64_TEXT }),
          ),
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
              ? U64_TEXT
              : 'expected a u64 as a string ("0x1000", "4096") or a safe integer',
      },
    ),
    z.transform((v: string | number, ctx) => {
      const b = BigInt(v);
      if (b > U64_MAX) {
        ctx.issues.push({ code: "custom", message: "value is above 2^64 - 1", input: v });
        return z.NEVER;
      }
      return b;
    }),
  ),
  'u64: "0x…" hex, decimal string, or a safe-integer number; at most 2^64 - 1',
  "u64",
);

const isWellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
const nameChecks = [
  z.minLength(1, { error: "a name cannot be empty" }),
  z.maxLength(LIMITS.nameLength, { abort: true }),
  // JSON text is checked as it is read (json.ts); this is for scenarios given as objects
  z.refine<string>(isWellFormed, { error: "a name cannot hold a lone surrogate (half of a UTF-16 pair)" }),
] as const;
/** A name of a device, host bridge, switch, buffer, attachment or mapping. */
export const name = z.string().check(...nameChecks);
/** A name field: `what` says what the name refers to. */
export const nameOf = (what: string) => describe(z.string().check(...nameChecks), what);
/** An optional field, described. */
export const optional = <T extends z.core.$ZodType>(schema: T, description: string) => describe(z.optional(schema), description);
/** An optional boolean field, described. */
export const flag = (description: string) => optional(z.boolean(), description);
const u64Field = (description: string) => describe(u64, description);
const index = (description: string) => describe(z.int().check(z.gte(0), z.lte(5)), description);

const range = describe(
  z.strictObject({ addr: u64Field("first byte of the range"), len: u64Field("length in bytes") }),
  "{addr, len}: len bytes from addr",
  "range",
);

export const backing = describe(
  z.strictObject({
    kind: describe(z.enum(["system", "mmio"]), "system: RAM pages; mmio: ranges inside one BAR of the exporter (CPU addresses)"),
    ranges: describe(
      z.array(range).check(z.maxLength(LIMITS.rangesPerBacking, { error: `at most ${LIMITS.rangesPerBacking} ranges per backing` })),
      "the backing's physical ranges, page aligned, not overlapping, summing to the buffer's size",
    ),
  }),
  "system RAM ranges, or mmio ranges inside one BAR of the exporter",
  "backing",
);

const bar = describe(
  z.strictObject({
    index: index("BAR number, 0 to 5"),
    cpu: u64Field("CPU physical address of the BAR"),
    bus: u64Field("PCI bus address of the BAR (what a peer sees)"),
    size: u64Field("size of the BAR in bytes"),
  }),
  "a PCI BAR of the device",
);

export const hostBridge = describe(
  z.strictObject({ p2p: flag("whether the host bridge forwards peer-to-peer traffic between its root ports (default false)") }),
  "a PCI host bridge (root complex)",
);

export const pciSwitch = describe(
  z.strictObject({ acsRedirect: flag("whether ACS redirects peer-to-peer traffic up to the host bridge (default false)") }),
  "a PCIe switch",
);

export const device = describe(
  z.strictObject({
    root: optional(
      nameOf("host bridge the device sits under (a key of hostBridges)"),
      "host bridge the device sits under (a key of hostBridges); none: not on PCI",
    ),
    switch: optional(
      nameOf("PCIe switch between the device and its host bridge (a key of switches)"),
      "PCIe switch between the device and its host bridge (a key of switches)",
    ),
    pf: optional(
      nameOf("physical function of this SR-IOV virtual function (a key of devices)"),
      "physical function of this SR-IOV virtual function (a key of devices)",
    ),
    bars: optional(z.array(bar).check(z.maxLength(6)), "the device's BARs, at most 6, each index once"),
    iommu: optional(
      describe(
        z.strictObject({ base: u64Field("first IOVA of the window, page aligned"), size: u64Field("size of the IOVA window in bytes, page aligned") }),
        "the IOVA window of the device's IOMMU domain",
      ),
      "the IOVA window of the device's IOMMU domain; none: DMA addresses are physical",
    ),
    maxSegmentSize: optional(u64, "dma_get_max_seg_size(); default 4294967295 (UINT_MAX)"),
    segBoundaryMask: optional(u64, "dma_get_seg_boundary(); default all ones (no boundary)"),
  }),
  "a device: where it sits in the PCI topology, its BARs and its DMA limits",
);

export const interconnect = z.enum(INTERCONNECTS);
/** A rule profile's name (docs/rules.md#profiles). */
export const profile = z.enum(PROFILE_NAMES);

/** A map's sub-range (iommufd's IOMMU_IOAS_MAP_FILE start and length). */
export const subRange = describe(
  z.strictObject({ offset: u64Field("first byte of the slice, page aligned"), length: u64Field("bytes in the slice, page aligned, not 0") }),
  "{offset, length}: the slice of a physvec map covering exactly those bytes (profiles with sub-range maps: mainline)",
);
export const container = z.enum(CONTAINER_KINDS);
const code = z.enum(MODEL_CODES);
const names = (description: string) => optional(z.array(name), description);

export const expectation = describe(
  z.strictObject({
    error: optional(code, "the step must fail with this code"),
    interconnect: optional(interconnect, "attach, map: the negotiated interconnect"),
    container: optional(container, "map: the container kind"),
    nelms: optional(z.int().check(z.gte(0)), "map: the number of entries"),
    bytes: optional(u64, "map: the number of bytes mapped"),
    hash: optional(u64, "map: the FNV-1a 64 hash of the entries"),
    barNumber: optional(index("map of an mmio buffer: the BAR of the exporter"), "map of an mmio buffer: the BAR of the exporter"),
    notified: names("move, revoke, restore: the attachments notified, newest first"),
    stale: names("move, revoke, restore: the mappings that became stale, in map order"),
    unmapped: names("move, revoke, restore: the mappings importers unmapped inside their notification (unmapOnInvalidate), in map order"),
    path: optional(
      z.enum([...P2P_PATHS, "none"]),
      "attach: the P2P path from the exporter's device to the importer's, as the report prints it (\"none\": the backing is system memory)",
    ),
    space: optional(z.enum(ADDRESS_SPACES), "map: the address space of the entries (bus, iova, cpu-phys, bar-offset)"),
    entries: optional(z.array(z.tuple([u64, u64])), "map: every entry as [addr, len], in the container's read-back order"),
    direction: optional(z.enum(DIRECTIONS), "map (when it gave one), sync: the DMA direction"),
    warnings: optional(
      z.array(z.enum(DMA_DEBUG_RULES.map((r) => r.rule) as [string, ...string[]])),
      "with the DMA-API debug checker on: the rules of the step's warnings, in order ([]: none; docs/rules.md#dma-debug)",
    ),
  }),
  "error (a code), or result fields that must be equal",
  "expect",
);
