/**
 * The pieces every picture is made of: text escaped for XML (names may hold `<>&"'` and
 * control characters), integer coordinates, and a standalone SVG document with its own
 * style, so a picture reads the same in a browser, an image viewer and a canvas. Pure
 * string output: no floats, no clock, no randomness, so Node and Chromium write the
 * same bytes.
 */
import { escapeControls } from "../scenario/report.js";

/** Text for an SVG element or attribute: control characters as escapes, then `&<>"'` as entities. */
export function esc(s: string): string {
  return escapeControls(s).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** At most `max` characters of `s` (an ellipsis marks a cut): labels keep their boxes; the full text is in a <title>. */
export function clip(s: string, max: number): string {
  const chars = [...escapeControls(s)];
  return chars.length <= max ? chars.join("") : chars.slice(0, max - 1).join("") + "…";
}

/** Attributes in the given order; numbers are rounded to integers, so no engine's float formatting shows. */
export function attrs(a: Record<string, string | number | undefined>): string {
  let out = "";
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    out += ` ${k}="${typeof v === "number" ? String(Math.round(v)) : esc(v)}"`;
  }
  return out;
}

/** An element: `<tag a="…">body</tag>`, or self-closed without a body. */
export function tag(name: string, a: Record<string, string | number | undefined>, body?: string): string {
  return body === undefined ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${body}</${name}>`;
}

/** A text element whose content is escaped (`s` is plain text). */
export const text = (a: Record<string, string | number | undefined>, s: string) => tag("text", a, esc(s));

/** The style every picture carries, plus its own rules. */
const BASE_STYLE =
  "text{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,monospace;font-size:11px;fill:#1d2430}" +
  ".title{font-size:13px;font-weight:bold}.small{font-size:9px;fill:#5b6472}.bg{fill:#ffffff}";

/** Every rule of `css` scoped to the picture's root, so a picture drawn inside a page styles only itself. */
function scoped(kind: string, css: string): string {
  const root = `svg[data-picture="${kind}"]`;
  return css
    .split("}")
    .filter((r) => r.includes("{"))
    .map((r) => {
      const [sel, body] = r.split("{") as [string, string];
      return `${sel
        .split(",")
        .map((x) => `${root} ${x.trim()}`)
        .join(",")}{${body}}`;
    })
    .join("");
}

/**
 * A standalone SVG document, `width` × `height`, titled (`<title>` and aria-label), with
 * `kind` in `data-picture`. The width is the picture's own; a page may scale it.
 */
export function svgDoc(kind: string, title: string, width: number, height: number, style: string, body: string): string {
  const w = Math.round(width);
  const h = Math.round(height);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": title, "data-picture": kind })}>` +
    `<title>${esc(title)}</title><style>${scoped(kind, BASE_STYLE + style)}</style>` +
    tag("rect", { class: "bg", x: 0, y: 0, width: w, height: h }) +
    body +
    "</svg>\n"
  );
}
