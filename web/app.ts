/**
 * The explorer: pick, edit or paste a scenario, validate and run it, then step through
 * it. At step i the page shows the model's state after that step (what changed since
 * step i − 1 highlighted), each attachment's P2P path through the topology, every
 * mapping on a per-address-space axis whose gaps are compressed (every entry visible),
 * and each IOMMU's used and free IOVA; the compare tab shows the steps whose outcome
 * differs between the rule profiles. The editor knows the scenario schema
 * (web/editor.ts), and the URL names the view both ways (scenario, step, profile, tab).
 * Bundled by esbuild into dist/web/explorer.js.
 */
import {
  parseScenarioText,
  ScenarioError,
  formatPath,
  DEMO_SCENARIO,
  PROFILE_NAMES,
  hex,
  type Scenario,
  type RunOutput,
  type StepRecord,
  type ProfileName,
} from "../ts/index.js";
import { escapeControls } from "../ts/scenario/report.js";
import { locate, type Position } from "../ts/scenario/locate.js";
import { hops as hopsOf } from "../ts/render/topology.js";
import type { ModelState, Pair } from "../ts/model/state.js";
import type { StepDetail } from "../ts/scenario/runner.js";
import { mountBridges, showBufinfo } from "./bridges.js";
import { ENTRIES_MAX, runInWorker, showNotice, unpackCapped, type CompareView } from "./bounds.js";
import { createEditor, type ScenarioEditor } from "./editor.js";
import { mountPictures, showPictures } from "./pictures.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** The scenario editor (web/editor.ts), made in main() once the schema is loaded. */
let editor: ScenarioEditor;
const pick = $<HTMLSelectElement>("pick");
const status = $<HTMLSpanElement>("status");
const slider = $<HTMLInputElement>("timeline");
/** The rule profile picked over the scenario's (docs/rules.md#profiles); "" keeps the scenario's. */
const profilePick = $<HTMLSelectElement>("profile");

const RULES = "/docs/rules.md";
const KERNEL_DOCS = "https://docs.kernel.org/driver-api/dma-buf.html";
const RFC_V2 = "https://lore.kernel.org/all/?q=s%3A%22RFC+v2%22+s%3A%22mapping+dmabufs+via+interconnects%22";

type Kid = Node | string;
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  ...kids: Kid[]
): HTMLElementTagNameMap[K] {
  const { dataset, ...rest } = props;
  const e = Object.assign(document.createElement(tag), rest);
  if (dataset) Object.assign(e.dataset, dataset);
  e.append(...kids);
  return e;
}
/** Text from the scenario, with control characters made visible. */
const t = (s: string) => escapeControls(s);
const link = (href: string, text: string, title = "") => el("a", { href, textContent: text, title, target: "_blank", rel: "noopener" });

/** "1 entry", "2 entries". */
const plural = (n: number, one: string, many: string, show: (n: number) => string = String) => `${show(n)} ${n === 1 ? one : many}`;
const grouped = (n: number) => n.toLocaleString("en-US");

function setStatus(text: string, cls: "" | "ok" | "bad"): void {
  status.textContent = text;
  status.className = cls;
}

// ---- the run being shown ----

interface MappingInfo {
  step: number;
  space: string;
  entries: Pair[];
  interconnect: string;
  container: string;
}
interface View {
  /** the editor's text this run came from */
  text: string;
  scenario: Scenario;
  output: RunOutput;
  /** the same run with --entries --state */
  full: StepRecord[];
  details: StepDetail[];
  mappings: Map<string, MappingInfo>;
  step: number;
  /** the maps' entries, all together: past ENTRIES_MAX they are summarised, not drawn */
  entries: number;
  drawn: boolean;
  /** the run under every profile (undefined past STATE_MAX steps) */
  compare: CompareView | undefined;
}
let view: View | undefined;

/** Past this many steps the page keeps no per-step state (the CLI's `run --json --state` streams it). */
const STATE_MAX = 5000;

const RESULT_IDS = ["summary", "timeline-label", "steps-body", "state", "paths", "topology", "mappings", "iova", "json-output", "bufinfo-output", "compare"];

/**
 * Nothing stale is ever shown: every result area is emptied before anything else, and
 * the empty state says why (`why`: no run yet, the problems, running, stopped).
 */
function clearResults(why = "No run yet: Run ▶ (Ctrl+Enter) runs the scenario in the editor."): void {
  view = undefined;
  for (const id of RESULT_IDS) $(id).replaceChildren();
  $("empty").textContent = why;
  showCompare();
  slider.max = "0";
  slider.value = "0";
  slider.disabled = true;
  document.body.dataset.run = "none";
  $("results").classList.remove("outdated");
}

