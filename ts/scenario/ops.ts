/**
 * The step ops, one row each: the op's fields (schema shape), its subject, the names it
 * declares and the names it needs, its model call and the JSON form of its result. The
 * step schema (schema.ts), the name checks (validate.ts), the runner and its records
 * (runner.ts) all derive from this table. Adding an op is one row here plus its model
 * method; the `satisfies` below fails to compile when a row is missing, and
 * test/scenario/ops.test.ts fails when a row lacks a piece.
 */
import * as z from "zod/mini";
import { hex, hex16 } from "../core/u64.js";
import type { DmaBufModel } from "../model/model.js";
import type { AttachResult, MapResult, NotifyResult, Op, StepResult, SyncResult } from "../model/trace.js";
import { DIRECTIONS } from "../model/direction.js";
import type { PairList, Space, StateReader } from "../model/state.js";
import { backing, container, describe, flag, interconnect, nameOf, optional, subRange, u64 } from "./fields.js";

/** The objects a step refers to by name. Devices are declared in `devices`, the rest by steps. */
export type NameKind = "device" | "buffer" | "attachment" | "mapping";
/** How a step field uses its name: it declares a new object, or needs one declared before. */
export type NameUse = { declares: Exclude<NameKind, "device"> } | { needs: NameKind };

type Shape = Record<string, z.core.$ZodType>;
/** The fields of a step with the given shape, as they come out of validation. */
export type StepFields<S extends Shape> = { op: string } & z.output<z.ZodMiniObject<S>>;

export interface Row<S extends Shape = Shape, R extends StepResult | void = StepResult | void, J = unknown> {
  /** The step's fields besides `op` and `expect`. */
  shape: S;
  /** The field naming the object the step acts on or declares (reports show it). */
  subject: keyof S & string;
  /** The name a step declares when its declaring field is absent (map: "#<i>"). */
  defaultName?: (i: number) => string;
  /** The fields that hold names, in checking order, and how each is used. */
  names: { [K in keyof S]?: NameUse };
  /** The model call; throws DmaBufError when the step fails. */
  run(model: DmaBufModel, step: StepFields<S>, i: number): R;
  /** The `result` object of the step's JSON record, in the documented key order. */
  json?: (result: Exclude<R, void>) => J;
  /** A rule between the step's fields that validation checks: the field at fault and why, or undefined. */
  refine?: (step: StepFields<S>) => { field: keyof S & string; message: string } | undefined;
  /**
   * What else `expect` may state about a successful step beyond its result (attach: the
   * P2P path; map: the address space and the entries), read from the model's state after
   * the step, only for the keys an expectation names.
   */
  observe?: { [key: string]: (reader: StateReader, step: StepFields<S>, i: number) => unknown };
  /** The fields the run requires page aligned, as paths in the step ("*": every element); hints.ts reads them. */
  pageAligned?: readonly (readonly string[])[];
}

/** A row, typed from its shape (so `run` and `json` see the step's own fields). */
const row = <S extends Shape, R extends StepResult | void, J = never>(r: Row<S, R, J>) => r;

const buffer = nameOf("the buffer (declared by an earlier export)");
const attachment = nameOf("the attachment (declared by an earlier attach)");
const needsBuffer = { needs: "buffer" } as const;
const direction = z.enum(DIRECTIONS);
const needsAttachment = { needs: "attachment" } as const;
const needsDevice = { needs: "device" } as const;

const attachJson = (r: AttachResult) => ({ interconnect: r.interconnect });
function mapJson(r: MapResult) {
  const out: {
    interconnect: string;
    container: string;
    nelms: number;
    bytes: string;
    hash: string;
    barNumber?: number;
    direction?: string;
    /** With the runner's `entries` option: the address space and every [addr, len] in read-back order. */
    space?: Space;
    entries?: PairList;
  } = {
    interconnect: r.interconnect,
    container: r.container,
    nelms: r.nelms,
    bytes: hex(r.bytes),
    hash: hex16(r.hash),
  };
  if (r.barNumber !== undefined) out.barNumber = r.barNumber;
  if (r.direction) out.direction = r.direction;
  return out;
}
function notifyJson(r: NotifyResult) {
  const out: { notified: string[]; stale: string[]; unmapped?: string[] } = { notified: r.notified, stale: r.stale };
  if (r.unmapped) out.unmapped = r.unmapped;
  return out;
}

