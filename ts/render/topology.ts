/**
 * The topology as a picture: host bridges, their switches and the devices under each
 * (the scenario's `hostBridges`, `switches`, `devices`), and each live attachment's P2P
 * path through it after a step, coloured by its kind (BUS_ADDR, THRU_HOST_BRIDGE,
 * NOT_SUPPORTED, cut with ✕ where the traffic stops; docs/rules.md P2P rows), with a
 * legend line per path. Pure string output (ts/render/svg.ts).
 */
import type { Scenario } from "../scenario/schema.js";
import type { ModelState } from "../model/state.js";
import { clip, esc, svgDoc, tag, text } from "./svg.js";

type Dev = Scenario["devices"][string];
const SLOT = 170;
const BOX_W = 150;
const LEVEL_GAP = 80;
const FIRST_Y = 48;
const STYLE =
  ".node rect{fill:#eef2f7;stroke:#5b6472}.node.root rect{fill:#dde8f8}.node.switch rect{fill:#e9f3e6}.edge{stroke:#9aa3af;stroke-width:2}" +
  ".path{fill:none;stroke-width:3;opacity:.85}.path-BUS_ADDR{stroke:#2e7d32}.path-THRU_HOST_BRIDGE{stroke:#1565c0}.path-NOT_SUPPORTED{stroke:#c62828;stroke-dasharray:6 4}" +
  ".path-none{stroke:#8a8f98;stroke-dasharray:2 4}.cut{fill:#c62828;font-size:16px;font-weight:bold}.swatch.path-BUS_ADDR{fill:#2e7d32}" +
  ".swatch.path-THRU_HOST_BRIDGE{fill:#1565c0}.swatch.path-NOT_SUPPORTED{fill:#c62828}.swatch.path-none{fill:#8a8f98}";

interface Node {
  name: string;
  kind: "root" | "switch" | "device";
  x: number;
  y: number;
  note: string;
}

/** The devices in drawing order: under each host bridge by switch, then those not on PCI. */
function leaves(s: Scenario): [string, Dev][] {
  const devs = Object.entries(s.devices) as [string, Dev][];
  const out: [string, Dev][] = [];
  for (const rc of Object.keys(s.hostBridges ?? {})) {
    const under = devs.filter(([, d]) => d.root === rc);
    const switches = [...new Set(under.map(([, d]) => d.switch))];
    for (const sw of switches) out.push(...under.filter(([, d]) => d.switch === sw));
  }
  return [...out, ...devs.filter(([n]) => !out.some(([m]) => m === n))];
}

const deviceNote = (d: Dev) =>
  [d.pf !== undefined ? `VF of ${d.pf}` : "", d.iommu ? "IOMMU" : "", ...(d.bars ?? []).map((b) => `BAR${b.index}`)].filter((x) => x).join(", ");

/** Every node with its place: devices in slots, switches and host bridges centred over theirs. */
function layout(s: Scenario): { nodes: Map<string, Node>; bottom: number } {
  const nodes = new Map<string, Node>();
  const devs = leaves(s);
  // the levels drawn: host bridges, switches (when any device sits under one), devices
  const hasRoots = Object.keys(s.hostBridges ?? {}).length > 0;
  const hasSwitches = devs.some(([, d]) => d.switch !== undefined);
  const rootY = FIRST_Y;
  const switchY = rootY + (hasRoots ? LEVEL_GAP : 0);
  const devY = switchY + (hasSwitches ? LEVEL_GAP : 0);
  devs.forEach(([name, d], k) => nodes.set(name, { name, kind: "device", x: 20 + k * SLOT + SLOT / 2, y: devY, note: deviceNote(d) }));
  const centre = (names: string[]) => {
    const xs = names.map((n) => nodes.get(n)?.x ?? 0);
    return xs.length ? Math.floor((Math.min(...xs) + Math.max(...xs)) / 2) : 0;
  };
  for (const [sw, x] of Object.entries(s.switches ?? {})) {
    const under = devs.filter(([, d]) => d.switch === sw).map(([n]) => n);
    if (under.length) nodes.set(sw, { name: sw, kind: "switch", x: centre(under), y: switchY, note: x.acsRedirect ? "switch, ACS redirect" : "switch" });
  }
  for (const [rc, hb] of Object.entries(s.hostBridges ?? {})) {
    const under = devs.filter(([, d]) => d.root === rc).map(([n]) => n);
    const x = under.length ? centre(under) : 20 + nodes.size * SLOT + SLOT / 2;
    nodes.set(rc, { name: rc, kind: "root", x, y: rootY, note: hb.p2p ? "host bridge, p2p" : "host bridge, no p2p" });
  }
  return { nodes, bottom: devY };
}

/**
 * The hops of a P2P path: importer → switch → host bridge → switch → exporter, as far
 * as the traffic goes; `cut` is the hop before which NOT_SUPPORTED breaks it (else −1).
 */
