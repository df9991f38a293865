/**
 * Exporters that break the ops contract on purpose (docs/rules.md#ops-contract), for
 * the fuzzer's hostile epochs: the model must refuse each break (EINVAL at export for a
 * broken ops table, EPROTO at map for a broken product or a foreign exception), change
 * nothing, and give back what the real op took (IOVA, wasm memory). The reference
 * predicts the refusals from the contract alone (rows C1 and C2), not from the fault.
 */
import { RangeList } from "../core/range-list.js";
import type { AttachmentView, DmaBufOps, ExporterFactory, InterconnectOps, MapProduct } from "../model/ops.js";

/**
 * Breaks of a map product: fewer bytes than the buffer, entries shifted past where
 * they may lie, an unknown space, a wrong (or needless) barNumber, a bad provider, an
 * iova product without regions, no release(), entries that are a plain array, no
 * product at all, a TypeError, entries that are the buffer's own backing (a list the
 * model owns), the real product inside a thenable (ops are synchronous; the model must
 * give it back when it settles, here at once), entries behind a throwing getter. Each
 * breaks every product, whatever its space.
 */
export const MAP_FAULTS = ["short", "shifted", "space", "bar", "provider", "regions", "no-release", "array", "null", "throw", "alias", "thenable", "getter"] as const;
/**
 * Breaks of the ops table: no release, pin without unpin or unpin without pin, a dynamic
 * exporter without either, a misspelt op, no name, a map or an optional op that is not a
 * function, a non-boolean dynamic, no table at all, and interconnect tables that are not
 * a list, hold a non-object, offer sgt, offer an unregistered name or one twice, lack
 * supportsInterconnects, lack map (with no common mapInterconnect), have an unmap that
 * is not a function, or a misspelt op; a mapDmaBuf behind a throwing getter, an async
 * mapDmaBuf, a mapDmaBuf inherited from a prototype (the model reads own data only).
 */
export const EXPORT_FAULTS = [
  "no-release", "pin-without-unpin", "unpin-without-pin", "dynamic-without-pin", "misspelt-op", "no-name",
  "map-not-function", "op-not-function", "dynamic-not-boolean", "null",
  "ics-not-array", "ic-not-object", "ic-sgt", "ic-unregistered", "ic-twice", "ic-no-supports", "ic-no-map",
  "ic-unmap-not-function", "ic-misspelt-op", "getter", "async-op", "inherited",
] as const;
type MapFault = (typeof MAP_FAULTS)[number];
type ExportFault = (typeof EXPORT_FAULTS)[number];

/** Where a fault breaks the contract and how: two lists share names ("null", "no-release"), so `at` tells them apart. */
export type Fault = { at: "map"; fault: MapFault } | { at: "export"; fault: ExportFault };

/** Every fault, the map products' first; hostile epochs take them in turn. */
export const FAULTS: readonly Fault[] = [
  ...MAP_FAULTS.map((fault) => ({ at: "map" as const, fault })),
  ...EXPORT_FAULTS.map((fault) => ({ at: "export" as const, fault })),
];

/** One hostile epoch: every buffer `exporter` exports breaks the contract with the fault. */
export type Hostility = { exporter: string } & Fault;

/** "map null", "export no-release": a fault's name in coverage reports and messages. */
export const faultName = (f: Fault): string => `${f.at} ${f.fault}`;

/** The real product's entries made into another list by `f`; the real entries are disposed. */
function remake(p: MapProduct, f: (list: RangeList) => RangeList): MapProduct {
  const list = p.entries instanceof RangeList ? p.entries : p.entries.toList();
  const made = f(list);
  if (list !== p.entries) list.dispose();
  p.entries.dispose();
  return { ...p, entries: made };
}

