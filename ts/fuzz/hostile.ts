/**
 * Exporters that break the ops contract on purpose (docs/rules.md#ops-contract), for
 * the fuzzer's hostile epochs: the model must refuse each break (EINVAL at export for a
 * broken ops table, EPROTO at map for a broken product or a foreign exception), change
 * nothing, and give back what the real op took (IOVA, wasm memory). The reference
 * predicts the refusals from the contract alone (rows C1 and C2), not from the fault.
 */
import { RangeList } from "../core/range-list.js";
import type { AttachmentView, DmaBufOps, ExporterFactory, InterconnectOps, MapProduct } from "../model/ops.js";

/** The real product's entries made into another list by `f`; the real entries are disposed. */
function remake(p: MapProduct, f: (list: RangeList) => RangeList): MapProduct {
  const list = p.entries instanceof RangeList ? p.entries : p.entries.toList();
  const made = f(list);
  if (list !== p.entries) list.dispose();
  p.entries.dispose();
  return { ...p, entries: made };
}

/** Gives back what a real map took (its release, its entries), for breaks that lose them. */
function giveBack(p: MapProduct): void {
  p.release();
  p.entries.dispose();
}

/**
 * Breaks of a map product, one row each: the product of a real map, broken; what the
 * real one took is given back where the break loses it. Fewer bytes than the buffer,
 * entries shifted past where they may lie, an unknown space, a wrong (or needless)
 * barNumber, a bad provider, an iova product without regions, no release(), entries
 * that are a plain array, no product at all, a TypeError, entries that are the
 * buffer's own backing (a list the model owns), the real product inside a thenable (ops
 * are synchronous; the model must give it back when it settles, here at once), entries
 * behind a throwing getter. Each breaks every product, whatever its space.
 */
const MAP_BREAKS = {
  short: (p) => remake(p, (l) => l.slice(0n, l.total() - 1n)),
  // past the highest byte it may use: the backing, its bus or BAR image, or its IOVA regions
  shifted: (p) => remake(p, (l) => l.translate(l.total())),
  space: (p) => ({ ...p, space: "dram" as MapProduct["space"] }),
  bar: (p) => ({ ...p, barNumber: (p.barNumber ?? -1) + 1 }),
  provider: (p) => ({ ...p, provider: { owner: -1, busOffset: 0n } }),
  regions: (p) => ({ ...p, space: "iova", regions: [] }),
  "no-release": (p) => {
    giveBack(p);
    const { release: _, ...rest } = p;
    return { ...rest, entries: RangeList.from([], p.entries.core) } as unknown as MapProduct;
  },
  array: (p) => {
    giveBack(p);
    return { ...p, entries: [] as unknown as RangeList, release: () => {} };
  },
  null: (p) => {
    giveBack(p);
    return null as unknown as MapProduct;
  },
  throw: (p) => {
    giveBack(p);
    throw new TypeError("hostile exporter: map crashed");
  },
  alias: (p, a) => {
    giveBack(p);
    return { ...p, entries: a.buffer.backing.ranges, space: "cpu-phys", release: () => {} };
  },
  // settles at once: the model's handler gives the real product back within the step
  // biome-ignore lint/suspicious/noThenProperty: the fault is a thenable product, on purpose
  thenable: (p) => ({ then: (ok: (v: MapProduct) => void) => ok(p) }) as unknown as MapProduct,
  getter: (p) => {
    giveBack(p);
    return Object.defineProperty({ space: p.space, release: () => {} }, "entries", {
      enumerable: true,
      get: () => {
        throw new TypeError("hostile exporter: entries getter");
      },
    }) as MapProduct;
  },
} satisfies Record<string, (p: MapProduct, a: AttachmentView) => MapProduct>;

/** What a table break sees: a copy of the real ops to break, the real ops, their interconnects and a well-formed physvec table. */
interface TableBreak {
  out: Record<string, unknown>;
  ops: DmaBufOps;
  ics: unknown[];
  physvec: { name: string; supportsInterconnects: () => boolean; map: DmaBufOps["mapDmaBuf"] };
}

