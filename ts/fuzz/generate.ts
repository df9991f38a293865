/**
 * Random but valid-shaped scenarios: a random PCI topology and a stream of steps whose
 * names refer to objects declared earlier (sometimes dead ones), with occasional bad
 * backings, so that every rule of the lifecycle table gets exercised.
 */
import { U64_MAX, UINT_MAX, PAGE } from "../core/u64.js";
import type { Scenario, Step } from "../scenario/schema.js";
import type { Ops } from "../scenario/ops.js";
import type { InterconnectName } from "../model/interconnects.js";
import { CONTAINER_KINDS } from "../core/container.js";
import { DIRECTIONS } from "../model/direction.js";
import { DEFAULT_PROFILE, type ProfileName } from "../model/profiles.js";

/** mulberry32: small, fast, the same everywhere. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

type Devices = Scenario["devices"];

/** A random topology under rule profile `profile` (docs/rules.md#profiles; the fuzzer gives each profile every third epoch). */
export function randomTopology(r: Rng, profile: ProfileName = DEFAULT_PROFILE): Pick<Scenario, "hostBridges" | "switches" | "devices" | "profile"> {
  const hostBridges = { rc0: { p2p: r.chance(0.7) }, rc1: { p2p: r.chance(0.5) } };
  const switches = { sw0: { acsRedirect: r.chance(0.4) }, sw1: { acsRedirect: r.chance(0.4) } };
  const devices: Devices = {};
  const n = 5 + r.int(3);
  for (let i = 0; i < n; i++) {
    const d: Devices[string] = {};
    const root = r.pick(["rc0", "rc1", undefined, "rc0"]);
    if (root) {
      d.root = root;
      if (r.chance(0.6)) d.switch = root === "rc0" ? "sw0" : "sw1";
    }
    if (i < 3 || r.chance(0.3)) d.bars = [{ index: r.int(6), cpu: BigInt(i + 1) << 44n, bus: 0x8000_0000n + BigInt(i) * 0x100_0000n, size: 0x10_0000n }];
    if (r.chance(0.5)) d.iommu = { base: 0x1_0000_0000n, size: BigInt(32 + r.int(480)) * PAGE };
    if (r.chance(0.4)) d.maxSegmentSize = r.pick([0x10000n, 0x3000n, UINT_MAX]);
    if (r.chance(0.3)) d.segBoundaryMask = r.pick([0xffffn, 0x1fffn, U64_MAX]);
    devices[`d${i}`] = d;
  }
  devices.d0!.pf = "d1"; // an SR-IOV pair: d0 is a VF of d1, often placed beside it
  if (devices.d1!.root !== undefined && r.chance(0.5)) {
    const { root, switch: sw } = devices.d1!;
    devices.d0 = { ...devices.d0!, root, ...(sw !== undefined ? { switch: sw } : {}) };
    if (sw === undefined) delete devices.d0.switch;
  }
  // model and reference both read the epoch's profile from the topology
  return { hostBridges, switches, devices, profile };
}

/** Names the generator tracks: declared ones, and which are known to be live. */
export interface Pools {
  buffers: { name: string; exporter: string; size: bigint }[];
  attachments: { name: string; buffer: string; importer: string; dynamic: boolean }[];
  mappings: { name: string; attachment: Pools["attachments"][number] }[];
}

type Backing = Extract<Step, { op: "export" }>["backing"];
type Range = Backing["ranges"][number];

/**
 * Bad backings, to exercise EINVAL (docs/rules.md#buffers), each breaking a good one in
 * place: unaligned, overlapping, empty, the wrong sum, no ranges, ranges that cover all
 * 2^64 bytes, mmio outside a BAR.
 */
const BAD_BACKINGS: ((b: { kind: Backing["kind"]; ranges: Range[] }) => void)[] = [
  ({ ranges }) => void (ranges[0]!.addr += 0x800n),
  ({ ranges }) => void ranges.push({ ...ranges[0]! }),
  ({ ranges }) => void (ranges[0]!.len = 0n),
  ({ ranges }) => void (ranges[0]!.len += PAGE),
  ({ ranges }) => void (ranges.length = 0),
  ({ ranges }) => void ranges.splice(0, ranges.length, { addr: 0n, len: 1n << 63n }, { addr: 1n << 63n, len: 1n << 63n }),
  (b) => void (b.kind = "mmio"),
];

