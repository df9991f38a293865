/**
 * Strict JSON reading for scenarios. JSON.parse keeps the last of two equal keys and
 * turns invalid UTF-8 into U+FFFD, so two different inputs can read the same; this
 * reader refuses them instead: duplicate keys at any depth, bytes that are not UTF-8,
 * lone surrogates in strings, and number literals longer than LIMITS.numberLength are
 * problems that name their JSON path. Syntax errors name the line and column. The parser
 * is iterative (any nesting depth) and keeps "__proto__" as an ordinary own key.
 */
import { LIMITS } from "./fields.js";

/** One problem with the input, like a zod issue: where, what kind (code), and a message. */
export interface Issue {
  path: (string | number)[];
  code: string;
  message: string;
}

/** The longest problem list kept; later problems are only counted. */
export const MAX_PROBLEMS = 100;

/** Collects the first MAX_PROBLEMS problems and counts the rest. */
export class Problems {
  readonly issues: Issue[] = [];
  more = 0;
  /** Records a problem (`path` may be a function, only called while there is room). */
  add(path: (string | number)[] | (() => (string | number)[]), code: string, message: string): void {
    if (this.issues.length < MAX_PROBLEMS) this.issues.push({ path: typeof path === "function" ? path() : path, code, message });
    else this.more++;
  }
  get full(): boolean {
    return this.issues.length >= MAX_PROBLEMS;
  }
  get count(): number {
    return this.issues.length + this.more;
  }
}

/** Sets own property `key` (also "__proto__", which plain assignment would turn into a prototype). */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}

/** Line and column (1-based) of offset `at` in `text` (a string, or UTF-8 bytes). */
function position(text: string | Uint8Array, at: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < at; i++) {
    if ((typeof text === "string" ? text.charCodeAt(i) : text[i]) === 10) {
      line++;
      start = i + 1;
    }
  }
  return `line ${line}, column ${at - start + 1}`;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    // the second byte's range excludes overlong forms, surrogates and code points past U+10FFFF
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i + k;
    }
    i += n + 1;
  }
  return -1;
}

/** UTF-8 bytes to text; a byte that is not UTF-8 is a problem naming its line and column. */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { issue: Issue } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    const at = Math.max(0, firstInvalidUtf8(bytes));
    const byte = bytes[at] === undefined ? "the end of the input" : `byte 0x${bytes[at]!.toString(16).padStart(2, "0")}`;
    return { issue: { path: [], code: "invalid_utf8", message: `input is not valid UTF-8: ${byte} at ${position(bytes, at)}` } };
  }
}

class Syntax extends Error {}