/** Where each problem is: the reader's own position for a syntax error, else its path's value in the text (as `validate` prints them). */
function positionsOf(e: ScenarioError, text: string): (Position | undefined)[] {
  const syntax = e.issues.map((i) => /at line (\d+), column (\d+)$/.exec(i.message));
  const located = syntax.every((m) => m)
    ? []
    : locate(
        text.replace(/^\uFEFF/, ""),
        e.issues.map((i) => i.path),
      );
  return e.issues.map((_, k) => (syntax[k] ? { line: Number(syntax[k]![1]), column: Number(syntax[k]![2]) } : located[k]));
}

/** The problems under the editor; clicking one (or Enter on it) moves the cursor to where it is. */
function showProblems(err: ScenarioError | undefined, text = ""): void {
  const at = err ? positionsOf(err, text) : [];
  $<HTMLUListElement>("problems").replaceChildren(
    ...(err?.issues ?? []).map((i, k) => {
      const pos = at[k];
      const li = el(
        "li",
        pos ? { tabIndex: 0, title: "Go to it in the editor", dataset: { line: String(pos.line), column: String(pos.column) } } : {},
        el("code", {}, t(formatPath(i.path))),
        t(i.message),
        " ",
        ...(pos ? [el("span", { className: "at" }, `line ${pos.line}, column ${pos.column}`), " "] : []),
        link(`${RULES}#validation`, "rules"),
      );
      if (pos) {
        const go = (e: Event) => !(e.target instanceof HTMLAnchorElement) && editor.goto(pos.line, pos.column);
        li.addEventListener("click", go);
        li.addEventListener("keydown", (e) => e.key === "Enter" && go(e));
      }
      return li;
    }),
  );
}

/** Validates the editor's text; returns the scenario or shows every problem (and clears old results). */
function validate(): Scenario | undefined {
  const text = editor.text();
  if (view && view.text !== text) clearResults("The text was edited since the last run: Run ▶ (Ctrl+Enter) runs it."); // results of other text are stale
  try {
    const s = parseScenarioText(text);
    showProblems(undefined);
    setStatus(`valid: ${plural(s.steps.length, "step", "steps")}`, "ok");
    return s;
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    const n = plural(e.issues.length, "problem", "problems") + (e.more ? ` (and ${e.more} more)` : "");
    clearResults(`No results: the scenario is invalid, ${n} listed under the editor (click one to go to it).`);
    showProblems(e, text);
    setStatus(`invalid: ${n}`, "bad");
    return undefined;
  }
}

/** Runs the editor's text in a worker (web/bounds.ts: time budget, Cancel) and shows it. */
async function run(step?: number): Promise<void> {
  const s = validate();
  if (!s) return;
  clearResults("Running… (Cancel stops it)");
  const text = editor.text();
  setStatus("running…", "");
  document.body.dataset.run = "running";
  const r = await runInWorker(text, STATE_MAX, (profilePick.value || undefined) as ProfileName | undefined);
  if (editor.text() !== text) {
    // edited meanwhile: this run's results would be stale
    if (!view) $("empty").textContent = "The text was edited during the run: Run ▶ (Ctrl+Enter) runs it.";
    return;
  }
  if (!r.ok) {
    setStatus("stopped" in r ? r.message : `run failed: ${t(r.message)}`, "bad");
    $("empty").textContent = `No results: ${"stopped" in r ? r.message : `the run failed: ${t(r.message)}`}`;
    showCompare();
    document.body.dataset.run = "stopped" in r ? "stopped" : "failed";
    return;
  }
  const mappings = new Map<string, MappingInfo>();
  r.full.forEach((rec, i) => {
    if (rec.op === "map" && rec.result && "entries" in rec.result) {
      const res = rec.result;
      mappings.set(r.details[i]!.subject, {
        step: i,
        space: res.space!,
        entries: res.entries as Pair[],
        interconnect: res.interconnect,
        container: res.container,
      });
    }
  });
  view = { text, scenario: s, output: r.output, full: r.full, details: r.details, mappings, step: 0, entries: r.entries, drawn: r.drawn, compare: r.compare };
  $("empty").textContent = "";
  showRun(view);
  showCompare();
  const n = view.full.length;
  select(step === undefined ? n - 1 : Math.max(0, Math.min(n - 1, step)));
  setStatus(r.output.passed ? "ran: every expectation held" : "ran: an expectation failed", r.output.passed ? "ok" : "bad");
  document.body.dataset.run = "done";
}

// ---- static parts of a run ----

function describe(r: NonNullable<StepRecord["result"]>, d: StepDetail): string {
  if ("nelms" in r)
    return `${r.interconnect} → ${r.container}, ${d.space} addresses: ${plural(r.nelms, "entry", "entries")}, ${r.bytes} bytes, ${r.hash}${r.barNumber !== undefined ? `, BAR ${r.barNumber}` : ""}${r.direction ? `, ${r.direction}` : ""}`;
  if ("notified" in r) return `notified [${t(r.notified.join(", "))}]  stale [${t(r.stale.join(", "))}]`;
  if ("direction" in r) return `direction ${r.direction}`;
  return `interconnect ${r.interconnect}, importer ${t(d.importer ?? "")}, path ${d.path ?? "none (system memory)"}`;
}

