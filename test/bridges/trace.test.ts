// import-trace: ftrace text of the dma_buf events (include/trace/events/dma_buf.h) into a
// scenario. Lines are built here with the kernel's formats: trace_print_context()'s
// "%16s-%-7d " + "[%03d] " + flags + " %5lu.%06lu: " and each class's TP_printk.
import { describe, expect, it } from "vitest";
import { core } from "../helpers.js";
import { parseScenario } from "../../ts/scenario/validate.js";
import { runScenario } from "../../ts/scenario/runner.js";
import { importTrace, scenarioText, TraceImportError, type ImportedScenario } from "../../ts/bridges/trace.js";
import { parseTraceLine, MAX_LINE } from "../../ts/bridges/ftrace.js";

const c = core();

interface Ctx {
  comm?: string;
  pid?: number;
  tgid?: number | null;
  cpu?: number;
  /** The irq-info column; null: the option is off. */
  flags?: string | null;
  ts?: string;
}
/** One ftrace line as trace_print_context() and the event's output print it. */
export function ftrace(event: string, fields: string, x: Ctx = {}): string {
  const comm = (x.comm ?? "app").padStart(16, " ");
  const pid = String(x.pid ?? 1234).padEnd(7, " ");
  const tgid = x.tgid === undefined || x.tgid === null ? "" : `(${String(x.tgid).padStart(7, " ")}) `;
  const cpu = String(x.cpu ?? 1).padStart(3, "0");
  const flags = x.flags === undefined ? "....." : x.flags;
  return `${comm}-${pid} ${tgid}[${cpu}] ${flags ?? ""} ${(x.ts ?? "100.000001").padStart(12, " ")}: ${event}: ${fields}`;
}
const base = (ino: number, size = 4096, exp = "system") => `exp_name=${exp} size=${size} ino=${ino}`;
const fdf = (ino: number, fd = 5, size = 4096, exp = "system") => `${base(ino, size, exp)} fd=${fd}`;
const att = (ino: number, ptr: string, dev: string, dyn = 0, size = 4096, exp = "system") =>
  `${base(ino, size, exp)} attachment:${ptr} is_dynamic=${dyn} dev_name=${dev}`;
const E = {
  export: (ino: number, size?: number, exp?: string) => ftrace("dma_buf_export", base(ino, size, exp)),
  fd: (ino: number, size?: number) => ftrace("dma_buf_fd", fdf(ino, 7, size)),
  get: (ino: number, size?: number) => ftrace("dma_buf_get", fdf(ino, 9, size)),
  put: (ino: number, size?: number) => ftrace("dma_buf_put", base(ino, size)),
  mmapInternal: (ino: number) => ftrace("dma_buf_mmap_internal", base(ino)),
  mmap: (ino: number) => ftrace("dma_buf_mmap", base(ino)),
  attach: (ino: number, ptr: string, dev: string, dyn = 0, size?: number) => ftrace("dma_buf_dynamic_attach", att(ino, ptr, dev, dyn, size)),
  detach: (ino: number, ptr: string, dev: string, dyn = 0, size?: number) => ftrace("dma_buf_detach", att(ino, ptr, dev, dyn, size)),
};
const P1 = "ffff888100a1b000";
const P2 = "ffff888100a1b200";

/** Imports, then checks that the scenario validates and runs with every step ok. */
function imported(lines: string[]): ImportedScenario & { stats: ReturnType<typeof importTrace>["stats"] } {
  const r = importTrace(lines.join("\n") + "\n");
  const s = parseScenario(JSON.parse(scenarioText(r.scenario)));
  const out = runScenario(s, c).output;
  expect(out.steps.filter((st) => !st.ok)).toEqual([]);
  expect(out.passed).toBe(true);
  return { ...r.scenario, stats: r.stats };
}
const ops = (s: ImportedScenario) => s.steps.map((st) => `${st.op} ${"as" in st ? st.as : "attachment" in st ? st.attachment : st.buffer}`);
const failure = (text: string): TraceImportError => {
  try {
    importTrace(text);
  } catch (e) {
    expect(e).toBeInstanceOf(TraceImportError);
    return e as TraceImportError;
  }
  throw new Error("imported");
};