function backing(r: Rng, devices: Devices, exporter: string, size: bigint, mmioChance = 0.6): Backing {
  const bar = devices[exporter]!.bars?.[0];
  const mmio = bar && r.chance(mmioChance);
  const pages = Number(size / PAGE);
  // split `pages` into 1..4 ranges, placed in order with gaps
  const parts: number[] = [];
  let left = pages;
  while (left > 0) {
    const take = parts.length === 3 ? left : 1 + r.int(left);
    parts.push(take);
    left -= take;
  }
  let at = mmio ? bar!.cpu + BigInt(r.int(16)) * PAGE : 0x8000_0000n + BigInt(r.int(1 << 16)) * PAGE;
  const ranges = parts.map((p) => {
    const e = { addr: at, len: BigInt(p) * PAGE };
    at += e.len + BigInt(r.int(3)) * PAGE;
    return e;
  });
  const out: Backing = { kind: mmio ? "mmio" : "system", ranges };
  if (r.chance(0.05)) BAD_BACKINGS[r.int(BAD_BACKINGS.length)]!(out);
  if (r.chance(0.3)) ranges.reverse();
  return out;
}

/**
 * The importer kind of a flag-form attach (docs/rules.md#profiles rows 3 and 5): now
 * and then a pinned importer with ops (revocable: false), an explicit
 * unmapOnInvalidate, or a combination the argument rules refuse.
 */
function importerKind(r: Rng, dynamic: boolean): { revocable?: boolean; unmapOnInvalidate?: boolean } {
  if (r.chance(0.02)) return r.chance(0.5) ? { revocable: true } : { unmapOnInvalidate: r.chance(0.5) }; // refused when not dynamic
  if (!dynamic) return {};
  if (r.chance(0.15)) return { revocable: false };
  return r.chance(0.3) ? { unmapOnInvalidate: r.chance(0.5) } : {};
}

/** A sub-range of a buffer of `size` bytes: mostly inside it and page aligned, sometimes empty, unaligned or past the end (row 8). */
function subRange(r: Rng, size: bigint): { offset: bigint; length: bigint } {
  const pages = size / PAGE;
  const offset = BigInt(r.int(Number(pages))) * PAGE;
  const length = BigInt(1 + r.int(Number(pages - offset / PAGE))) * PAGE;
  const k = r.int(10);
  if (k === 0) return { offset, length: 0n };
  if (k === 1) return { offset: offset + 0x800n, length };
  if (k === 2) return { offset, length: length + PAGE };
  if (k === 3) return { offset: size, length: PAGE };
  return { offset, length };
}

/** Whether a name is live, as the fuzzer's reference knows it. */
export interface LiveNames {
  buffer(name: string): boolean;
  attachment(name: string): boolean;
  mapping(name: string): boolean;
}

/** Picks from `xs`, preferring (85%) entries whose name is live. */
function prefer<T extends { name: string }>(r: Rng, xs: readonly T[], live: (name: string) => boolean): T | undefined {
  if (!xs.length) return undefined;
  if (r.chance(0.85)) {
    const alive = xs.filter((x) => live(x.name));
    if (alive.length) return r.pick(alive);
  }
  return r.pick(xs);
}

/** What a generator hook sees. */
interface Gen {
  r: Rng;
  devices: Devices;
  devNames: string[];
  pools: Pools;
  fresh: (prefix: string) => string;
  buffer: () => Pools["buffers"][number];
  att: () => Pools["attachments"][number] | undefined;
  live: LiveNames;
  /** A dynamic importer's step, usually inside its lock / unlock (the rest tests row L10). */
  locked: (a: Pools["attachments"][number], step: Step) => Step[];
}

/**
 * One hook per step op of the scenario table (ts/scenario/ops.ts): how often it is
 * picked (of 100) and the steps it makes. A new op without a hook does not compile.
 */