/** attach's rules between fields (every profile): revocable needs dynamic; unmapOnInvalidate needs a revocable importer. */
function importerKind(st: { dynamic?: boolean | undefined; revocable?: boolean | undefined; unmapOnInvalidate?: boolean | undefined }) {
  if (st.revocable === true && st.dynamic !== true)
    return { field: "revocable" as const, message: "revocable: true needs dynamic: true (only an importer with ops can be revoked)" };
  if (st.unmapOnInvalidate !== undefined && !(st.dynamic === true && st.revocable !== false)) {
    return { field: "unmapOnInvalidate" as const, message: "unmapOnInvalidate is only for revocable importers (dynamic, and revocable not false)" };
  }
  return undefined;
}

/** Rows whose only field names an attachment, or a buffer. */
const onAttachment = (run: (model: DmaBufModel, attachment: string) => void) =>
  row({ shape: { attachment }, subject: "attachment", names: { attachment: needsAttachment }, run: (m, st) => run(m, st.attachment) });
const onBuffer = (run: (model: DmaBufModel, buffer: string) => void) =>
  row({ shape: { buffer }, subject: "buffer", names: { buffer: needsBuffer }, run: (m, st) => run(m, st.buffer) });
/** A notifying step's result has `unmapped` only when it is not empty: `expect.unmapped: []` states that none was. */
const noneUnmapped = { unmapped: () => [] };
const notifying = (run: (model: DmaBufModel, buffer: string) => NotifyResult) =>
  row({ shape: { buffer }, subject: "buffer", names: { buffer: needsBuffer }, run: (m, st) => run(m, st.buffer), json: notifyJson, observe: noneUnmapped });
const lockRow = (run: (model: DmaBufModel, buffer: string, holder: string) => void) =>
  row({
    shape: { buffer, holder: nameOf("the device taking or releasing the lock (a key of devices)") },
    subject: "buffer",
    names: { buffer: needsBuffer, holder: needsDevice },
    run: (m, st) => run(m, st.buffer, st.holder),
  });

/** A backing's range addresses and lengths, which export and move require page aligned. */
const RANGES_ALIGNED = [
  ["backing", "ranges", "*", "addr"],
  ["backing", "ranges", "*", "len"],
] as const;

/** The name a map step gives its mapping: `as`, or "#<i>". */
export const mappingName = (step: { as?: string | undefined }, i: number): string => step.as ?? `#${i}`;

