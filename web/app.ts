/** The explorer page: pick or paste a scenario, validate it, run it, read the result. */
import {
  initSync, parseScenarioText, runScenario, ScenarioError, formatPath, DEMO_SCENARIO, hex,
  type Scenario, type RunReport,
} from "../ts/index.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const editor = $<HTMLTextAreaElement>("editor");
const pick = $<HTMLSelectElement>("pick");
const status = $<HTMLSpanElement>("status");
const core = initSync();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

function setStatus(text: string, cls: "" | "ok" | "bad"): void {
  status.textContent = text;
  status.className = cls;
}

function showProblems(err: ScenarioError | undefined): void {
  $<HTMLUListElement>("problems").replaceChildren(...(err?.issues ?? []).map((i) => el("li", {}, el("code", {}, formatPath(i.path)), i.message)));
}

/** Validates the editor's text; returns the scenario or shows every problem. */
function validate(): Scenario | undefined {
  try {
    const s = parseScenarioText(editor.value);
    showProblems(undefined);
    setStatus(`valid: ${s.steps.length} steps`, "ok");
    return s;
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    showProblems(e);
    setStatus(`invalid: ${e.issues.length} problem(s)`, "bad");
    return undefined;
  }
}

type DeviceEntry = [string, Scenario["devices"][string]];

function device([name, d]: DeviceEntry): HTMLElement {
  const badge = (t: string) => el("span", { className: "badge" }, t);
  return el("li", {}, el("strong", {}, name),
    ...(d.pf ? [badge(`VF of ${d.pf}`)] : []),
    ...(d.iommu ? [badge(`IOMMU ${hex(d.iommu.base)} +${hex(d.iommu.size)}`)] : []),
    ...(d.bars ?? []).map((b) => badge(`BAR${b.index} cpu ${hex(b.cpu)} bus ${hex(b.bus)} +${hex(b.size)}`)),
    ...(d.maxSegmentSize !== undefined ? [badge(`max seg ${hex(d.maxSegmentSize)}`)] : []),
    ...(d.segBoundaryMask !== undefined ? [badge(`boundary ${hex(d.segBoundaryMask)}`)] : []));
}

/** Host bridges, their switches, and the devices under each. */
function topology(s: Scenario): HTMLElement {
  const devs = Object.entries(s.devices) as DeviceEntry[];
  const list = (pred: (d: DeviceEntry[1]) => boolean) => el("ul", {}, ...devs.filter(([, d]) => pred(d)).map(device));
  const roots = Object.entries(s.hostBridges ?? {}).map(([rc, hb]) => {
    const switches = Object.entries(s.switches ?? {}).filter(([sw]) => devs.some(([, d]) => d.root === rc && d.switch === sw));
    return el("li", {}, el("strong", {}, rc), el("span", { className: "badge" }, hb.p2p ? "host bridge, p2p" : "host bridge, no p2p"),
      el("ul", {}, ...switches.map(([sw, x]) =>
        el("li", {}, el("strong", {}, sw), el("span", { className: "badge" }, x.acsRedirect ? "switch, ACS redirect" : "switch"), list((d) => d.root === rc && d.switch === sw)))),
      list((d) => d.root === rc && d.switch === undefined));
  });
  const off = devs.filter(([, d]) => d.root === undefined);
  return el("div", { className: "topo" }, el("ul", {}, ...roots, ...(off.length ? [el("li", {}, el("em", {}, "not on PCI"), el("ul", {}, ...off.map(device)))] : [])));
}

/** A mapping's entries as bars on an address axis from its lowest to its highest byte. */
function mappingSvg(entries: { addr: bigint; len: bigint }[]): SVGSVGElement {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  const W = 640;
  svg.setAttribute("viewBox", `0 0 ${W} 50`);
  svg.setAttribute("role", "img");
  const lo = entries.reduce((m, e) => (e.addr < m ? e.addr : m), entries[0]!.addr);
  const hi = entries.reduce((m, e) => (e.addr + e.len > m ? e.addr + e.len : m), 0n);
  const span = Number(hi - lo) || 1;
  const x = (v: bigint) => 10 + (Number(v - lo) / span) * (W - 20);
  const add = (tag: string, attrs: Record<string, string | number>, title?: string) => {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    if (title) {
      const t = document.createElementNS(NS, "title");
      t.textContent = title;
      n.append(t);
    }
    svg.append(n);
    return n;
  };
  add("line", { x1: 10, y1: 30, x2: W - 10, y2: 30, stroke: "currentColor", "stroke-opacity": 0.25 });
  entries.forEach((e, i) => add("rect", { x: x(e.addr), y: 18, width: Math.max(1.5, x(e.addr + e.len) - x(e.addr)), height: 24, fill: `hsl(${(i * 47) % 360} 60% 55%)` }, `${hex(e.addr)} +${hex(e.len)}`));
  add("text", { x: 10, y: 12, "font-size": 10, fill: "currentColor" }).textContent = hex(lo);
  add("text", { x: W - 10, y: 12, "font-size": 10, "text-anchor": "end", fill: "currentColor" }).textContent = hex(hi - 1n); // the highest byte (hi is the end, up to 2^64)
  return svg;
}

