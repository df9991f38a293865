// The DMA-API debug checker (docs/rules.md#dma-debug) and DMA direction: each rule has a
// product or sequence that triggers it and a correct one that stays silent; a warning
// never changes an outcome; the direction reaches the exporter's ops.
import { describe, expect, it } from "vitest";
import { DmaBufModel } from "../../ts/model/model.js";
import type { AttachmentView, DmaBufOps, MapProduct } from "../../ts/model/ops.js";
import type { TopologySpec } from "../../ts/model/topology.js";
import type { Direction } from "../../ts/model/direction.js";
import { DMA_DEBUG_RULES } from "../../ts/model/dma-debug.js";
import { RangeList } from "../../ts/core/range-list.js";
import type { DmaBufError } from "../../ts/core/errors.js";
import { vfioExporter } from "../../ts/exporters/vfio.js";
import { StateReader } from "../../ts/model/state.js";
import { core, outcome } from "../helpers.js";

const c = core();
const BASE = 0x100000n;
const SIZE = 0x8000n;
const TOPO: TopologySpec = {
  devices: {
    cpu: {},
    free: {},
    long: { maxSegmentSize: 0x2000n },
    bound: { segBoundaryMask: 0x3fffn },
  },
};

type E = [bigint, bigint];
/** An exporter of system memory whose map returns `entries` (cpu-phys); it records the directions its ops receive. */
function exporter(entries: E[], seen: string[] = []): DmaBufOps {
  return {
    name: "user-exp",
    mapDmaBuf: (a: AttachmentView, _t, dir: Direction): MapProduct => {
      seen.push(`map ${dir}`);
      return { entries: RangeList.from(entries, a.buffer.backing.ranges.core), space: "cpu-phys", release() {} };
    },
    unmapDmaBuf: (_a, _p, dir: Direction) => void seen.push(`unmap ${dir}`),
    release() {},
    beginCpuAccess: (_b, dir) => void seen.push(`begin ${dir}`),
    endCpuAccess: (_b, dir) => void seen.push(`end ${dir}`),
  };
}

function setup(entries: E[], importer: string, dmaDebug = true, seen: string[] = []): DmaBufModel {
  const m = new DmaBufModel(c, TOPO, dmaDebug ? { dmaDebug } : {});
  m.export({ buffer: "b", exporter: "cpu", size: SIZE, backing: { kind: "system", ranges: [{ addr: BASE, len: SIZE }] }, ops: exporter(entries, seen) });
  m.attach({ buffer: "b", importer, as: "a" });
  return m;
}

const rules = (m: DmaBufModel) => (m.trace.at(-1)!.warnings ?? []).map((w) => w.rule);
const WHOLE: E[] = [[BASE, SIZE]];

describe("map products (entry rules)", () => {
  it("entry-not-page-aligned: an entry whose address or length is not page aligned, named with the count of the others", () => {
    const m = setup(
      [
        [BASE, 0x800n],
        [BASE + 0x800n, 0x7800n],
      ],
      "free",
    );
    m.map({ attachment: "a", as: "m" });
    expect(rules(m)).toEqual(["entry-not-page-aligned"]);
    expect(m.trace.at(-1)!.warnings![0]!.message).toBe(
      "exporter user-exp (mapDmaBuf of b for a): entry 0 (0x100000 +0x800) is not page aligned (a dma-buf maps whole pages) (and 1 more entry)",
    );
    m.dispose();
  });

  it("entry-not-page-aligned stays silent for page-aligned entries", () => {
    const m = setup(
      [
        [BASE, 0x1000n],
        [BASE + 0x1000n, 0x7000n],
      ],
      "free",
    );
    m.map({ attachment: "a", as: "m" });
    expect(m.trace.at(-1)!.warnings).toBeUndefined();
    m.dispose();
  });

  it("segment-too-long: an entry longer than the importer's maxSegmentSize (an exporter that ignores the limit)", () => {
    const m = setup(WHOLE, "long");
    m.map({ attachment: "a", as: "m" });
    expect(rules(m)).toEqual(["segment-too-long"]);
    expect(m.trace.at(-1)!.warnings![0]!.message).toContain("entry 0 (0x100000 +0x8000) is longer than long's maxSegmentSize 0x2000");
    m.dispose();
  });

  it("segment-too-long stays silent when every entry fits", () => {
    const m = setup(
      [0n, 1n, 2n, 3n].map((k): E => [BASE + k * 0x2000n, 0x2000n]),
      "long",
    );
    m.map({ attachment: "a", as: "m" });
    expect(m.trace.at(-1)!.warnings).toBeUndefined();
    m.dispose();
  });

  it("segment-crosses-boundary: an entry whose first and last byte differ outside segBoundaryMask", () => {
    const m = setup(WHOLE, "bound");
    m.map({ attachment: "a", as: "m" });
    expect(rules(m)).toEqual(["segment-crosses-boundary"]);
    expect(m.trace.at(-1)!.warnings![0]!.message).toContain("crosses bound's segBoundaryMask 0x3fff");
    m.dispose();
  });

  it("segment-crosses-boundary stays silent for entries split at the boundary", () => {
    const m = setup(
      [
        [BASE, 0x4000n],
        [BASE + 0x4000n, 0x4000n],
      ],
      "bound",
    );
    m.map({ attachment: "a", as: "m" });
    expect(m.trace.at(-1)!.warnings).toBeUndefined();
    m.dispose();
  });

  it("the built-in exporter honours the importer's limits: silent", () => {
    const m = new DmaBufModel(c, TOPO, { dmaDebug: true, exporter: vfioExporter });
    m.export({ buffer: "b", exporter: "cpu", size: SIZE, backing: { kind: "system", ranges: [{ addr: BASE, len: SIZE }] } });
    for (const d of ["long", "bound"]) {
      m.attach({ buffer: "b", importer: d, as: d });
      m.map({ attachment: d, as: `m-${d}` });
      expect(m.trace.at(-1)!.warnings).toBeUndefined();
    }
    m.dispose();
  });
});