export const OPS = {
  export: row({
    shape: {
      buffer: nameOf("the new buffer's name"),
      exporter: nameOf("the exporting device (a key of devices)"),
      size: describe(u64, "size of the buffer in bytes, page aligned"),
      backing: describe(backing, "the memory behind the buffer"),
      dynamic: flag("the exporter supports move_notify (can move or revoke the buffer); default false"),
      pinnable: flag("the buffer can be pinned; default true"),
      interconnects: optional(z.array(interconnect), "interconnects the exporter offers besides sgt; default none"),
    },
    subject: "buffer",
    names: { buffer: { declares: "buffer" }, exporter: needsDevice },
    pageAligned: [["size"], ...RANGES_ALIGNED],
    run: (m, st) => m.export(st),
  }),
  attach: row({
    shape: {
      buffer,
      importer: nameOf("the importing device (a key of devices)"),
      as: nameOf("the new attachment's name"),
      dynamic: flag("the importer has move_notify (a dynamic importer); default false"),
      revocable: flag("false: a pinned importer with ops (RDMA without ODP; profiles with pinned importers: mainline); default: the value of dynamic"),
      unmapOnInvalidate: flag(
        "the importer's invalidate callback unmaps its mappings before returning (revocable importers only); default false in rfc-v2, true in mainline",
      ),
      peer2peer: flag("the importer accepts peer-to-peer (MMIO) addresses; default false"),
      allowIc: flag("the importer allows interconnects other than sgt; default false"),
      interconnects: optional(z.array(interconnect).check(z.minLength(1)), 'interconnects the importer asks for, in order of preference; default ["sgt"]'),
    },
    subject: "as",
    names: { buffer: needsBuffer, importer: needsDevice, as: { declares: "attachment" } },
    run: (m, st) => m.attach(st),
    json: attachJson,
    refine: importerKind,
    observe: { path: (r, st) => r.attachment(st.as).path ?? "none" },
  }),
  detach: onAttachment((m, a) => m.detach(a)),
  pin: onAttachment((m, a) => m.pin(a)),
  unpin: onAttachment((m, a) => m.unpin(a)),
  map: row({
    shape: {
      attachment,
      as: optional(nameOf("the new mapping's name"), 'the new mapping\'s name; default "#<step index>"'),
      container: optional(container, "the container kind; default: sgt for sgt, physvec for physvec, ranges for iov"),
      range: optional(subRange, "a physvec map's slice {offset, length} (mainline: iommufd's IOMMU_IOAS_MAP_FILE); rfc-v2 refuses it (EINVAL)"),
      direction: optional(direction, "the DMA direction the exporter's map receives; default bidirectional (the result names it only when given)"),
    },
    subject: "as",
    defaultName: (i) => mappingName({}, i),
    names: { attachment: needsAttachment, as: { declares: "mapping" } },
    run: (m, st, i) =>
      m.map({
        attachment: st.attachment,
        as: mappingName(st, i),
        ...(st.container ? { container: st.container } : {}),
        ...(st.range ? { range: st.range } : {}),
        ...(st.direction ? { direction: st.direction } : {}),
      }),
    json: mapJson,
    observe: {
      space: (r, st, i) => r.space(mappingName(st, i)),
      entries: (r, st, i) => r.entries(mappingName(st, i)),
    },
  }),
  unmap: row({
    shape: {
      mapping: nameOf("the mapping (declared by an earlier map)"),
      direction: optional(direction, "the DMA direction of the unmap; default the map's (another one is a dma-debug warning)"),
    },
    subject: "mapping",
    names: { mapping: { needs: "mapping" } },
    run: (m, st) => m.unmap(st.mapping, st.direction),
  }),
  lock: lockRow((m, b, h) => m.lock(b, h)),
  unlock: lockRow((m, b, h) => m.unlock(b, h)),
  move: row({
    shape: { buffer, backing: describe(backing, "the new memory behind the buffer") },
    subject: "buffer",
    names: { buffer: needsBuffer },
    pageAligned: RANGES_ALIGNED,
    run: (m, st) => m.move(st.buffer, st.backing),
    json: notifyJson,
    observe: noneUnmapped,
  }),
  revoke: notifying((m, b) => m.revoke(b)),
  restore: notifying((m, b) => m.restore(b)),
  close: onBuffer((m, b) => m.close(b)),
  sync: row({
    shape: { buffer, flags: describe(z.array(z.string()).check(z.maxLength(8)), "DMA_BUF_IOCTL_SYNC flags: start or end, and read, write or both") },
    subject: "buffer",
    names: { buffer: needsBuffer },
    run: (m, st) => m.sync(st.buffer, st.flags),
    json: (r: SyncResult) => ({ direction: r.direction }),
  }),
  // biome-ignore lint/suspicious/noExplicitAny: each row keeps its own shape; the check is only that every op has one
} satisfies { [O in Op]: Row<any, any, any> };

export type Ops = typeof OPS;
/** Every op, in table order. */
export const OP_NAMES = Object.keys(OPS) as Op[];
/** "export, attach, …": the op list of error messages. */
export const OP_LIST = OP_NAMES.join(", ");

/** The row of `op`, or undefined for anything that is not an op (also "__proto__", "toString"…). */
export function rowOf(op: unknown): Row | undefined {
  return typeof op === "string" && Object.hasOwn(OPS, op) ? (OPS[op as Op] as unknown as Row) : undefined;
}

/** The message of an unknown op. */
export const unknownOp = (op: unknown) => `unknown op ${JSON.stringify(op) ?? String(op)}: expected one of ${OP_LIST}`;

/** The JSON `result` of each op (never for ops without one). */
// biome-ignore lint/suspicious/noExplicitAny: only the third parameter is read
export type JsonResultOf<O extends Op> = Ops[O] extends Row<any, any, infer J> ? J : never;
export type JsonResult = { [O in Op]: JsonResultOf<O> }[Op];