describe("the ftrace line", () => {
  it("parses with and without the irq-info column, with record-tgid, 4-column flags, counter clocks, trace-cmd spacing and CRLF", () => {
    const want = { kind: "event", event: "dma_buf_export", fields: { expName: "system", size: 4096n, ino: 3n } };
    for (const x of [
      {},
      { flags: null },
      { tgid: 812 },
      { tgid: 812, flags: null },
      { flags: "d..2" },
      { flags: "dNs1." },
      { ts: "123456789012" },
      { comm: "kworker/u8:2-ev" },
      { comm: "CPU 0/KVM" },
      { comm: "<...>" },
    ])
      expect(parseTraceLine(ftrace("dma_buf_export", base(3), x))).toEqual(want);
    expect(parseTraceLine(ftrace("dma_buf_export", base(3)) + "\r")).toEqual(want);
    expect(parseTraceLine("          weston-1893  [000]  4312.106775: dma_buf_export:       exp_name=system size=4096 ino=3")).toEqual(want);
    expect(parseTraceLine(ftrace("dma_buf_export", base(3)).replace("[001]", "(-------) [001]"))).toEqual(want);
  });

  it("reads each class's fields: fd, the attachment pointer (raw, hashed or 0x-prefixed), is_dynamic, dev_name with spaces", () => {
    expect(parseTraceLine(E.get(4))).toMatchObject({ event: "dma_buf_get", fields: { ino: 4n, fd: 9 } });
    expect(parseTraceLine(ftrace("dma_buf_fd", fdf(4, -1)))).toMatchObject({ fields: { fd: -1 } });
    expect(parseTraceLine(E.attach(4, P1, "0000:03:00.0", 1))).toMatchObject({ fields: { attachment: P1, isDynamic: true, devName: "0000:03:00.0" } });
    expect(parseTraceLine(E.attach(4, "00000000a1b2c3d4", "x"))).toMatchObject({ fields: { attachment: "00000000a1b2c3d4", isDynamic: false } });
    expect(parseTraceLine(E.attach(4, "0xA1B2", "my dev"))).toMatchObject({ fields: { attachment: "000000000000a1b2", devName: "my dev" } });
    expect(parseTraceLine(ftrace("dma_buf_export", "exp_name=a size=1 b size=8192 ino=5"))).toMatchObject({
      fields: { expName: "a size=1 b", size: 8192n, ino: 5n },
    });
  });

  it("tells comments, blank lines, lost-event markers and other events apart", () => {
    expect(parseTraceLine("# tracer: nop")).toEqual({ kind: "comment" });
    expect(parseTraceLine("cpus=8")).toEqual({ kind: "comment" });
    expect(parseTraceLine("   ")).toEqual({ kind: "blank" });
    expect(parseTraceLine("CPU:3 [LOST 17 EVENTS]")).toEqual({ kind: "lost", cpu: 3, count: 17 });
    expect(parseTraceLine(ftrace("sched_switch", "prev_comm=a prev_pid=1 ==> next_comm=b"))).toEqual({ kind: "other", event: "sched_switch" });
    expect(parseTraceLine(ftrace("dma_buf_map_attachment", "whatever a future kernel prints"))).toEqual({ kind: "other", event: "dma_buf_map_attachment" });
    expect(parseTraceLine(ftrace("do_sys_open <-__x64_sys_openat", "").replace(/: $/, ""))).toEqual({ kind: "other", event: "(no event name)" });
  });
});

