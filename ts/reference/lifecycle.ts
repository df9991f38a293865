/**
 * The lifecycle reference: what every step of a scenario must do, written from the
 * rules of docs/rules.md (lifecycle table rows A1, A2, L1–L24, address rules,
 * splitting, negotiation, notifications, the `--state` of docs/output.md; C1 and C2 for
 * exporters that break the ops contract), not from ts/model. Plain objects and bigint
 * arrays; no wasm. The differential fuzzer (ts/fuzz) runs each step on both and compares
 * the outcome (code, and the path of a refused argument), the result fields, the
 * notifications, every mapping's entries and the state after the step.
 *
 * One step: a malformed argument is row A1 (./arguments.ts); else the rows of
 * {@link ROWS} for its op are tried in table order; the first whose condition holds is
 * the step's outcome and nothing changes. When none holds, {@link APPLY} performs the
 * step and gives its result. Speed does not matter here.
 */
import { split, translate, hash } from "./ops.js";
import { RefIova } from "./iova.js";
import { argumentFault, type ArgPath } from "./arguments.js";
import { REF_PROFILES, type RefRules } from "./profiles.js";

const M = 0xffff_ffff_ffff_ffffn;
const UINT_MAX = 0xffff_ffffn;
const PAGE = 4096n;

export type Entry = { addr: bigint; len: bigint };
export type Code = "ENOENT" | "EINVAL" | "EOPNOTSUPP" | "ENODEV" | "EALREADY" | "EBUSY" | "EPERM" | "ENOMEM" | "EPROTO" | "EDEADLK";
export type Ic = "sgt" | "physvec" | "iov";
export type Kind = "sgt" | "physvec" | "mapping" | "ranges" | "xarray";
export type Path = "BUS_ADDR" | "THRU_HOST_BRIDGE" | "NOT_SUPPORTED";
export type Space = "bus" | "iova" | "cpu-phys" | "bar-offset";
/** A DMA direction (docs/rules.md#dma-debug). */
export type Dir = "bidirectional" | "to-device" | "from-device";

export interface RefBar {
  index: number;
  cpu: bigint;
  bus: bigint;
  size: bigint;
}
export interface RefTopology {
  /** The rule profile (docs/rules.md#profiles); default rfc-v2. */
  profile?: string | undefined;
  /** The DMA-API debug checker is on (docs/rules.md#dma-debug): outcomes carry the rules of their warnings. */
  dmaDebug?: boolean | undefined;
  hostBridges?: Record<string, { p2p?: boolean | undefined }> | undefined;
  switches?: Record<string, { acsRedirect?: boolean | undefined }> | undefined;
  devices: Record<
    string,
    {
      root?: string | undefined;
      switch?: string | undefined;
      pf?: string | undefined;
      bars?: RefBar[] | undefined;
      iommu?: { base: bigint; size: bigint } | undefined;
      maxSegmentSize?: bigint | undefined;
      segBoundaryMask?: bigint | undefined;
    }
  >;
}
export interface RefBacking {
  kind: "system" | "mmio";
  ranges: readonly Entry[];
}

/** A scenario step as the reference reads it (the scenario format's Step fits it). */
export type RefStep =
  | {
      op: "export";
      buffer: string;
      exporter: string;
      size: bigint;
      backing: RefBacking;
      dynamic?: boolean | undefined;
      pinnable?: boolean | undefined;
      interconnects?: Ic[] | undefined;
    }
  | {
      op: "attach";
      buffer: string;
      importer: string;
      as: string;
      dynamic?: boolean | undefined;
      revocable?: boolean | undefined;
      unmapOnInvalidate?: boolean | undefined;
      peer2peer?: boolean | undefined;
      allowIc?: boolean | undefined;
      interconnects?: Ic[] | undefined;
      moveNotify?: (attachment: string) => void;
      invalidateMappings?: (attachment: string) => void;
    }
  | { op: "detach" | "pin" | "unpin"; attachment: string }
  | {
      op: "map";
      attachment: string;
      as?: string | undefined;
      container?: Kind | undefined;
      range?: { offset: bigint; length: bigint } | undefined;
      direction?: Dir | undefined;
    }
  | { op: "unmap"; mapping: string; direction?: Dir | undefined }
  | { op: "sync"; buffer: string; flags: string[] }
  | { op: "lock" | "unlock"; buffer: string; holder: string }
  | { op: "move"; buffer: string; backing: RefBacking }
  | { op: "revoke" | "restore" | "close"; buffer: string };
export type RefOp = RefStep["op"];

