/**
 * An exporter in the RFC v2 shape: one common `mapInterconnect` dispatches on the
 * negotiated interconnect to interconnect-specific code and fills an xarray (index →
 * entry), which the core hands to the importer in the container it asked for. Its
 * per-interconnect table only says whom it accepts and whether an unmap exists. It maps
 * the same entries as the per-interconnect-ops exporter (vfio.ts), so the two API
 * shapes can be compared on one scenario. Written against the public interface only.
 */
import { DmaBufError } from "../core/errors.js";
import { Container } from "../core/container.js";
import type { RangeList } from "../core/range-list.js";
import type { AttachmentView, ExporterFactory, InterconnectOps, MapProduct } from "../model/ops.js";
import type { Topology } from "../model/topology.js";
import type { ProfileRules } from "../model/profiles.js";
import { iovMap, sgtMap } from "../model/address.js";
import { acceptsIov, acceptsPhysvec, attachPci, mappingTypes, mapPhysvec, mmioSplit, offered, pinOps } from "./pci.js";

/** The interconnect-specific halves of the common map. */
const specific = (rules: ProfileRules): Record<string, (a: AttachmentView) => MapProduct> => ({
  physvec: mapPhysvec(rules),
  iov: (a) => iovMap(a.buffer),
});

const table = (rules: ProfileRules): Record<string, InterconnectOps> => ({
  physvec: { name: "physvec", supportsInterconnects: acceptsPhysvec(rules), unmap: () => {} },
  iov: { name: "iov", supportsInterconnects: acceptsIov(rules) },
});

/** Stores a product's entries into a fresh xarray, entry i at index i. */
function intoXarray(p: MapProduct, dma: Topology): MapProduct {
  const list = p.entries as RangeList;
  const xa = Container.xarray(dma.core);
  try {
    const words = list.view();
    for (let i = 0; i < words.length; i += 2) xa.xaStore(BigInt(i / 2), words[i]!, words[i + 1]!);
    return { ...p, entries: xa };
  } catch (e) {
    xa.dispose();
    p.release();
    throw e;
  } finally {
    list.dispose();
  }
}

/**
 * The RFC v2-shaped exporter factory: one mapInterconnect, entries returned in an xarray.
 * In profiles with mapping-type ops it takes the mapping-types RFC's shape like vfio.ts
 * (each type's map is its specific half, still into an xarray).
 */
export const rfcV2Exporter: ExporterFactory = (args) => {
  const maps = specific(args.rules);
  const base = { name: "rfc-v2", dynamic: args.dynamic, attach: attachPci(args.rules), ...pinOps(args), release() {} };
  const mapSgt = (a: AttachmentView, dma: Topology) => intoXarray(sgtMap(dma, a.buffer, a.device, mmioSplit(args.rules)), dma);
  if (args.rules.mappingTypeOps) {
    const typed = {
      sgt: { map: mapSgt, unmap() {} },
      physvec: { map: (a: AttachmentView, dma: Topology) => intoXarray(maps.physvec!(a), dma), unmap() {} },
      iov: { map: (a: AttachmentView, dma: Topology) => intoXarray(maps.iov!(a), dma) },
    };
    return { ...base, mappingTypes: mappingTypes(typed, args, "rfc-v2") };
  }
  return {
    ...base,
    mapDmaBuf: mapSgt,
    unmapDmaBuf() {},
    mapInterconnect(a, interconnect, dma) {
      if (!Object.hasOwn(maps, interconnect)) throw new DmaBufError("EINVAL", `map ${a.name}: the rfc-v2 exporter cannot map ${interconnect}`);
      return intoXarray(maps[interconnect]!(a), dma);
    },
    interconnects: offered(table(args.rules), args, "rfc-v2"),
  };
};
