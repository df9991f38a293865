/**
 * The model's built-in exporter: the DmaBufOps a scenario's `export` step creates.
 * It behaves like vfio-pci for mmio backings (attach refuses non-peer2peer importers
 * and revoked buffers, map refuses revoked buffers, pin is EOPNOTSUPP when the buffer
 * is not pinnable) and like a plain system-memory exporter otherwise.
 */
import { DmaBufError } from "../core/errors.js";
import type { Buffer } from "./buffer.js";
import type { Topology } from "./topology.js";
import type { AttachmentView, DmaBufOps, InterconnectOps } from "./ops.js";
import type { InterconnectName } from "./interconnects.js";
import { sgtMap, physvecMap, iovMap } from "./address.js";

function notRevoked(buf: Buffer): void {
  if (buf.revoked) throw new DmaBufError("ENODEV", `map ${buf.name}: buffer is revoked`);
}

function interconnectOps(topo: Topology, buf: Buffer, name: InterconnectName): InterconnectOps | undefined {
  switch (name) {
    case "physvec":
      return {
        name,
        supportsInterconnects: (a) => a.dynamic,
        map: () => (notRevoked(buf), physvecMap(buf)),
        unmap: (_a, p) => p.release(),
      };
    case "iov":
      return {
        name,
        supportsInterconnects: (a) => buf.exporter.pf === a.importer && buf.backing.kind === "mmio",
        map: () => (notRevoked(buf), iovMap(buf)),
      };
    default:
      return undefined;
  }
}

export function builtinExporter(topo: Topology, buf: Buffer): DmaBufOps {
  const ops: DmaBufOps = {
    attach(a: AttachmentView) {
      if (buf.backing.kind === "mmio" && !a.peer2peer) throw new DmaBufError("EOPNOTSUPP", `attach ${a.name}: mmio buffer ${buf.name} needs a peer2peer importer`);
      if (buf.revoked) throw new DmaBufError("ENODEV", `attach ${a.name}: buffer ${buf.name} is revoked`);
    },
    mapDmaBuf(a: AttachmentView) {
      notRevoked(buf);
      return sgtMap(topo, buf, topo.device(a.importer));
    },
    unmapDmaBuf(_a, product) {
      product.release();
    },
    release() {
      buf.backing.ranges.dispose();
    },
    interconnects: buf.interconnects.map((n) => interconnectOps(topo, buf, n)).filter((x): x is InterconnectOps => !!x),
  };
  if (buf.dynamic) {
    ops.pin = (a) => {
      if (!buf.pinnable) throw new DmaBufError("EOPNOTSUPP", `pin ${a.name}: ${buf.name} cannot be pinned (its exporter must stay free to revoke)`);
    };
    ops.unpin = () => {};
  }
  return ops;
}