describe("malformed lines: exit 2 with the line number", () => {
  const cases: [string, string, RegExp][] = [
    ["plain text", "hello world", /not an ftrace line/],
    ["a JSON scenario", '{ "name": "x" }', /not an ftrace line/],
    ["no size", ftrace("dma_buf_export", "exp_name=system ino=3"), /dma_buf_export: fields do not follow its format \(exp_name=%s size=%zu ino=%lu\)/],
    ["an fd class without fd", ftrace("dma_buf_get", base(3)), /dma_buf_get: fields do not follow.*fd=%d/],
    ["a non-numeric ino", ftrace("dma_buf_put", "exp_name=system size=4096 ino=x"), /dma_buf_put: fields/],
    ["a pointer that is not hex", E.attach(3, "(____ptrval____)", "gpu"), /attachment:\(____ptrval____\) is not a pointer in hex/],
    ["is_dynamic=2", ftrace("dma_buf_dynamic_attach", att(3, P1, "gpu", 2)), /is_dynamic=2 is not 0 or 1/],
    ["a size above 2^64 - 1", ftrace("dma_buf_export", base(3, 0).replace("size=0", "size=18446744073709551616")), /above 2\^64 - 1/],
    ["a line too long", ftrace("dma_buf_export", base(3, 4096, "x".repeat(MAX_LINE))), /longer than 1024 characters/],
    ["an empty exp_name", E.export(3, 4096, ""), /exp_name is empty/],
    ["a dev_name longer than a name may be", E.attach(1, P1, "d".repeat(257)), /dev_name is longer than 256 characters/],
  ];
  for (const [what, line, msg] of cases)
    it(what, () => {
      const e = failure(["# tracer: nop", E.export(1), line, E.export(2)].join("\n"));
      expect(e.line).toBe(3);
      expect(e.message).toMatch(/^line 3: /);
      expect(e.reason).toMatch(msg);
    });

  it("lines that contradict the ones before them", () => {
    expect(failure([E.export(1), E.export(1)].join("\n")).reason).toMatch(/ino 1 is exported a second time/);
    expect(failure([E.export(1), E.put(1, 8192)].join("\n")).reason).toMatch(/ino 1 was exp_name=system size=4096, now exp_name=system size=8192/);
    expect(failure([E.export(1), E.attach(1, P1, "gpu"), E.attach(1, P1, "gpu")].join("\n"))).toMatchObject({
      line: 3,
      reason: expect.stringMatching(/attached again before its detach/),
    });
    expect(failure([E.export(1), E.export(2), E.attach(1, P1, "gpu"), E.detach(2, P1, "gpu")].join("\n")).reason).toMatch(/is gpu on ino1, not gpu on ino2/);
    expect(failure(["CPU:0 [LOST 3 EVENTS]", E.export(1), E.export(1)].join("\n")).reason).toMatch(/lost 3 events before this line/);
  });

  it("no dma_buf event at all", () => {
    expect(failure("# tracer: nop\n#\n")).toMatchObject({ line: 0, message: expect.stringMatching(/^no dma_buf event in the trace/) });
    expect(failure("").reason).toMatch(/no dma_buf event/);
  });
});

