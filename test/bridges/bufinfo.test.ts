// run --bufinfo: the model's state in the text of /sys/kernel/debug/dma_buf/bufinfo. The
// expected text is built here from the kernel's own format strings (dma_buf_debug_show()
// in drivers/dma-buf/dma-buf.c, torvalds/linux at 0148b24eab41) through a tiny printf,
// not from the code under test.
import { describe, expect, it } from "vitest";
import { core } from "../helpers.js";
import { parseScenario } from "../../ts/scenario/validate.js";
import { BUFINFO_FLAGS, BUFINFO_MODE, bufinfo, bufinfoEntries, bufinfoEntriesOfState, formatBufinfo, scenarioBufinfo } from "../../ts/bridges/bufinfo.js";
import { runSteps } from "../../ts/scenario/runner.js";

/** The format strings of dma_buf_debug_show(), in the order it prints them. */
const K = {
  title: "\nDma-buf Objects:\n", // seq_puts
  header: "%-8s\t%-8s\t%-8s\t%-8s\texp_name\t%-8s\tname\n", // "size", "flags", "mode", "count", "ino"
  buffer: "%08zu\t%08x\t%08x\t%08ld\t%s\t%08lu\t%s\n", // size, f_flags, f_mode, file_count, exp_name, i_ino, name ?: "<none>"
  attached: "\tAttached Devices:\n", // seq_puts
  device: "\t%s\n", // dev_name(attach_obj->dev)
  devices: "Total %d devices attached\n\n",
  totals: "\nTotal %d objects, %zu bytes\n",
};

/** printf for the conversions above: flags `-` and `0`, a width, length l/z, and s d u x. */
function printf(fmt: string, ...args: (string | number | bigint)[]): string {
  let i = 0;
  return fmt.replace(/%(-?)(0?)(\d*)(?:l|z)?([sdux%])/g, (_m, left: string, zero: string, width: string, conv: string) => {
    if (conv === "%") return "%";
    const v = args[i++]!;
    const body = conv === "s" ? String(v) : conv === "x" ? BigInt(v).toString(16) : BigInt(v).toString(10);
    const w = Number(width || 0);
    if (left) return body.padEnd(w, " ");
    return body.padStart(w, zero ? "0" : " ");
  });
}

it("the tiny printf follows C (its own check)", () => {
  expect(printf("%08zu|%08x|%-8s|%s|%d|%08ld", 4096, 0x80003, "size", "x", 7, 3)).toBe("00004096|00080003|size    |x|7|00000003");
  expect(printf("%08lu", 123456789012)).toBe("123456789012");
});

/** bufinfo as the kernel would print `bufs` (newest first), from the format strings. */
function kernelText(bufs: { size: bigint; count: number; exp: string; ino: number; name: string; devs: string[] }[]): string {
  let s = K.title + printf(K.header, "size", "flags", "mode", "count", "ino");
  let total = 0n;
  for (const b of bufs) {
    s += printf(K.buffer, b.size, BUFINFO_FLAGS, BUFINFO_MODE, b.count, b.exp, b.ino, b.name);
    s += K.attached;
    for (const d of b.devs) s += printf(K.device, d);
    s += printf(K.devices, b.devs.length);
    total = (total + b.size) % (1n << 64n);
  }
  return s + printf(K.totals, bufs.length, total);
}

const sys = (addr: string, len: string) => ({ kind: "system", ranges: [{ addr, len }] });
const SCENARIO = {
  name: "bufinfo",
  devices: { heap: {}, gpu: {}, display: {}, nic: {} },
  steps: [
    { op: "export", buffer: "fb0", exporter: "heap", size: "0x7e9000", backing: sys("0x100000", "0x7e9000") },
    { op: "export", buffer: "bad", exporter: "heap", size: "0x1001", backing: sys("0x0", "0x1001"), expect: { error: "EINVAL" } },
    { op: "attach", buffer: "fb0", importer: "gpu", as: "a0" },
    { op: "attach", buffer: "fb0", importer: "display", as: "a1" },
    { op: "export", buffer: "tmp", exporter: "heap", size: "0x1000", backing: sys("0x0", "0x1000") },
    { op: "export", buffer: "rx", exporter: "nic", size: "0x200000", backing: sys("0x40000000", "0x200000") },
    { op: "attach", buffer: "rx", importer: "gpu", as: "a2", dynamic: true },
    { op: "close", buffer: "tmp" },
    { op: "attach", buffer: "fb0", importer: "nic", as: "a3" },
    { op: "detach", attachment: "a1" },
  ],
};

