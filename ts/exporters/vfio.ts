/**
 * A vfio-pci-like exporter in the per-interconnect-ops shape: the one the scenario
 * format builds (its `export` step's flags are this factory's arguments). For an mmio
 * backing it behaves like vfio-pci's dma-buf: attach refuses importers that are not
 * peer2peer, pin is EOPNOTSUPP when the buffer is not pinnable (its exporter must stay
 * free to revoke), and it offers physvec (any dynamic importer) and iov (its VF's PF
 * only; no unmap). For a system backing it is a plain system-memory exporter, so that a
 * scenario may move a buffer between kinds. Written against the public interface only.
 */
import type { AttachmentView, ExporterFactory, InterconnectOps } from "../model/ops.js";
import type { Topology } from "../model/topology.js";
import type { ProfileRules } from "../model/profiles.js";
import { iovMap, sgtMap } from "../model/address.js";
import { acceptsIov, acceptsPhysvec, attachPci, mappingTypes, mapPhysvec, mmioSplit, offered, pinOps } from "./pci.js";

/** The interconnect ops under a profile's rules (docs/rules.md#profiles rows 7 and 8). */
const interconnectOps = (rules: ProfileRules): Record<string, InterconnectOps> => ({
  physvec: { name: "physvec", supportsInterconnects: acceptsPhysvec(rules), map: mapPhysvec(rules), unmap: () => {} },
  iov: { name: "iov", supportsInterconnects: acceptsIov(rules), map: (a) => iovMap(a.buffer) },
});

/**
 * The vfio-pci-like exporter factory (sgt, physvec, iov); the scenario runner's default
 * for `export` steps. In profiles with mapping-type ops it has the RFC's shape
 * (vfio_pci_dma_buf_match_mapping(): patches 12/26 and 22/26): `mappingTypes` instead of
 * mapDmaBuf / unmapDmaBuf and interconnects.
 */
export const vfioExporter: ExporterFactory = (args) => {
  const base = { name: "vfio-pci", dynamic: args.dynamic, attach: attachPci(args.rules), ...pinOps(args), release() {} };
  const sgt = { map: (a: AttachmentView, dma: Topology) => sgtMap(dma, a.buffer, a.device, mmioSplit(args.rules)), unmap() {} };
  if (args.rules.mappingTypeOps) return { ...base, mappingTypes: mappingTypes({ ...interconnectOps(args.rules), sgt }, args, "vfio-pci") };
  return { ...base, mapDmaBuf: sgt.map, unmapDmaBuf: sgt.unmap, interconnects: offered(interconnectOps(args.rules), args, "vfio-pci") };
};
