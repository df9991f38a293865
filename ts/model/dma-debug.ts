/**
 * The DMA-API debug checker (docs/rules.md#dma-debug): what the kernel's
 * CONFIG_DMA_API_DEBUG would say about an exporter's products and an importer's unmaps,
 * one row per rule with its kernel source. A warning never changes a step's outcome:
 * the model adds it to the step's trace record (`warnings`) when the checker is on
 * (ModelOptions.dmaDebug). Each rule names the first entry at fault and counts the
 * others, so a warning stays one line whatever the product's size.
 */
import { hex, PAGE } from "../core/u64.js";
import type { RangeList } from "../core/range-list.js";
import type { Device } from "./topology.js";
import type { Direction } from "./direction.js";

/** One finding of the checker: its rule (a stable kebab-case name, DMA_DEBUG_RULES) and a message naming the object at fault. */
export interface Warning {
  rule: string;
  message: string;
}

/** When a rule is checked: at map (the product), at unmap, or when the run ends. */
export type DebugCheckpoint = "map" | "unmap" | "end";

/** One rule of the checker: its name, where it is checked, and the kernel function that checks it. */
export interface DebugRule {
  readonly rule: string;
  readonly at: DebugCheckpoint;
  readonly source: string;
}

/** What a map product's entry rules look at besides the entries. */
export interface ProductContext {
  /** The importer's device (its maxSegmentSize and segBoundaryMask). */
  device: Device;
  /**
   * The entries went through dma_map_sgtable() (an sgt map of system memory), where
   * debug_dma_map_sg() runs check_sg_segment(); the phys_vec path of mmio backings maps
   * with dma_map_phys()/dma_iova_link(), which dma-debug records without that check.
   */
  sgMapped: boolean;
  /** Who made the product, for messages: "exporter vfio (mapDmaBuf of b0 for a0)". */
  who: string;
}

/** A rule over the entries of a map product: whether it applies, whether an entry breaks it, and what is wrong. */
interface EntryRule extends DebugRule {
  applies(ctx: ProductContext): boolean;
  broken(addr: bigint, len: bigint, dev: Device): boolean;
  problem(dev: Device): string;
}

const ENTRY_RULES: readonly EntryRule[] = [
  {
    rule: "entry-not-page-aligned",
    at: "map",
    source: "drivers/dma-buf/dma-buf.c dma_buf_map_attachment (under CONFIG_DMA_API_DEBUG: addr or len is not page aligned)",
    applies: () => true,
    broken: (addr, len) => addr % PAGE !== 0n || len % PAGE !== 0n,
    problem: () => "is not page aligned (a dma-buf maps whole pages)",
  },
  {
    rule: "segment-too-long",
    at: "map",
    source: "kernel/dma/debug.c check_sg_segment (CONFIG_DMA_API_DEBUG_SG: segment longer than dma_get_max_seg_size)",
    applies: (ctx) => ctx.sgMapped,
    broken: (_addr, len, dev) => len > dev.maxSegmentSize,
    problem: (dev) => `is longer than ${dev.name}'s maxSegmentSize ${hex(dev.maxSegmentSize)}`,
  },
  {
    rule: "segment-crosses-boundary",
    at: "map",
    source: "kernel/dma/debug.c check_sg_segment (CONFIG_DMA_API_DEBUG_SG: segment across dma_get_seg_boundary)",
    applies: (ctx) => ctx.sgMapped,
    // first and last byte differ outside the mask: (start ^ end) & ~mask, without a u64 complement
    broken: (addr, len, dev) => len > 0n && ((addr ^ (addr + len - 1n)) | dev.segBoundaryMask) !== dev.segBoundaryMask,
    problem: (dev) => `crosses ${dev.name}'s segBoundaryMask ${hex(dev.segBoundaryMask)}`,
  },
];

const UNMAP_RULE: DebugRule = {
  rule: "unmap-direction-mismatch",
  at: "unmap",
  source: "kernel/dma/debug.c check_unmap (device driver frees DMA memory with different direction)",
};

const LEAK_RULE: DebugRule = {
  rule: "mapping-leaked",
  at: "end",
  source: "kernel/dma/debug.c dma_debug_device_change (pending DMA allocations while released from device)",
};

/** Every rule of the checker, in the order docs/rules.md#dma-debug lists them. */
export const DMA_DEBUG_RULES: readonly DebugRule[] = [UNMAP_RULE, ...ENTRY_RULES, LEAK_RULE];

/** The entry rules' warnings for a map product's entries: one per rule broken, naming the first entry at fault. */
export function productWarnings(list: RangeList, ctx: ProductContext): Warning[] {
  const out: Warning[] = [];
  const w = list.view();
  for (const r of ENTRY_RULES) {
    if (!r.applies(ctx)) continue;
    let first = -1;
    let n = 0;
    for (let k = 0; k < w.length; k += 2) {
      if (!r.broken(w[k]!, w[k + 1]!, ctx.device)) continue;
      if (first < 0) first = k;
      n++;
    }
    if (!n) continue;
    const more = n > 1 ? ` (and ${n - 1} more ${n === 2 ? "entry" : "entries"})` : "";
    out.push({ rule: r.rule, message: `${ctx.who}: entry ${first / 2} (${hex(w[first]!)} +${hex(w[first + 1]!)}) ${r.problem(ctx.device)}${more}` });
  }
  return out;
}

/** check_unmap's direction rule: a warning when mapping `name`, mapped `mapped`, is unmapped `unmapped`. */
export function unmapWarnings(name: string, mapped: Direction, unmapped: Direction): Warning[] {
  if (mapped === unmapped) return [];
  return [{ rule: UNMAP_RULE.rule, message: `unmap ${name}: unmapped ${unmapped} but mapped ${mapped} (the direction of an unmap must be the map's)` }];
}

/** What the leak report reads of a mapping. */
export interface LeakView {
  readonly name: string;
  readonly unmapped: boolean;
  readonly bytes: bigint;
  readonly attachment: { readonly name: string; readonly importer: string };
}

/** The leak report when the run ends: one warning per mapping still live (stale ones too: they hold their addresses), in map order. */
export function leakWarnings(mappings: Iterable<LeakView>): Warning[] {
  const out: Warning[] = [];
  for (const m of mappings) {
    if (m.unmapped) continue;
    out.push({
      rule: LEAK_RULE.rule,
      message: `mapping ${m.name} (${hex(m.bytes)} bytes, attachment ${m.attachment.name} of ${m.attachment.importer}) is still mapped when the scenario ends`,
    });
  }
  return out;
}