function showRun(v: View): void {
  const { output } = v;
  $("summary").replaceChildren(
    el("span", { className: output.passed ? "ok" : "bad" }, output.passed ? "PASSED" : "FAILED"),
    ` ${t(output.name)}: ${plural(output.steps.length, "step", "steps")}, traceHash `,
    el("code", {}, output.traceHash),
  );
  slider.max = String(Math.max(0, output.steps.length - 1));
  slider.disabled = output.steps.length === 0;
  $("steps-body").replaceChildren(
    ...output.steps.map((st, i) => {
      const d = v.details[i]!;
      const expected = !st.ok && v.scenario.steps[i]!.expect?.error === st.error;
      const res = st.ok
        ? el("span", { className: "ok" }, "ok")
        : el(
            "span",
            { className: expected ? "expected" : "bad" },
            link(`${RULES}#lifecycle`, st.error!, `${st.error}: the lifecycle rule that refused this step`),
            expected ? " (expected)" : "",
          );
      const row = el(
        "tr",
        { dataset: { step: String(i) } },
        el("td", {}, String(st.i)),
        el("td", {}, st.op),
        el("td", { className: "mono" }, t(d.subject)),
        el("td", {}, res),
        el(
          "td",
          { className: "mono" },
          st.result ? describe(st.result, d) : t(d.message ?? ""),
          ...(st.warnings ?? []).map((w) =>
            el("div", { className: "warn" }, link(`${RULES}#dma-debug`, `! ${w.rule}`, "a DMA-API debug warning"), `: ${t(w.message)}`),
          ),
          ...d.failures.map((f) => el("div", { className: "fail" }, `✗ ${t(f)}`)),
        ),
      );
      row.addEventListener("click", () => select(i));
      return row;
    }),
  );
  $("topology").replaceChildren(topology(v.scenario));
  $("json-output").textContent = JSON.stringify(output);
}

type DeviceEntry = [string, Scenario["devices"][string]];

function device([name, d]: DeviceEntry): HTMLElement {
  const badge = (s: string) => el("span", { className: "badge" }, s);
  return el(
    "li",
    { dataset: { node: name } },
    el("strong", {}, t(name)),
    ...(d.pf ? [badge(`VF of ${t(d.pf)}`)] : []),
    ...(d.iommu ? [badge(`IOMMU ${hex(d.iommu.base)} +${hex(d.iommu.size)}`)] : []),
    ...(d.bars ?? []).map((b) => badge(`BAR${b.index} cpu ${hex(b.cpu)} bus ${hex(b.bus)} +${hex(b.size)}`)),
  );
}

/** Host bridges, their switches, and the devices under each; nodes carry data-node for path highlighting. */
function topology(s: Scenario): HTMLElement {
  const devs = Object.entries(s.devices) as DeviceEntry[];
  const list = (pred: (d: DeviceEntry[1]) => boolean) => el("ul", {}, ...devs.filter(([, d]) => pred(d)).map(device));
  const roots = Object.entries(s.hostBridges ?? {}).map(([rc, hb]) => {
    const switches = Object.entries(s.switches ?? {}).filter(([sw]) => devs.some(([, d]) => d.root === rc && d.switch === sw));
    return el(
      "li",
      { dataset: { node: rc } },
      el("strong", {}, t(rc)),
      el("span", { className: "badge" }, hb.p2p ? "host bridge, p2p" : "host bridge, no p2p"),
      el(
        "ul",
        {},
        ...switches.map(([sw, x]) =>
          el(
            "li",
            { dataset: { node: sw } },
            el("strong", {}, t(sw)),
            el("span", { className: "badge" }, x.acsRedirect ? "switch, ACS redirect" : "switch"),
            list((d) => d.root === rc && d.switch === sw),
          ),
        ),
      ),
      list((d) => d.root === rc && d.switch === undefined),
    );
  });
  const off = devs.filter(([, d]) => d.root === undefined);
  return el(
    "div",
    { className: "topo" },
    el("ul", {}, ...roots, ...(off.length ? [el("li", {}, el("em", {}, "not on PCI"), el("ul", {}, ...off.map(device)))] : [])),
  );
}

// ---- the stepper ----

