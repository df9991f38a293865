/**
 * Stands in for codemirror-json-schema's utils/markdown (markdown-it with shiki) in the
 * explorer's bundle (scripts/build-web.mjs): the scenario schema's descriptions are
 * plain sentences with `code` spans, so this escapes them and marks the code spans.
 */
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** `markdown` as HTML: every character escaped, `x` as <code>x</code>, a paragraph when not inline. */
export function renderMarkdown(markdown: string, inline = true): string {
  const html = markdown.replace(/[&<>"']/g, (c) => ESCAPES[c]!).replace(/`([^`]+)`/g, "<code>$1</code>");
  return inline ? html : `<p>${html}</p>`;
}