const HOOKS: Record<keyof Ops, { weight: number; make: (g: Gen) => Step[] }> = {
  export: {
    weight: 8,
    make: ({ r, devices, devNames, pools, fresh }) => {
      const name = fresh("b");
      const size = BigInt(1 + r.int(24)) * PAGE;
      // d0 is a VF of d1: its buffers are the ones an iov importer can reach
      const exporter = r.chance(0.3) ? "d0" : r.chance(0.5) ? r.pick(["d1", "d2"]) : r.pick(devNames);
      pools.buffers.push({ name, exporter, size });
      const ics: InterconnectName[] = [];
      if (r.chance(0.6)) ics.push("physvec");
      if (r.chance(exporter === "d0" ? 0.7 : 0.3)) ics.push("iov");
      // the exporter's own order matters under mapping-types (exporter priority): sgt named somewhere, or the list reversed
      if (r.chance(0.3)) ics.splice(r.int(ics.length + 1), 0, "sgt");
      if (r.chance(0.3)) ics.reverse();
      const back = backing(r, devices, exporter, size);
      // now and then a size that breaks the first buffer rule: 0, or not a page multiple
      return [
        {
          op: "export",
          buffer: name,
          exporter,
          size: r.chance(0.01) ? r.pick([0n, size + 0x800n]) : size,
          backing: back,
          dynamic: r.chance(0.7),
          pinnable: r.chance(0.7),
          interconnects: ics,
        },
      ];
    },
  },
  attach: {
    weight: 16,
    make: ({ r, devices, devNames, pools, fresh, buffer }) => {
      const { name: b, exporter } = buffer();
      const as = fresh("a");
      const pf = devices[exporter]!.pf;
      if (pf !== undefined && r.chance(0.8)) {
        // the PF of the exporting VF, asking for iov: mostly well-formed
        pools.attachments.push({ name: as, buffer: b, importer: pf, dynamic: true });
        return [
          {
            op: "attach",
            buffer: b,
            importer: pf,
            as,
            dynamic: true,
            peer2peer: true,
            allowIc: r.chance(0.95),
            interconnects: ["iov", r.pick(["physvec", "sgt"] as const)],
          },
        ];
      }
      const dynamic = r.chance(0.7);
      // a neighbour below the exporter's switch (BUS_ADDR unless ACS redirects), d1, or anyone
      const sw = devices[exporter]!.switch;
      const near = sw === undefined ? [] : devNames.filter((d) => devices[d]!.switch === sw);
      const importer = near.length && r.chance(0.3) ? r.pick(near) : r.chance(0.2) ? "d1" : r.pick(devNames);
      pools.attachments.push({ name: as, buffer: b, importer, dynamic });
      const k = r.int(20);
      const wanted: InterconnectName[] =
        k < 7 ? ["sgt"] : k < 15 ? ["physvec", "sgt"] : [r.pick(["iov", "physvec", "sgt"] as const), r.pick(["physvec", "sgt"] as const)];
      return [
        {
          op: "attach",
          buffer: b,
          importer,
          as,
          dynamic,
          peer2peer: r.chance(0.7) ? dynamic : !dynamic,
          allowIc: r.chance(0.8),
          interconnects: wanted,
          ...importerKind(r, dynamic),
        },
      ];
    },
  },
  map: {
    weight: 22,
    make: ({ r, pools, fresh, att, locked }) => {
      const a = att();
      if (!a) return [];
      const as = fresh("m");
      pools.mappings.push({ name: as, attachment: a });
      const step: Step = { op: "map", attachment: a.name, as };
      if (r.chance(0.8)) step.container = r.pick(CONTAINER_KINDS);
      if (r.chance(0.15)) step.range = subRange(r, pools.buffers.find((b) => b.name === a.buffer)?.size ?? PAGE);
      if (r.chance(0.3)) step.direction = r.pick(DIRECTIONS);
      return locked(a, step);
    },
  },
  unmap: {
    weight: 12,
    make: ({ r, pools, live, locked }) => {
      const m = prefer(r, pools.mappings, live.mapping);
      if (!m) return [];
      // now and then a direction: mostly the map's default, sometimes another (dma-debug's unmap-direction-mismatch)
      return locked(m.attachment, { op: "unmap", mapping: m.name, ...(r.chance(0.2) ? { direction: r.pick(DIRECTIONS) } : {}) });
    },
  },
  pin: {
    weight: 4,
    make: ({ att, locked }) => {
      const a = att();
      return a ? locked(a, { op: "pin", attachment: a.name }) : [];
    },
  },
  unpin: {
    weight: 4,
    make: ({ att, locked }) => {
      const a = att();
      return a ? locked(a, { op: "unpin", attachment: a.name }) : [];
    },
  },
  lock: { weight: 3, make: ({ r, buffer, devNames }) => [{ op: "lock", buffer: buffer().name, holder: r.pick(devNames) }] },
  unlock: { weight: 3, make: ({ r, buffer, devNames }) => [{ op: "unlock", buffer: buffer().name, holder: r.pick(devNames) }] },
  detach: {
    weight: 7,
    make: ({ att }) => {
      const a = att();
      return a ? [{ op: "detach", attachment: a.name }] : [];
    },
  },
  move: {
    weight: 9,
    make: (g) => {
      const { r, devices, pools, buffer } = g;
      const b = buffer();
      // a VF's buffer often moves to system memory, where its iov mappings cannot follow
      const move: Step = { op: "move", buffer: b.name, backing: backing(r, devices, b.exporter, b.size, devices[b.exporter]!.pf !== undefined ? 0.3 : 0.6) };
      // then, as after a move_notify, an importer maps the buffer again
      const importers = pools.attachments.filter((a) => a.buffer === b.name);
      return importers.length && r.chance(0.5) ? [move, ...HOOKS.map.make({ ...g, att: () => prefer(r, importers, g.live.attachment) })] : [move];
    },
  },
  revoke: { weight: 4, make: ({ buffer }) => [{ op: "revoke", buffer: buffer().name }] },
  restore: { weight: 2, make: ({ buffer }) => [{ op: "restore", buffer: buffer().name }] },
  close: { weight: 6, make: ({ buffer }) => [{ op: "close", buffer: buffer().name }] },
  sync: {
    weight: 2,
    make: ({ r, buffer }) => {
      // mostly a well-formed pair of phase and access, now and then a combination the ioctl refuses
      const flags = r.chance(0.8)
        ? [r.pick(["start", "end"]), ...r.pick([["read"], ["write"], ["read", "write"]])]
        : r.pick([["read"], ["start"], ["start", "end", "read"], ["end", "write", "sync"], ["write", "read", "write", "start"], []]);
      return [{ op: "sync", buffer: buffer().name, flags }];
    },
  },
};

