/**
 * Reading ftrace text: the line prefix `trace` and `trace_pipe` print before every
 * event, and the fields of the `dma_buf` events as their TP_printk formats print them.
 * Facts only, from torvalds/linux (docs/kernel.md#import-trace):
 *
 * - kernel/trace/trace_output.c, `trace_print_context()`: the task name right-aligned
 *   in 16 columns, `-`, the pid left-aligned in 7, a space; with the `record-tgid`
 *   option `(tgid) ` (7 columns, or `(-------) `); `[cpu] ` (3 digits); with the
 *   `irq-info` option (on by default) the latency flags of `trace_print_lat_fmt()`
 *   (irqs-off, need-resched, hardirq/softirq, preempt depth, and in newer kernels
 *   migrate-disable: 4 or 5 characters); then ` secs.usecs` (`%5lu.%06lu`, or
 *   `%12llu` for a clock that does not count nanoseconds) and `: `. The event's output
 *   then starts with its name and `: `. `trace-cmd report` prints the same fields,
 *   with more spaces; both parse.
 * - include/trace/events/dma_buf.h (torvalds/linux at 3f0e3af4688d): three event
 *   classes. `dma_buf` (dma_buf_export, dma_buf_mmap_internal, dma_buf_mmap,
 *   dma_buf_put): `exp_name=%s size=%zu ino=%lu`. `dma_buf_fd` (dma_buf_fd,
 *   dma_buf_get): the same and ` fd=%d`. `dma_buf_attach_dev` (dma_buf_dynamic_attach,
 *   dma_buf_detach): the same and ` attachment:%p is_dynamic=%d dev_name=%s`. The `%p`
 *   prints the pointer raw, or hashed with the `hash-ptr` trace option: hex digits
 *   either way, compared as text.
 */

/** The `dma_buf` events of include/trace/events/dma_buf.h, by name. */
export const DMA_BUF_EVENTS = [
  "dma_buf_export",
  "dma_buf_fd",
  "dma_buf_get",
  "dma_buf_put",
  "dma_buf_mmap_internal",
  "dma_buf_mmap",
  "dma_buf_dynamic_attach",
  "dma_buf_detach",
] as const;
/** The name of one of the `dma_buf` events. */
export type DmaBufEvent = (typeof DMA_BUF_EVENTS)[number];

/** The three event classes of include/trace/events/dma_buf.h (DECLARE_EVENT_CLASS), by the fields they print. */
export type EventClass = "dma_buf" | "dma_buf_fd" | "dma_buf_attach_dev";

/** The fields every dma_buf event prints; `fd` for the dma_buf_fd class, the rest for dma_buf_attach_dev. */
export interface EventFields {
  expName: string;
  size: bigint;
  ino: bigint;
  fd?: number;
  attachment?: string;
  isDynamic?: boolean;
  devName?: string;
}

/** The three TP_printk formats as patterns; each parses to EventFields. */
const CLASSES: Record<EventClass, RegExp> = {
  /** DECLARE_EVENT_CLASS(dma_buf): "exp_name=%s size=%zu ino=%lu" */
  dma_buf: /^exp_name=(.{0,256}?) size=(\d{1,20}) ino=(\d{1,20})$/,
  /** DECLARE_EVENT_CLASS(dma_buf_fd): "exp_name=%s size=%zu ino=%lu fd=%d" */
  dma_buf_fd: /^exp_name=(.{0,256}?) size=(\d{1,20}) ino=(\d{1,20}) fd=(-?\d{1,10})$/,
  /** DECLARE_EVENT_CLASS(dma_buf_attach_dev): "... ino=%lu attachment:%p is_dynamic=%d dev_name=%s" */
  dma_buf_attach_dev: /^exp_name=(.{0,256}?) size=(\d{1,20}) ino=(\d{1,20}) attachment:(\S+) is_dynamic=(-?\d{1,10}) dev_name=(.*)$/,
};

/** Which class each event belongs to (its DEFINE_EVENT line). */
export const EVENT_CLASS: Record<DmaBufEvent, EventClass> = {
  dma_buf_export: "dma_buf",
  dma_buf_mmap_internal: "dma_buf",
  dma_buf_mmap: "dma_buf",
  dma_buf_put: "dma_buf",
  dma_buf_fd: "dma_buf_fd",
  dma_buf_get: "dma_buf_fd",
  dma_buf_dynamic_attach: "dma_buf_attach_dev",
  dma_buf_detach: "dma_buf_attach_dev",
};

