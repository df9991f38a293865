/**
 * DMA direction (enum dma_data_direction, include/linux/dma-direction.h): which way data
 * moves between memory and the importer's device. `dma_buf_map_attachment(attach, dir)`
 * and `dma_buf_unmap_attachment(attach, sgt, dir)` take one, and the exporter's
 * map_dma_buf and unmap_dma_buf receive it (docs/rules.md#dma-debug).
 */
import { bad } from "./args.js";

/** The directions a map, an unmap or a CPU access names: DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE. */
export const DIRECTIONS = ["bidirectional", "to-device", "from-device"] as const;
/** One of DIRECTIONS. */
export type Direction = (typeof DIRECTIONS)[number];
/** A map that names no direction is bidirectional (the model's default; the kernel's callers always pass one). */
export const DEFAULT_DIRECTION: Direction = "bidirectional";

/** An optional direction argument at `path`, checked: EINVAL naming it unless it is one of DIRECTIONS. */
export function checkDirection(what: string, v: unknown, path: (string | number)[]): Direction | undefined {
  if (v !== undefined && !(DIRECTIONS as readonly unknown[]).includes(v)) bad(what, path, `must be one of ${DIRECTIONS.join(", ")}`);
  return v as Direction | undefined;
}