const OPS = Object.keys(HOOKS) as (keyof Ops)[];
const TOTAL_WEIGHT = OPS.reduce((s, op) => s + HOOKS[op].weight, 0);

/** Generates the next few steps (a lock/op/unlock group counts as several). */
export function nextSteps(r: Rng, devices: Devices, pools: Pools, counter: { n: number }, live: LiveNames): Step[] {
  const g: Gen = {
    r,
    devices,
    devNames: Object.keys(devices),
    pools,
    live,
    // now and then a name already used (by any buffer, attachment or mapping): row A2
    fresh: (p) => {
      const used = [...pools.buffers, ...pools.attachments, ...pools.mappings];
      return used.length && r.chance(0.01) ? r.pick(used).name : `${p}${counter.n++}`;
    },
    buffer: () => prefer(r, pools.buffers, live.buffer)!,
    att: () => prefer(r, pools.attachments, live.attachment),
    locked: (a, step) =>
      a.dynamic && r.chance(0.8)
        ? [{ op: "lock", buffer: a.buffer, holder: a.importer }, step, { op: "unlock", buffer: a.buffer, holder: a.importer }]
        : [step],
  };
  if (!pools.buffers.length) return HOOKS.export.make(g);
  let roll = r.int(TOTAL_WEIGHT);
  for (const op of OPS) {
    roll -= HOOKS[op].weight;
    if (roll < 0) return HOOKS[op].make(g);
  }
  return [];
}
