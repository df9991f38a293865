// A small fabric for model tests, and a helper that proves failed steps change nothing.
import { expect } from "vitest";
import { DmaBufModel } from "../../ts/model/model.js";
import { vfioExporter } from "../../ts/exporters/vfio.js";
import type { TopologySpec } from "../../ts/model/topology.js";
import { DmaBufError } from "../../ts/core/errors.js";
import { core } from "../helpers.js";

export const BAR0 = 0x1000_0000_0000n;
export const BUS0 = 0x8000_0000n;
export const VFBAR = 0x2000_0000_0000n;

export const FABRIC: TopologySpec = {
  hostBridges: { rc0: { p2p: true }, rc1: { p2p: false } },
  switches: { sw0: { acsRedirect: false }, acs: { acsRedirect: true } },
  devices: {
    exp: { root: "rc0", switch: "sw0", bars: [{ index: 0, cpu: BAR0, bus: BUS0, size: 0x1000_0000n }] },
    peer: { root: "rc0", switch: "sw0" },
    mmu: { root: "rc0", iommu: { base: 0x1_0000_0000n, size: 0x100_0000n } },
    host: { root: "rc0" },
    far: { root: "rc1" },
    acsA: { root: "rc0", switch: "acs", bars: [{ index: 1, cpu: 0x3000_0000_0000n, bus: 0x9000_0000n, size: 0x100_0000n }] },
    acsB: { root: "rc0", switch: "acs" },
    vf: { root: "rc0", switch: "sw0", pf: "pf", bars: [{ index: 2, cpu: VFBAR, bus: 0xa000_0000n, size: 0x100_0000n }] },
    pf: { root: "rc0", switch: "sw0", iommu: { base: 0x1_0000_0000n, size: 0x100_0000n } },
    peerMmu: { root: "rc0", switch: "sw0", iommu: { base: 0x1_0000_0000n, size: 0x100_0000n } },
    exp1: { root: "rc1", bars: [{ index: 4, cpu: 0x5000_0000_0000n, bus: 0xb000_0000n, size: 0x100_0000n }] },
    far1: { root: "rc1", iommu: { base: 0x1_0000_0000n, size: 0x100_0000n } },
    cpu: {},
    sys: { iommu: { base: 0x4000_0000n, size: 0x40_0000n }, maxSegmentSize: 0x10000n, segBoundaryMask: 0xffff_ffffn },
  },
};

export const MMIO = (n = 2, len = 0x10_0000n) => ({
  kind: "mmio" as const,
  ranges: Array.from({ length: n }, (_, i) => ({ addr: BAR0 + BigInt(i) * 2n * len, len })),
});
export const SYSTEM = (n = 2, len = 0x10_0000n, at = 0x8000_0000n) => ({
  kind: "system" as const,
  ranges: Array.from({ length: n }, (_, i) => ({ addr: at + BigInt(i) * 2n * len, len })),
});

export function world(): DmaBufModel {
  return new DmaBufModel(core(), FABRIC, { exporter: vfioExporter });
}

/** Runs a step that must fail with `code`, and proves it changed no state. */
export function fails(m: DmaBufModel, code: string, step: () => unknown): void {
  const before = JSON.stringify(m.snapshot());
  let err: unknown;
  try {
    step();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeInstanceOf(DmaBufError);
  expect((err as DmaBufError).code).toBe(code);
  expect(JSON.stringify(m.snapshot())).toBe(before);
  const rec = m.trace[m.trace.length - 1]!;
  expect(rec).toMatchObject({ ok: false, error: code });
}

/** A dynamic mmio export "b" from exp, and a dynamic peer2peer attachment "a" by peer. */
export function dynamicPair(m: DmaBufModel, extra: { pinnable?: boolean; interconnects?: ("physvec" | "iov")[] } = {}) {
  m.export({ buffer: "b", exporter: "exp", size: 0x20_0000n, backing: MMIO(), dynamic: true, ...extra });
  m.attach({ buffer: "b", importer: "peer", as: "a", dynamic: true, peer2peer: true });
}