function select(i: number): void {
  if (!view || !view.full.length) return;
  view.step = Math.max(0, Math.min(view.full.length - 1, i));
  slider.value = String(view.step);
  const rec = view.output.steps[view.step]!;
  const d = view.details[view.step]!;
  $("timeline-label").replaceChildren(
    `step ${view.step + 1} of ${view.full.length} (#${view.step}): `,
    el("strong", {}, rec.op),
    ` ${t(d.subject)} → `,
    rec.ok ? el("span", { className: "ok" }, "ok") : el("span", { className: "bad" }, rec.error!),
  );
  for (const row of $("steps-body").querySelectorAll<HTMLElement>("tr")) row.classList.toggle("current", row.dataset.step === String(view.step));
  showPictures(view.scenario, view.full, view.step);
  const now = view.full[view.step]!.state;
  showBufinfo(now);
  if (!now) {
    for (const id of ["state", "paths", "mappings", "iova"])
      $(id).replaceChildren(
        el("p", { className: "none" }, `More than ${STATE_MAX} steps: the page shows no per-step state; dmabuf-map run FILE --json --state streams it.`),
      );
    return updateHash();
  }
  const before = view.step > 0 ? view.full[view.step - 1]!.state : undefined;
  showState(now, before);
  showPaths(view.scenario, now);
  if (view.drawn) showMappings(view, now);
  else
    $("mappings").replaceChildren(
      el(
        "p",
        { className: "none" },
        `The maps of this run hold ${plural(view.entries, "entry", "entries", grouped)}, more than the ${ENTRIES_MAX.toLocaleString("en-US")} the page keeps: ${plural(now.mappings.length, "mapping", "mappings")} at this step, listed in the state above; dmabuf-map run FILE --all prints every entry.`,
      ),
    );
  showIova(now);
  updateHash();
}

/** How a state value reads in a cell (test/browser/explorer.test.ts reads cells the same way). */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v)) return v.length ? v.map((p) => `${(p as Pair)[0]} +${(p as Pair)[1]}`).join(", ") : "—";
  return typeof v === "string" ? t(v) : String(v);
}

/** A state row flattened into columns (a buffer's backing becomes kind and ranges). */
function columns(kind: keyof ModelState, row: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(row)) {
    if (kind === "buffers" && k === "backing") {
      const b = v as { kind: string; ranges: Pair[] } | null;
      out.push(["backing", b?.kind ?? null], ["ranges", b?.ranges ?? null]);
    } else out.push([k, v]);
  }
  return out;
}

const keyOf = (kind: keyof ModelState, row: Record<string, unknown>) => String(kind === "iova" ? row.device : row.name);

function showState(now: ModelState, before: ModelState | undefined): void {
  const kinds: (keyof ModelState)[] = ["buffers", "attachments", "mappings", "iova"];
  $("state").replaceChildren(
    ...kinds.map((kind) => {
      const rows = now[kind] as unknown as Record<string, unknown>[];
      const old = new Map(((before?.[kind] ?? []) as unknown as Record<string, unknown>[]).map((r) => [keyOf(kind, r), new Map(columns(kind, r))]));
      const heads = rows.length ? columns(kind, rows[0]!).map(([k]) => k) : [];
      const removed = [...old.keys()].filter((k) => !rows.some((r) => keyOf(kind, r) === k));
      return el(
        "section",
        { className: "state-kind", dataset: { kind } },
        el("h3", {}, kind === "iova" ? "IOVA spaces" : kind, el("span", { className: "count" }, ` ${rows.length}`)),
        rows.length
          ? el(
              "table",
              { className: "state-table" },
              el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", {}, h)))),
              el(
                "tbody",
                {},
                ...rows.map((r) => {
                  const prev = old.get(keyOf(kind, r));
                  const tr = el(
                    "tr",
                    { className: before && !prev ? "added" : "", dataset: { key: keyOf(kind, r) } },
                    ...columns(kind, r).map(([k, v]) =>
                      el(
                        "td",
                        {
                          className: before && prev && JSON.stringify(prev.get(k)) !== JSON.stringify(v) ? "changed" : "",
                          dataset: { field: k },
                        },
                        cellText(v),
                      ),
                    ),
                  );
                  return tr;
                }),
              ),
            )
          : el("p", { className: "none" }, `none at step ${view!.step + 1}`),
        ...(removed.length ? [el("p", { className: "removed" }, `gone since step ${view!.step - 1}: ${removed.map(t).join(", ")}`)] : []),
      );
    }),
  );
}

/** importer → switch → host bridge → exporter, the hops of each attachment's P2P path. */
function showPaths(s: Scenario, st: ModelState): void {
  const devOf = (n: string) => s.devices[n];
  for (const n of $("topology").querySelectorAll<HTMLElement>("[data-node]"))
    n.classList.remove("on-path", "path-BUS_ADDR", "path-THRU_HOST_BRIDGE", "path-NOT_SUPPORTED");
  const live = st.attachments.filter((a) => !a.detached);
  $("paths").replaceChildren(
    ...(live.length
      ? live.map((a) => {
          const buf = st.buffers.find((b) => b.name === a.buffer)!;
          const imp = devOf(a.importer);
          const exp = devOf(buf.exporter);
          const { hops, cut } = hopsOf(a.path, a.importer, imp, buf.exporter, exp);
          const label = a.path ?? "none (system memory)";
          const row = el(
            "li",
            { className: `path path-${a.path ?? "none"}`, dataset: { attachment: a.name } },
            el("strong", {}, t(a.name)),
            " ",
            ...hops.flatMap((h, i) => [...(i ? [el("span", { className: "arrow" }, i === cut ? " ✕ " : " → ")] : []), el("span", { className: "hop" }, t(h))]),
            " ",
            el("span", { className: `path-label path-${a.path ?? "none"}` }, label),
          );
          const mark = (on: boolean) => {
            for (const h of hops)
              $("topology")
                .querySelector<HTMLElement>(`[data-node="${CSS.escape(h)}"]`)
                ?.classList.toggle("on-path", on);
          };
          row.addEventListener("mouseenter", () => mark(true));
          row.addEventListener("mouseleave", () => mark(false));
          return row;
        })
      : [el("li", { className: "none" }, "no attachment at this step")]),
  );
}

