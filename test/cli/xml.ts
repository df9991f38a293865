/**
 * A small strict XML 1.0 well-formedness checker for the JUnit test: one root element,
 * matching tags, quoted unique attributes, only the five predefined entities and
 * character references, no characters XML forbids. Returns the element tree.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
// Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
const FORBIDDEN = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

export function parseXml(src: string): XmlElement {
  const bad = FORBIDDEN.exec(src);
  if (bad) throw new Error(`character U+${bad[0].codePointAt(0)!.toString(16)} is not allowed in XML at ${bad.index}`);
  let i = 0;
  const fail = (m: string): never => {
    throw new Error(`${m} at offset ${i}: ${JSON.stringify(src.slice(i, i + 30))}`);
  };
  const ws = () => {
    while (/[ \t\r\n]/.test(src[i] ?? "")) i++;
  };
  const name = () => {
    NAME.lastIndex = i;
    const m = NAME.exec(src) ?? fail("expected a name");
    i += m[0].length;
    return m[0];
  };
  const decode = (s: string) => {
    if (/[<]/.test(s)) fail("'<' in character data or attribute");
    return s.replace(/&([^;]*);|&/g, (all, ref: string | undefined) => {
      if (ref === undefined) return fail("bare '&'");
      if (ref in ENTITIES) return ENTITIES[ref]!;
      const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref) ?? fail(`unknown entity &${ref};`);
      const cp = m[1] ? parseInt(m[1], 16) : Number(m[2]);
      const ch = String.fromCodePoint(cp);
      if (FORBIDDEN.test(ch)) fail(`character reference to forbidden U+${cp.toString(16)}`);
      return ch;
    });
  };
  const misc = () => {
    for (;;) {
      ws();
      if (src.startsWith("<!--", i)) {
        const end = src.indexOf("-->", i + 4);
        if (end < 0) fail("unterminated comment");
        i = end + 3;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (src[i] !== "<") fail("expected '<'");
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: "" };
    for (;;) {
      const before = i;
      ws();
      if (src.startsWith("/>", i)) {
        i += 2;
        return el;
      }
      if (src[i] === ">") {
        i++;
        break;
      }
      if (i === before) fail("expected whitespace before an attribute");
      const a = name();
      ws();
      if (src[i++] !== "=") fail("expected '='");
      ws();
      const q = src[i++];
      if (q !== '"' && q !== "'") fail("attribute value must be quoted");
      const end = src.indexOf(q!, i);
      if (end < 0) fail("unterminated attribute value");
      if (Object.hasOwn(el.attrs, a)) fail(`duplicate attribute ${a}`);
      el.attrs[a] = decode(src.slice(i, end));
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf("<", i);
      if (lt < 0) fail(`unclosed <${el.name}>`);
      el.text += decode(src.slice(i, lt));
      i = lt;
      if (src.startsWith("</", i)) {
        i += 2;
        if (name() !== el.name) fail(`mismatched closing tag for <${el.name}>`);
        ws();
        if (src[i++] !== ">") fail("expected '>'");
        return el;
      }
      if (src.startsWith("<!--", i)) misc();
      else el.children.push(element());
    }
  };
  if (src.startsWith("<?xml")) {
    const end = src.indexOf("?>");
    if (end < 0 || !/^<\?xml version="1\.[0-9]"( encoding="[A-Za-z0-9._-]+")?( standalone="(yes|no)")? ?\?>$/.test(src.slice(0, end + 2)))
      fail("bad XML declaration");
    i = end + 2;
  }
  misc();
  const root = element();
  misc();
  if (i !== src.length) fail("content after the root element");
  return root;
}