export interface RefBuffer {
  name: string;
  exporter: string;
  size: bigint;
  kind: "system" | "mmio";
  ranges: Entry[];
  bar: RefBar | undefined;
  dynamic: boolean;
  pinnable: boolean;
  offers: Ic[];
  revoked: boolean;
  closed: boolean;
  holder: string | undefined;
  /** Live attachments in attach order (oldest first). */
  atts: RefAttachment[];
}
export interface RefAttachment {
  name: string;
  buffer: RefBuffer;
  importer: string;
  dynamic: boolean;
  ic: Ic;
  pins: number;
  detached: boolean;
  /** Gives its mappings back when invalidated (a dynamic importer, unless `revocable: false`: a pinned importer with ops). */
  revocable: boolean;
  /** Its callback unmaps its mappings (docs/rules.md#profiles row 5). */
  unmapOnInvalidate: boolean;
  /** The importer's own move_notify callback, when it gave one (user code: the reference calls it too). */
  moveNotify: ((attachment: string) => void) | undefined;
  /** Live mappings in map order. */
  maps: RefMapping[];
}
export interface RefMapping {
  name: string;
  seq: number;
  att: RefAttachment;
  ic: Ic;
  container: Kind;
  /** The entries read back from the container. */
  entries: Entry[];
  /** IOVA regions held in the importer's IOMMU. */
  regions: Entry[];
  provider: { owner: number; busOffset: bigint } | undefined;
  barNumber: number | undefined;
  /** The address space of its entries (docs/rules.md#address-rules), fixed when it was made. */
  space: Space;
  /** The direction it was mapped with (bidirectional unless the map gave one). */
  dir: Dir;
  pinnedOnMap: boolean;
  stale: boolean;
  unmapped: boolean;
}

export type RefResult =
  | { interconnect: Ic }
  | { interconnect: Ic; container: Kind; nelms: number; bytes: bigint; hash: bigint; barNumber?: number; direction?: Dir }
  | { direction: Dir }
  | { notified: string[]; stale: string[]; unmapped?: string[]; callbackErrors?: { attachment: string; error: unknown }[] };

export interface RefOutcome {
  /** The row that decided the step ("ok" when none applied). */
  row: string;
  code: Code | undefined;
  result: RefResult | undefined;
  /** The path of the refused argument (rows A1, L2, L20; for C1 only its start, "ops"). */
  path?: ArgPath;
  /** move_notify deliveries, in order. */
  notified: string[];
  /** With dmaDebug: the rules of the step's warnings, in order (absent when none). */
  warnings?: string[];
}

/** What a step sees: its objects resolved by name (undefined when the name is dead). */
interface Ctx {
  r: LifecycleRef;
  st: RefStep;
  i: number;
  b: RefBuffer | undefined;
  a: RefAttachment | undefined;
  m: RefMapping | undefined;
}
type Live<K extends keyof Ctx> = Ctx & { [P in K]-?: NonNullable<Ctx[P]> };

const DEFAULT_CONTAINER: Record<Ic, Kind> = { sgt: "sgt", physvec: "physvec", iov: "ranges" };
const ALL_BUT_EXPORT: RefOp[] = ["attach", "detach", "pin", "unpin", "map", "unmap", "lock", "unlock", "move", "revoke", "restore", "close", "sync"];

/**
 * Why a backing breaks a buffer rule (docs/rules.md#buffers), and the argument it names
 * (`path`), or no fault; `bar` is its BAR. An overlap names the higher index of the first
 * overlapping pair of neighbours in address order (ties by index).
 */
export function backingFault(bars: readonly RefBar[], size: bigint, spec: RefBacking): { fault?: string; path?: ArgPath; bar?: RefBar } {
  const rs = spec.ranges;
  const ranges = ["backing", "ranges"];
  if (size === 0n || size % PAGE) return { fault: "size", path: ["size"] };
  if (!rs.length) return { fault: "no ranges", path: ranges };
  const bad = rs.findIndex((e) => e.len === 0n || e.addr % PAGE || e.len % PAGE || e.addr + e.len - 1n > M);
  if (bad >= 0) return { fault: "bad range", path: [...ranges, bad] };
  const sorted = rs.map((e, index) => ({ ...e, index })).sort((x, y) => (x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : x.index - y.index));
  const k = sorted.findIndex((e, j) => j > 0 && sorted[j - 1]!.addr + sorted[j - 1]!.len > e.addr);
  if (k > 0) return { fault: "overlap", path: [...ranges, Math.max(sorted[k - 1]!.index, sorted[k]!.index)] };
  if (rs.reduce((s, e) => s + e.len, 0n) !== size) return { fault: "sum", path: ranges };
  if (spec.kind === "system") return {};
  const bar = bars.find((w) => rs.every((e) => e.addr >= w.cpu && e.addr + e.len - w.cpu <= w.size));
  return bar ? { bar } : { fault: "not inside one BAR", path: ranges };
}

/**
 * The lifecycle table, docs/rules.md#lifecycle, in table order (A1 comes before it, in
 * LifecycleRef.step). L10b is the place of L10 for static importers (they take the lock
 * internally: EBUSY when another holds it). C1 (an ops table the contract refuses) is
 * checked after A2 and before the buffer rules (L2), as dma_buf_export() sees the ops.
 */
