import { init, RangeList, Container, DmaBufModel, vfioExporter, hex16 } from "dmabuf-map";

const core = await init(); // loads the wasm shipped inside the package (initSync() also exists)

// Range lists live in wasm memory; every operation is one call per list, and the
// operations that make a list (coalesce, split, slice, translate) return a new one.
const list = RangeList.from([
  { addr: 0x1000n, len: 0x1000n },
  { addr: 0x2000n, len: 0x3000n },
  { addr: 0x10000n, len: 0x1000n },
]);
const merged = list.coalesce();
merged.entries();                   // [{addr: 0x1000n, len: 0x4000n}, {addr: 0x10000n, len: 0x1000n}]
const pieces = list.split(0x800n, 0xfffn);
pieces.length;                      // 10 (pieces of at most 2 KiB, none crossing a 4 KiB boundary)
list.lookup(0x4fffn);               // { index: 2, offset: 0xfffn }
// lookup takes a byte offset into the list (as if its ranges were laid end to end), not an
// address: byte 0x4fff is byte 0xfff of entry 2. O(log n) over cached prefix sums.
hex16(list.hash());                 // "0x31d1a451bc7b84ec" (FNV-1a 64 over addr, len)

// The five mapping designs of the RFC v2 discussion, each with its own layout.
const sgt = Container.fromList("sgt", list, { maxSegment: 0x10000n });
for (const [addr, len] of sgt.chunks(0x1000n)) { /* 4 KiB chunks, batched from wasm */ }

// Free everything you made: dispose() (or `using`); a FinalizationRegistry is only a backstop.
for (const made of [sgt, pieces, merged, list]) made.dispose();

// The dma-buf model.
const m = new DmaBufModel(core, {
  hostBridges: { rc0: { p2p: true } },
  devices: { gpu: { root: "rc0", bars: [{ index: 0, cpu: 0x3800_0000_0000n, bus: 0xc000_0000n, size: 0x1000_0000n }] },
             nic: { root: "rc0", iommu: { base: 0x1_0000_0000n, size: 0x4000_0000n } } },
}, { exporter: vfioExporter });        // builds the exporter ops of the flag form of export
m.export({ buffer: "vram", exporter: "gpu", size: 0x20_0000n, dynamic: true,
           backing: { kind: "mmio", ranges: [{ addr: 0x3800_0000_0000n, len: 0x20_0000n }] } });
m.attach({ buffer: "vram", importer: "nic", as: "a", dynamic: true, peer2peer: true,
           moveNotify: (att) => console.log("move_notify", att) });
m.lock("vram", "nic");
m.map({ attachment: "a", as: "m" });  // {interconnect: "sgt", container: "sgt", nelms: 1, bytes: 0x200000n}
m.mappingEntries("m", 16);            // [{addr: 0x100000000n, len: 0x200000n}] (its first 16 entries at most)
m.unlock("vram", "nic");
m.revoke("vram");                     // {notified: ["a"], stale: ["m"]}
m.dispose();                          // frees the model's buffers, mappings and IOVA allocators