export function hops(path: string | null, importer: string, imp: Dev | undefined, exporter: string, exp: Dev | undefined): { hops: string[]; cut: number } {
  const some = (xs: (string | undefined)[]) => xs.filter((x): x is string => x !== undefined);
  if (importer === exporter) return { hops: [importer], cut: -1 };
  if (path === null) return { hops: [importer, exporter], cut: -1 };
  if (path === "BUS_ADDR") return { hops: some([importer, imp?.switch, exporter]), cut: -1 };
  if (path === "THRU_HOST_BRIDGE") return { hops: some([importer, imp?.switch, imp?.root, exp?.switch, exporter]), cut: -1 };
  const left = some([importer, imp?.switch, imp?.root]);
  const right = some([exp?.root !== imp?.root ? exp?.root : undefined, exp?.switch !== imp?.switch ? exp?.switch : undefined, exporter]);
  return { hops: [...left, ...right], cut: left.length };
}

function nodeSvg(n: Node): string {
  const body =
    tag("rect", { x: n.x - BOX_W / 2, y: n.y - 18, width: BOX_W, height: 36, rx: 5 }) +
    text({ x: n.x, y: n.y - 2, "text-anchor": "middle" }, clip(n.name, 20)) +
    text({ class: "small", x: n.x, y: n.y + 12, "text-anchor": "middle" }, clip(n.note, 26)) +
    tag("title", {}, esc(`${n.name}: ${n.note || "device"}`));
  return tag("g", { class: `node ${n.kind}`, "data-node": n.name }, body);
}

/** The edges of the tree: device → switch or host bridge, switch → host bridge. */
function edgesSvg(s: Scenario, nodes: Map<string, Node>): string {
  let out = "";
  const line = (a: Node | undefined, b: Node | undefined) => (a && b ? tag("line", { class: "edge", x1: a.x, y1: a.y - 18, x2: b.x, y2: b.y + 18 }) : "");
  const switchRoot = new Map<string, string>();
  for (const [name, d] of Object.entries(s.devices) as [string, Dev][]) {
    out += line(nodes.get(name), nodes.get(d.switch ?? d.root ?? ""));
    if (d.switch !== undefined && d.root !== undefined) switchRoot.set(d.switch, d.root);
  }
  for (const [sw, rc] of switchRoot) out += line(nodes.get(sw), nodes.get(rc));
  return out;
}

/** The live attachments' paths after the step, each a line through its hops, and the legend under the tree. */
function pathsSvg(s: Scenario, st: ModelState | undefined, nodes: Map<string, Node>, legendY: number): { drawn: string; legend: string; lines: number } {
  const live = st ? st.attachments.filter((a) => !a.detached) : [];
  if (!live.length)
    return { drawn: "", legend: text({ class: "small", x: 12, y: legendY }, st ? "no attachment at this step" : "no state kept for this run"), lines: 1 };
  let drawn = "";
  let legend = "";
  live.forEach((a, k) => {
    const exporter = st!.buffers.find((b) => b.name === a.buffer)?.exporter ?? "";
    const h = hops(a.path, a.importer, s.devices[a.importer], exporter, s.devices[exporter]);
    const cls = `path path-${a.path ?? "none"}`;
    const off = (k % 5) * 5 - 10;
    const pts = h.hops.map((n) => nodes.get(n)).filter((n): n is Node => !!n);
    const d = pts.map((n, j) => `${j ? "L" : "M"}${n.x + off} ${n.y + off}`).join(" ");
    // system memory is no P2P path: the legend names it, no line is drawn
    let body = pts.length > 1 && a.path !== null ? tag("path", { class: cls, d }) : "";
    if (h.cut > 0 && pts[h.cut])
      body += text({ class: "cut", x: (pts[h.cut - 1]!.x + pts[h.cut]!.x) / 2, y: (pts[h.cut - 1]!.y + pts[h.cut]!.y) / 2 + 6, "text-anchor": "middle" }, "✕");
    drawn += tag("g", { class: "p2p", "data-attachment": a.name, "data-path": a.path ?? "none" }, body);
    const y = legendY + k * 18;
    const route = h.hops.map((x, j) => (j === 0 ? x : `${j === h.cut ? " ✕ " : " → "}${x}`)).join("");
    legend += tag("rect", { class: `swatch path-${a.path ?? "none"}`, x: 12, y: y - 9, width: 18, height: 10 });
    legend += text({ x: 38, y, "data-attachment": a.name }, `${a.name}: ${route}  ${a.path ?? "none (system memory)"}`);
  });
  return { drawn, legend, lines: live.length };
}

/** The topology and the P2P paths of the attachments live after the step whose state is `state`. */
export function topologySvg(s: Scenario, state: ModelState | undefined, title = `${s.name}: topology and P2P paths`): string {
  const { nodes, bottom } = layout(s);
  const width = Math.max(600, 40 + [...nodes.values()].reduce((m, n) => Math.max(m, n.x + SLOT / 2), 0));
  const paths = pathsSvg(s, state, nodes, bottom + 56);
  const height = bottom + 56 + paths.lines * 18 + 8;
  let body = text({ class: "title", x: 8, y: 16 }, title);
  body += edgesSvg(s, nodes);
  body += paths.drawn;
  for (const n of nodes.values()) body += nodeSvg(n);
  body += paths.legend;
  return svgDoc("topology", title, width, height, STYLE, body);
}