export const ROWS: readonly { id: string; ops: readonly RefOp[]; code: Code; when: (c: Ctx) => boolean; path?: (c: Ctx) => ArgPath }[] = [
  {
    id: "L1",
    ops: ALL_BUT_EXPORT,
    code: "ENOENT",
    when: (c) => !c.b || c.b.closed || ("attachment" in c.st && (!c.a || c.a.detached)) || ("mapping" in c.st && (!c.m || c.m.unmapped)),
  },
  { id: "A2", ops: ["export", "attach", "map"], code: "EINVAL", when: (c) => c.r.named(newName(c)) },
  {
    id: "P3",
    ops: ["attach"],
    code: "EINVAL",
    when: (c) => {
      const x = attachArgs(c);
      return x.dynamic && !x.revocable && !c.r.rules.pinnedWithOps;
    },
  },
  {
    id: "C1",
    ops: ["export"],
    code: "EINVAL",
    when: (c) => c.r.broken?.at === "export" && (c.st as Extract<RefStep, { op: "export" }>).exporter === c.r.broken.exporter,
    path: () => ["ops"],
  },
  { id: "L2", ops: ["export"], code: "EINVAL", when: (c) => !!exportFault(c).fault, path: (c) => exportFault(c).path! },
  { id: "M2", ops: ["attach"], code: "EINVAL", when: (c) => c.r.rules.matchFirst && badRequest(c) },
  { id: "M1", ops: ["attach"], code: "EINVAL", when: (c) => c.r.rules.matchFirst && negotiate(c) === undefined },
  { id: "L3", ops: ["attach"], code: "EOPNOTSUPP", when: (c) => c.b!.kind === "mmio" && !attachArgs(c).peer2peer && !c.r.rules.sgtP2pAtAttach },
  { id: "L4", ops: ["attach"], code: "ENODEV", when: (c) => c.b!.revoked },
  { id: "P4", ops: ["attach"], code: "EOPNOTSUPP", when: (c) => c.b!.kind === "mmio" && c.r.rules.vfioRevocableOnly && !attachArgs(c).revocable },
  { id: "L5", ops: ["attach"], code: "EINVAL", when: (c) => badRequest(c) },
  { id: "L6", ops: ["attach"], code: "EOPNOTSUPP", when: (c) => negotiate(c) === undefined },
  { id: "L7", ops: ["lock"], code: "EALREADY", when: (c) => c.b!.holder === holderOf(c) },
  { id: "L8", ops: ["lock"], code: "EBUSY", when: (c) => c.b!.holder !== undefined },
  { id: "L9", ops: ["unlock"], code: "EPERM", when: (c) => c.b!.holder !== holderOf(c) },
  { id: "L10", ops: ["map", "unmap", "pin", "unpin"], code: "EPERM", when: (c) => attOf(c).dynamic && c.b!.holder !== attOf(c).importer },
  { id: "L10b", ops: ["map", "unmap"], code: "EBUSY", when: (c) => !attOf(c).dynamic && c.b!.holder !== undefined && c.b!.holder !== attOf(c).importer },
  { id: "P8", ops: ["map"], code: "EINVAL", when: (c) => rangeFault(c as Live<"a" | "b">), path: () => ["range"] },
  { id: "L11", ops: ["map"], code: "EOPNOTSUPP", when: (c) => !c.a!.dynamic && c.b!.dynamic && refusesPin(c.r, c.b!) },
  { id: "L12", ops: ["map"], code: "ENODEV", when: (c) => c.b!.revoked },
  {
    id: "L13",
    ops: ["map"],
    code: "EINVAL",
    when: (c) =>
      (c.a!.ic === "sgt" && c.b!.kind === "mmio" && c.r.path(c.b!.exporter, c.a!.importer) === "NOT_SUPPORTED") || (c.a!.ic === "iov" && c.b!.kind !== "mmio"),
  },
  {
    id: "P7",
    ops: ["map"],
    code: "EOPNOTSUPP",
    when: (c) => c.a!.ic === "physvec" && c.r.rules.physvecOneMmioRange && (c.b!.kind !== "mmio" || c.b!.ranges.length !== 1),
  },
  { id: "P6", ops: ["map"], code: "EINVAL", when: (c) => tooManyEntries(c as Live<"a" | "b">) },
  { id: "L14", ops: ["map"], code: "ENOMEM", when: (c) => plan(c as Live<"a" | "b">) === undefined },
  { id: "C2", ops: ["map"], code: "EPROTO", when: (c) => c.r.broken?.at === "map" && c.b!.exporter === c.r.broken.exporter },
  { id: "L15", ops: ["unmap"], code: "EOPNOTSUPP", when: (c) => c.m!.ic === "iov" },
  { id: "L16", ops: ["pin"], code: "EINVAL", when: (c) => !c.a!.dynamic },
  { id: "L17", ops: ["pin"], code: "EOPNOTSUPP", when: (c) => refusesPin(c.r, c.b!) },
  { id: "L18", ops: ["unpin"], code: "EINVAL", when: (c) => c.a!.pins === 0 },
  { id: "L19", ops: ["move", "revoke", "restore"], code: "EOPNOTSUPP", when: (c) => !c.b!.dynamic },
  { id: "L20", ops: ["move"], code: "EINVAL", when: (c) => !!moveFault(c).fault, path: (c) => moveFault(c).path! },
  { id: "L21", ops: ["move"], code: "EBUSY", when: (c) => pinCount(c.b!) > 0 },
  { id: "L22", ops: ["move", "revoke", "restore"], code: "EBUSY", when: (c) => c.b!.holder !== undefined && c.b!.holder !== c.b!.exporter },
  {
    id: "P5",
    ops: ["revoke"],
    code: "EDEADLK",
    when: (c) =>
      c.r.rules.waitForUnmaps &&
      !(c.b!.revoked && c.r.rules.idempotentRevoke) &&
      c.b!.atts.some((a) => a.maps.some((m) => !(a.unmapOnInvalidate && m.ic !== "iov"))),
  },
  { id: "L23", ops: ["detach"], code: "EBUSY", when: (c) => c.a!.pins > 0 || c.a!.maps.some((m) => m.ic !== "iov") },
  { id: "L24", ops: ["close"], code: "EBUSY", when: (c) => c.b!.atts.length > 0 },
  // docs/rules.md#sync: DMA_BUF_IOCTL_SYNC's flags
  { id: "S1", ops: ["sync"], code: "EINVAL", when: (c) => syncOf(c).flags.some((f) => !SYNC_FLAGS.includes(f)) },
  { id: "S2", ops: ["sync"], code: "EINVAL", when: (c) => !has(c, "read") && !has(c, "write") },
  { id: "S3", ops: ["sync"], code: "EINVAL", when: (c) => has(c, "start") === has(c, "end") },
];