function describe(r: NonNullable<RunReport["output"]["steps"][number]["result"]>): string {
  if ("nelms" in r) return `${r.interconnect} → ${r.container}: ${r.nelms} entries, ${r.bytes} bytes, ${r.hash}${r.barNumber !== undefined ? `, BAR ${r.barNumber}` : ""}`;
  if ("notified" in r) return `notified [${r.notified.join(", ")}]  stale [${r.stale.join(", ")}]`;
  return `interconnect ${r.interconnect}`;
}

function show(s: Scenario, report: RunReport): void {
  const { output, details } = report;
  $("summary").replaceChildren(
    el("span", { className: output.passed ? "ok" : "bad" }, output.passed ? "PASSED" : "FAILED"),
    ` ${output.name}: ${output.steps.length} steps, traceHash `, el("code", {}, output.traceHash),
  );
  $("topology").replaceChildren(topology(s));
  $("steps").querySelector("tbody")!.replaceChildren(...output.steps.map((st, i) => {
    const d = details[i]!;
    const expected = !st.ok && s.steps[i]!.expect?.error === st.error;
    return el("tr", {},
      el("td", {}, String(st.i)), el("td", {}, st.op), el("td", { className: "mono" }, d.subject),
      el("td", { className: st.ok || expected ? "ok" : "bad" }, st.ok ? "ok" : `${st.error}${expected ? " (expected)" : ""}`),
      el("td", { className: "mono" }, st.result ? describe(st.result) : (d.message ?? ""), ...d.failures.map((f) => el("div", { className: "fail" }, `✗ ${f}`))));
  }));
  const maps = output.steps.flatMap((st, i) => (st.op === "map" && st.result && "nelms" in st.result && details[i]!.preview?.length ? [{ r: st.result, d: details[i]! }] : []));
  $("mappings").replaceChildren(...(maps.length ? maps.map(({ r, d }) => {
    const more = r.nelms - d.preview!.length;
    return el("div", { className: "map" }, el("strong", {}, d.subject), ` ${r.interconnect} → ${r.container}, ${r.nelms} entries, ${r.bytes} bytes, hash `, el("code", {}, r.hash),
      mappingSvg(d.preview!), ...(more > 0 ? [el("div", { className: "fail" }, `first ${d.preview!.length} entries drawn, ${more} more`)] : []));
  }) : [el("p", {}, "No mapping was made.")]));
  $("json-output").textContent = JSON.stringify(output);
}

function run(): void {
  const s = validate();
  if (!s) return;
  const report = runScenario(s, core, { previews: 64 });
  show(s, report);
  setStatus(report.output.passed ? "ran: every expectation held" : "ran: an expectation failed", report.output.passed ? "ok" : "bad");
}

async function load(name: string): Promise<void> {
  editor.value = name === "demo" ? JSON.stringify(DEMO_SCENARIO, null, 2) : await (await fetch(`/scenarios/${name}`)).text();
  run();
}

async function main(): Promise<void> {
  const files = (await (await fetch("/scenarios/index.json")).json()) as string[];
  pick.replaceChildren(el("option", { value: "demo" }, "built-in demo"), ...files.map((f) => el("option", { value: f }, f)));
  pick.addEventListener("change", () => void load(pick.value));
  $("validate").addEventListener("click", validate);
  $("run").addEventListener("click", run);
  $("copy").addEventListener("click", () => void navigator.clipboard?.writeText($("json-output").textContent ?? ""));
  editor.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
      e.preventDefault();
      if (e.shiftKey) validate();
      else run();
    }
  });
  await load("demo");
  document.body.dataset.ready = "true";
}

void main();