// ---- mappings on a compressed axis ----

const NS = "http://www.w3.org/2000/svg";
function svgEl(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

/** Hex of an axis point (2^64, the end of an entry at the top of the space, included). */
const hx = (v: bigint) => "0x" + v.toString(16);

/** Entries drawn per mapping; larger mappings list the rest in their table. */
const DRAW_MAX = 2048;

/**
 * An axis over every entry of the mappings of one address space: covered stretches
 * get a width that grows with the log of their length (at least their start label's),
 * and each gap between them is cut to the width of its size label and marked, so that
 * every entry and every label is visible.
 */
function axis(lists: Pair[][]): { x: (a: bigint) => number; width: number; gaps: { x: number; len: bigint }[] } {
  const CH = 6.1; // px per character of the 10px monospace labels
  const MIN = 36;
  const pts = new Set<bigint>();
  const spans: [bigint, bigint][] = [];
  for (const l of lists)
    for (const [a, n] of l.slice(0, DRAW_MAX)) {
      const s = BigInt(a);
      const e = s + BigInt(n);
      pts.add(s);
      pts.add(e);
      spans.push([s, e]);
    }
  const sorted = [...pts].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
  const covered = (lo: bigint, hi: bigint) => spans.some(([s, e]) => s <= lo && hi <= e);
  const xs = new Map<bigint, number>();
  const gaps: { x: number; len: bigint }[] = [];
  let x = 8;
  sorted.forEach((p, i) => {
    if (i > 0) {
      const lo = sorted[i - 1]!;
      if (covered(lo, p)) x += Math.max(MIN + 6 * Math.max(0, Math.log2(Number(p - lo)) - 12), hx(lo).length * CH + 8);
      else {
        const w = Math.max(22, (hx(p - lo).length + 1) * CH + 8);
        gaps.push({ x: x + w / 2, len: p - lo });
        x += w;
      }
    }
    xs.set(p, x);
  });
  const last = sorted.at(-1);
  return { x: (a) => xs.get(a) ?? 0, width: x + 8 + (last !== undefined ? hx(last).length * CH : 0), gaps };
}

function showMappings(v: View, st: ModelState): void {
  const bySpace = new Map<string, typeof st.mappings>();
  for (const m of st.mappings) bySpace.set(m.space, [...(bySpace.get(m.space) ?? []), m]);
  if (!bySpace.size) return void $("mappings").replaceChildren(el("p", { className: "none" }, "No mapping exists at this step."));
  $("mappings").replaceChildren(
    ...[...bySpace].map(([space, ms]) => {
      const infos = ms.map((m) => ({ m, info: v.mappings.get(m.name)! }));
      const ax = axis(infos.map(({ info }) => info.entries));
      const LANE = 46;
      const height = 26 + infos.length * LANE;
      const svg = svgEl("svg", {
        width: ax.width,
        height,
        viewBox: `0 0 ${ax.width} ${height}`,
        role: "img",
        "aria-label": `${space} mappings`,
      }) as SVGSVGElement;
      for (const g of ax.gaps) {
        svg.append(svgEl("path", { d: `M${g.x - 3} 14 l3 4 l-3 4 l3 4 l-3 4 l3 4`, class: "gap-mark" }));
        svg.append(svgEl("text", { x: g.x, y: 10, class: "gap-label", "text-anchor": "middle" }, `+${hx(g.len)}`));
      }
      infos.forEach(({ m, info }, lane) => {
        const y = 22 + lane * LANE;
        svg.append(svgEl("text", { x: 8, y: y + 8, class: "lane-label" }, `${t(m.name)}${m.status === "stale" ? " (stale)" : ""}`));
        info.entries.slice(0, DRAW_MAX).forEach(([a, n], i) => {
          const s = BigInt(a);
          const x0 = ax.x(s);
          const x1 = ax.x(s + BigInt(n));
          const r = svgEl("rect", {
            x: x0,
            y: y + 12,
            width: Math.max(2, x1 - x0 - 1),
            height: 14,
            class: `entry${m.status === "stale" ? " stale" : ""}`,
            "data-mapping": m.name,
            "data-index": i,
            fill: `hsl(${(i * 47) % 360} 60% 55%)`,
          });
          r.append(svgEl("title", {}, `${t(m.name)}[${i}]: ${a} +${n}`));
          svg.append(r);
          svg.append(svgEl("text", { x: x0 + 1, y: y + 37, class: "entry-label" }, a));
        });
      });
      const tables = infos.map(({ m, info }) =>
        el(
          "details",
          { className: "entries", dataset: { mapping: m.name } },
          el(
            "summary",
            {},
            `${t(m.name)}: ${plural(info.entries.length, "entry", "entries")} (${m.interconnect} → ${m.container}, ${m.bytes} bytes)${info.entries.length > DRAW_MAX ? `, first ${DRAW_MAX} drawn` : ""}`,
          ),
          el(
            "table",
            {},
            el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, "addr"), el("th", {}, "len"), el("th", {}, "last byte"))),
            el(
              "tbody",
              {},
              ...info.entries.map(([a, n], i) =>
                el("tr", {}, el("td", {}, String(i)), el("td", {}, a), el("td", {}, n), el("td", {}, hex(BigInt(a) + BigInt(n) - 1n))),
              ),
            ),
          ),
        ),
      );
      return el(
        "section",
        { className: "space", dataset: { space } },
        el("h3", {}, `${space} `, el("span", { className: "badge" }, SPACE_NOTE[space] ?? "")),
        el("div", { className: "axis" }, svg),
        ...tables,
      );
    }),
  );
}

