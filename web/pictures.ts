/**
 * The explorer's pictures (issue 33): the sequence diagram of the run, the topology with
 * the P2P paths and the mappings by address space after the current step, drawn by
 * ts/render (the bytes `dmabuf-map run --svg` writes), each with SVG and PNG download
 * buttons; the PNG is the SVG drawn on a canvas in the page. The current step is
 * highlighted in the sequence diagram and scrolled into its box; a click on a step there
 * selects it. The page calls mountPictures once and showPictures on every step change.
 */
import type { Scenario, StepRecord } from "../ts/index.js";
import { entriesByMapping, PICTURES, type PictureName } from "../ts/render/pictures.js";
import { sequenceOf, sequenceSvg } from "../ts/render/sequence.js";
import { topologySvg } from "../ts/render/topology.js";
import { mappingsSvg } from "../ts/render/mappings.js";

const TITLES: Record<PictureName, string> = {
  sequence: "Sequence diagram",
  topology: "Topology and P2P paths",
  mappings: "Mappings by address space",
};

/** Each picture's box in the page and the SVG text it shows (the download's bytes). */
const boxes = new Map<PictureName, HTMLElement>();
const shown = new Map<PictureName, string>();
/** The run the sequence diagram was drawn for: it is drawn once per run, then only its highlight moves. */
let drawnFor: readonly StepRecord[] | undefined;
let entries = new Map<string, [string, string][]>();

/** A file name from the scenario's name: letters, digits, dot, dash and underscore. */
const fileName = (scenario: string, picture: PictureName, ext: string) =>
  `${scenario.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80) || "scenario"}-${picture}.${ext}`;

/** Starts a download of `blob` named `name`. */
function download(blob: Blob, name: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

/** The largest canvas side the PNG uses. */
const CANVAS_MAX = 16_000;
/** Past this many steps the page draws no sequence diagram (`dmabuf-map run --svg` still writes it). */
export const SEQUENCE_MAX = 2000;

/**
 * The SVG drawn on a canvas at twice its size, as PNG. The image is a data: URL: the
 * server's Content-Security-Policy allows images from data: and 'self', not blob:.
 */
async function png(svg: string): Promise<Blob> {
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await img.decode();
  const canvas = document.createElement("canvas");
  // twice the size, unless that passes the largest canvas side browsers draw (16,384 px)
  const scale = Math.min(2, CANVAS_MAX / Math.max(img.naturalWidth, img.naturalHeight));
  canvas.width = Math.floor(img.naturalWidth * scale);
  canvas.height = Math.floor(img.naturalHeight * scale);
  const g = canvas.getContext("2d")!;
  g.scale(scale, scale);
  g.drawImage(img, 0, 0);
  return new Promise<Blob>((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error("the canvas gave no PNG"))), "image/png"));
}

let scenarioName = "scenario";

/** A picture's figure: its heading with the download buttons, and its box. */
function figure(name: PictureName, onPick: (step: number) => void): HTMLElement {
  const fig = document.createElement("figure");
  fig.className = `picture picture-${name}`;
  fig.dataset.picture = name;
  const cap = document.createElement("figcaption");
  const h = document.createElement("h3");
  h.textContent = TITLES[name];
  const note = document.createElement("span");
  const button = (ext: "svg" | "png") => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `download download-${ext}`;
    b.textContent = ext.toUpperCase();
    b.title = `Download the ${TITLES[name].toLowerCase()} as ${ext.toUpperCase()}`;
    b.addEventListener("click", () => {
      const svg = shown.get(name);
      if (!svg || !boxes.get(name)!.firstElementChild) return;
      if (ext === "svg") return download(new Blob([svg], { type: "image/svg+xml" }), fileName(scenarioName, name, "svg"));
      note.textContent = "";
      png(svg).then(
        (blob) => download(blob, fileName(scenarioName, name, "png")),
        (e: unknown) => {
          note.textContent = `no PNG: ${e instanceof Error ? e.message : String(e)}`;
        },
      );
    });
    return b;
  };
  note.className = "hint";
  cap.append(h, button("svg"), button("png"), note);
  const box = document.createElement("div");
  box.className = "picture-box";
  box.id = `picture-${name}`;
  if (name === "sequence")
    box.addEventListener("click", (e) => {
      const g = (e.target as Element).closest?.("[data-step]");
      if (g instanceof SVGElement && g.dataset.step !== undefined) onPick(Number(g.dataset.step));
    });
  boxes.set(name, box);
  fig.append(cap, box);
  return fig;
}

/**
 * Puts the three figures into `container`; `onPick(step)` selects a step clicked in the
 * sequence diagram. Nothing stale is shown: when the page clears its results
 * (body[data-run] leaves "done"), the pictures go too.
 */
export function mountPictures(container: HTMLElement, onPick: (step: number) => void): void {
  container.replaceChildren(...PICTURES.map((p) => figure(p, onPick)));
  new MutationObserver(() => {
    if (document.body.dataset.run !== "done") clearPictures();
  }).observe(document.body, { attributes: true, attributeFilter: ["data-run"] });
}

/** Empties every picture (no download is offered until the next run shows them). */
function clearPictures(): void {
  for (const [name, box] of boxes) {
    box.replaceChildren();
    shown.delete(name);
  }
  drawnFor = undefined;
}

function put(name: PictureName, svg: string): void {
  shown.set(name, svg);
  boxes.get(name)!.innerHTML = svg;
}

/** Moves the sequence diagram's highlight to `step` and scrolls it into the box. */
function highlight(step: number): void {
  const box = boxes.get("sequence")!;
  let current: Element | undefined;
  // the step's row band and its group of arrows
  for (const g of box.querySelectorAll<SVGElement>("[data-step]")) {
    const on = g.dataset.step === String(step);
    g.classList.toggle("current", on);
    if (on && g instanceof SVGGElement) current = g;
  }
  if (!current) return;
  const r = current.getBoundingClientRect();
  const b = box.getBoundingClientRect();
  if (r.top < b.top || r.bottom > b.bottom) box.scrollTop += r.top - b.top - Math.floor(b.height / 3);
}

/**
 * Shows the pictures of a run at `step`: `steps` are its records with the state (and the
 * entries, when the page keeps them), as `run --json --entries --state` prints them.
 */
export function showPictures(scenario: Scenario, steps: readonly StepRecord[], step: number): void {
  if (!boxes.size) return;
  scenarioName = scenario.name;
  if (drawnFor !== steps || !boxes.get("sequence")!.firstElementChild) {
    if (steps.length > SEQUENCE_MAX) {
      shown.delete("sequence");
      const p = document.createElement("p");
      p.className = "none";
      p.textContent = `${steps.length.toLocaleString("en-US")} steps, more than the ${SEQUENCE_MAX.toLocaleString("en-US")} the page draws: dmabuf-map run --svg FILE writes the sequence diagram.`;
      boxes.get("sequence")!.replaceChildren(p);
    } else put("sequence", sequenceSvg(sequenceOf(scenario, steps)));
    drawnFor = steps;
    entries = entriesByMapping(scenario, steps);
  }
  highlight(step);
  const state = steps[step]?.state;
  put("topology", topologySvg(scenario, state));
  put(
    "mappings",
    mappingsSvg(scenario.name, state, (m) => entries.get(m)),
  );
}