const SYNC_FLAGS = ["start", "end", "read", "write"];
const syncOf = (c: Ctx) => c.st as Extract<RefStep, { op: "sync" }>;
const has = (c: Ctx, f: string) => syncOf(c).flags.includes(f);

const exportFault = (c: Ctx) => {
  const st = c.st as Extract<RefStep, { op: "export" }>;
  return backingFault(c.r.devices[st.exporter]!.bars, st.size, st.backing);
};
const moveFault = (c: Ctx) => backingFault(c.r.devices[c.b!.exporter]!.bars, c.b!.size, (c.st as Extract<RefStep, { op: "move" }>).backing);
/** The name an export, attach or map step declares. */
const newName = (c: Ctx) => (c.st.op === "export" ? c.st.buffer : c.st.op === "attach" ? c.st.as : ((c.st as Extract<RefStep, { op: "map" }>).as ?? `#${c.i}`));

function attachArgs(c: Ctx) {
  const st = c.st as Extract<RefStep, { op: "attach" }>;
  const asked = st.interconnects ?? ["sgt"];
  const revocable = !!st.dynamic && st.revocable !== false;
  const unmaps = revocable && (st.unmapOnInvalidate ?? c.r.rules.unmapOnInvalidateDefault);
  return { dynamic: !!st.dynamic, revocable, unmaps, peer2peer: !!st.peer2peer, allowIc: !!st.allowIc, asked, nonSgt: asked.some((n) => n !== "sgt") };
}

/** Whether pinning `b` is refused: it is not pinnable, unless it is mmio under a vfio without a pin op (row 4). */
const refusesPin = (r: LifecycleRef, b: RefBuffer) => !b.pinnable && !(r.rules.vfioRevocableOnly && b.kind === "mmio");

/** Row 8: a map's range is refused (rfc-v2, not physvec, empty, unaligned, or not inside the buffer). */
function rangeFault(c: Live<"a" | "b">): boolean {
  const g = (c.st as Extract<RefStep, { op: "map" }>).range;
  if (!g) return false;
  if (!c.r.rules.subRanges || c.a.ic !== "physvec") return true;
  return g.length === 0n || g.offset % PAGE !== 0n || g.length % PAGE !== 0n || g.offset >= c.b.size || g.offset + g.length > c.b.size;
}

/** Row 6: an mmio sgt map whose entries (at mmioEntryMax each) outnumber mmioNentsMax; with an IOMMU, counted over the whole buffer when one region fits it. */
function tooManyEntries(c: Live<"a" | "b">): boolean {
  const { a, b, r } = c;
  const max = r.rules.mmioNentsMax;
  if (max === undefined || a.ic !== "sgt" || b.kind !== "mmio" || r.path(b.exporter, a.importer) === "NOT_SUPPORTED") return false;
  const per = (len: bigint) => (len + r.rules.mmioEntryMax - 1n) / r.rules.mmioEntryMax;
  const space = r.path(b.exporter, a.importer) === "THRU_HOST_BRIDGE" ? r.iova.get(a.importer) : undefined;
  if (space && space.free.some((x) => x.len >= b.size)) return per(b.size) > max;
  return b.ranges.reduce((n, e) => n + per(e.len), 0n) > max;
}

/** The entries covering bytes [offset, offset + length) of `es`. */
function sliceEntries(es: readonly Entry[], offset: bigint, length: bigint): Entry[] {
  const out: Entry[] = [];
  let at = 0n;
  for (const e of es) {
    const lo = offset > at ? offset : at;
    const hi = offset + length < at + e.len ? offset + length : at + e.len;
    if (lo < hi) out.push({ addr: e.addr + (lo - at), len: hi - lo });
    at += e.len;
  }
  return out;
}
const holderOf = (c: Ctx) => (c.st as { holder: string }).holder;
const attOf = (c: Ctx) => c.a ?? c.m!.att;

/** Pins held: explicit pins plus static importers' live mappings (pin on map). */
export function pinCount(b: RefBuffer): number {
  return b.atts.reduce((n, a) => n + a.pins + a.maps.filter((m) => m.pinnedOnMap).length, 0);
}

/** L5: the importer's own request is refused (peer2peer or non-sgt from a static importer, non-sgt without allowIc). */
function badRequest(c: Ctx): boolean {
  const x = attachArgs(c);
  return (!x.dynamic && (x.peer2peer || x.nonSgt)) || (x.nonSgt && !x.allowIc);
}

/**
 * docs/rules.md#negotiation: the first asked name the buffer offers and accepts. Under
 * the mapping-types rows the exporter's order rules instead: its interconnects as
 * exported, sgt last unless named; for each, the first asked name equal to it that
 * accepts (sgt of an mmio buffer only with peer2peer and a P2P path).
 */
