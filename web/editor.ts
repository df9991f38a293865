/**
 * The explorer's scenario editor: CodeMirror 6 with JSON language support and the
 * scenario JSON Schema (schemas/scenario.schema.json, through codemirror-json-schema):
 * lint markers, completion of fields and enum values, hover docs from the schema's
 * descriptions, and completion of the names the scenario declares (devices, host
 * bridges, switches, buffers, attachments, mappings: {@link NAME_SOURCES}). Bundled by
 * esbuild into dist/web/explorer.js (scripts/build-web.mjs leaves out the library's
 * markdown, JSON5 and YAML parts: web/cm-stubs/).
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { json, jsonLanguage, jsonParseLinter } from "@codemirror/lang-json";
import { bracketMatching, defaultHighlightStyle, foldGutter, indentOnInput, syntaxHighlighting, syntaxTree } from "@codemirror/language";
import { linter, lintGutter, lintKeymap, type Diagnostic } from "@codemirror/lint";
import { EditorSelection, Prec, type EditorState, type Extension } from "@codemirror/state";
import { EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, hoverTooltip, keymap, lineNumbers } from "@codemirror/view";
import type { SyntaxNode } from "@lezer/common";
import * as cmJsonSchema from "codemirror-json-schema";

// The package's index.d.ts re-exports without file extensions, which NodeNext resolution
// drops: its functions are typed here, as the editor uses them.
const { handleRefresh, jsonCompletion, jsonSchemaHover, jsonSchemaLinter, stateExtensions } = cmJsonSchema as unknown as {
  handleRefresh: NonNullable<Parameters<typeof linter>[1]>["needsRefresh"];
  jsonCompletion: () => (ctx: CompletionContext) => CompletionResult | null | Promise<CompletionResult | null>;
  jsonSchemaHover: () => Parameters<typeof hoverTooltip>[0];
  jsonSchemaLinter: () => (view: EditorView) => Diagnostic[];
  stateExtensions: (schema: object) => Extension[];
};

/** Past this many characters the schema linter rests (the page's own validation still names every problem). */
export const SCHEMA_LINT_MAX = 1 << 20;

type Doc = Record<string, unknown> & { steps?: Record<string, unknown>[] };
const keys = (o: unknown) => (o && typeof o === "object" ? Object.keys(o) : []);
/** The values of `field` in the steps whose op is `op`. */
const declared = (doc: Doc, op: string, field: string) =>
  (Array.isArray(doc.steps) ? doc.steps : []).filter((s) => s?.op === op && typeof s[field] === "string").map((s) => s[field] as string);

/**
 * Where the names a field refers to are declared, by field (the schema's descriptions
 * say the same: "a key of devices", "declared by an earlier export"). A field whose
 * step declares a new name (export's `buffer`) offers none.
 */
export const NAME_SOURCES: Record<string, { names: (doc: Doc) => string[]; declares?: string }> = {
  root: { names: (d) => keys(d.hostBridges) },
  switch: { names: (d) => keys(d.switches) },
  pf: { names: (d) => keys(d.devices) },
  exporter: { names: (d) => keys(d.devices) },
  importer: { names: (d) => keys(d.devices) },
  holder: { names: (d) => keys(d.devices) },
  buffer: { names: (d) => declared(d, "export", "buffer"), declares: "export" },
  attachment: { names: (d) => declared(d, "attach", "as") },
  mapping: { names: (d) => declared(d, "map", "as") },
};

const text = (state: EditorState, n: SyntaxNode | null | undefined) => (n ? state.sliceDoc(n.from, n.to) : "");
const unquote = (s: string) => s.replace(/^"|"$/g, "");

/** The properties of an Object node, by name (unquoted), with their value nodes. */
function properties(st: EditorState, obj: SyntaxNode | null | undefined): [string, SyntaxNode | null][] {
  return (obj?.getChildren("Property") ?? []).map((p) => [unquote(text(st, p.getChild("PropertyName"))), p.lastChild]);
}

/**
 * What the names come from, read off the syntax tree (so half-typed text still
 * completes): the keys of the top-level maps, and each step's string fields.
 */
