/**
 * A scenario from an ftrace capture of the `dma_buf` events (DESIGN section 11,
 * docs/kernel.md#import-trace): one device per exporter name and per importer
 * `dev_name`; export, attach, detach and close steps in trace order; buffers joined by
 * `ino`, attachments by their pointer. What the trace cannot tell gets a documented
 * default, written in the scenario's `description`.
 *
 * Reference counting (the file's count, as `dma_buf_debug_show` prints it): a buffer
 * holds one reference from its export (or from its first event, for a buffer exported
 * before the capture began); each `dma_buf_get` adds one, each `dma_buf_put` drops
 * one; `dma_buf_fd` installs the export's reference in an fd and adds none. A buffer
 * is closed after its last event when that event is a put that leaves no reference
 * the trace shows, and no attachment is left. A trace misses references (an fd closed
 * by close(2), `get_dma_buf()`, a VMA's file) so the count is what the trace shows,
 * not the machine's.
 *
 * One pass over the text, O(1) work per line (lines are at most MAX_LINE long) and per
 * step; memory is the steps, one record per buffer seen and one per live attachment.
 * The input (256 MiB in the CLI) and the scenario limits (LIMITS: steps, devices, name
 * length) bound it.
 */
import { hex, PAGE } from "../core/u64.js";
import { LIMITS } from "../scenario/fields.js";
import { DMA_BUF_EVENTS, MalformedLine, parseTraceLine, type DmaBufEvent, type EventFields, type TraceLine } from "./ftrace.js";

/** A step of the imported scenario, as JSON (u64 values as "0x…" strings). */
export type ImportedStep =
  | { op: "export"; buffer: string; exporter: string; size: string; backing: { kind: "system"; ranges: { addr: string; len: string }[] } }
  | { op: "attach"; buffer: string; importer: string; as: string; dynamic?: true }
  | { op: "detach"; attachment: string }
  | { op: "close"; buffer: string };

/** The imported scenario, ready for JSON.stringify or parseScenario. */
export interface ImportedScenario {
  name: string;
  description: string;
  devices: Record<string, Record<string, never>>;
  steps: ImportedStep[];
}

/** What import skipped and counted. */
export interface ImportStats {
  /** Lines read. */
  lines: number;
  /** dma_buf events read, by name. */
  events: Record<DmaBufEvent, number>;
  /** Comment lines (`#` …) and blank lines. */
  comments: number;
  /** Other events (and tracer lines without an event name), by name. */
  other: Record<string, number>;
  /** Events the ring buffer lost (`CPU:N [LOST M EVENTS]` lines), summed. */
  lost: number;
  /** Loop iterations of the import: lines, steps and closes (linear in the input). */
  work: number;
  /** Most attachments alive at once (the importer holds those, and one small record per buffer seen). */
  peakAttached: number;
}

/** What importTrace returns: the scenario, its JSON text and the counts. */
export interface TraceImport {
  scenario: ImportedScenario;
  stats: ImportStats;
}

/** The trace cannot be imported: a malformed line, or one that contradicts the lines before it. */
export class TraceImportError extends Error {
  override name = "TraceImportError";
  constructor(
    /** 1-based line number; 0 when the problem is the whole trace (no dma_buf event). */
    readonly line: number,
    readonly reason: string,
  ) {
    super(line ? `line ${line}: ${reason}` : reason);
  }
}

/** A line the importer refuses: it contradicts the lines before it, or passes a limit of the scenario format. */
class Refused extends Error {}

/** Options of importTrace. */
export interface ImportOptions {
  /** The scenario's name (default "imported-trace"). */
  name?: string;
}

/** The first synthetic backing address (4 GiB): buffers are laid out from it in the order they are first seen. */
export const SYNTHETIC_BASE = 0x1_0000_0000n;
const U64_TOP = 1n << 64n;
const MAX_NOTES = 20;

interface Buf {
  name: string;
  size: bigint;
  expName: string;
  refs: number;
  attached: number;
  /** The buffer's last event was a put; `closeAt` is the number of steps before it. */
  lastWasPut: boolean;
  closeAt: number;
  /** Global order of that put (orders closes at the same place). */
  putSeq: number;
  /** Exported before the capture began (its export step is in the prologue). */
  early: boolean;
}

interface Att {
  name: string;
  buf: Buf;
  devName: string;
}

