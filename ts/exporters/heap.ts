/**
 * A system-memory heap exporter, like the kernel's dma-buf system heap: static (it never
 * moves or revokes its pages, so it has no pin/unpin) and sgt only. Written against the
 * public interface only.
 */
import type { DmaBufOps } from "../model/ops.js";
import { sgtMap } from "../model/address.js";

/** Ops of a static system-heap exporter: sgt only, no pin/unpin, never moves its pages. */
export function systemHeapExporter(): DmaBufOps {
  return {
    name: "system-heap",
    mapDmaBuf: (a, dma) => sgtMap(dma, a.buffer, a.device),
    unmapDmaBuf() {},
    release() {},
  };
}