describe("every event kind", () => {
  it("export, fd, mmap_internal, mmap, get, dynamic_attach (static and dynamic), detach, put", () => {
    const s = imported(
      [
        E.export(7, 8192),
        E.fd(7, 8192),
        E.mmapInternal(7),
        E.mmap(7),
        E.get(7, 8192),
        E.attach(7, P1, "gpu", 0, 8192),
        E.attach(7, P2, "iommu", 1, 8192),
        E.detach(7, P1, "gpu", 0, 8192),
        E.put(7, 8192),
      ].map((l) => l.replace(/size=4096/g, "size=8192")),
    );
    expect(s.steps).toEqual([
      { op: "export", buffer: "ino7", exporter: "system", size: "0x2000", backing: { kind: "system", ranges: [{ addr: "0x100000000", len: "0x2000" }] } },
      { op: "attach", buffer: "ino7", importer: "gpu", as: `att-${P1}` },
      { op: "attach", buffer: "ino7", importer: "iommu", as: `att-${P2}`, dynamic: true },
      { op: "detach", attachment: `att-${P1}` },
    ]);
    expect(Object.keys(s.devices)).toEqual(["system", "gpu", "iommu"]);
    expect(s.stats.events).toEqual({
      dma_buf_export: 1,
      dma_buf_fd: 1,
      dma_buf_get: 1,
      dma_buf_put: 1,
      dma_buf_mmap_internal: 1,
      dma_buf_mmap: 1,
      dma_buf_dynamic_attach: 2,
      dma_buf_detach: 1,
    });
  });

  it("other events, comments, blank lines and lost events are counted and skipped; the description says so", () => {
    const s = imported([
      "# tracer: nop",
      "#",
      "",
      ftrace("sched_switch", "x"),
      ftrace("sched_switch", "y"),
      ftrace("kvm_exit", "z"),
      "CPU:2 [LOST 4 EVENTS]",
      E.export(1),
    ]);
    expect(s.stats).toMatchObject({ lines: 8, comments: 3, other: { sched_switch: 2, kvm_exit: 1 }, lost: 4 });
    expect(s.description).toMatch(/skipped 3 comment or blank lines and 3 other events; the ring buffer lost 4 events/);
  });

  it("writes every default in the description", () => {
    const s = imported([E.export(1, 5000)]);
    for (const d of [
      /system memory of its traced size \(rounded up to 4096 bytes\)/,
      /from 0x100000000/,
      /exporters are not dynamic/,
      /not on PCI, have no IOMMU/,
      /static unless is_dynamic=1/,
      /no map, unmap, pin, unpin, move or revoke steps/,
      /dma_buf_get adds one, dma_buf_put drops one/,
    ])
      expect(s.description).toMatch(d);
    expect(s.description).toMatch(/ino1: size 5000 is not a multiple of 4096; the model's buffer has 8192/);
    expect(s.steps[0]).toMatchObject({ size: "0x2000" });
  });

  it("lays synthetic backings out one after the other", () => {
    const s = imported([E.export(1, 4096), E.export(2, 12288), E.export(3, 0)]);
    expect(s.steps.map((st) => (st.op === "export" ? st.backing.ranges[0] : null))).toEqual([
      { addr: "0x100000000", len: "0x1000" },
      { addr: "0x100001000", len: "0x3000" },
      { addr: "0x100004000", len: "0x1000" },
    ]);
  });
});

describe("reference counting", () => {
  it("the put that drops the export's reference closes the buffer", () => {
    expect(ops(imported([E.export(1), E.fd(1), E.put(1)]))).toEqual(["export ino1", "close ino1"]);
  });

  it("a get keeps it alive; the last put closes it, right after that put", () => {
    expect(ops(imported([E.export(1), E.get(1), E.put(1), E.export(2)]))).toEqual(["export ino1", "export ino2"]);
    expect(ops(imported([E.export(1), E.get(1), E.put(1), E.export(2), E.put(1), E.export(3)]))).toEqual([
      "export ino1",
      "export ino2",
      "close ino1",
      "export ino3",
    ]);
  });

  it("fd and mmap take no reference", () => {
    expect(ops(imported([E.export(1), E.fd(1), E.mmapInternal(1), E.mmap(1), E.put(1)]))).toEqual(["export ino1", "close ino1"]);
  });

  it("a buffer used after its count reached zero stays open (a reference the trace does not show)", () => {
    expect(ops(imported([E.export(1), E.put(1), E.get(1), E.attach(1, P1, "gpu")]))).toEqual(["export ino1", `attach att-${P1}`]);
  });

  it("a last put with attachments left does not close, and says why", () => {
    const s = imported([E.export(1), E.attach(1, P1, "gpu"), E.put(1)]);
    expect(ops(s)).toEqual(["export ino1", `attach att-${P1}`]);
    expect(s.description).toMatch(/ino1: its last put leaves no reference the trace shows, but 1 attachment\(s\) were never detached: not closed/);
  });

  it("more puts than references: closed at the last, with a note", () => {
    const s = imported([E.export(1), E.put(1), E.put(1)]);
    expect(ops(s)).toEqual(["export ino1", "close ino1"]);
    expect(s.description).toMatch(/ino1: the trace shows 1 more put\(s\) than references/);
  });

  it("closes at one place keep the order of their puts", () => {
    expect(ops(imported([E.export(1), E.export(2), E.put(2), E.put(1)]))).toEqual(["export ino1", "export ino2", "close ino2", "close ino1"]);
  });

  it("buffers and attachments from before the capture are made at the start", () => {
    const s = imported([E.export(5), E.get(3), E.detach(3, P1, "gpu"), E.put(3), E.put(3)]);
    expect(ops(s)).toEqual(["export ino3", `attach att-${P1}`, "export ino5", `detach att-${P1}`, "close ino3"]);
    expect(s.description).toMatch(/ino3 was exported before the capture began/);
    expect(s.description).toMatch(/has no attach event: attached at the start/);
  });

  it("buffers from before the capture are exported in ino order (the kernel's export order), before their attachments", () => {
    const s = imported([E.detach(9, P1, "gpu"), E.mmap(4), E.export(10)]);
    expect(ops(s)).toEqual(["export ino4", "export ino9", `attach att-${P1}`, `detach att-${P1}`, "export ino10"]);
  });

  it("a detach without attach on a traced buffer is attached just before it", () => {
    const s = imported([E.export(1), "CPU:0 [LOST 1 EVENTS]", E.detach(1, P1, "gpu")]);
    expect(ops(s)).toEqual(["export ino1", `attach att-${P1}`, `detach att-${P1}`]);
  });

  it("a freed pointer reused by a new attachment gets a new name", () => {
    const s = imported([E.export(1), E.attach(1, P1, "gpu"), E.detach(1, P1, "gpu"), E.attach(1, P1, "gpu"), E.detach(1, P1, "gpu"), E.attach(1, P1, "gpu")]);
    expect(ops(s)).toEqual(["export ino1", `attach att-${P1}`, `detach att-${P1}`, `attach att-${P1}-2`, `detach att-${P1}-2`, `attach att-${P1}-3`]);
  });
});

describe("size", () => {
  /** A trace of `cycles` × 10 events: four buffers' lives interleaved, some closing, pointers reused. */
  function bigTrace(cycles: number): string {
    const out: string[] = ["# tracer: nop"];
    for (let k = 0; k < cycles; k++) {
      const ino = k + 1;
      out.push(
        E.export(ino),
        E.fd(ino),
        E.get(ino),
        E.attach(ino, P1, "gpu"),
        E.attach(ino, P2, `dev${k % 7}`, 1),
        E.mmapInternal(ino),
        E.detach(ino, P1, "gpu"),
        E.detach(ino, P2, `dev${k % 7}`, 1),
        E.put(ino),
      );
      out.push(k % 2 ? E.put(ino) : ftrace("sched_switch", "prev_comm=a"));
    }
    return out.join("\n") + "\n";
  }

  it("10^5 events import in linear work with bounded live attachments, and the scenario runs", () => {
    const small = importTrace(bigTrace(1_000));
    const big = importTrace(bigTrace(10_000));
    expect(big.stats.events.dma_buf_export).toBe(10_000);
    expect(Object.values(big.stats.events).reduce((a, b) => a + b)).toBe(95_000);
    // work (lines, steps, closes) per line is a constant, the same at both sizes
    expect(big.stats.work / big.stats.lines).toBeLessThan(3);
    expect(Math.abs(big.stats.work / big.stats.lines - small.stats.work / small.stats.lines)).toBeLessThan(0.01);
    // live attachments do not grow with the trace: only the attached ones are held
    expect(big.stats.peakAttached).toBe(small.stats.peakAttached);
    expect(big.stats.peakAttached).toBe(2);
    // the output grows linearly: steps per cycle constant, bytes per step bounded
    expect(big.scenario.steps.length).toBe(10 * small.scenario.steps.length);
    const bytes = (r: typeof big) => scenarioText(r.scenario).length;
    expect(bytes(big) / big.scenario.steps.length).toBeLessThan(1.1 * (bytes(small) / small.scenario.steps.length));
    const s = parseScenario(JSON.parse(scenarioText(big.scenario)));
    expect(runScenario(s, c, { previews: 0 }).output.passed).toBe(true);
  });

  it("the model's limits are import errors: too many devices", () => {
    const lines = [E.export(1)];
    for (let i = 0; i < 4096; i++) lines.push(E.attach(1, (i + 1).toString(16), `d${i}`));
    const e = failure(lines.join("\n"));
    expect(e).toMatchObject({ line: 4097, reason: "more than 4096 devices (exporter names and dev_names)" });
  });
});