function negotiate(c: Ctx): Ic | undefined {
  const b = c.b!;
  const st = c.st as Extract<RefStep, { op: "attach" }>;
  const accepts: Record<Ic, () => boolean> = {
    sgt: () => !c.r.rules.sgtP2pAtAttach || b.kind !== "mmio" || (!!st.peer2peer && c.r.path(b.exporter, st.importer) !== "NOT_SUPPORTED"),
    physvec: () => !!st.dynamic && (!c.r.rules.physvecOneMmioRange || b.kind === "mmio"),
    iov: () => c.r.rules.hasIov && c.r.devices[b.exporter]!.pf === st.importer && b.kind === "mmio",
  };
  const asked = attachArgs(c).asked;
  if (!c.r.rules.exporterFirst) return asked.find((n) => b.offers.includes(n) && accepts[n]());
  const named = [...new Set(b.offers.slice(1))];
  const order = named.includes("sgt") ? named : [...named, "sgt" as Ic];
  return order.find((n) => asked.includes(n) && accepts[n]());
}

interface Plan {
  entries: Entry[];
  space: Space;
  regions: Entry[];
  iova: RefIova | undefined;
  barNumber?: number;
  provider?: RefMapping["provider"];
}

/**
 * docs/rules.md#address-rules and #splitting: the entries a map gives, allocating on a
 * copy of the importer's IOVA space (committed only when the step succeeds).
 * Undefined when the IOVA space is exhausted (row L14).
 */
function plan(c: Live<"a" | "b">): Plan | undefined {
  const { a, b, r } = c;
  const dev = r.devices[a.importer]!;
  const space = r.iova.get(a.importer);
  const iova = space && Object.assign(new RefIova(space.base, space.size), { free: space.free.map((x) => ({ ...x })), regions: space.regions });
  const alloc = (len: bigint): bigint | undefined => (iova!.free.some((x) => x.len >= len) ? iova!.alloc(len) : undefined);
  const done = (segs: Entry[], space: Space, maxSeg: bigint, mask: bigint, regions: Entry[] = []): Plan => ({
    entries: split(segs, maxSeg, mask),
    space,
    regions,
    iova,
  });
  const oneRegion = (maxSeg: bigint, mask: bigint): Plan | undefined => {
    const at = alloc(b.size);
    return at === undefined ? undefined : done([{ addr: at, len: b.size }], "iova", maxSeg, mask, [{ addr: at, len: b.size }]);
  };
  const seg = r.rules.mmioEntryMax;
  if (a.ic === "physvec") {
    const g = (c.st as Extract<RefStep, { op: "map" }>).range;
    return {
      entries: g ? sliceEntries(b.ranges, g.offset, g.length) : b.ranges,
      space: "cpu-phys",
      regions: [],
      iova,
      ...(b.bar ? { provider: { owner: r.ids[b.exporter]!, busOffset: (b.bar.bus - b.bar.cpu) & M } } : {}),
    };
  }
  if (a.ic === "iov") return { entries: translate(b.ranges, -b.bar!.cpu), space: "bar-offset", regions: [], iova, barNumber: b.bar!.index };
  if (b.kind === "system") return dev.iommu ? oneRegion(dev.maxSeg, dev.mask) : done(b.ranges, "cpu-phys", dev.maxSeg, dev.mask);
  if (r.path(b.exporter, a.importer) === "BUS_ADDR") return done(translate(b.ranges, b.bar!.bus - b.bar!.cpu), "bus", seg, M);
  if (!dev.iommu) return done(b.ranges, "cpu-phys", seg, M);
  const whole = oneRegion(seg, M);
  if (whole) return whole;
  const each: Entry[] = [];
  for (const e of b.ranges) {
    const at = alloc(e.len);
    if (at === undefined) return undefined;
    each.push({ addr: at, len: e.len });
  }
  return done(each, "iova", seg, M, each);
}

/**
 * Notifies revocable importers, newest first (docs/rules.md#notifications): the
 * mappings of importers that unmap on invalidate are unmapped (row 5), the others
 * matching `staleIf` go stale; a callback that throws is recorded (#callbacks).
 */
function notify(r: LifecycleRef, b: RefBuffer, staleIf?: (m: RefMapping) => boolean): Extract<RefResult, { notified: string[] }> {
  const told = b.atts.filter((a) => a.revocable).reverse();
  const all = b.atts.flatMap((a) => a.maps).sort((x, y) => x.seq - y.seq);
  const unmapped = all.filter((m) => m.att.unmapOnInvalidate && m.ic !== "iov");
  const stale = all.filter((m) => !unmapped.includes(m) && !m.stale && !!staleIf?.(m));
  for (const m of stale) m.stale = true;
  const callbackErrors: { attachment: string; error: unknown }[] = [];
  for (const a of told) {
    try {
      a.moveNotify?.(a.name);
    } catch (error) {
      callbackErrors.push({ attachment: a.name, error });
    }
  }
  for (const m of unmapped) {
    release(r, m);
    m.att.maps.splice(m.att.maps.indexOf(m), 1);
  }
  return {
    notified: told.map((a) => a.name),
    stale: stale.map((m) => m.name),
    ...(unmapped.length ? { unmapped: unmapped.map((m) => m.name) } : {}),
    ...(callbackErrors.length ? { callbackErrors } : {}),
  };
}

/** Gives back a mapping's IOVA regions. */
function release(r: LifecycleRef, m: RefMapping): void {
  for (const g of m.regions) r.iova.get(m.att.importer)!.release(g.addr, g.len);
  m.unmapped = true;
}

