/**
 * Devices and the PCI fabric between them: host bridges (root complexes), switches,
 * BARs, IOMMUs, and the P2P path between two devices (like pci_p2pdma_map_type()).
 */
import { DmaBufError } from "../core/errors.js";
import type { Core } from "../core/loader.js";
import { IovaAllocator } from "../core/iova.js";
import { U64_MAX, UINT_MAX } from "../core/u64.js";
import { bad, checkBool, checkName, checkObject, checkU64, isObject } from "./args.js";

/** A host bridge: whether it forwards peer-to-peer TLPs between its root ports. */
export interface HostBridge {
  name: string;
  p2p: boolean;
}

/** A PCIe switch: with ACS redirect on, P2P traffic is sent up to the root. */
export interface Switch {
  name: string;
  acsRedirect: boolean;
}

/** A BAR: `size` bytes at CPU physical `cpu`, seen at bus address `bus`. */
export interface Bar {
  index: number;
  cpu: bigint;
  bus: bigint;
  size: bigint;
}

/** One device of a TopologySpec: its root port or switch, BARs, IOMMU and PF/VF relation. */
export interface DeviceSpec {
  root?: string;
  switch?: string;
  bars?: Bar[];
  iommu?: { base: bigint; size: bigint };
  maxSegmentSize?: bigint;
  segBoundaryMask?: bigint;
  pf?: string;
}

/** A device: PCI placement, BARs, IOMMU and DMA segment limits. */
export interface Device {
  name: string;
  /** Declaration order; the `owner` of a p2pdma provider. */
  id: number;
  root?: string;
  switch?: string;
  bars: Bar[];
  iommu?: { base: bigint; size: bigint };
  /** dma_get_max_seg_size(); the model's default is UINT_MAX (the kernel's PCI default is 64 KiB). */
  maxSegmentSize: bigint;
  /** dma_get_seg_boundary(); default all ones = no boundary. */
  segBoundaryMask: bigint;
  /** For a VF: the name of its PF. */
  pf?: string;
}

/** How exporter and importer reach each other (enum pci_p2pdma_map_type). */
/** The P2P paths of `pci_p2pdma_map_type()`, as the model names them. */
export const P2P_PATHS = ["BUS_ADDR", "THRU_HOST_BRIDGE", "NOT_SUPPORTED"] as const;
/** One of P2P_PATHS. */
export type P2PPath = (typeof P2P_PATHS)[number];

/** A record, or a Map (any name works in either, "__proto__" included). */
type Named<T> = Record<string, T> | ReadonlyMap<string, T>;

/** The input of `new Topology`: host bridges, switches and devices by name (records or Maps). */
export interface TopologySpec {
  hostBridges?: Named<{ p2p?: boolean }>;
  switches?: Named<{ acsRedirect?: boolean }>;
  devices: Named<DeviceSpec>;
  /**
   * The rule profile when the model's options name none (a scenario passed as the
   * topology carries its own `profile`); docs/rules.md#profiles.
   */
  profile?: string;
}

/** The own entries of a record (Object.entries keeps "__proto__" keys), or of a Map. */
function entriesOf<T>(what: string, v: Named<T> | undefined, path: string): [string, T][] {
  if (v === undefined) return [];
  if (v instanceof Map) return [...v.entries()];
  if (!isObject(v)) return bad(what, [path], "must be an object or a Map");
  return Object.entries(v) as [string, T][];
}

const DEVICE_KEYS = ["root", "switch", "bars", "iommu", "maxSegmentSize", "segBoundaryMask", "pf"] as const;

/** The checks of the scenario schema and its device sanity rules (docs/rules.md#validation). */
function checkDevice(name: string, d: unknown): DeviceSpec {
  const at = (...p: (string | number)[]) => ["devices", name, ...p];
  const what = "topology";
  const o = checkObject(what, d, DEVICE_KEYS, at());
  for (const k of ["root", "switch", "pf"] as const) if (o[k] !== undefined) checkName(what, o[k], at(k));
  if (o.bars !== undefined) {
    if (!Array.isArray(o.bars) || o.bars.length > 6) bad(what, at("bars"), "must be an array of at most 6 BARs");
    const seen = new Set<number>();
    (o.bars as unknown[]).forEach((b, i) => {
      const bo = checkObject(what, b, ["index", "cpu", "bus", "size"], at("bars", i));
      if (!Number.isInteger(bo.index) || (bo.index as number) < 0 || (bo.index as number) > 5) bad(what, at("bars", i, "index"), "must be an integer 0-5");
      if (seen.has(bo.index as number)) bad(what, at("bars", i, "index"), "is given twice");
      seen.add(bo.index as number);
      const cpu = checkU64(what, bo.cpu, at("bars", i, "cpu"));
      const bus = checkU64(what, bo.bus, at("bars", i, "bus"));
      const size = checkU64(what, bo.size, at("bars", i, "size"));
      if (size === 0n || cpu + size - 1n > U64_MAX || bus + size - 1n > U64_MAX)
        bad(what, at("bars", i, "size"), "must be > 0 with cpu and bus windows inside 2^64");
    });
  }
  if (o.iommu !== undefined) {
    const io = checkObject(what, o.iommu, ["base", "size"], at("iommu"));
    checkU64(what, io.base, at("iommu", "base"));
    checkU64(what, io.size, at("iommu", "size"));
  }
  if (o.maxSegmentSize !== undefined && checkU64(what, o.maxSegmentSize, at("maxSegmentSize")) === 0n) bad(what, at("maxSegmentSize"), "must be at least 1");
  if (o.segBoundaryMask !== undefined) {
    const m = checkU64(what, o.segBoundaryMask, at("segBoundaryMask"));
    if ((m & (m + 1n)) !== 0n) bad(what, at("segBoundaryMask"), "must be 2^k - 1");
  }
  return o as DeviceSpec;
}

