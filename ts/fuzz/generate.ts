/**
 * Random but valid-shaped scenarios: a random PCI topology and a stream of steps whose
 * names refer to objects declared earlier (sometimes dead ones), with occasional bad
 * backings, so that every rule of the lifecycle table gets exercised.
 */
import { U64_MAX, UINT_MAX, PAGE } from "../core/u64.js";
import type { Scenario, Step } from "../scenario/schema.js";
import type { InterconnectName } from "../model/interconnects.js";
import { CONTAINER_KINDS } from "../core/container.js";

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

export function randomTopology(r: Rng): Pick<Scenario, "hostBridges" | "switches" | "devices"> {
  const hostBridges = { rc0: { p2p: r.chance(0.7) }, rc1: { p2p: r.chance(0.5) } };
  const switches = { sw0: { acsRedirect: r.chance(0.3) }, sw1: { acsRedirect: r.chance(0.3) } };
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
  devices.d0!.pf = "d1"; // an SR-IOV pair: d0 is a VF of d1
  return { hostBridges, switches, devices };
}

/** Names the generator tracks: declared ones, and which are known to be live. */
export interface Pools {
  buffers: { name: string; exporter: string; size: bigint }[];
  attachments: { name: string; buffer: string; importer: string; dynamic: boolean }[];
  mappings: { name: string; attachment: Pools["attachments"][number] }[];
}

function backing(r: Rng, devices: Devices, exporter: string, size: bigint): Extract<Step, { op: "export" }>["backing"] {
  const bar = devices[exporter]!.bars?.[0];
  const mmio = bar && r.chance(0.6);
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
  if (r.chance(0.05)) {
    // a bad backing, to exercise EINVAL: unaligned, overlapping, empty, or the wrong sum
    const k = r.int(4);
    if (k === 0) ranges[0]!.addr += 0x800n;
    else if (k === 1) ranges.push({ ...ranges[0]! });
    else if (k === 2) ranges[0]!.len = 0n;
    else ranges[0]!.len += PAGE;
  }
  if (r.chance(0.3)) ranges.reverse();
  return { kind: mmio ? "mmio" : "system", ranges };
}

/** Names known to be live, so that most steps act on live objects (some on dead ones). */
export interface LiveNames {
  buffers: ReadonlySet<string>;
  attachments: ReadonlySet<string>;
  mappings: ReadonlySet<string>;
}

/** Picks from `xs`, preferring (85%) entries whose name is live. */
function prefer<T extends { name: string }>(r: Rng, xs: readonly T[], live: ReadonlySet<string>): T | undefined {
  if (!xs.length) return undefined;
  if (live.size && r.chance(0.85)) {
    const alive = xs.filter((x) => live.has(x.name));
    if (alive.length) return r.pick(alive);
  }
  return r.pick(xs);
}

/** Generates the next few steps (a lock/op/unlock group counts as several). */
export function nextSteps(r: Rng, devices: Devices, pools: Pools, counter: { n: number }, live: LiveNames): Step[] {
  const devNames = Object.keys(devices);
  const fresh = (p: string) => `${p}${counter.n++}`;
  const buffer = () => prefer(r, pools.buffers, live.buffers)!;
  const att = () => prefer(r, pools.attachments, live.attachments);
  const roll = r.int(100);
  if (roll < 8 || !pools.buffers.length) {
    const name = fresh("b");
    const size = BigInt(1 + r.int(24)) * PAGE;
    const exporter = r.chance(0.5) ? r.pick(["d0", "d1", "d2"]) : r.pick(devNames);
    pools.buffers.push({ name, exporter, size });
    const ics: InterconnectName[] = [];
    if (r.chance(0.5)) ics.push("physvec");
    if (r.chance(0.4)) ics.push("iov");
    return [{ op: "export", buffer: name, exporter, size, backing: backing(r, devices, exporter, size), dynamic: r.chance(0.7), pinnable: r.chance(0.7), interconnects: ics }];
  }
  if (roll < 24) {
    const b = buffer().name;
    const dynamic = r.chance(0.7);
    const as = fresh("a");
    const importer = r.chance(0.2) ? "d1" : r.pick(devNames);
    pools.attachments.push({ name: as, buffer: b, importer, dynamic });
    const wanted: InterconnectName[] = r.chance(0.5) ? ["sgt"] : [r.pick(["iov", "physvec", "sgt"] as const), r.pick(["physvec", "sgt"] as const)];
    return [{ op: "attach", buffer: b, importer, as, dynamic, peer2peer: r.chance(0.7) ? dynamic : !dynamic, allowIc: r.chance(0.8), interconnects: wanted }];
  }
  const locked = (a: Pools["attachments"][number], step: Step): Step[] =>
    a.dynamic && r.chance(0.8)
      ? [{ op: "lock", buffer: a.buffer, holder: a.importer }, step, { op: "unlock", buffer: a.buffer, holder: a.importer }]
      : [step];
  if (roll < 46) {
    const a = att();
    if (!a) return [];
    const as = fresh("m");
    pools.mappings.push({ name: as, attachment: a });
    const step: Step = { op: "map", attachment: a.name, as };
    if (r.chance(0.3)) step.container = r.pick(CONTAINER_KINDS);
    return locked(a, step);
  }
  if (roll < 58) {
    const m = prefer(r, pools.mappings, live.mappings);
    if (!m) return [];
    return locked(m.attachment, { op: "unmap", mapping: m.name });
  }
  if (roll < 66) {
    const a = att();
    if (!a) return [];
    return locked(a, { op: r.chance(0.5) ? "pin" : "unpin", attachment: a.name });
  }
  if (roll < 72) {
    return [{ op: r.chance(0.5) ? "lock" : "unlock", buffer: buffer().name, holder: r.pick(devNames) }];
  }
  if (roll < 80) {
    const a = att();
    return a ? [{ op: "detach", attachment: a.name }] : [];
  }
  if (roll < 86) {
    const b = buffer();
    return [{ op: "move", buffer: b.name, backing: backing(r, devices, b.exporter, b.size) }];
  }
  if (roll < 92) return [{ op: r.chance(0.6) ? "revoke" : "restore", buffer: buffer().name }];
  return [{ op: "close", buffer: buffer().name }];
}
