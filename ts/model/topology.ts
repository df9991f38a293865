/**
 * Devices and the PCI fabric between them: host bridges (root complexes), switches,
 * BARs, IOMMUs, and the P2P path between two devices (like pci_p2pdma_map_type()).
 */
import { DmaBufError } from "../core/errors.js";
import type { Core } from "../core/loader.js";
import { IovaAllocator } from "../core/iova.js";
import { U64_MAX, UINT_MAX } from "../core/u64.js";

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
export type P2PPath = "BUS_ADDR" | "THRU_HOST_BRIDGE" | "NOT_SUPPORTED";

export interface TopologySpec {
  hostBridges?: Record<string, { p2p?: boolean }>;
  switches?: Record<string, { acsRedirect?: boolean }>;
  devices: Record<string, DeviceSpec>;
}

export class Topology {
  readonly hostBridges = new Map<string, HostBridge>();
  readonly switches = new Map<string, Switch>();
  readonly devices = new Map<string, Device>();
  /** One IOVA allocator per device with an IOMMU. */
  readonly iova = new Map<string, IovaAllocator>();

  constructor(core: Core, spec: TopologySpec) {
    for (const [name, hb] of Object.entries(spec.hostBridges ?? {})) this.hostBridges.set(name, { name, p2p: hb.p2p ?? false });
    for (const [name, sw] of Object.entries(spec.switches ?? {})) this.switches.set(name, { name, acsRedirect: sw.acsRedirect ?? false });
    let id = 0;
    for (const [name, d] of Object.entries(spec.devices)) {
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
      if (dev.pf !== undefined && !this.devices.has(dev.pf)) throw new DmaBufError("ENOENT", `device ${dev.name}: pf "${dev.pf}" is not declared`, ["devices", dev.name, "pf"]);
      if (dev.iommu) {
        try {
          this.iova.set(dev.name, new IovaAllocator(core, dev.iommu.base, dev.iommu.size));
        } catch (e) {
          this.dispose();
          throw new DmaBufError("EINVAL", `device ${dev.name}: ${(e as Error).message}`, ["devices", dev.name, "iommu"]);
        }
      }
    }
  }

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

  dispose(): void {
    for (const a of this.iova.values()) a.dispose();
    this.iova.clear();
  }
}