const SPACE_NOTE: Record<string, string> = {
  bus: "PCI bus addresses (P2P BUS_ADDR)",
  iova: "the importer's IOMMU",
  "cpu-phys": "CPU physical addresses",
  "bar-offset": "offsets into a BAR (iov)",
};

function showIova(st: ModelState): void {
  if (!st.iova.length) return void $("iova").replaceChildren(el("p", { className: "none" }, "No device has an IOMMU."));
  $("iova").replaceChildren(
    ...st.iova.map((sp) => {
      const base = BigInt(sp.base);
      const size = BigInt(sp.size);
      const W = 600;
      const x = (a: bigint) => (Number(((a - base) * 10000n) / size) / 10000) * W;
      const svg = svgEl("svg", { width: W, height: 26, viewBox: `0 0 ${W} 26`, role: "img", "aria-label": `${sp.device} IOVA` });
      svg.append(svgEl("rect", { x: 0, y: 4, width: W, height: 18, class: "iova-free" }));
      for (const [a, n] of sp.regions) {
        const r = svgEl("rect", { x: x(BigInt(a)), y: 4, width: Math.max(2, x(BigInt(a) + BigInt(n)) - x(BigInt(a))), height: 18, class: "iova-used" });
        r.append(svgEl("title", {}, `${a} +${n}`));
        svg.append(r);
      }
      return el(
        "div",
        { className: "iova-space", dataset: { device: sp.device } },
        el(
          "div",
          {},
          el("strong", {}, t(sp.device)),
          ` [${sp.base}, +${sp.size}): used ${sp.used}, free ${sp.free}, ${plural(sp.regions.length, "region", "regions")}`,
        ),
        svg,
      );
    }),
  );
}

// ---- profiles side by side ----

/** The tab shown: the stepper ("run") or the profiles compared ("compare"). */
type Tab = "run" | "compare";
const TABS: readonly Tab[] = ["run", "compare"];
let tab: Tab = "run";

function showTab(next: Tab): void {
  tab = next;
  for (const x of TABS) {
    $(`tab-${x}`).hidden = x !== tab;
    $(`tab-button-${x}`).setAttribute("aria-selected", String(x === tab));
  }
  document.body.dataset.tab = tab;
}

/** A profile list as prose: "a, b and c". */
const and = (xs: readonly string[]) => (xs.length > 1 ? `${xs.slice(0, -1).join(", ")} and ${xs.at(-1)}` : (xs[0] ?? ""));

