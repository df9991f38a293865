/**
 * The model's state as the kernel prints it in `/sys/kernel/debug/dma_buf/bufinfo`:
 * `dma_buf_debug_show()` of drivers/dma-buf/dma-buf.c (torvalds/linux at 0148b24eab41;
 * older kernels had no `name` column and printed an empty name). Only facts about the
 * format are used here; the layout, byte for byte (docs/kernel.md#bufinfo-byte-for-byte):
 *
 * - a blank line, `Dma-buf Objects:`, and the column header, each name left-justified
 *   in 8 columns and separated by tabs (`size flags mode count exp_name ino name`);
 * - per buffer, newest export first (the kernel adds to the head of `db_list`): size
 *   in decimal zero-padded to 8, `f_flags` and `f_mode` in hex zero-padded to 8, the
 *   file's reference count zero-padded to 8, exp_name, the inode number zero-padded to
 *   8, and the name or `<none>`, tab separated; the fences of its reservation object
 *   (`dma_resv_describe`; the model has none, so no line); a tab and
 *   `Attached Devices:`; one tab-indented `dev_name` per attachment, newest first
 *   (`dma_buf_dynamic_attach` adds at the head); `Total N devices attached` and a
 *   blank line;
 * - a blank line and `Total N objects, S bytes` (S summed in a size_t: modulo 2^64).
 *
 * What the model does not have is chosen, and documented in docs/kernel.md#what-the-model-chooses:
 * flags `O_RDWR` (what dma-heaps, DRM PRIME and vfio-pci exporters pass), mode
 * `FMODE_READ | FMODE_WRITE | FMODE_OPENED` (what `alloc_file_pseudo` gives an
 * `O_RDWR` file whose fops have no read or write), count 1 + attachments (the
 * exporter's reference plus the `dma_buf_get` reference each importer holds while it
 * is attached, the sequence of the "dma buf device access" DOC), exp_name the exporter
 * device's name, ino the export order from 1 (`dma_buf_getfile` numbers inodes with
 * a counter from 1), name the scenario's buffer name.
 */
import { U64_MAX } from "../core/u64.js";
import type { Core } from "../core/loader.js";
import type { DmaBufModel } from "../model/model.js";
import type { ModelState } from "../model/state.js";
import type { Scenario } from "../scenario/schema.js";
import { runSteps } from "../scenario/runner.js";
import { escapeControls } from "../scenario/report.js";

/** `O_RDWR`: the `f_flags` every model buffer shows (dma_buf_getfile keeps O_ACCMODE and O_NONBLOCK of the exporter's flags). */
export const BUFINFO_FLAGS = 0x2;
/** `FMODE_READ | FMODE_WRITE | FMODE_OPENED` (0x1 | 0x2 | 0x80000): the `f_mode` every model buffer shows. */
export const BUFINFO_MODE = 0x80003;

/** One line of bufinfo: a live buffer as the kernel would list it. */
export interface BufinfoEntry {
  /** Size in bytes. */
  size: bigint;
  /** `file_count()`: 1 + the number of attachments (see the file comment). */
  count: number;
  /** The exporter device's name. */
  expName: string;
  /** Export order, from 1. */
  ino: number;
  /** The buffer's name in the scenario. */
  name: string;
  /** The attached importers' device names, newest attachment first. */
  devices: string[];
}

/** The live buffers of `model`, newest export first, as bufinfo lists them. */
export function bufinfoEntries(model: DmaBufModel): BufinfoEntry[] {
  const out: BufinfoEntry[] = [];
  let ino = 0;
  for (const b of model.buffers.values()) {
    ino++; // the map holds successful exports only, in export order
    if (b.closed) continue;
    const devices = [...b.eachAttachment()].map((a) => a.importer);
    out.push({ size: b.size, count: 1 + devices.length, expName: b.exporter.name, ino, name: b.name, devices });
  }
  return out.reverse();
}

/**
 * The same rows from a ModelState (`run --state`, the explorer's per-step state): its
 * buffers are in export order and its attachments in attach order, so the rows are the
 * ones bufinfoEntries reads from the live model.
 */
export function bufinfoEntriesOfState(state: ModelState): BufinfoEntry[] {
  const devices = new Map<string, string[]>();
  for (const a of state.attachments) {
    if (a.detached) continue;
    const list = devices.get(a.buffer);
    if (list) list.push(a.importer);
    else devices.set(a.buffer, [a.importer]);
  }
  const out: BufinfoEntry[] = [];
  state.buffers.forEach((b, i) => {
    if (b.closed) return;
    const devs = (devices.get(b.name) ?? []).reverse();
    out.push({ size: BigInt(b.size), count: 1 + devs.length, expName: b.exporter, ino: i + 1, name: b.name, devices: devs });
  });
  return out.reverse();
}

const dec8 = (n: bigint | number) => String(n).padStart(8, "0");
const hex8 = (n: number) => n.toString(16).padStart(8, "0");
const pad8 = (s: string) => s.padEnd(8, " ");

/** The bufinfo text of `entries` (newest first), byte for byte as `dma_buf_debug_show()` prints it. */
export function formatBufinfo(entries: readonly BufinfoEntry[]): string {
  const lines = ["", "Dma-buf Objects:", [pad8("size"), pad8("flags"), pad8("mode"), pad8("count"), "exp_name", pad8("ino"), "name"].join("\t")];
  let total = 0n;
  for (const e of entries) {
    const name = e.name === "" ? "<none>" : escapeControls(e.name);
    lines.push([dec8(e.size), hex8(BUFINFO_FLAGS), hex8(BUFINFO_MODE), dec8(e.count), escapeControls(e.expName), dec8(e.ino), name].join("\t"));
    lines.push("\tAttached Devices:");
    for (const d of e.devices) lines.push(`\t${escapeControls(d)}`);
    lines.push(`Total ${e.devices.length} devices attached`, "");
    total = (total + e.size) & U64_MAX;
  }
  lines.push("", `Total ${entries.length} objects, ${total} bytes`, "");
  return lines.join("\n");
}

/** The model's state now, as `/sys/kernel/debug/dma_buf/bufinfo` text. */
export function bufinfo(model: DmaBufModel): string {
  return formatBufinfo(bufinfoEntries(model));
}

/** What scenarioBufinfo returns: the text, the step it shows the state after, and whether every expectation held. */
export interface BufinfoRun {
  text: string;
  /** The step index the text shows the state after. */
  at: number;
  /** Every step's `expect` held (the whole scenario runs, as `run` does). */
  passed: boolean;
}

/**
 * Runs `scenario` on `core` (every step, as `run` does) and returns the bufinfo text of
 * the state after step `at` (default: the last step). `at` outside the steps is a
 * RangeError.
 */
export function scenarioBufinfo(scenario: Scenario, core: Core, at?: number): BufinfoRun {
  const last = scenario.steps.length - 1;
  if (last < 0 && at === undefined) return { text: formatBufinfo([]), at: -1, passed: true };
  const step = at ?? last;
  if (!Number.isInteger(step) || step < 0 || step > last) throw new RangeError(`bufinfo-at: step ${step} is not a step of the scenario (0 to ${last})`);
  let text = "";
  let passed = true;
  const inspect = (model: DmaBufModel, i: number) => {
    if (i === step) text = bufinfo(model);
  };
  for (const { detail } of runSteps(scenario, core, { inspect })) if (detail.failures.length) passed = false;
  return { text, at: step, passed };
}
