// The round trip (DESIGN section 11): a scenario imported from a capture, run with
// --bufinfo at the trace's last event, lists the buffers and attached devices the trace
// implies. The two captures under examples/traces were written from the kernel's formats.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { core } from "../helpers.js";
import { parseScenario } from "../../ts/scenario/validate.js";
import { importTrace, scenarioText } from "../../ts/bridges/trace.js";
import { scenarioBufinfo } from "../../ts/bridges/bufinfo.js";
import { cli } from "../cli/spawn.js";

const capture = (f: string) => new URL(`../../examples/traces/${f}`, import.meta.url);

interface Listed {
  ino: string;
  size: number;
  exp: string;
  devices: string[];
}

/** The buffers of a bufinfo text, read back by its columns (model ino replaced by the name, which carries the trace's ino). */
function readBufinfo(text: string): { buffers: Listed[]; objects: number; bytes: number } {
  const lines = text.split("\n");
  expect(lines.slice(0, 3)).toEqual(["", "Dma-buf Objects:", "size    \tflags   \tmode    \tcount   \texp_name\tino     \tname"]);
  const buffers: Listed[] = [];
  for (const l of lines.slice(3)) {
    const cols = l.split("\t");
    if (cols.length === 7) buffers.push({ ino: cols[6]!.replace(/^ino/, ""), size: Number(cols[0]), exp: cols[4]!, devices: [] });
    else if (cols.length === 2 && cols[0] === "" && cols[1] !== "Attached Devices:") buffers.at(-1)!.devices.push(cols[1]!);
  }
  const total = /\nTotal (\d+) objects, (\d+) bytes\n$/.exec(text)!;
  return { buffers, objects: Number(total[1]), bytes: Number(total[2]) };
}

/**
 * What the trace implies at its end, read independently of the importer: buffers by
 * ino (one reference from export, +1 get, -1 put; gone when a put leaves none and
 * nothing is attached), attachments by pointer, newest first.
 */
function implied(trace: string): Listed[] {
  const bufs = new Map<string, Listed & { ptrs: string[]; refs: number }>();
  for (const l of trace.split("\n")) {
    const m = /: (dma_buf_\w+): exp_name=(\S+) size=(\d+) ino=(\d+)(?: fd=-?\d+| attachment:(\w+) is_dynamic=[01] dev_name=(.+))?$/.exec(l);
    if (!m) continue;
    const [, ev, exp, size, ino, ptr, dev] = m;
    if (ev === "dma_buf_export") bufs.set(ino!, { ino: ino!, size: Number(size), exp: exp!, devices: [], ptrs: [], refs: 1 });
    const b = bufs.get(ino!)!;
    if (ev === "dma_buf_get") b.refs++;
    if (ev === "dma_buf_put" && --b.refs === 0 && !b.ptrs.length) bufs.delete(ino!);
    if (ev === "dma_buf_dynamic_attach") {
      b.ptrs.unshift(ptr!);
      b.devices.unshift(dev!);
    }
    if (ev === "dma_buf_detach") {
      const k = b.ptrs.indexOf(ptr!);
      b.ptrs.splice(k, 1);
      b.devices.splice(k, 1);
    }
  }
  return [...bufs.values()].reverse().map(({ ino, size, exp, devices }) => ({ ino, size, exp, devices }));
}

describe("round trip: trace -> import-trace -> run --bufinfo", () => {
  const c = core();
  const cases: [string, Listed[]][] = [
    [
      "compositor-system-heap.trace",
      [
        { ino: "314", size: 9437184, exp: "system", devices: ["32e00000.lcdif", "38000000.gpu"] },
        { ino: "313", size: 8294400, exp: "system", devices: ["32e00000.lcdif", "38000000.gpu"] },
        { ino: "312", size: 8294400, exp: "system", devices: ["32e00000.lcdif", "38000000.gpu"] },
        { ino: "311", size: 8294400, exp: "system", devices: [] },
      ],
    ],
    [
      "vm-vfio-bar-iommufd.trace",
      [
        { ino: "42", size: 16777216, exp: "vfio_pci_core", devices: ["iommu"] },
        { ino: "41", size: 16777216, exp: "vfio_pci_core", devices: [] },
        { ino: "40", size: 268435456, exp: "vfio_pci_core", devices: ["iommu"] },
      ],
    ],
  ];
  for (const [file, want] of cases)
    it(file, () => {
      const trace = readFileSync(capture(file), "utf8");
      expect(implied(trace)).toEqual(want);
      const s = parseScenario(JSON.parse(scenarioText(importTrace(trace).scenario)));
      const r = scenarioBufinfo(s, c, s.steps.length - 1);
      expect(r.passed).toBe(true);
      const got = readBufinfo(r.text);
      expect(got.buffers).toEqual(want);
      expect(got.objects).toBe(want.length);
      expect(got.bytes).toBe(want.reduce((a, b) => a + b.size, 0));
    });

  it("through the command line: import-trace FILE | run --bufinfo -", () => {
    const imp = cli(["import-trace", capture("vm-vfio-bar-iommufd.trace").pathname]);
    expect(imp.code).toBe(0);
    expect(imp.err).toMatch(
      /vm-vfio-bar-iommufd.trace: 15 lines, 14 dma_buf events -> 7 steps; skipped 0 comment or blank lines, 1 other events \(kvm_exit 1\)/,
    );
    expect(JSON.parse(imp.out).name).toBe("vm-vfio-bar-iommufd");
    const run = cli(["run", "--bufinfo", "-"], imp.out);
    expect(run.code).toBe(0);
    expect(readBufinfo(run.out).buffers.map((b) => [b.ino, b.devices])).toEqual([
      ["42", ["iommu"]],
      ["41", []],
      ["40", ["iommu"]],
    ]);
    const at = cli(["run", "--bufinfo-at", "1", "-"], imp.out);
    expect(readBufinfo(at.out).buffers.map((b) => [b.ino, b.devices])).toEqual([["40", ["iommu"]]]);
  });
});