/** The compare tab: every step whose outcome differs between the profiles, each profile's outcome, and the rows that decide it. */
function showCompare(): void {
  const c = view?.compare;
  const box = $("compare");
  if (!view) return void box.replaceChildren(el("p", { className: "none" }, $("empty").textContent ?? ""));
  if (!c)
    return void box.replaceChildren(
      el("p", { className: "none" }, `More than ${STATE_MAX} steps: the page compares no profiles; dmabuf-map compare FILE --profiles … does.`),
    );
  const head = el(
    "p",
    { id: "compare-summary" },
    c.steps.length
      ? `${plural(c.steps.length, "step", "steps")} of ${c.total} ${c.steps.length === 1 ? "differs" : "differ"} between ${and(c.profiles)}.`
      : `No step differs: under ${and(c.profiles)} every one of the ${plural(c.total, "step", "steps")} of ${t(view.output.name)} has the same outcome.`,
  );
  if (!c.steps.length) return void box.replaceChildren(head);
  const rows = c.steps.map((st) => {
    const decided = st.rows.length
      ? st.rows.map((r) =>
          el(
            "div",
            { className: "rule-row", dataset: { key: r.key }, title: r.source },
            el("strong", {}, `row ${r.row}`),
            ` ${r.rule} `,
            el("span", { className: "values" }, c.profiles.map((p, k) => `${p}: ${r.values[k]}`).join(" · ")),
            el("div", { className: "source" }, r.source),
          ),
        )
      : [
          el(
            "em",
            {},
            st.follows !== undefined ? `follows from #${st.follows} (no row of the table acts in ${st.op})` : `no row of the table acts in ${st.op}`,
          ),
        ];
    const tr = el(
      "tr",
      { dataset: { step: String(st.i) }, title: "Show this step in the stepper" },
      el("td", {}, String(st.i)),
      el("td", {}, st.op),
      el("td", { className: "mono" }, t(st.subject)),
      ...st.outcomes.map((o, k) => el("td", { className: "mono outcome", dataset: { profile: c.profiles[k]! } }, o)),
      el("td", { className: "decided" }, ...decided),
    );
    tr.addEventListener("click", (e) => {
      if (e.target instanceof HTMLAnchorElement) return;
      showTab("run");
      select(st.i);
    });
    return tr;
  });
  box.replaceChildren(
    head,
    el(
      "table",
      { className: "compare-table" },
      el(
        "thead",
        {},
        el("tr", {}, el("th", {}, "#"), el("th", {}, "op"), el("th", {}, "subject"), ...c.profiles.map((p) => el("th", {}, p)), el("th", {}, "decided by")),
      ),
      el("tbody", {}, ...rows),
    ),
  );
}

// ---- scenarios, edits, URL, keys ----

/** Edited text per scenario, kept while switching. */
const edits = new Map<string, string>();
const originals = new Map<string, string>();
let current = "demo";

async function original(name: string): Promise<string> {
  if (!originals.has(name))
    originals.set(name, name === "demo" ? JSON.stringify(DEMO_SCENARIO, null, 2) : await (await fetch(`/scenarios/${encodeURIComponent(name)}`)).text());
  return originals.get(name)!;
}

function remember(): void {
  if (!originals.has(current)) return; // nothing loaded yet: an edit from a link must survive
  if (editor.text() !== originals.get(current)) edits.set(current, editor.text());
  else edits.delete(current);
}

/** Shows scenario `name` with `text` (its kept edits, else as shipped) and runs it. */
async function load(name: string, step?: number, text?: string): Promise<void> {
  remember();
  current = name;
  pick.value = name;
  const next = text ?? edits.get(name) ?? (await original(name));
  if (current !== name) return; // another load started meanwhile
  if (editor.text() !== next) editor.setText(next);
  await run(step);
}

const b64 = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

async function pack(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return b64(new Uint8Array(await new Response(stream).arrayBuffer()));
}

/** The URL's keys that name a view: a change of any of them is a new history entry (Back returns to it). */
const VIEW_KEYS = ["scenario", "profile", "tab", "step"] as const;

let hashTimer: ReturnType<typeof setTimeout> | undefined;
/**
 * #scenario=NAME&step=I (&profile=P, &tab=compare), plus &text=… (deflated) when the
 * text was edited: a link that reopens this view. A new view (another scenario, step,
 * profile or tab) is a new history entry; an edit of the text replaces the current one.
 */
function updateHash(): void {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(async () => {
    const p = new URLSearchParams({ scenario: current });
    if (profilePick.value) p.set("profile", profilePick.value);
    if (tab !== "run") p.set("tab", tab);
    if (view) p.set("step", String(view.step));
    if (editor.text() !== originals.get(current)) p.set("text", await pack(editor.text()));
    const next = p.toString();
    const old = new URLSearchParams(location.hash.slice(1));
    if (next === old.toString()) return;
    const same = !location.hash || VIEW_KEYS.every((k) => old.get(k) === p.get(k));
    if (same) history.replaceState(null, "", `#${next}`);
    else history.pushState(null, "", `#${next}`);
  }, 150);
}

/** Profile and tab from the URL (unknown values: the scenario's profile, the stepper). */
function viewFromHash(p: URLSearchParams): void {
  const profile = p.get("profile") ?? "";
  profilePick.value = [...profilePick.options].some((o) => o.value === profile) ? profile : "";
  const tabName = p.get("tab") as Tab | null;
  showTab(tabName && TABS.includes(tabName) ? tabName : "run");
}

/** The link's text for `name`, or undefined (with a notice) when it cannot be read. */
async function linkText(name: string, packed: string | null): Promise<string | undefined> {
  if (!packed) return undefined;
  try {
    return await unpackCapped(packed);
  } catch (e) {
    showNotice(`The link's text could not be read (${e instanceof Error ? e.message : "not deflate data"}); showing ${name} as shipped.`);
    return undefined;
  }
}

/** Opens the view the URL names (at start). False when it names none. */
async function fromHash(): Promise<boolean> {
  const p = new URLSearchParams(location.hash.slice(1));
  const name = p.get("scenario");
  if (!name || ![...pick.options].some((o) => o.value === name)) return false;
  const step = p.has("step") ? Number(p.get("step")) : undefined;
  const text = await linkText(name, p.get("text"));
  if (text !== undefined) edits.set(name, text);
  viewFromHash(p);
  await load(name, step);
  return true;
}

