/**
 * Exporters that break the ops contract on purpose (docs/rules.md#ops-contract), for
 * the fuzzer's hostile epochs: the model must refuse each break (EINVAL at export for a
 * broken ops table, EPROTO at map for a broken product or a foreign exception), change
 * nothing, and give back what the real op took (IOVA, wasm memory). The reference
 * predicts the refusals from the contract alone (rows C1 and C2), not from the fault.
 */
import { RangeList } from "../core/range-list.js";
import type { DmaBufOps, ExporterFactory, InterconnectOps, MapProduct } from "../model/ops.js";

/** Breaks of a map product: fewer bytes than the buffer, an unknown space, a wrong barNumber, a TypeError. */
export const MAP_FAULTS = ["short", "space", "bar", "throw"] as const;
/** Breaks of the ops table: no release, pin without unpin, a misspelt op, no name. */
export const EXPORT_FAULTS = ["no-release", "pin-without-unpin", "misspelt-op", "no-name"] as const;
export type Fault = (typeof MAP_FAULTS)[number] | (typeof EXPORT_FAULTS)[number];

/** One hostile epoch: every buffer `exporter` exports breaks the contract with `fault`. */
export interface Hostility {
  exporter: string;
  fault: Fault;
}

export const isMapFault = (f: Fault): f is (typeof MAP_FAULTS)[number] => (MAP_FAULTS as readonly string[]).includes(f);

/** The product of a real map, broken by `fault`; the real one's entries are disposed, its release kept. */
function broken(p: MapProduct, fault: (typeof MAP_FAULTS)[number]): MapProduct {
  switch (fault) {
    case "short": {
      const list = p.entries instanceof RangeList ? p.entries : p.entries.toList();
      const short = list.slice(0n, list.total() - 1n);
      if (list !== p.entries) list.dispose();
      p.entries.dispose();
      return { ...p, entries: short };
    }
    case "space":
      return { ...p, space: "dram" as MapProduct["space"] };
    case "bar":
      return { ...p, barNumber: (p.barNumber ?? -1) + 1 };
    case "throw":
      p.release();
      p.entries.dispose();
      throw new TypeError("hostile exporter: map crashed");
  }
}

function breakMaps(ops: DmaBufOps, fault: (typeof MAP_FAULTS)[number]): DmaBufOps {
  const wrap = <A extends unknown[]>(map: (...a: A) => MapProduct) => (...a: A) => broken(map(...a), fault);
  return {
    ...ops,
    mapDmaBuf: wrap(ops.mapDmaBuf.bind(ops)),
    ...(ops.mapInterconnect ? { mapInterconnect: wrap(ops.mapInterconnect.bind(ops)) } : {}),
    ...(ops.interconnects ? { interconnects: ops.interconnects.map((ic): InterconnectOps => (ic.map ? { ...ic, map: wrap(ic.map.bind(ic)) } : ic)) } : {}),
  };
}

function breakTable(ops: DmaBufOps, fault: (typeof EXPORT_FAULTS)[number]): DmaBufOps {
  const out = { ...ops } as Record<string, unknown>;
  switch (fault) {
    case "no-release":
      delete out.release;
      break;
    case "pin-without-unpin":
      out.pin = () => {};
      delete out.unpin;
      break;
    case "misspelt-op":
      out.unmapDmabuf = ops.unmapDmaBuf;
      break;
    case "no-name":
      out.name = "";
      break;
  }
  return out as unknown as DmaBufOps;
}

/** `base`, except that the buffers of `h.exporter` get ops that break the contract with `h.fault`. */
export function hostileExporter(base: ExporterFactory, h: Hostility): ExporterFactory {
  return (args) => {
    const ops = base(args);
    if (args.exporter !== h.exporter) return ops;
    return isMapFault(h.fault) ? breakMaps(ops, h.fault) : breakTable(ops, h.fault);
  };
}