function namesDoc(st: EditorState): Doc {
  const doc: Doc = {};
  for (const [key, value] of properties(st, syntaxTree(st).topNode.getChild("Object"))) {
    if (value?.name === "Object") doc[key] = Object.fromEntries(properties(st, value).map(([k]) => [k, {}]));
    if (key === "steps" && value?.name === "Array")
      doc.steps = value
        .getChildren("Object")
        .map((o) => Object.fromEntries(properties(st, o).flatMap(([k, v]) => (v?.name === "String" ? [[k, unquote(text(st, v))]] : []))));
  }
  return doc;
}

/** Completes a name in a string value whose property names a declared thing (NAME_SOURCES). */
function nameCompletion(ctx: CompletionContext): CompletionResult | null {
  const st = ctx.state;
  const node = syntaxTree(ctx.state).resolveInner(ctx.pos, -1);
  if (node.name !== "String" || node.parent?.name !== "Property") return null;
  const prop = node.parent;
  if (prop.firstChild?.name !== "PropertyName" || prop.firstChild.from === node.from) return null;
  const source = NAME_SOURCES[unquote(text(st, prop.firstChild))];
  if (!source) return null;
  if (source.declares) {
    const obj = prop.parent;
    for (let p = obj?.firstChild; p; p = p.nextSibling) {
      if (p.name === "Property" && unquote(text(st, p.firstChild)) === "op" && unquote(text(st, p.lastChild)) === source.declares) return null;
    }
  }
  const names = [...new Set(source.names(namesDoc(st)))];
  return {
    from: node.from + 1,
    to: Math.max(node.from + 1, node.to - (text(st, node).endsWith('"') && node.to > node.from + 1 ? 1 : 0)),
    options: names.map((n) => ({ label: n, type: "variable", detail: "declared in this scenario" })),
    validFor: /^[^"\\]*$/,
  };
}

/** The editor as the page uses it. */
export interface ScenarioEditor {
  view: EditorView;
  text(): string;
  /** Replaces the whole text (an edit the page makes: it is not undone by Ctrl+Z into another scenario). */
  setText(s: string): void;
  /** Moves the cursor to line:column (1-based, UTF-16 units as ts/scenario/locate.ts gives them) and focuses the editor. */
  goto(line: number, column: number): void;
  /** The cursor's line:column (1-based). */
  cursor(): { line: number; column: number };
}

/** A CodeMirror editor in `parent` for scenarios under `schema`; `changed` runs on every edit. */
export function createEditor(parent: HTMLElement, schema: object, changed: () => void): ScenarioEditor {
  const schemaLint = jsonSchemaLinter();
  const view = new EditorView({
    parent,
    extensions: [
      lineNumbers(),
      highlightActiveLineGutter(),
      foldGutter(),
      lintGutter(),
      history(),
      drawSelection(),
      indentOnInput(),
      bracketMatching(),
      closeBrackets(),
      highlightActiveLine(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      autocompletion(),
      // Ctrl+Enter runs and Ctrl+Shift+Enter validates (the page's keys): no blank line here
      Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => true, shift: () => true }])),
      keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap, indentWithTab]),
      json(),
      linter(jsonParseLinter()),
      linter((v): Diagnostic[] => (v.state.doc.length > SCHEMA_LINT_MAX ? [] : schemaLint(v)), { needsRefresh: handleRefresh }),
      jsonLanguage.data.of({ autocomplete: jsonCompletion() }),
      jsonLanguage.data.of({ autocomplete: nameCompletion }),
      hoverTooltip(jsonSchemaHover()),
      stateExtensions(schema),
      EditorView.updateListener.of((u) => u.docChanged && changed()),
      EditorView.contentAttributes.of({ "aria-label": "Scenario JSON" }),
    ],
  });
  const api: ScenarioEditor = {
    view,
    text: () => view.state.doc.toString(),
    setText(s) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: s }, selection: EditorSelection.cursor(0) });
    },
    goto(line, column) {
      const l = view.state.doc.line(Math.max(1, Math.min(view.state.doc.lines, line)));
      const pos = Math.min(l.to, l.from + Math.max(0, column - 1));
      view.dispatch({ selection: EditorSelection.cursor(pos), effects: EditorView.scrollIntoView(pos, { y: "center" }) });
      view.focus();
    },
    cursor() {
      const pos = view.state.selection.main.head;
      const l = view.state.doc.lineAt(pos);
      return { line: l.number, column: pos - l.from + 1 };
    },
  };
  // scripts and the browser tests reach the editor through its element
  Object.assign(parent, { scenarioEditor: api });
  return api;
}