/**
 * Breaks of the ops table, one row each (a row that returns a value returns it as the
 * whole table): no release, pin without unpin or unpin without pin, a dynamic exporter
 * without either, a misspelt op, no name, a map or an optional op that is not a
 * function, a non-boolean dynamic, no table at all, and interconnect tables that are not
 * a list, hold a non-object, offer sgt, offer an unregistered name or one twice, lack
 * supportsInterconnects, lack map (with no common mapInterconnect), have an unmap that
 * is not a function, or a misspelt op; a mapDmaBuf behind a throwing getter, an async
 * mapDmaBuf, a mapDmaBuf inherited from a prototype (the model reads own data only).
 */
const TABLE_BREAKS = {
  "no-release": ({ out }) => void delete out.release,
  "pin-without-unpin": ({ out }) => {
    out.pin = () => {};
    delete out.unpin;
  },
  "unpin-without-pin": ({ out }) => {
    out.unpin = () => {};
    delete out.pin;
  },
  "dynamic-without-pin": ({ out }) => {
    out.dynamic = true;
    delete out.pin;
    delete out.unpin;
  },
  "misspelt-op": ({ out, ops }) => void (out.unmapDmabuf = ops.unmapDmaBuf),
  "no-name": ({ out }) => void (out.name = ""),
  "map-not-function": ({ out }) => void (out.mapDmaBuf = "mapDmaBuf"),
  "op-not-function": ({ out }) => void (out.attach = "attach"),
  "dynamic-not-boolean": ({ out }) => void (out.dynamic = 1),
  null: () => null,
  "ics-not-array": ({ out, physvec }) => void (out.interconnects = { physvec }),
  "ic-not-object": ({ out, ics }) => void (out.interconnects = [...ics, "physvec"]),
  "ic-sgt": ({ out, ics, physvec }) => void (out.interconnects = [...ics, { ...physvec, name: "sgt" }]),
  "ic-unregistered": ({ out, ics, physvec }) => void (out.interconnects = [...ics, { ...physvec, name: "nvlink" }]),
  "ic-twice": ({ out, ics, physvec }) => void (out.interconnects = [...ics, physvec, physvec]),
  "ic-no-supports": ({ out, ops }) => void (out.interconnects = [{ name: "physvec", map: ops.mapDmaBuf }]),
  "ic-no-map": ({ out }) => {
    delete out.mapInterconnect;
    out.interconnects = [{ name: "physvec", supportsInterconnects: () => true }];
  },
  "ic-unmap-not-function": ({ out, physvec }) => void (out.interconnects = [{ ...physvec, unmap: true }]),
  "ic-misspelt-op": ({ out, physvec }) => void (out.interconnects = [{ ...physvec, unMap: () => {} }]),
  getter: ({ out }) =>
    void Object.defineProperty(out, "mapDmaBuf", {
      enumerable: true,
      get: () => {
        throw new TypeError("hostile exporter: mapDmaBuf getter");
      },
    }),
  "async-op": ({ out, ops }) => void (out.mapDmaBuf = async () => ops.mapDmaBuf),
  inherited: ({ out, ops }) => {
    delete out.mapDmaBuf;
    return Object.assign(Object.create({ mapDmaBuf: ops.mapDmaBuf }), out) as Record<string, unknown>;
  },
} satisfies Record<string, (t: TableBreak) => void | null | Record<string, unknown>>;

/**
 * Products that keep the contract but break a rule of the DMA-API debug checker
 * (docs/rules.md#dma-debug), one row each: the first entry cut at half a page
 * (entry-not-page-aligned), adjacent entries joined, so that an sgt map of system
 * memory ignores the importer's maxSegmentSize and segBoundaryMask (segment-too-long,
 * segment-crosses-boundary). The model must give the same outcome as without the
 * fault, plus the warnings the reference predicts.
 */