/** The product of a real map, broken by `fault`; what the real one took is given back where the break loses it. */
function broken(p: MapProduct, fault: MapFault, attach: AttachmentView): MapProduct {
  const giveBack = () => {
    p.release();
    p.entries.dispose();
  };
  switch (fault) {
    case "short":
      return remake(p, (l) => l.slice(0n, l.total() - 1n));
    case "shifted": // past the highest byte it may use: the backing, its bus or BAR image, or its IOVA regions
      return remake(p, (l) => l.translate(l.total()));
    case "space":
      return { ...p, space: "dram" as MapProduct["space"] };
    case "bar":
      return { ...p, barNumber: (p.barNumber ?? -1) + 1 };
    case "provider":
      return { ...p, provider: { owner: -1, busOffset: 0n } };
    case "regions":
      return { ...p, space: "iova", regions: [] };
    case "no-release": {
      giveBack();
      const { release: _, ...rest } = p;
      return { ...rest, entries: RangeList.from([], p.entries.core) } as unknown as MapProduct;
    }
    case "array":
      giveBack();
      return { ...p, entries: [] as unknown as RangeList, release: () => {} };
    case "null":
      giveBack();
      return null as unknown as MapProduct;
    case "throw":
      giveBack();
      throw new TypeError("hostile exporter: map crashed");
    case "alias":
      giveBack();
      return { ...p, entries: attach.buffer.backing.ranges, space: "cpu-phys", release: () => {} };
    case "thenable": // settles at once: the model's handler gives the real product back within the step
      return { then: (ok: (v: MapProduct) => void) => ok(p) } as unknown as MapProduct;
    case "getter":
      giveBack();
      return Object.defineProperty({ space: p.space, release: () => {} }, "entries", { enumerable: true, get: () => { throw new TypeError("hostile exporter: entries getter"); } }) as MapProduct;
  }
}

function breakMaps(ops: DmaBufOps, fault: MapFault): DmaBufOps {
  const wrap = <A extends [AttachmentView, ...unknown[]]>(map: (...a: A) => MapProduct) => (...a: A) => broken(map(...a), fault, a[0]);
  return {
    ...ops,
    mapDmaBuf: wrap(ops.mapDmaBuf.bind(ops)),
    ...(ops.mapInterconnect ? { mapInterconnect: wrap(ops.mapInterconnect.bind(ops)) } : {}),
    ...(ops.interconnects ? { interconnects: ops.interconnects.map((ic): InterconnectOps => (ic.map ? { ...ic, map: wrap(ic.map.bind(ic)) } : ic)) } : {}),
  };
}

function breakTable(ops: DmaBufOps, fault: ExportFault): DmaBufOps {
  const out = { ...ops } as Record<string, unknown>;
  const ics = [...(ops.interconnects ?? [])] as unknown[];
  const physvec = { name: "physvec", supportsInterconnects: () => true, map: ops.mapDmaBuf };
  switch (fault) {
    case "map-not-function":
      out.mapDmaBuf = "mapDmaBuf";
      break;
    case "dynamic-not-boolean":
      out.dynamic = 1;
      break;
    case "null":
      return null as unknown as DmaBufOps;
    case "ics-not-array":
      out.interconnects = { physvec };
      break;
    case "ic-not-object":
      out.interconnects = [...ics, "physvec"];
      break;
    case "ic-no-map":
      delete out.mapInterconnect;
      out.interconnects = [{ name: "physvec", supportsInterconnects: () => true }];
      break;
    case "ic-sgt":
      out.interconnects = [...ics, { ...physvec, name: "sgt" }];
      break;
    case "ic-unregistered":
      out.interconnects = [...ics, { ...physvec, name: "nvlink" }];
      break;
    case "ic-twice":
      out.interconnects = [...ics, physvec, physvec];
      break;
    case "ic-no-supports":
      out.interconnects = [{ name: "physvec", map: ops.mapDmaBuf }];
      break;
    case "ic-unmap-not-function":
      out.interconnects = [{ ...physvec, unmap: true }];
      break;
    case "ic-misspelt-op":
      out.interconnects = [{ ...physvec, unMap: () => {} }];
      break;
    case "no-release":
      delete out.release;
      break;
    case "pin-without-unpin":
      out.pin = () => {};
      delete out.unpin;
      break;
    case "unpin-without-pin":
      out.unpin = () => {};
      delete out.pin;
      break;
    case "dynamic-without-pin":
      out.dynamic = true;
      delete out.pin;
      delete out.unpin;
      break;
    case "op-not-function":
      out.attach = "attach";
      break;
    case "misspelt-op":
      out.unmapDmabuf = ops.unmapDmaBuf;
      break;
    case "getter":
      Object.defineProperty(out, "mapDmaBuf", { enumerable: true, get: () => { throw new TypeError("hostile exporter: mapDmaBuf getter"); } });
      break;
    case "async-op":
      out.mapDmaBuf = async () => ops.mapDmaBuf;
      break;
    case "inherited":
      delete out.mapDmaBuf;
      return Object.assign(Object.create({ mapDmaBuf: ops.mapDmaBuf }), out) as DmaBufOps;
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
    return h.at === "map" ? breakMaps(ops, h.fault) : breakTable(ops, h.fault);
  };
}
