/**
 * What keeps the explorer responsive whatever a link or a scenario holds
 * (docs/web.md#the-explorer):
 * - a link's text inflates to at most LINK_TEXT_MAX characters (well under the CLI's
 *   256 MiB): a deflate bomb stops there, and a notice that stays visible says why;
 * - runs happen in a Web Worker (web/run-worker.ts) with a time budget of RUN_BUDGET_MS
 *   and a Cancel button: past either the worker is terminated and the page says so;
 * - maps whose entries add up to more than ENTRIES_MAX are summarised, not drawn (each mapping draws at most its first 2,048 entries anyway).
 */
import type { ProfileName, RunOutput, StepRecord } from "../ts/index.js";
import type { StepDetail } from "../ts/scenario/runner.js";

/** Most characters a link's text inflates to (4 MiB; the shipped scenarios are a few KB). */
export const LINK_TEXT_MAX = 4 << 20;
/** A run's time budget in the page (20 s); the CLI has none. */
export const RUN_BUDGET_MS = 20_000;
/** Most map entries (all maps of a run together) the page keeps and draws; past it, a summary. */
export const ENTRIES_MAX = 20_000;

export interface RunRequest {
  text: string;
  stateMax: number;
  entriesMax: number;
  /** The rule profile picked over the scenario's; absent keeps the scenario's (docs/rules.md#profiles). */
  profile?: ProfileName;
}
/** The run under every profile (web/run-worker.ts): the steps whose outcomes differ, with the rows that decide them. */
export interface CompareView {
  /** Every profile, in PROFILE_NAMES order; `outcomes` and `values` follow it. */
  profiles: ProfileName[];
  /** The scenario's steps. */
  total: number;
  steps: {
    i: number;
    op: string;
    subject: string;
    outcomes: string[];
    rows: { key: string; row: number; rule: string; source: string; values: string[] }[];
    /** No row reaches this op: the earlier differing step it follows from. */
    follows?: number;
  }[];
}
export type RunReply =
  | { ok: true; output: RunOutput; full: StepRecord[]; details: StepDetail[]; entries: number; drawn: boolean; compare: CompareView | undefined }
  | { ok: false; message: string };
/** A run's outcome in the page: the worker's reply, or stopped (the budget ran out, or Cancel). */
export type RunOutcome = RunReply | { ok: false; stopped: true; message: string };

/** The link's deflated text, inflated up to LINK_TEXT_MAX characters; past it (or if it is no deflate data) an Error saying which. */
export async function unpackCapped(b64: string, max = LINK_TEXT_MAX): Promise<string> {
  const bytes = Uint8Array.from(atob(b64.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const reader = new Blob([bytes])
    .stream()
    .pipeThrough(new DecompressionStream("deflate-raw"))
    .pipeThrough(new TextDecoderStream("utf-8", { fatal: true }))
    .getReader();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += value;
    if (text.length > max) {
      await reader.cancel();
      throw new Error(`the link's text inflates past ${max / 1048576} MiB (the page's limit)`);
    }
  }
}

/** A notice that stays until the user closes it (a run's status line does not overwrite it). */
export function showNotice(text: string): void {
  let box = document.getElementById("notice");
  if (!box) {
    box = document.createElement("p");
    box.id = "notice";
    box.setAttribute("role", "alert");
    box.className = "bad";
    document.querySelector("header")!.after(box);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "×";
  close.title = "Dismiss";
  close.addEventListener("click", () => box!.remove());
  box.replaceChildren(text, " ", close);
}

let worker: Worker | undefined;
let finish: ((o: RunOutcome) => void) | undefined;
/** A worker whose run ended normally, kept for the next run (starting one compiles the core again). */
let idle: Worker | undefined;

/** The Cancel button next to Run, shown while a run is under way. */
function cancelButton(): HTMLButtonElement {
  let b = document.getElementById("cancel") as HTMLButtonElement | null;
  if (!b) {
    b = document.createElement("button");
    b.id = "cancel";
    b.type = "button";
    b.textContent = "Cancel";
    b.hidden = true;
    b.addEventListener("click", () => stop("cancelled"));
    document.getElementById("run")!.after(b);
  }
  return b;
}

/** Ends the run under way (terminating its worker) with a stopped outcome. */
export function stop(why: string): void {
  if (!finish) return;
  worker?.terminate();
  worker = undefined;
  const f = finish;
  finish = undefined;
  cancelButton().hidden = true;
  f({ ok: false, stopped: true, message: why });
}

/** Runs `text` in a worker (the idle one, or a new one); resolves with its reply, or stopped at the budget or on Cancel. A run under way is stopped first. */
export function runInWorker(text: string, stateMax: number, profile?: ProfileName, budget = RUN_BUDGET_MS): Promise<RunOutcome> {
  stop("replaced by a new run");
  const button = cancelButton();
  return new Promise((resolve) => {
    const w = idle ?? new Worker("/dist/web/run-worker.js", { type: "module" });
    idle = undefined;
    worker = w;
    const timer = setTimeout(() => stop(`stopped after ${budget / 1000} s (the page's time budget): run it with dmabuf-map run FILE`), budget);
    finish = (o) => {
      clearTimeout(timer);
      resolve(o);
    };
    w.onmessage = (e: MessageEvent<RunReply>) => {
      if (worker !== w) return;
      worker = undefined;
      idle = w;
      button.hidden = true;
      const f = finish!;
      finish = undefined;
      f(e.data);
    };
    w.onerror = (e) => {
      e.preventDefault();
      if (worker === w) stop(`the run failed: ${e.message}`);
    };
    button.hidden = false;
    w.postMessage({ text, stateMax, entriesMax: ENTRIES_MAX, ...(profile ? { profile } : {}) } satisfies RunRequest);
  });
}