describe("bufinfo", () => {
  const c = core();
  const s = parseScenario(SCENARIO);

  it("after the last step: live buffers newest first, devices newest first, closed and failed exports absent", () => {
    const r = scenarioBufinfo(s, c);
    expect(r).toMatchObject({ at: 9, passed: true });
    expect(r.text).toBe(
      kernelText([
        // ino counts successful exports: fb0 1, tmp 2, rx 3 (the failed export takes none)
        { size: 0x200000n, count: 2, exp: "nic", ino: 3, name: "rx", devs: ["gpu"] },
        { size: 0x7e9000n, count: 3, exp: "heap", ino: 1, name: "fb0", devs: ["nic", "gpu"] },
      ]),
    );
  });

  it("after step N: the state then (--bufinfo-at)", () => {
    expect(scenarioBufinfo(s, c, 4).text).toBe(
      kernelText([
        { size: 0x1000n, count: 1, exp: "heap", ino: 2, name: "tmp", devs: [] },
        { size: 0x7e9000n, count: 3, exp: "heap", ino: 1, name: "fb0", devs: ["display", "gpu"] },
      ]),
    );
    expect(scenarioBufinfo(s, c, 0).text).toBe(kernelText([{ size: 0x7e9000n, count: 1, exp: "heap", ino: 1, name: "fb0", devs: [] }]));
    expect(() => scenarioBufinfo(s, c, 10)).toThrow(/not a step of the scenario \(0 to 9\)/);
  });

  it("an empty state prints the header and zero totals", () => {
    const one = parseScenario({
      name: "x",
      devices: { d: {} },
      steps: [
        { op: "export", buffer: "b", exporter: "d", size: "0x1000", backing: sys("0x0", "0x1000") },
        { op: "close", buffer: "b" },
      ],
    });
    expect(scenarioBufinfo(one, c).text).toBe(kernelText([]));
    expect(kernelText([])).toBe("\nDma-buf Objects:\nsize    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n\nTotal 0 objects, 0 bytes\n");
  });

  it("passed is false when an expectation fails; the text is still the state", () => {
    const bad = parseScenario({ ...SCENARIO, steps: [...SCENARIO.steps, { op: "close", buffer: "rx" }] });
    const r = scenarioBufinfo(bad, c);
    expect(r.passed).toBe(false);
    expect(r.text).toBe(scenarioBufinfo(s, c).text);
  });

  it("sizes wider than 8 digits and a total that wraps like size_t", () => {
    const big = "0xfffffffffffff000";
    const w = parseScenario({
      name: "wrap",
      devices: { d: {} },
      steps: [
        { op: "export", buffer: "b0", exporter: "d", size: big, backing: sys("0x0", big) },
        { op: "export", buffer: "b1", exporter: "d", size: "0x2000", backing: sys("0x0", "0x2000") },
      ],
    });
    const text = scenarioBufinfo(w, c).text;
    expect(text).toBe(
      kernelText([
        { size: 0x2000n, count: 1, exp: "d", ino: 2, name: "b1", devs: [] },
        { size: 0xfffffffffffff000n, count: 1, exp: "d", ino: 1, name: "b0", devs: [] },
      ]),
    );
    expect(text).toContain("\n18446744073709547520\t");
    expect(text).toMatch(/Total 2 objects, 4096 bytes\n$/);
  });

  it("names with control characters are escaped, so the columns stay intact", () => {
    expect(formatBufinfo([{ size: 4096n, count: 1, expName: "e\tx", ino: 1, name: "n\nm", devices: ["d\x1b"] }])).toContain(
      "00004096\t00000002\t00080003\t00000001\te\\tx\t00000001\tn\\nm\n\tAttached Devices:\n\td\\e\n",
    );
  });

  it("bufinfoEntries reads the live model after any step", () => {
    const seen: number[] = [];
    for (const _ of runSteps(s, c, { inspect: (m, i) => seen.push(bufinfoEntries(m).length * 100 + i) }));
    expect(seen).toEqual([100, 101, 102, 103, 204, 305, 306, 207, 208, 209]);
  });

  it("the text from a step's ModelState (the explorer's) is the text from the live model, at every step", () => {
    const fromModel: string[] = [];
    const fromState: string[] = [];
    for (const { record } of runSteps(s, c, { state: true, inspect: (m) => fromModel.push(bufinfo(m)) }))
      fromState.push(formatBufinfo(bufinfoEntriesOfState(record.state!)));
    expect(fromState).toEqual(fromModel);
    expect(new Set(fromModel).size).toBeGreaterThan(5);
  });
});