/**
 * Back, Forward or an edited hash: shows the view the URL names. The same text, profile
 * and scenario only move the stepper; anything else runs again.
 */
async function followHash(): Promise<void> {
  clearTimeout(hashTimer);
  const p = new URLSearchParams(location.hash.slice(1));
  const name = p.get("scenario") ?? "demo";
  if (![...pick.options].some((o) => o.value === name)) return;
  const profile = profilePick.value;
  viewFromHash(p);
  const step = p.has("step") ? Number(p.get("step")) : undefined;
  const text = (await linkText(name, p.get("text"))) ?? (p.has("text") ? undefined : await original(name));
  const same = name === current && profile === profilePick.value && (text === undefined || text === editor.text());
  if (same && view && view.text === editor.text()) {
    if (step !== undefined && step !== view.step) select(step);
    return;
  }
  await load(name, step, text);
}

/** Typing in the editor or a text field: the stepper's keys are the editor's there. */
const typing = (e: KeyboardEvent) =>
  (e.target instanceof Element && e.target.closest(".cm-editor") !== null) ||
  e.target instanceof HTMLTextAreaElement ||
  (e.target instanceof HTMLInputElement && e.target.type === "text");

function keys(e: KeyboardEvent): void {
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
    e.preventDefault();
    if (e.shiftKey) validate();
    else void run();
    return;
  }
  if (typing(e) || e.ctrlKey || e.metaKey || e.altKey || !view) return;
  const moves: Record<string, number> = {
    ArrowLeft: view.step - 1,
    ArrowRight: view.step + 1,
    Home: 0,
    End: view.full.length - 1,
    PageUp: view.step - 10,
    PageDown: view.step + 10,
  };
  if (e.key in moves && !(e.target instanceof HTMLInputElement && e.target.type === "range")) {
    e.preventDefault();
    select(moves[e.key]!);
  }
}

/** The sticky parts' heights as CSS variables, so the stepper sits under the header and headings scroll clear of both. */
function trackStickyHeights(): void {
  const set = () => {
    document.documentElement.style.setProperty("--header-h", `${$("page-header").offsetHeight}px`);
    document.documentElement.style.setProperty("--stepper-h", `${$("stepper").offsetHeight}px`);
  };
  new ResizeObserver(set).observe($("page-header"));
  new ResizeObserver(set).observe($("stepper"));
  set();
}

/** The editor column collapses to a strip (and back); the results take the width. */
function collapsible(): void {
  const button = $<HTMLButtonElement>("collapse");
  const set = (collapsed: boolean) => {
    document.body.classList.toggle("editor-collapsed", collapsed);
    button.textContent = collapsed ? "Show editor ▸" : "◂ Hide editor";
    button.setAttribute("aria-expanded", String(!collapsed));
  };
  button.addEventListener("click", () => set(!document.body.classList.contains("editor-collapsed")));
  set(false);
}

async function main(): Promise<void> {
  mountPictures($("pictures"), (i) => select(i));
  $("links").replaceChildren(link(RULES, "rules"), " · ", link(KERNEL_DOCS, "kernel dma-buf docs"), " · ", link(RFC_V2, "RFC v2 thread"));
  profilePick.append(...PROFILE_NAMES.map((p) => el("option", { value: p }, p)));
  const [files, schema] = await Promise.all([
    fetch("/scenarios/index.json").then((r) => r.json() as Promise<string[]>),
    fetch("/schemas/scenario.schema.json").then((r) => r.json()),
  ]);
  editor = createEditor($("editor"), schema, () => {
    remember();
    updateHash();
    $("results").classList.toggle("outdated", !!view && view.text !== editor.text());
  });
  pick.replaceChildren(el("option", { value: "demo" }, "built-in demo"), ...files.map((f) => el("option", { value: f }, f)));
  pick.addEventListener("change", () => void load(pick.value));
  $("validate").addEventListener("click", () => void validate());
  $("run").addEventListener("click", () => void run());
  profilePick.addEventListener("change", () => (view ? void run(view.step) : updateHash()));
  for (const x of TABS)
    $(`tab-button-${x}`).addEventListener("click", () => {
      showTab(x);
      updateHash();
    });
  $("prev").addEventListener("click", () => view && select(view.step - 1));
  $("next").addEventListener("click", () => view && select(view.step + 1));
  slider.addEventListener("input", () => select(Number(slider.value)));
  $("copy").addEventListener("click", () => void navigator.clipboard?.writeText($("json-output").textContent ?? ""));
  document.addEventListener("keydown", keys);
  mountBridges(editor, $("run"));
  trackStickyHeights();
  collapsible();
  clearResults();
  if (!(await fromHash())) await load("demo");
  window.addEventListener("hashchange", () => void followHash());
  document.body.dataset.ready = "true";
}

void main();