const ESCAPES = new Map(Object.entries({ '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }));

const isWellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** A container being filled: its value, and the key or index its next child goes under. */
interface Frame {
  value: Record<string, unknown> | unknown[];
  key: string | number;
}

/**
 * A JSON text being read: `i` is the position, `stack` the containers being filled (the
 * path of a problem is their keys). Containers are kept on the stack rather than in
 * recursion, so nesting depth costs no call stack.
 */
class JsonReader {
  i = 0;
  readonly stack: Frame[] = [];
  readonly path = () => this.stack.map((f) => f.key);

  constructor(
    readonly text: string,
    readonly problems: Problems,
  ) {}

  fail(what: string): never {
    throw new Syntax(`malformed JSON: ${what} at ${position(this.text, Math.min(this.i, this.text.length))}`);
  }

  found(): string {
    return this.i >= this.text.length ? "the end of the input" : JSON.stringify(this.text[this.i]);
  }

  ws(): void {
    const text = this.text;
    let i = this.i;
    for (let c = text.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9; c = text.charCodeAt(++i));
    this.i = i;
  }

  string(): string {
    const text = this.text;
    const start = ++this.i; // past the opening quote
    let out = "";
    let from = start;
    for (;;) {
      const c = text.charCodeAt(this.i);
      if (c === 34) break;
      if (c !== c) this.fail("unterminated string");
      if (c < 0x20) this.fail(`control character U+${c.toString(16).padStart(4, "0")} in a string (write it as \\u${c.toString(16).padStart(4, "0")})`);
      if (c !== 92) {
        this.i++;
        continue;
      }
      out += text.slice(from, this.i) + this.escape();
      from = this.i;
    }
    out += text.slice(from, this.i++);
    return out;
  }

  /** The escape at `i` (a backslash), read past. */
  private escape(): string {
    const { text, i } = this;
    const simple = ESCAPES.get(text[i + 1]!);
    if (simple !== undefined) {
      this.i += 2;
      return simple;
    }
    if (text[i + 1] === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      this.i += 6;
      return String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
    }
    this.i++;
    return this.fail(`bad escape ${JSON.stringify(text.slice(i, i + 6))} in a string`);
  }

  checkText(s: string): void {
    if (!isWellFormed(s)) this.problems.add(this.path, "lone_surrogate", "a string holds a lone surrogate (half of a UTF-16 pair), which is not text");
  }

  private digits(): number {
    const text = this.text;
    const s = this.i;
    while (text.charCodeAt(this.i) >= 48 && text.charCodeAt(this.i) <= 57) this.i++;
    return this.i - s;
  }

  number(): number {
    const text = this.text;
    const start = this.i;
    if (text[this.i] === "-") this.i++;
    const lead = text[this.i];
    if (!this.digits()) this.fail(`expected a value but found ${this.found()}`);
    if (lead === "0" && this.i - start > (text[start] === "-" ? 2 : 1)) this.fail("a number cannot have leading zeros");
    if (text[this.i] === "." && (this.i++, !this.digits())) this.fail("expected digits after the decimal point");
    if (text[this.i] === "e" || text[this.i] === "E") {
      this.i++;
      if (text[this.i] === "+" || text[this.i] === "-") this.i++;
      if (!this.digits()) this.fail("expected digits in the exponent");
    }
    if (this.i - start > LIMITS.numberLength) this.problems.add(this.path, "too_long", `a number literal has at most ${LIMITS.numberLength} characters`);
    return Number(text.slice(start, this.i));
  }

  word(w: string, v: unknown): unknown {
    if (!this.text.startsWith(w, this.i)) return this.fail(`expected a value but found ${this.found()}`);
    this.i += w.length;
    return v;
  }

  /** Reads a scalar, or opens a container (returned as the new frame's value). */
  value(): unknown {
    this.ws();
    const c = this.text[this.i];
    if (c === "{" || c === "[") return this.open(c);
    if (c === '"') {
      const s = this.string();
      this.checkText(s);
      return s;
    }
    const w = WORDS.get(c!);
    return w ? this.word(w[0], w[1]) : this.number();
  }

  private open(c: "{" | "["): Frame {
    this.i++;
    this.ws();
    const frame: Frame = { value: c === "{" ? {} : [], key: 0 };
    this.stack.push(frame);
    if (c === "{" && this.text[this.i] !== "}") frame.key = this.key(frame);
    return frame;
  }

  key(frame: Frame): string {
    this.ws();
    if (this.text[this.i] !== '"') this.fail(`expected a property name in double quotes but found ${this.found()}`);
    const k = this.string();
    frame.key = k;
    this.checkText(k);
    this.ws();
    if (this.text[this.i] !== ":") this.fail(`expected ':' after a property name but found ${this.found()}`);
    this.i++;
    if (Object.hasOwn(frame.value, k)) {
      this.problems.add(this.path, "duplicate_key", `key ${JSON.stringify(k)} appears twice in the same object`);
    }
    return k;
  }

  /** Stores a finished value into the top frame (or as the root), closing the frames that end with it. */
  store(v: unknown, root: { value?: unknown }): void {
    const stack = this.stack;
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) {
        root.value = v;
        return;
      }
      if (Array.isArray(top.value)) top.value.push(v);
      else setOwn(top.value, top.key as string, v);
      this.ws();
      const c = this.text[this.i];
      const close = Array.isArray(top.value) ? "]" : "}";
      if (c === ",") {
        this.i++;
        if (Array.isArray(top.value)) top.key = top.value.length;
        else top.key = this.key(top);
        return;
      }
      if (c !== close) this.fail(`expected ',' or '${close}' but found ${this.found()}`);
      this.i++;
      stack.pop();
      v = top.value;
    }
  }

  /** The whole text's value (Syntax when it is not JSON). */
  read(): unknown {
    const stack = this.stack;
    const root: { value?: unknown } = {};
    for (;;) {
      let v = this.value();
      // an empty container closes at once
      while (v && typeof v === "object" && stack[stack.length - 1] === v) {
        const f = v as Frame;
        const close = Array.isArray(f.value) ? "]" : "}";
        if (this.text[this.i] !== close) break;
        this.i++;
        stack.pop();
        v = f.value;
      }
      if (v && typeof v === "object" && stack[stack.length - 1] === v) continue; // a non-empty container: read its first child
      this.store(v, root);
      if (!stack.length) break;
    }
    this.ws();
    if (this.i < this.text.length) this.fail(`unexpected ${this.found()} after the end of the JSON value`);
    return root.value;
  }
}

/** The literal words and their values, by first character. */
const WORDS = new Map<string, [string, unknown]>([
  ["t", ["true", true]],
  ["f", ["false", false]],
  ["n", ["null", null]],
]);

/**
 * Parses JSON text (a leading byte order mark is skipped). Syntax errors stop the parse
 * and are the only problem; the other problems are collected into `problems` and the
 * value is still built (the later of two equal keys wins, as in JSON.parse).
 */
export function parseJson(input: string, problems: Problems): { value: unknown } | undefined {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  try {
    return { value: new JsonReader(text, problems).read() };
  } catch (e) {
    if (!(e instanceof Syntax)) throw e;
    problems.add([], "invalid_json", e.message);
    return undefined;
  }
}