/**
 * The product the importer gets: the plan's entries, or, from an exporter broken for
 * dma-debug (docs/rules.md#dma-debug), the plan's full product remade by its fault and
 * then cut to the map's range. With dmaDebug, the rules that product breaks are noted.
 */
function productOf(c: Live<"a" | "b">, p: Plan): Entry[] {
  const { a, b, r } = c;
  const g = (c.st as Extract<RefStep, { op: "map" }>).range;
  const full = g && a.ic === "physvec" ? b.ranges : p.entries;
  const fault = r.broken?.at === "debug" && [b.exporter, "*"].includes(r.broken.exporter) ? DEBUG_FAULTS[r.broken.fault!]! : undefined;
  const made = fault ? fault(full) : full;
  r.warned.push(...productRules(made, a.ic === "sgt" && b.kind === "system", r.devices[a.importer]!));
  if (!fault) return p.entries;
  return g && a.ic === "physvec" ? sliceEntries(made, g.offset, g.length) : made;
}

/** The products of a dma-debug fault (./fuzz/hostile.ts breaks the model's the same way): the first entry cut at half a page, or adjacent entries joined. */
const DEBUG_FAULTS: Record<string, (es: readonly Entry[]) => Entry[]> = {
  unaligned: ([first, ...rest]) => [{ addr: first!.addr, len: 0x800n }, { addr: first!.addr + 0x800n, len: first!.len - 0x800n }, ...rest],
  joined: (es) => {
    const out: Entry[] = [];
    for (const e of es) {
      const last = out[out.length - 1];
      if (last && last.addr + last.len === e.addr) last.len += e.len;
      else out.push({ ...e });
    }
    return out;
  },
};

/** The dma-debug rules a product breaks, in the table's order: alignment always; the segment limits for an sgt map of system memory (dma_map_sgtable). */
function productRules(es: readonly Entry[], sgMapped: boolean, dev: RefDevice): string[] {
  const keep = M ^ dev.mask; // the address bits above the boundary
  const rules: [string, boolean][] = [
    ["entry-not-page-aligned", es.some((e) => e.addr % PAGE !== 0n || e.len % PAGE !== 0n)],
    ["segment-too-long", sgMapped && es.some((e) => e.len > dev.maxSeg)],
    ["segment-crosses-boundary", sgMapped && es.some((e) => (e.addr & keep) !== ((e.addr + e.len - 1n) & keep))],
  ];
  return rules.filter(([, broken]) => broken).map(([rule]) => rule);
}

/** What a step does when no row applies, and its result. */
/** (For export, `b` is undefined: it is the buffer being made.) */
const APPLY: { [O in RefOp]: (c: Ctx & { b: RefBuffer }, st: RefStep & { op: O }) => RefResult | undefined } = {
  export: (c, st) => {
    const { bar } = backingFault(c.r.devices[st.exporter]!.bars, st.size, st.backing);
    c.r.buffers.set(st.buffer, {
      name: st.buffer,
      exporter: st.exporter,
      size: st.size,
      kind: st.backing.kind,
      ranges: st.backing.ranges.map((e) => ({ ...e })),
      bar,
      dynamic: !!st.dynamic,
      pinnable: st.pinnable ?? true,
      offers: ["sgt", ...(st.interconnects ?? [])],
      revoked: false,
      closed: false,
      holder: undefined,
      atts: [],
    });
    return undefined;
  },
  attach: (c, st) => {
    const ic = negotiate(c)!;
    const x = attachArgs(c);
    const a: RefAttachment = {
      name: st.as,
      buffer: c.b,
      importer: st.importer,
      dynamic: x.dynamic,
      revocable: x.revocable,
      unmapOnInvalidate: x.unmaps,
      ic,
      pins: 0,
      detached: false,
      maps: [],
      moveNotify: st.invalidateMappings ?? st.moveNotify,
    };
    c.b.atts.push(a);
    c.r.attachments.set(a.name, a);
    return { interconnect: ic };
  },
  detach: (c) => {
    const a = c.a!;
    for (const m of a.maps) release(c.r, m);
    a.maps = [];
    a.detached = true;
    c.b.atts.splice(c.b.atts.indexOf(a), 1);
    return undefined;
  },
  map: (c, st) => {
    const a = c.a!;
    const p = plan(c as Live<"a" | "b">)!;
    if (p.iova) c.r.iova.set(a.importer, p.iova);
    const container = st.container ?? DEFAULT_CONTAINER[a.ic];
    const made = productOf(c as Live<"a" | "b">, p);
    const entries = container === "sgt" ? split(made, UINT_MAX, M) : made.map((e) => ({ ...e }));
    const m: RefMapping = {
      name: st.as ?? `#${c.i}`,
      seq: c.r.seq++,
      att: a,
      ic: a.ic,
      container,
      entries,
      regions: p.regions,
      provider: container === "physvec" ? p.provider : undefined,
      barNumber: p.barNumber,
      space: p.space,
      dir: st.direction ?? "bidirectional",
      pinnedOnMap: !a.dynamic && c.b.dynamic,
      stale: false,
      unmapped: false,
    };
    a.maps.push(m);
    c.r.mappings.set(m.name, m);
    const bytes = entries.reduce((s, e) => s + e.len, 0n);
    return {
      interconnect: a.ic,
      container,
      nelms: entries.length,
      bytes,
      hash: hash(entries),
      ...(p.barNumber !== undefined ? { barNumber: p.barNumber } : {}),
      ...(st.direction ? { direction: st.direction } : {}),
    };
  },
  unmap: (c, st) => {
    if ((st.direction ?? c.m!.dir) !== c.m!.dir) c.r.warned.push("unmap-direction-mismatch");
    release(c.r, c.m!);
    c.m!.att.maps.splice(c.m!.att.maps.indexOf(c.m!), 1);
    return undefined;
  },
  pin: (c) => void c.a!.pins++,
  unpin: (c) => void c.a!.pins--,
  lock: (c, st) => void (c.b.holder = st.holder),
  unlock: (c) => void (c.b.holder = undefined),
  move: (c, st) => {
    c.b.kind = st.backing.kind;
    c.b.ranges = st.backing.ranges.map((e) => ({ ...e }));
    c.b.bar = backingFault(c.r.devices[c.b.exporter]!.bars, c.b.size, st.backing).bar;
    return notify(c.r, c.b, (m) => m.att.revocable);
  },
  revoke: (c) => {
    if (c.b.revoked && c.r.rules.idempotentRevoke) return { notified: [], stale: [] };
    c.b.revoked = true;
    return notify(c.r, c.b, (m) => m.att.revocable || !m.att.dynamic);
  },
  restore: (c) => {
    if (!c.b.revoked) return { notified: [], stale: [] };
    if (!c.r.rules.clearRevokedLast) c.b.revoked = false;
    const result = notify(c.r, c.b);
    c.b.revoked = false;
    return result;
  },
  close: (c) => void (c.b.closed = true),
  sync: (c) => ({ direction: has(c, "read") && has(c, "write") ? "bidirectional" : has(c, "read") ? "from-device" : "to-device" }),
};