describe("unmap direction (check_unmap)", () => {
  it("unmap-direction-mismatch: an unmap in another direction than the map's", () => {
    const m = setup(WHOLE, "free");
    m.map({ attachment: "a", as: "m", direction: "to-device" });
    m.unmap("m", "from-device");
    expect(rules(m)).toEqual(["unmap-direction-mismatch"]);
    expect(m.trace.at(-1)!.warnings![0]!.message).toBe("unmap m: unmapped from-device but mapped to-device (the direction of an unmap must be the map's)");
    m.dispose();
  });

  it("stays silent for the map's direction, given or by default", () => {
    const m = setup(WHOLE, "free");
    m.map({ attachment: "a", as: "m", direction: "to-device" });
    m.unmap("m", "to-device");
    expect(m.trace.at(-1)!.warnings).toBeUndefined();
    m.map({ attachment: "a", as: "m2", direction: "from-device" });
    m.unmap("m2");
    expect(m.trace.at(-1)!.warnings).toBeUndefined();
    m.dispose();
  });
});

describe("leaks at the end of the run (dma_debug_device_change)", () => {
  it("mapping-leaked: one warning per mapping still mapped, stale ones too, on the last record", () => {
    const m = setup(WHOLE, "free");
    m.map({ attachment: "a", as: "m1" });
    m.map({ attachment: "a", as: "m2" });
    m.unmap("m1");
    const found = m.endOfRun();
    expect(found.map((w) => w.message)).toEqual(["mapping m2 (0x8000 bytes, attachment a of free) is still mapped when the scenario ends"]);
    expect(rules(m)).toEqual(["mapping-leaked"]);
    m.dispose();
  });

  it("stays silent when every mapping was unmapped, and when the checker is off", () => {
    const m = setup(WHOLE, "free");
    m.map({ attachment: "a", as: "m1" });
    m.unmap("m1");
    expect(m.endOfRun()).toEqual([]);
    expect(m.trace.at(-1)!.warnings).toBeUndefined();
    m.dispose();
    const off = setup(WHOLE, "free", false);
    off.map({ attachment: "a", as: "m1" });
    expect(off.endOfRun()).toEqual([]);
    off.dispose();
  });
});

describe("a warning never changes an outcome", () => {
  it("the same steps give the same records, state and errors with and without the checker, warnings aside", () => {
    const run = (dmaDebug: boolean) => {
      const m = setup(WHOLE, "long", dmaDebug);
      const got = [
        outcome(() => m.map({ attachment: "a", as: "m", direction: "to-device" })),
        outcome(() => m.unmap("m", "from-device")),
        outcome(() => m.unmap("m")),
        outcome(() => m.map({ attachment: "a", as: "m2" })),
        outcome(() => m.endOfRun()),
      ];
      const trace = m.trace.map(({ warnings: _, ...rest }) => rest);
      const snap = JSON.stringify(m.snapshot(), (_k, v) => (typeof v === "bigint" ? `${v}` : v));
      const warned = m.trace.flatMap((r) => (r.warnings ?? []).map((w) => w.rule));
      m.dispose();
      return { got: got.slice(0, 4), trace, snap, warned };
    };
    const on = run(true);
    const off = run(false);
    expect(on.warned).toEqual(["segment-too-long", "unmap-direction-mismatch", "segment-too-long", "mapping-leaked"]);
    expect(off.warned).toEqual([]);
    expect({ ...on, warned: [] }).toEqual({ ...off, warned: [] });
  });

  it("every rule of the table is triggered by a test in this file (its name is in the table once)", () => {
    const names = DMA_DEBUG_RULES.map((r) => r.rule);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(["unmap-direction-mismatch", "entry-not-page-aligned", "segment-too-long", "segment-crosses-boundary", "mapping-leaked"]);
    for (const r of DMA_DEBUG_RULES) expect(r.source).toMatch(/^(kernel\/dma\/debug\.c|drivers\/dma-buf\/dma-buf\.c) /);
  });
});