const DEBUG_BREAKS = {
  unaligned: (p) =>
    remake(p, (l) => {
      const w = l.view();
      const pairs: [bigint, bigint][] = [];
      for (let k = 0; k < w.length; k += 2) pairs.push([w[k]!, w[k + 1]!]);
      const [[addr, len], ...rest] = pairs as [[bigint, bigint], ...[bigint, bigint][]];
      return RangeList.from([[addr, 0x800n], [addr + 0x800n, len - 0x800n], ...rest], l.core);
    }),
  joined: (p) =>
    remake(p, (l) => {
      const w = l.view();
      const pairs: [bigint, bigint][] = [];
      for (let k = 0; k < w.length; k += 2) {
        const last = pairs[pairs.length - 1];
        if (last && last[0] + last[1] === w[k]) last[1] += w[k + 1]!;
        else pairs.push([w[k]!, w[k + 1]!]);
      }
      return RangeList.from(pairs, l.core);
    }),
} satisfies Record<string, (p: MapProduct, a: AttachmentView) => MapProduct>;

type MapFault = keyof typeof MAP_BREAKS;
type DebugFault = keyof typeof DEBUG_BREAKS;
type ExportFault = keyof typeof TABLE_BREAKS;
/** The map products' faults, in table order. */
export const MAP_FAULTS = Object.keys(MAP_BREAKS) as MapFault[];
/** The dma-debug faults, in table order. */
export const DEBUG_FAULTS = Object.keys(DEBUG_BREAKS) as DebugFault[];
/** The ops tables' faults, in table order. */
export const EXPORT_FAULTS = Object.keys(TABLE_BREAKS) as ExportFault[];

/** Where a fault breaks the contract and how: two lists share names ("null", "no-release"), so `at` tells them apart. */
export type Fault = { at: "map"; fault: MapFault } | { at: "export"; fault: ExportFault } | { at: "debug"; fault: DebugFault };

/** Every fault, the map products' first; hostile epochs take them in turn. */
export const FAULTS: readonly Fault[] = [
  ...MAP_FAULTS.map((fault) => ({ at: "map" as const, fault })),
  ...EXPORT_FAULTS.map((fault) => ({ at: "export" as const, fault })),
  ...DEBUG_FAULTS.map((fault) => ({ at: "debug" as const, fault })),
];

/** One hostile epoch: every buffer `exporter` exports breaks the contract with the fault ("*": every exporter's). */
export type Hostility = { exporter: string } & Fault;

/** "map null", "export no-release": a fault's name in coverage reports and messages. */
export const faultName = (f: Fault): string => `${f.at} ${f.fault}`;

function breakMaps(ops: DmaBufOps, brk: (p: MapProduct, a: AttachmentView) => MapProduct): DmaBufOps {
  const wrap =
    <A extends [AttachmentView, ...unknown[]]>(map: (...a: A) => MapProduct) =>
    (...a: A) =>
      brk(map(...a), a[0]);
  return {
    ...ops,
    ...(ops.mapDmaBuf ? { mapDmaBuf: wrap(ops.mapDmaBuf.bind(ops)) } : {}),
    ...(ops.mapInterconnect ? { mapInterconnect: wrap(ops.mapInterconnect.bind(ops)) } : {}),
    ...(ops.interconnects ? { interconnects: ops.interconnects.map((ic): InterconnectOps => (ic.map ? { ...ic, map: wrap(ic.map.bind(ic)) } : ic)) } : {}),
    ...(ops.mappingTypes ? { mappingTypes: ops.mappingTypes.map((ic): InterconnectOps => (ic.map ? { ...ic, map: wrap(ic.map.bind(ic)) } : ic)) } : {}),
  };
}

function breakTable(ops: DmaBufOps, fault: ExportFault): DmaBufOps {
  const out = { ...ops } as Record<string, unknown>;
  const physvec = { name: "physvec", supportsInterconnects: () => true, map: ops.mapDmaBuf };
  const whole = TABLE_BREAKS[fault]({ out, ops, ics: [...(ops.interconnects ?? [])], physvec });
  return (whole === undefined ? out : whole) as unknown as DmaBufOps;
}

/** `base`, except that the buffers of `h.exporter` get ops that break the contract with `h.fault`. */
export function hostileExporter(base: ExporterFactory, h: Hostility): ExporterFactory {
  return (args) => {
    const ops = base(args);
    if (args.exporter !== h.exporter && h.exporter !== "*") return ops;
    if (h.at === "export") return breakTable(ops, h.fault);
    return breakMaps(ops, h.at === "map" ? MAP_BREAKS[h.fault] : DEBUG_BREAKS[h.fault]);
  };
}
