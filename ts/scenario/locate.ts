/**
 * Where a JSON path's value starts in the text it was read from: line and column
 * (1-based, in UTF-16 units like an editor's), for `validate`'s `file:line:col` lines.
 * One pass over the text for all paths at once, following only the branches a path
 * names, so a problem list of a 50 MB input costs one scan, not one per problem. A path
 * whose value is absent (a missing field) resolves to its deepest present ancestor.
 */

/** A 1-based position in the text. */
export interface Position {
  line: number;
  column: number;
}

interface Node {
  children: Map<string, Node>;
  /** Offset of this path's value, once seen. */
  at?: number;
}

const node = (): Node => ({ children: new Map() });

/** Skips a string starting at its opening quote; returns the offset past its closing quote. */
function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i + 1;
  }
  return i;
}

/** The key of a string token (escapes decoded the way JSON does). */
const keyOf = (text: string, from: number, to: number): string => {
  const raw = text.slice(from, to);
  return raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
};

/** Marks the offset of every value whose path is in the trie. */
function walk(text: string, root: Node): void {
  // a frame per open container: the trie node of its path (undefined: no path goes there) and the next key
  const stack: { node: Node | undefined; array: boolean; index: number; key?: string }[] = [];
  const child = (): Node | undefined => {
    const top = stack[stack.length - 1];
    if (!top) return root;
    const k = top.array ? String(top.index) : top.key;
    return k === undefined ? undefined : top.node?.children.get(k);
  };
  let expectKey = false;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff || c === 58) {
      i++;
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === 44) {
      if (top?.array) top.index++;
      else expectKey = true;
      i++;
      continue;
    }
    if (c === 93 || c === 125) {
      stack.pop();
      i++;
      continue;
    }
    if (expectKey && c === 34) {
      const end = skipString(text, i);
      if (top?.node) top.key = keyOf(text, i, end);
      expectKey = false;
      i = end;
      continue;
    }
    const n = child();
    if (n && n.at === undefined) n.at = i;
    if (c === 123 || c === 91) {
      stack.push({ node: n, array: c === 91, index: 0 });
      expectKey = c === 123;
      i++;
    } else if (c === 34) i = skipString(text, i);
    else while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  }
}

/** Line and column of each offset, in one sweep. */
function positions(text: string, offsets: readonly number[]): Map<number, Position> {
  const out = new Map<number, Position>();
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  let line = 1;
  let start = 0;
  let i = 0;
  for (const at of sorted) {
    for (; i < at; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        start = i + 1;
      }
    }
    out.set(at, { line, column: at - start + 1 });
  }
  return out;
}

/** The position of each path's value (or its deepest present ancestor) in `text`, which parsed as JSON. */
export function locate(text: string, paths: readonly (readonly (string | number)[])[]): (Position | undefined)[] {
  const root = node();
  for (const p of paths) {
    let n = root;
    for (const k of p) {
      const key = String(k);
      let next = n.children.get(key);
      if (!next) n.children.set(key, (next = node()));
      n = next;
    }
  }
  walk(text, root);
  const found = paths.map((p) => {
    let n: Node | undefined = root;
    let at = root.at;
    for (const k of p) {
      n = n?.children.get(String(k));
      if (n?.at !== undefined) at = n.at;
    }
    return at;
  });
  const pos = positions(
    text,
    found.filter((x): x is number => x !== undefined),
  );
  return found.map((at) => (at === undefined ? undefined : pos.get(at)));
}