/** What one line of ftrace text is. */
export type TraceLine =
  | { kind: "blank" }
  | { kind: "comment" }
  | { kind: "lost"; cpu: number; count: number }
  | { kind: "other"; event: string }
  | { kind: "event"; event: DmaBufEvent; fields: EventFields };

/** A line that is not ftrace text, or a dma_buf event whose fields do not follow its format. */
export class MalformedLine extends Error {
  override name = "MalformedLine";
}

/**
 * The longest line read; past it a line is malformed. A real line is under 800
 * characters (the prefix, the event name, and names of at most 256); the bound keeps
 * the work per line bounded whatever the input.
 */
export const MAX_LINE = 1024;

// task-pid, optional (tgid), [cpu], optional irq-info flags, timestamp, ": ", the rest
const PREFIX =
  /^\s{0,64}(.{1,64})-(\d{1,10})\s+(?:\(\s*(?:\d{1,10}|-+)\)\s+)?\[(\d{1,5})\]\s+(?:[A-Za-z.]{3}[0-9a-fA-F.]{1,2}\s+)?(\d{1,20}(?:\.\d{1,9})?):\s(.*)$/;
const EVENT = /^([A-Za-z_][A-Za-z0-9_]*):\s*(.*)$/;
// ring_buffer overruns: "CPU:%d [LOST %lu EVENTS]" (kernel/trace/trace.c)
const LOST = /^CPU:(\d{1,5}) \[LOST (\d{1,20}) EVENTS\]$/;
const POINTER = /^(?:0x)?([0-9a-fA-F]{1,16})$/;

const isDmaBufEvent = (s: string): s is DmaBufEvent => Object.hasOwn(EVENT_CLASS, s);

/** Parses one line (without its newline). Throws MalformedLine naming what is wrong. */
export function parseTraceLine(line: string): TraceLine {
  if (line.length > MAX_LINE) throw new MalformedLine(`line longer than ${MAX_LINE} characters`);
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (/^\s*$/.test(text)) return { kind: "blank" };
  if (/^\s*#/.test(text) || /^cpus=\d{1,5}$/.test(text)) return { kind: "comment" }; // trace-cmd report starts with cpus=N
  const lost = LOST.exec(text);
  if (lost) return { kind: "lost", cpu: Number(lost[1]), count: Number(lost[2]) };
  const m = PREFIX.exec(text);
  if (!m) throw new MalformedLine("not an ftrace line (expected `task-pid [cpu] flags timestamp: event: fields`)");
  const ev = EVENT.exec(m[5]!);
  if (!ev) return { kind: "other", event: "(no event name)" };
  const event = ev[1]!;
  if (!isDmaBufEvent(event)) return { kind: "other", event };
  return { kind: "event", event, fields: parseFields(event, ev[2]!) };
}

/** The fields of a dma_buf event, checked against its class's format. */
function parseFields(event: DmaBufEvent, text: string): EventFields {
  const cls = EVENT_CLASS[event];
  const m = CLASSES[cls].exec(text);
  if (!m) throw new MalformedLine(`${event}: fields do not follow its format (${formatOf(cls)})`);
  const f: EventFields = { expName: m[1]!, size: BigInt(m[2]!), ino: BigInt(m[3]!) };
  if (f.size > 0xffff_ffff_ffff_ffffn || f.ino > 0xffff_ffff_ffff_ffffn) throw new MalformedLine(`${event}: size or ino above 2^64 - 1`);
  if (cls === "dma_buf_fd") f.fd = Number(m[4]!);
  if (cls === "dma_buf_attach_dev") {
    const p = POINTER.exec(m[4]!);
    if (!p) throw new MalformedLine(`${event}: attachment:${m[4]} is not a pointer in hex`);
    if (m[5] !== "0" && m[5] !== "1") throw new MalformedLine(`${event}: is_dynamic=${m[5]} is not 0 or 1`);
    f.attachment = p[1]!.toLowerCase().padStart(16, "0");
    f.isDynamic = m[5] === "1";
    f.devName = m[6]!;
  }
  return f;
}

/** The TP_printk format of a class, as the error messages quote it. */
export function formatOf(cls: EventClass): string {
  const base = "exp_name=%s size=%zu ino=%lu";
  return cls === "dma_buf" ? base : cls === "dma_buf_fd" ? `${base} fd=%d` : `${base} attachment:%p is_dynamic=%d dev_name=%s`;
}