/** The importer's state while it reads one trace. */
class Importer {
  readonly steps: ImportedStep[] = [];
  /** Exports (with their ino) and attaches of objects that existed before the capture began. */
  readonly prologue: { ino: bigint; step: ImportedStep }[] = [];
  readonly devices = new Map<string, Record<string, never>>();
  readonly buffers = new Map<bigint, Buf>();
  readonly attachments = new Map<string, Att>();
  readonly pointerUses = new Map<string, number>();
  readonly notes: string[] = [];
  notesLeftOff = 0;
  nextAddr = SYNTHETIC_BASE;
  puts = 0;
  attachedNow = 0;
  total = 0;
  readonly stats: ImportStats = {
    lines: 0,
    events: Object.fromEntries(DMA_BUF_EVENTS.map((e) => [e, 0])) as Record<DmaBufEvent, number>,
    comments: 0,
    other: Object.create(null) as Record<string, number>,
    lost: 0,
    work: 0,
    peakAttached: 0,
  };

  note(s: string): void {
    if (this.notes.length < MAX_NOTES) this.notes.push(s);
    else this.notesLeftOff++;
  }

  device(name: string, what: string): string {
    if (name === "") throw new Refused(`${what} is empty`);
    if (name.length > LIMITS.nameLength) throw new Refused(`${what} is longer than ${LIMITS.nameLength} characters`);
    if (!this.devices.has(name)) {
      if (this.devices.size >= LIMITS.devices) throw new Refused(`more than ${LIMITS.devices} devices (exporter names and dev_names)`);
      this.devices.set(name, {});
    }
    return name;
  }

  /** Counts one more step of the scenario, within LIMITS.steps. */
  count(): void {
    if (++this.total > LIMITS.steps) throw new Refused(`the scenario would have more than ${LIMITS.steps} steps`);
    this.stats.work++;
  }

  push(to: ImportedStep[], st: ImportedStep): void {
    this.count();
    to.push(st);
  }

  /** The export step of a buffer: system backing of its size (rounded up to a page) at the next synthetic address. */
  exportStep(name: string, exporter: string, size: bigint): ImportedStep {
    const len = size === 0n ? PAGE : ((size + PAGE - 1n) / PAGE) * PAGE;
    if (len >= U64_TOP) throw new Refused(`size ${size} does not fit the model (above 2^64 - 4096)`);
    if (len !== size) this.note(`${name}: size ${size} is not a multiple of 4096; the model's buffer has ${len}`);
    if (this.nextAddr + len > U64_TOP) this.nextAddr = this.nextAddr === SYNTHETIC_BASE ? 0n : SYNTHETIC_BASE;
    if (this.nextAddr + len > U64_TOP) this.nextAddr = 0n;
    const addr = this.nextAddr;
    this.nextAddr += len;
    return { op: "export", buffer: name, exporter, size: hex(len), backing: { kind: "system", ranges: [{ addr: hex(addr), len: hex(len) }] } };
  }

  /** The buffer an event names: known, or (for any event but export) one exported before the capture began. */
  buffer(ev: DmaBufEvent, f: EventFields): Buf {
    const known = this.buffers.get(f.ino);
    if (known) {
      if (ev === "dma_buf_export") throw new Refused(`ino ${f.ino} is exported a second time (inode numbers are unique)`);
      if (known.size !== f.size || known.expName !== f.expName)
        throw new Refused(`ino ${f.ino} was exp_name=${known.expName} size=${known.size}, now exp_name=${f.expName} size=${f.size}`);
      return known;
    }
    const b: Buf = {
      name: `ino${f.ino}`,
      size: f.size,
      expName: this.device(f.expName, "exp_name"),
      refs: 1,
      attached: 0,
      lastWasPut: false,
      closeAt: 0,
      putSeq: 0,
      early: ev !== "dma_buf_export",
    };
    const st = this.exportStep(b.name, b.expName, f.size);
    if (!b.early) this.push(this.steps, st);
    else {
      this.early(f.ino, st);
      this.note(`${b.name} was exported before the capture began: exported at the start`);
    }
    this.buffers.set(f.ino, b);
    return b;
  }

  attachedBy(n: number): void {
    this.attachedNow += n;
    if (this.attachedNow > this.stats.peakAttached) this.stats.peakAttached = this.attachedNow;
  }