/** The interconnects every model registers (docs/rules.md#negotiation). */
const BUILTIN: readonly Ic[] = ["sgt", "physvec", "iov"];
/** The row of a step refused for a malformed argument (docs/rules.md#api-arguments). */
export const ARGUMENT_ROW = "A1";

interface ImporterOps {
  moveNotify?: (attachment: string) => void;
  invalidateMappings?: (attachment: string) => void;
  revocable?: boolean;
  unmapOnInvalidate?: boolean;
  allowPeer2peer?: boolean;
  supportsInterconnects?: boolean;
  interconnects?: { name: Ic }[];
}

/** An attach given importer ops, as the flags they mean: dynamic ⇔ a callback or revocable: false; peer2peer, allowIc, interconnects. */
function flagsOf(st: RefStep & { op: "attach"; ops: ImporterOps }): RefStep {
  const { ops, ...rest } = st;
  const cb = ops.invalidateMappings ?? ops.moveNotify;
  return {
    ...rest,
    dynamic: cb !== undefined || ops.revocable === false,
    revocable: ops.revocable,
    unmapOnInvalidate: ops.unmapOnInvalidate,
    moveNotify: cb,
    peer2peer: ops.allowPeer2peer,
    allowIc: ops.supportsInterconnects,
    interconnects: ops.interconnects?.map((m) => m.name),
  };
}

/** Backing ranges given as `{addr, len}` objects or as a BigUint64Array of addr, len pairs. */
function entriesOf(rs: readonly Entry[] | BigUint64Array): Entry[] {
  if (!(rs instanceof BigUint64Array)) return [...rs];
  const out: Entry[] = [];
  for (let k = 0; k < rs.length; k += 2) out.push({ addr: rs[k]!, len: rs[k + 1]! });
  return out;
}

interface RefDevice {
  pf: string | undefined;
  root: string | undefined;
  switch: string | undefined;
  bars: RefBar[];
  iommu: { base: bigint; size: bigint } | undefined;
  maxSeg: bigint;
  mask: bigint;
}

/** The reference state of one scenario run. */
export class LifecycleRef {
  readonly devices: Record<string, RefDevice> = {};
  /** A device's declaration index: the `owner` of a physvec provider. */
  readonly ids: Record<string, number> = {};
  readonly iova = new Map<string, RefIova>();
  readonly buffers = new Map<string, RefBuffer>();
  readonly attachments = new Map<string, RefAttachment>();
  readonly mappings = new Map<string, RefMapping>();
  seq = 0;
  /** The warnings of the step running (step() reads them). */
  warned: string[] = [];
  /** The profile's rules (its own table, ./profiles.ts). */
  readonly rules: RefRules;

  /**
   * @param broken an exporter device whose ops break the contract (docs/rules.md#ops-contract):
   *   at `export` (its ops table: EINVAL, row C1) or at `map` (its products: EPROTO, row C2);
   *   at `debug`, products that keep the contract but break dma-debug's rules (`fault`;
   *   exporter "*": every exporter's).
   */
  constructor(
    readonly topo: RefTopology,
    readonly broken?: { exporter: string; at: "export" | "map" | "debug"; fault?: string },
  ) {
    this.rules = REF_PROFILES[topo.profile ?? "rfc-v2"]!;
    Object.entries(topo.devices).forEach(([name, d], id) => {
      this.ids[name] = id;
      this.devices[name] = {
        pf: d.pf,
        root: d.root,
        switch: d.switch,
        bars: d.bars ?? [],
        iommu: d.iommu,
        maxSeg: d.maxSegmentSize ?? UINT_MAX,
        mask: d.segBoundaryMask ?? M,
      };
      if (d.iommu) this.iova.set(name, new RefIova(d.iommu.base, d.iommu.size));
    });
  }

