// The three example exporters run the same scenarios: the heap, the vfio-pci-like
// per-interconnect-ops exporter and the RFC v2 common-map exporter give the same records.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { DmaBufModel } from "../../ts/model/model.js";
import type { ExporterFactory } from "../../ts/model/ops.js";
import { vfioExporter } from "../../ts/exporters/vfio.js";
import { rfcV2Exporter } from "../../ts/exporters/rfc-v2.js";
import { systemHeapExporter } from "../../ts/exporters/heap.js";
import { parseScenarioText } from "../../ts/scenario/validate.js";
import { executeStep } from "../../ts/scenario/runner.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { core } from "../helpers.js";
import { FABRIC, SYSTEM } from "../model/world.js";

/** Every step's trace record (op, ok, error, result, notifications) under `exporter`. */
function traceOf(text: string, exporter: ExporterFactory): unknown[] {
  const sc = parseScenarioText(text);
  const m = new DmaBufModel(core(), sc, { exporter });
  sc.steps.forEach((st, i) => {
    try {
      executeStep(m, st, i);
    } catch (e) {
      if (!(e instanceof DmaBufError)) throw e;
    }
  });
  const out = m.trace.map(({ message: _m, ...rec }) => rec);
  m.dispose();
  return out;
}

describe("the same scenario on three exporters", () => {
  it("a static system-memory buffer: heap, vfio-pci-like and rfc-v2 map the same entries for every importer", () => {
    const results = (
      [
        ["heap", systemHeapExporter],
        ["vfio", vfioExporter],
        ["rfc-v2", rfcV2Exporter],
      ] as const
    ).map(([name, exporter]) => {
      const m = new DmaBufModel(core(), FABRIC, { exporter });
      m.export({ buffer: "b", exporter: "exp", size: 0x40_0000n, backing: SYSTEM(4, 0x10_0000n) });
      const out: unknown[] = [m.buffers.get("b")!.ops.name];
      for (const importer of ["sys", "cpu", "mmu"]) {
        out.push(m.attach({ buffer: "b", importer, as: `a-${importer}` }));
        out.push(m.map({ attachment: `a-${importer}`, as: `m-${importer}` }));
        out.push(m.mappings.get(`m-${importer}`)!.space, m.mappingEntries(`m-${importer}`, 4));
        m.unmap(`m-${importer}`);
        m.detach(`a-${importer}`);
      }
      m.close("b");
      m.dispose();
      return out;
    });
    expect(results.map((r) => r[0])).toEqual(["system-heap", "vfio-pci", "rfc-v2"]);
    expect(results[1]!.slice(1)).toEqual(results[0]!.slice(1));
    expect(results[2]!.slice(1)).toEqual(results[0]!.slice(1));
    // the importers got different address spaces: IOVA through an IOMMU, CPU physical without
    expect(results[0]!.filter((x) => typeof x === "string").slice(1)).toEqual(["iova", "cpu-phys", "iova"]);
  });

  const dir = new URL("../../scenarios/", import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    it(`${file}: the RFC v2 common-map exporter gives the per-interconnect-ops exporter's records`, () => {
      const text = readFileSync(new URL(file, dir), "utf8");
      const vfio = traceOf(text, vfioExporter);
      expect(traceOf(text, rfcV2Exporter)).toEqual(vfio);
      expect(vfio.length).toBeGreaterThan(3);
    });
  }

  it("the scenarios that use neither mmio nor a dynamic exporter run unchanged on the heap exporter", () => {
    const text = JSON.stringify({
      name: "heap",
      devices: { cpu: {}, sys: { iommu: { base: "0x40000000", size: "0x400000" }, maxSegmentSize: "0x10000" } },
      steps: [
        {
          op: "export",
          buffer: "b",
          exporter: "cpu",
          size: "0x200000",
          backing: {
            kind: "system",
            ranges: [
              { addr: "0x80000000", len: "0x100000" },
              { addr: "0x80200000", len: "0x100000" },
            ],
          },
        },
        { op: "attach", buffer: "b", importer: "sys", as: "a" },
        { op: "map", attachment: "a", as: "m", container: "xarray" },
        { op: "pin", attachment: "a", expect: { error: "EINVAL" } },
        { op: "move", buffer: "b", backing: { kind: "system", ranges: [{ addr: "0x90000000", len: "0x200000" }] }, expect: { error: "EOPNOTSUPP" } },
        { op: "unmap", mapping: "m" },
        { op: "detach", attachment: "a" },
        { op: "close", buffer: "b" },
      ],
    });
    const heap = traceOf(text, () => systemHeapExporter());
    expect(heap).toEqual(traceOf(text, vfioExporter));
    expect(heap).toEqual(traceOf(text, rfcV2Exporter));
    expect(heap.filter((r) => (r as { ok: boolean }).ok)).toHaveLength(6);
  });

  it("an exporter offering an interconnect it has no ops for is refused at export, not silently skipped", () => {
    const v = new DmaBufModel(core(), FABRIC, {
      exporter: vfioExporter,
      interconnects: [
        { name: "sgt", defaultContainer: "sgt" },
        { name: "cxl", defaultContainer: "mapping" },
      ],
    });
    expect(() => v.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: SYSTEM(), interconnects: ["cxl"] })).toThrow(
      /vfio-pci exporter has no cxl interconnect/,
    );
    expect(v.buffers.size).toBe(0);
    v.dispose();
  });
});