  /** A fresh attachment name for a pointer (pointers are reused once freed). */
  attachmentName(ptr: string): string {
    const n = (this.pointerUses.get(ptr) ?? 0) + 1;
    this.pointerUses.set(ptr, n);
    return n === 1 ? `att-${ptr}` : `att-${ptr}-${n}`;
  }

  /** A step of the prologue: exports go first, by ino (the kernel numbers inodes in export order), then attaches (ino -1). */
  early(ino: bigint, st: ImportedStep): void {
    this.count();
    this.prologue.push({ ino, step: st });
  }

  /** Attaches `f`'s attachment to `b` with a step in `to` (null: the prologue). */
  attach(b: Buf, f: EventFields, to: ImportedStep[] | null): Att {
    const a: Att = { name: this.attachmentName(f.attachment!), buf: b, devName: this.device(f.devName!, "dev_name") };
    const st: ImportedStep = { op: "attach", buffer: b.name, importer: a.devName, as: a.name, ...(f.isDynamic ? { dynamic: true as const } : {}) };
    if (to) this.push(to, st);
    else this.early(-1n, st);
    this.attachments.set(f.attachment!, a);
    b.attached++;
    this.attachedBy(1);
    return a;
  }

  event(ev: DmaBufEvent, f: EventFields): void {
    const b = this.buffer(ev, f);
    b.lastWasPut = false;
    if (ev === "dma_buf_get") b.refs++;
    else if (ev === "dma_buf_put") {
      b.refs--;
      b.lastWasPut = true;
      b.closeAt = this.steps.length;
      b.putSeq = this.puts++;
    } else if (ev === "dma_buf_dynamic_attach") {
      if (this.attachments.has(f.attachment!)) throw new Refused(`attachment ${f.attachment} is attached again before its detach`);
      this.attach(b, f, this.steps);
    } else if (ev === "dma_buf_detach") this.detach(b, f);
  }

  detach(b: Buf, f: EventFields): void {
    let a = this.attachments.get(f.attachment!);
    if (!a) {
      // attached before the capture began, or its event was lost
      a = this.attach(b, f, b.early ? null : this.steps);
      this.note(`${a.name} (${a.devName} on ${b.name}) has no attach event: ${b.early ? "attached at the start" : "attached just before its detach"}`);
    }
    if (a.buf !== b || a.devName !== f.devName) throw new Refused(`attachment ${f.attachment} is ${a.devName} on ${a.buf.name}, not ${f.devName} on ${b.name}`);
    this.push(this.steps, { op: "detach", attachment: a.name });
    this.attachments.delete(f.attachment!);
    b.attached--;
    this.attachedBy(-1);
  }

  /** Reads one line; errors name the line. */
  line(text: string, n: number): void {
    this.stats.lines++;
    this.stats.work++;
    let l: TraceLine;
    try {
      l = parseTraceLine(text);
      if (l.kind === "event") {
        this.stats.events[l.event]++;
        this.event(l.event, l.fields);
      }
    } catch (e) {
      if (e instanceof MalformedLine) throw new TraceImportError(n, `malformed: ${e.message}`);
      if (e instanceof Refused)
        throw new TraceImportError(n, e.message + (this.stats.lost ? ` (the trace lost ${this.stats.lost} events before this line)` : ""));
      throw e;
    }
    if (l.kind === "blank" || l.kind === "comment") this.stats.comments++;
    else if (l.kind === "lost") this.stats.lost += l.count;
    else if (l.kind === "other") this.stats.other[l.event] = (this.stats.other[l.event] ?? 0) + 1;
  }

  /** The steps in order: the prologue, then the trace's, each close after its buffer's last put. */
  finish(): ImportedStep[] {
    const closes = new Map<number, Buf[]>();
    for (const b of this.buffers.values()) {
      this.stats.work++;
      if (!b.lastWasPut || b.refs > 0) continue;
      if (b.attached) {
        this.note(`${b.name}: its last put leaves no reference the trace shows, but ${b.attached} attachment(s) were never detached: not closed`);
        continue;
      }
      if (b.refs < 0) this.note(`${b.name}: the trace shows ${-b.refs} more put(s) than references (get_dma_buf() is not traced)`);
      const at = closes.get(b.closeAt);
      if (at) at.push(b);
      else closes.set(b.closeAt, [b]);
    }
    // exports before attaches, exports by ino: a stable sort of the few objects from before the capture
    const out = this.prologue
      .sort((x, y) => (x.ino < 0n || y.ino < 0n ? Number(x.ino < 0n) - Number(y.ino < 0n) : x.ino < y.ino ? -1 : x.ino > y.ino ? 1 : 0))
      .map((p) => p.step);
    const closeAt = (i: number) => {
      for (const b of (closes.get(i) ?? []).sort((x, y) => x.putSeq - y.putSeq)) this.push(out, { op: "close", buffer: b.name });
    };
    for (let i = 0; i < this.steps.length; i++) {
      closeAt(i);
      out.push(this.steps[i]!);
      this.stats.work++;
    }
    closeAt(this.steps.length);
    return out;
  }
}