  /** Whether a buffer, attachment or mapping was ever made with this name (closed, detached and unmapped ones too). */
  named(name: string): boolean {
    return this.buffers.has(name) || this.attachments.has(name) || this.mappings.has(name);
  }

  /** docs/rules.md#p2p-path, like pci_p2pdma_map_type(). */
  path(exporter: string, importer: string): Path {
    const e = this.devices[exporter]!;
    const i = this.devices[importer]!;
    if (exporter === importer && e.root !== undefined) return "BUS_ADDR";
    if (e.switch !== undefined && e.switch === i.switch && !this.topo.switches?.[e.switch]?.acsRedirect) return "BUS_ADDR";
    if (e.root !== undefined && e.root === i.root && this.topo.hostBridges?.[e.root]?.p2p) return "THRU_HOST_BRIDGE";
    return "NOT_SUPPORTED";
  }

  /**
   * The state as `run --state` prints it (docs/output.md#--state), from this record:
   * buffers and attachments in creation order (closed and detached ones included), the
   * mappings that exist, and each IOMMU's space with the regions its mappings hold.
   */
  state(): unknown {
    const hex = (v: bigint) => "0x" + v.toString(16);
    const pairs = (es: readonly Entry[]) => es.map((e) => [hex(e.addr), hex(e.len)]);
    const sum = (es: readonly { len: bigint }[]) => es.reduce((n, e) => n + e.len, 0n);
    const live = [...this.mappings.values()].filter((m) => !m.unmapped);
    return {
      buffers: [...this.buffers.values()].map((b) => ({
        name: b.name,
        exporter: b.exporter,
        size: hex(b.size),
        backing: b.closed ? null : { kind: b.kind, ranges: pairs(b.ranges) },
        dynamic: b.dynamic,
        revoked: b.revoked,
        closed: b.closed,
        lock: b.holder ?? null,
        pins: pinCount(b),
      })),
      attachments: [...this.attachments.values()].map((a) => ({
        name: a.name,
        buffer: a.buffer.name,
        importer: a.importer,
        dynamic: a.dynamic,
        interconnect: a.ic,
        path: a.buffer.closed || a.buffer.kind !== "mmio" ? null : this.path(a.buffer.exporter, a.importer),
        pins: a.pins,
        detached: a.detached,
      })),
      mappings: live.map((m) => ({
        name: m.name,
        attachment: m.att.name,
        status: m.stale ? "stale" : "live",
        interconnect: m.ic,
        container: m.container,
        space: m.space,
        direction: m.dir,
        nelms: m.entries.length,
        bytes: hex(sum(m.entries)),
        iova: pairs(m.regions),
      })),
      iova: [...this.iova].map(([device, s]) => {
        const free = sum(s.free);
        const held = live
          .filter((m) => m.att.importer === device)
          .flatMap((m) => m.regions)
          .sort((x, y) => (x.addr < y.addr ? -1 : 1));
        return { device, base: hex(s.base), size: hex(s.size), used: hex(s.size - free), free: hex(free), regions: pairs(held) };
      }),
    };
  }

  /**
   * Runs step `i`: a malformed argument first (row A1, docs/rules.md#api-arguments),
   * then the first row of the table that applies, else the step's effect. A backing's
   * ranges may also come as a BigUint64Array of addr, len pairs (the API's other form).
   */
  step(given: RefStep, i: number): RefOutcome {
    const bad = argumentFault(given as RefStep & Record<string, unknown>, BUILTIN);
    if (bad) return { row: ARGUMENT_ROW, code: bad.code, path: bad.path, result: undefined, notified: [] };
    const st =
      "backing" in given
        ? { ...given, backing: { kind: given.backing.kind, ranges: entriesOf(given.backing.ranges as readonly Entry[] | BigUint64Array) } }
        : given.op === "attach" && "ops" in given
          ? flagsOf(given as RefStep & { op: "attach"; ops: ImporterOps })
          : given;
    const a = "attachment" in st ? this.attachments.get(st.attachment) : undefined;
    const m = "mapping" in st ? this.mappings.get(st.mapping) : undefined;
    const b = st.op === "export" ? undefined : "buffer" in st ? this.buffers.get(st.buffer) : (a ?? m?.att)?.buffer;
    const c: Ctx = { r: this, st, i, b, a, m };
    const row = ROWS.find((w) => w.ops.includes(st.op) && w.when(c));
    if (row) return { row: row.id, code: row.code, ...(row.path ? { path: row.path(c) } : {}), result: undefined, notified: [] };
    this.warned = [];
    const result = (APPLY[st.op] as (c: Ctx, st: RefStep) => RefResult | undefined)(c, st);
    const warnings = this.topo.dmaDebug && this.warned.length ? { warnings: this.warned } : {};
    return { row: "ok", code: undefined, result, notified: result && "notified" in result ? result.notified : [], ...warnings };
  }

  /** With dmaDebug, the rules of the report when the run ends (docs/rules.md#dma-debug): one mapping-leaked per mapping that still exists, in map order. */
  leaks(): string[] {
    if (!this.topo.dmaDebug) return [];
    return [...this.mappings.values()].filter((m) => !m.unmapped).map(() => "mapping-leaked");
  }
}
