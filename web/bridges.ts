/**
 * The explorer's bridges to a running kernel (docs/kernel.md): a bufinfo panel that
 * shows the state after the selected step as /sys/kernel/debug/dma_buf/bufinfo prints
 * it, with a copy button, and a box that turns a pasted ftrace capture of the dma_buf
 * events into a scenario in the editor. app.ts mounts it and tells it the step's state.
 */
import { bufinfoEntriesOfState, formatBufinfo, importTrace, scenarioText, TraceImportError } from "../ts/index.js";
import type { ModelState } from "../ts/model/state.js";

/** What the box needs of the editor (web/editor.ts). */
interface TextSink {
  setText(s: string): void;
}

/** The panel and the box, once mounted. */
let panel: { text: HTMLPreElement } | undefined;

function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...kids: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

/** The paste box: a trace in, the scenario into `editor` (then `run` is clicked), or the bad line. */
function importBox(editor: TextSink, run: HTMLElement): HTMLElement {
  const input = make("textarea", {
    id: "trace-input",
    spellcheck: false,
    rows: 6,
    placeholder: "Paste ftrace text of the dma_buf events here (trace, trace_pipe or trace-cmd report)",
  });
  input.setAttribute("aria-label", "ftrace capture");
  Object.assign(input.style, { width: "100%", boxSizing: "border-box", fontFamily: "ui-monospace, Menlo, monospace", fontSize: "12px" });
  const note = make("p", { id: "trace-status", className: "none" });
  note.setAttribute("role", "status");
  const go = make("button", { id: "trace-import", type: "button" }, "Import trace → scenario");
  go.addEventListener("click", () => {
    try {
      const { scenario, stats } = importTrace(input.value, { name: "pasted-trace" });
      editor.setText(scenarioText(scenario));
      const events = Object.values(stats.events).reduce((a, b) => a + b, 0);
      const other = Object.values(stats.other).reduce((a, b) => a + b, 0);
      note.className = "ok";
      note.textContent = `${events} dma_buf events → ${scenario.steps.length} steps; skipped ${stats.comments} comment or blank lines and ${other} other events.`;
      run.click();
    } catch (e) {
      if (!(e instanceof TraceImportError)) throw e;
      note.className = "bad";
      note.textContent = `Not imported: ${e.message}`;
    }
  });
  const summary = make("summary", {}, "Import an ftrace capture");
  return make("details", { id: "trace-box" }, summary, input, make("div", {}, go), note);
}

/** Adds the bufinfo panel to the results (before the Steps table) and the paste box under the editor. */
export function mountBridges(editor: TextSink, run: HTMLElement): void {
  const text = make("pre", { id: "bufinfo-output" });
  text.setAttribute("aria-label", "bufinfo");
  const copy = make("button", { id: "bufinfo-copy", type: "button" }, "Copy");
  copy.addEventListener("click", () => void navigator.clipboard?.writeText(text.textContent ?? ""));
  const heading = make("h2", {}, "bufinfo ", make("span", { className: "hint" }, "(/sys/kernel/debug/dma_buf/bufinfo after this step) "), copy);
  const steps = document.getElementById("steps");
  const before = steps?.previousElementSibling ?? null;
  const parent = before?.parentElement ?? document.getElementById("results")!;
  parent.insertBefore(heading, before);
  parent.insertBefore(text, before);
  (document.getElementById("editor-body") ?? document.getElementById("editor-pane"))!.append(importBox(editor, run));
  panel = { text };
}

/** Shows the bufinfo text of the selected step's state (undefined: the scenario is too long for per-step state). */
export function showBufinfo(state: ModelState | undefined): void {
  if (!panel) return;
  panel.text.textContent = state
    ? formatBufinfo(bufinfoEntriesOfState(state))
    : "Too many steps for per-step state: dmabuf-map run --bufinfo-at N FILE prints it.";
}
