/**
 * The built-in demo (`dmabuf-map demo`, `npm start`): a GPU exports VRAM over P2P to a
 * peer GPU (sgt) and to an iommufd-style importer (physvec); a static importer is
 * refused; the VRAM is revoked and restored; a system-memory buffer is mapped through
 * an IOMMU with 64 KiB segments; an SR-IOV VF's BAR is mapped by its PF over iov.
 */
export const DEMO_SCENARIO = {
  name: "demo",
  description: "P2P sgt, iommufd physvec, revoke/restore, IOMMU segments, VF to PF over iov",
  hostBridges: { rc0: { p2p: true } },
  switches: { sw0: { acsRedirect: false } },
  devices: {
    gpu0: { root: "rc0", switch: "sw0", bars: [{ index: 0, cpu: "0x380000000000", bus: "0xc0000000", size: "0x10000000" }] },
    gpu1: { root: "rc0", switch: "sw0", maxSegmentSize: "0x10000" },
    nic0: { root: "rc0", iommu: { base: "0x100000000", size: "0x40000000" }, maxSegmentSize: "0x10000", segBoundaryMask: "0xffffffff" },
    vf0: { root: "rc0", switch: "sw0", pf: "pf0", bars: [{ index: 2, cpu: "0x3c0000000000", bus: "0xd0000000", size: "0x1000000" }] },
    pf0: { root: "rc0", switch: "sw0", iommu: { base: "0x100000000", size: "0x40000000" } },
  },
  steps: [
    {
      op: "export", buffer: "vram", exporter: "gpu0", size: "0x400000", dynamic: true, pinnable: false, interconnects: ["physvec"],
      backing: { kind: "mmio", ranges: [{ addr: "0x380000000000", len: "0x200000" }, { addr: "0x380000400000", len: "0x200000" }] },
    },
    { op: "attach", buffer: "vram", importer: "gpu1", as: "peer", dynamic: true, peer2peer: true, expect: { interconnect: "sgt" } },
    { op: "attach", buffer: "vram", importer: "nic0", as: "iommufd", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["physvec", "sgt"], expect: { interconnect: "physvec" } },
    { op: "attach", buffer: "vram", importer: "nic0", as: "legacy", expect: { error: "EOPNOTSUPP" } },
    { op: "lock", buffer: "vram", holder: "gpu1" },
    { op: "map", attachment: "peer", as: "m-peer", expect: { interconnect: "sgt", container: "sgt", nelms: 2, bytes: "0x400000" } },
    { op: "unlock", buffer: "vram", holder: "gpu1" },
    { op: "map", attachment: "iommufd", as: "m-unlocked", expect: { error: "EPERM" } },
    { op: "lock", buffer: "vram", holder: "nic0" },
    { op: "map", attachment: "iommufd", as: "m-phys", expect: { interconnect: "physvec", container: "physvec", nelms: 2, bytes: "0x400000" } },
    { op: "map", attachment: "iommufd", as: "m-xa", container: "xarray", expect: { container: "xarray", nelms: 2 } },
    { op: "unlock", buffer: "vram", holder: "nic0" },
    { op: "revoke", buffer: "vram", expect: { notified: ["iommufd", "peer"], stale: ["m-peer", "m-phys", "m-xa"] } },
    { op: "lock", buffer: "vram", holder: "nic0" },
    { op: "map", attachment: "iommufd", as: "m-revoked", expect: { error: "ENODEV" } },
    { op: "unmap", mapping: "m-phys" },
    { op: "unmap", mapping: "m-xa" },
    { op: "unlock", buffer: "vram", holder: "nic0" },
    { op: "restore", buffer: "vram", expect: { notified: ["iommufd", "peer"], stale: [] } },
    {
      op: "export", buffer: "heap", exporter: "gpu1", size: "0x100000",
      backing: { kind: "system", ranges: [{ addr: "0x80000000", len: "0x40000" }, { addr: "0x90000000", len: "0xc0000" }] },
    },
    { op: "attach", buffer: "heap", importer: "nic0", as: "dma" },
    { op: "map", attachment: "dma", as: "m-dma", expect: { interconnect: "sgt", nelms: 16, bytes: "0x100000" } },
    {
      op: "export", buffer: "vf-bar", exporter: "vf0", size: "0x200000", dynamic: true, pinnable: false, interconnects: ["iov", "physvec"],
      backing: { kind: "mmio", ranges: [{ addr: "0x3c0000000000", len: "0x100000" }, { addr: "0x3c0000200000", len: "0x100000" }] },
    },
    { op: "attach", buffer: "vf-bar", importer: "pf0", as: "pf", dynamic: true, peer2peer: true, allowIc: true, interconnects: ["iov", "sgt"], expect: { interconnect: "iov" } },
    { op: "lock", buffer: "vf-bar", holder: "pf0" },
    { op: "map", attachment: "pf", as: "m-iov", expect: { interconnect: "iov", container: "ranges", nelms: 2, bytes: "0x200000", barNumber: 2 } },
    { op: "unmap", mapping: "m-iov", expect: { error: "EOPNOTSUPP" } },
    { op: "unlock", buffer: "vf-bar", holder: "pf0" },
    { op: "detach", attachment: "pf" },
    { op: "close", buffer: "vf-bar" },
    { op: "unmap", mapping: "m-dma" },
    { op: "detach", attachment: "dma" },
    { op: "close", buffer: "heap" },
    { op: "close", buffer: "vram", expect: { error: "EBUSY" } },
  ],
} as const;
