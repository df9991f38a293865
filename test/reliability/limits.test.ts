// When wasm memory cannot grow: a clean ENOMEM, no state change, usable after disposing.
import { describe, expect, it } from "vitest";
import { createCoreSync } from "../../ts/core/loader.js";
import { DmaBufModel } from "../../ts/model/model.js";
import { systemHeapExporter } from "../../ts/exporters/heap.js";
import { DmaBufError } from "../../ts/core/errors.js";

describe("memory limits", () => {
  it("a model on a capped core maps until ENOMEM, changes nothing on failure, and recovers after unmaps", () => {
    const core = createCoreSync(undefined, { maximumPages: 64 }); // 4 MiB of wasm memory
    const m = new DmaBufModel(core, { devices: { cpu: {}, dev: {} } }, { exporter: systemHeapExporter });
    // 4096 ranges of one page: each map copies them into a 64 KiB+ container
    const words = new BigUint64Array(2 * 4096);
    for (let i = 0; i < 4096; i++) {
      words[2 * i] = BigInt(i) * 0x2000n;
      words[2 * i + 1] = 0x1000n;
    }
    m.export({ buffer: "b", exporter: "cpu", size: 4096n * 0x1000n, backing: { kind: "system", ranges: words } });
    m.attach({ buffer: "b", importer: "dev", as: "a" });
    let n = 0;
    let err: unknown;
    for (;;) {
      try {
        m.map({ attachment: "a", as: `m${n}`, container: "xarray" });
        n++;
      } catch (e) {
        err = e;
        break;
      }
    }
    expect(err).toBeInstanceOf(DmaBufError);
    expect((err as DmaBufError).code).toBe("ENOMEM");
    expect(n).toBeGreaterThan(5);
    const snap = JSON.stringify(m.snapshot());
    expect(() => m.map({ attachment: "a", as: "again", container: "sgt" })).toThrow(/ENOMEM/);
    expect(JSON.stringify(m.snapshot())).toBe(snap);
    for (let i = 0; i < 3; i++) m.unmap(`m${i}`);
    expect(m.map({ attachment: "a", as: "after", container: "sgt" }).nelms).toBe(4096);
    m.dispose();
  });
});
