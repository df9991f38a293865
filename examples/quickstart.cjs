// The quick start from CommonJS: require() of the ES module entry works on Node 20.19
// and newer (older Nodes: use import(), or name the file .mjs). The entry has no
// top-level await, so initialise with initSync(), or await init() inside a function.
const { initSync, RangeList, DmaBufModel, vfioExporter, hex16 } = require("dmabuf-map");

const core = initSync();
const list = RangeList.from([
  { addr: 0x1000n, len: 0x1000n },
  { addr: 0x2000n, len: 0x3000n },
]);
console.log(hex16(list.hash()));     // a 16-digit FNV-1a 64 hash of the entries
list.dispose();

const m = new DmaBufModel(core, { devices: { cpu: {}, nic: {} } }, { exporter: vfioExporter });
m.export({ buffer: "b", exporter: "cpu", size: 0x2000n, backing: { kind: "system", ranges: [{ addr: 0x10000n, len: 0x2000n }] } });
m.attach({ buffer: "b", importer: "nic", as: "a" });
console.log(m.map({ attachment: "a", as: "m" }).nelms); // 1
m.dispose();