/** The validated PCI topology: devices, host bridges, switches and one IOVA allocator per IOMMU device; answers P2P reachability. */
export class Topology {
  readonly hostBridges = new Map<string, HostBridge>();
  readonly switches = new Map<string, Switch>();
  readonly devices = new Map<string, Device>();
  /** One IOVA allocator per device with an IOMMU. */
  readonly iova = new Map<string, IovaAllocator>();

  /** Checks the whole spec first, then allocates: a spec that fails leaks nothing. */
  constructor(
    readonly core: Core,
    spec: TopologySpec,
  ) {
    if (!isObject(spec) && !(spec instanceof Map)) bad("topology", ["topology"], "must be an object");
    for (const [name, hb] of entriesOf("topology", spec.hostBridges, "hostBridges")) {
      checkName("topology", name, ["hostBridges", name]);
      const o = checkObject("topology", hb, ["p2p"], ["hostBridges", name]);
      checkBool("topology", o.p2p, ["hostBridges", name, "p2p"]);
      this.hostBridges.set(name, { name, p2p: hb.p2p ?? false });
    }
    for (const [name, sw] of entriesOf("topology", spec.switches, "switches")) {
      checkName("topology", name, ["switches", name]);
      const o = checkObject("topology", sw, ["acsRedirect"], ["switches", name]);
      checkBool("topology", o.acsRedirect, ["switches", name, "acsRedirect"]);
      this.switches.set(name, { name, acsRedirect: sw.acsRedirect ?? false });
    }
    if (spec.devices === undefined) bad("topology", ["devices"], "is missing");
    let id = 0;
    for (const [name, spec1] of entriesOf("topology", spec.devices, "devices")) {
      checkName("topology", name, ["devices", name]);
      const d = checkDevice(name, spec1);
      const dev: Device = {
        name,
        id: id++,
        bars: d.bars ?? [],
        maxSegmentSize: d.maxSegmentSize ?? UINT_MAX,
        segBoundaryMask: d.segBoundaryMask ?? U64_MAX,
      };
      if (d.root !== undefined) dev.root = d.root;
      if (d.switch !== undefined) dev.switch = d.switch;
      if (d.iommu) dev.iommu = d.iommu;
      if (d.pf !== undefined) dev.pf = d.pf;
      for (const [field, ref, set] of [
        ["root", d.root, this.hostBridges],
        ["switch", d.switch, this.switches],
      ] as const) {
        if (ref !== undefined && !set.has(ref)) throw new DmaBufError("ENOENT", `device ${name}: ${field} "${ref}" is not declared`, ["devices", name, field]);
      }
      this.devices.set(name, dev);
    }
    for (const dev of this.devices.values()) {
      if (dev.pf !== undefined && !this.devices.has(dev.pf))
        throw new DmaBufError("ENOENT", `device ${dev.name}: pf "${dev.pf}" is not declared`, ["devices", dev.name, "pf"]);
    }
    for (const dev of this.devices.values()) {
      if (!dev.iommu) continue;
      try {
        this.iova.set(dev.name, new IovaAllocator(core, dev.iommu.base, dev.iommu.size));
      } catch (e) {
        this.dispose();
        bad("topology", ["devices", dev.name, "iommu"], `is not a valid IOVA window (${(e as Error).message})`);
      }
    }
  }

  /** The device named `name`; throws DmaBufError ENOENT when there is none. */
  device(name: string): Device {
    const d = this.devices.get(name);
    if (!d) throw new DmaBufError("ENOENT", `no device named "${name}"`);
    return d;
  }

  /** The P2P path from exporter device e to importer device i. */
  p2pPath(e: Device, i: Device): P2PPath {
    if (e === i && e.root !== undefined) return "BUS_ADDR";
    if (e.switch !== undefined && e.switch === i.switch && !this.switches.get(e.switch)?.acsRedirect) return "BUS_ADDR";
    if (e.root !== undefined && e.root === i.root && this.hostBridges.get(e.root)?.p2p) return "THRU_HOST_BRIDGE";
    return "NOT_SUPPORTED";
  }

  /** Frees the IOVA allocators' core handles; the model calls it from its own dispose(). */
  dispose(): void {
    for (const a of this.iova.values()) a.dispose();
    this.iova.clear();
  }
}