/** The description of an imported scenario: what was read, every default, and the notes. */
function describeImport(imp: Importer): string {
  const { stats } = imp;
  const events = DMA_BUF_EVENTS.filter((e) => stats.events[e]).map((e) => `${e} ${stats.events[e]}`);
  const others = Object.values(stats.other).reduce((a, b) => a + b, 0);
  const notes = imp.notes.length ? ` Notes: ${imp.notes.join("; ")}${imp.notesLeftOff ? `; and ${imp.notesLeftOff} more` : ""}.` : "";
  return (
    `Imported by dmabuf-map import-trace from ${stats.lines} lines of ftrace text: ${events.length ? events.join(", ") : "no dma_buf events"}` +
    `; skipped ${stats.comments} comment or blank lines and ${others} other events` +
    (stats.lost ? `; the ring buffer lost ${stats.lost} events` : "") +
    ". Defaults for what a trace cannot tell: every buffer is backed by system memory of its traced size (rounded up to 4096 bytes)" +
    ` at a synthetic address, laid out from ${hex(SYNTHETIC_BASE)} in the order buffers are first seen; exporters are not dynamic and offer sgt only;` +
    " devices are not on PCI, have no IOMMU and the default DMA limits; attachments are static unless is_dynamic=1, ask for sgt and allow no peer2peer;" +
    " there are no map, unmap, pin, unpin, move or revoke steps (mainline has no tracepoints for them)." +
    " Buffers are named ino<N> after the trace's inode number, attachments att-<pointer> (-<k> when a freed pointer is reused)." +
    " References: an export (or a buffer's first event, if it was exported before the capture) holds one, dma_buf_get adds one, dma_buf_put drops one," +
    " dma_buf_fd and the mmap events none; a buffer is closed after its last event when that is a put that leaves no reference and no attachment." +
    notes
  );
}

/**
 * Imports ftrace text (the `trace` or `trace_pipe` file, or `trace-cmd report`) of the
 * `dma_buf` events into a scenario that validates and runs. Comment and blank lines,
 * other events and lost-event markers are counted in `stats` and skipped; a malformed
 * line, or one that contradicts the lines before it, is a TraceImportError with its
 * line number. Linear in the text's length.
 */
export function importTrace(text: string, opts: ImportOptions = {}): TraceImport {
  const imp = new Importer();
  let n = 0;
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    imp.line(text.slice(at, end), ++n);
    at = end + 1;
  }
  let steps: ImportedStep[];
  try {
    steps = imp.finish();
  } catch (e) {
    if (e instanceof Refused) throw new TraceImportError(0, e.message);
    throw e;
  }
  if (!steps.length)
    throw new TraceImportError(0, "no dma_buf event in the trace (record with: trace-cmd record -e dma_buf, or echo 1 > events/dma_buf/enable)");
  const scenario: ImportedScenario = { name: opts.name ?? "imported-trace", description: describeImport(imp), devices: Object.fromEntries(imp.devices), steps };
  return { scenario, stats: imp.stats };
}

/** The scenario as JSON text: two-space indentation, one device and one step per line. */
export function scenarioText(s: ImportedScenario): string {
  const devices = Object.keys(s.devices).map((d) => `    ${JSON.stringify(d)}: {}`);
  const steps = s.steps.map((st) => `    ${JSON.stringify(st)}`);
  return `{\n  "name": ${JSON.stringify(s.name)},\n  "description": ${JSON.stringify(s.description)},\n  "devices": {\n${devices.join(",\n")}\n  },\n  "steps": [\n${steps.join(",\n")}\n  ]\n}\n`;
}