describe("DMA direction", () => {
  it("reaches the exporter's map and unmap; the unmap's default is the map's", () => {
    const seen: string[] = [];
    const m = setup(WHOLE, "free", false, seen);
    const r = m.map({ attachment: "a", as: "m", direction: "from-device" });
    expect(r.direction).toBe("from-device");
    m.unmap("m");
    const r2 = m.map({ attachment: "a", as: "m2" });
    expect(r2.direction).toBeUndefined();
    m.unmap("m2", "to-device");
    expect(seen).toEqual(["map from-device", "unmap from-device", "map bidirectional", "unmap to-device"]);
    m.dispose();
  });

  it("appears in the state of every mapping", () => {
    const m = setup(WHOLE, "free", false);
    m.map({ attachment: "a", as: "m", direction: "to-device" });
    m.map({ attachment: "a", as: "m2" });
    const s = new StateReader(m).read();
    expect(s.mappings.map((x) => [x.name, x.direction])).toEqual([
      ["m", "to-device"],
      ["m2", "bidirectional"],
    ]);
    m.dispose();
  });

  it("a direction that is none of the three is EINVAL naming the argument, and nothing changes", () => {
    const m = setup(WHOLE, "free", false);
    expect(outcome(() => m.map({ attachment: "a", as: "m", direction: "sideways" as Direction }))).toEqual({ ok: false, code: "EINVAL", path: ["direction"] });
    m.map({ attachment: "a", as: "m" });
    const before = JSON.stringify(m.snapshot(), (_k, v) => (typeof v === "bigint" ? `${v}` : v));
    expect(outcome(() => m.unmap("m", "up" as Direction))).toEqual({ ok: false, code: "EINVAL", path: ["direction"] });
    expect(JSON.stringify(m.snapshot(), (_k, v) => (typeof v === "bigint" ? `${v}` : v))).toBe(before);
    m.dispose();
  });

  it("the option dmaDebug must be a boolean", () => {
    expect(outcome(() => new DmaBufModel(c, TOPO, { dmaDebug: "yes" as unknown as boolean }))).toEqual({ ok: false, code: "EINVAL", path: ["dmaDebug"] });
  });
});

describe("sync (DMA_BUF_IOCTL_SYNC)", () => {
  it.each([
    [["start", "read"], "begin from-device"],
    [["start", "write"], "begin to-device"],
    [["end", "read", "write"], "end bidirectional"],
    [["write", "end"], "end to-device"],
  ])("%j calls the exporter's op with its direction", (flags, call) => {
    const seen: string[] = [];
    const m = setup(WHOLE, "free", false, seen);
    const r = m.sync("b", flags);
    expect(seen).toEqual([call]);
    expect(r.direction).toBe(call.split(" ")[1]);
    m.dispose();
  });

  it.each([
    [["start", "exec"], "unknown flag"],
    [["start"], "need read, write or both"],
    [[], "unknown flag|need read"],
    [["read"], "exactly one of start and end"],
    [["start", "end", "write"], "exactly one of start and end"],
  ])("%j is EINVAL (%s), and the exporter is not called", (flags, why) => {
    const seen: string[] = [];
    const m = setup(WHOLE, "free", false, seen);
    let err: DmaBufError | undefined;
    try {
      m.sync("b", flags);
    } catch (e) {
      err = e as DmaBufError;
    }
    expect(err?.code).toBe("EINVAL");
    expect(err?.message).toMatch(new RegExp(why));
    expect(seen).toEqual([]);
    m.dispose();
  });

  it("an exporter without the CPU-access ops: the sync reports its direction; a closed buffer is ENOENT", () => {
    const m = new DmaBufModel(c, TOPO, { exporter: vfioExporter });
    m.export({ buffer: "b", exporter: "cpu", size: SIZE, backing: { kind: "system", ranges: [{ addr: BASE, len: SIZE }] } });
    expect(m.sync("b", ["start", "read"])).toEqual({ direction: "from-device" });
    m.close("b");
    expect(outcome(() => m.sync("b", ["end", "read"]))).toMatchObject({ ok: false, code: "ENOENT" });
    expect(outcome(() => m.sync("b", "start" as unknown as string[]))).toEqual({ ok: false, code: "EINVAL", path: ["flags"] });
    m.dispose();
  });
});
