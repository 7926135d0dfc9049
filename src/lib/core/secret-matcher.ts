/**
 * Finds many fixed strings in a text at once (Aho–Corasick: one pass, linear in the
 * text), ignoring ASCII case and whatever may be slipped between a secret's characters
 * without changing what a reader sees: line breaks and ANSI escape sequences, raw or
 * JSON-escaped (as they appear inside a log line).
 */

const LF = 0x0a;
const CR = 0x0d;
const ESC = 0x1b;
const BACKSLASH = 0x5c;
/** An OSC sequence (e.g. a hyperlink) longer than this is not looked through. */
const OSC_MAX = 512;

const fold = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
const inRange = (c: number, lo: number, hi: number) => c >= lo && c <= hi;

/** The end of a CSI sequence whose parameters start at `j`; -1 when it is none. */
function csiEnd(text: string, j: number): number {
  while (inRange(text.charCodeAt(j), 0x30, 0x3f)) j++;
  while (inRange(text.charCodeAt(j), 0x20, 0x2f)) j++;
  return inRange(text.charCodeAt(j), 0x40, 0x7e) ? j + 1 : -1;
}

/** The end of an OSC sequence whose text starts at `j` (BEL or ST ends it); -1 when none. */
function oscEnd(text: string, j: number, json: boolean): number {
  const ends = json ? ["\\u0007", "\\u001b\\\\", "\\u001B\\\\"] : ["\x07", "\x1b\\"];
  let best = -1;
  for (const end of ends) {
    const at = text.indexOf(end, j);
    if (at >= 0 && at - j <= OSC_MAX && (best < 0 || at + end.length < best))
      best = at + end.length;
  }
  return best;
}

/** The escape sequence starting at `j` (just after ESC or `\u001b`); 0 when none. */
function escapeLength(text: string, j: number, json: boolean): number {
  const c = text.charCodeAt(j);
  const end = c === 0x5b ? csiEnd(text, j + 1) : c === 0x5d ? oscEnd(text, j + 1, json) : -1;
  return end < 0 ? 0 : end - j;
}

/** How many characters at `i` a reader would not see (a break, an ANSI code); 0 if none. */
export function skippedLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === LF || c === CR) return 1;
  if (c === ESC) {
    const n = escapeLength(text, i + 1, false);
    return n > 0 ? n + 1 : 0;
  }
  if (c !== BACKSLASH) return 0;
  const next = text.charCodeAt(i + 1);
  if (next === 0x6e || next === 0x72) return 2; // \n, \r
  if (next !== 0x75) return 0;
  const code = text.slice(i + 2, i + 6).toLowerCase();
  // \u000a, \u000d: a break as the CLI's printable() and some encoders escape it.
  if (code === "000a" || code === "000d") return 6;
  if (code !== "001b") return 0;
  const n = escapeLength(text, i + 6, true);
  return n > 0 ? n + 6 : 0;
}

/**
 * An edge's key: node × 128 + character for ASCII (a small integer, V8's fastest Map
 * key), past every such key for the rest.
 */
const ASCII_KEYS = 2 ** 40;
const edgeKey = (node: number, c: number) =>
  c < 0x80 ? node * 0x80 + c : ASCII_KEYS + node * 0x10000 + c;

export class SecretMatcher {
  /** Every edge but the root's, by edgeKey. */
  private readonly edges = new Map<number, number>();
  /** The root's edges by character (0: none), the most looked-up ones. */
  private readonly root = new Int32Array(0x10000);
  private readonly fail: number[] = [0];
  /** The longest pattern ending at each node (its own, or one of its suffixes'). */
  private readonly best: number[] = [0];

  constructor(patterns: readonly string[]) {
    for (const pattern of patterns) this.insert(pattern);
    this.link();
  }

  private child(node: number, c: number): number | undefined {
    if (node !== 0) return this.edges.get(edgeKey(node, c));
    return this.root[c] || undefined;
  }

  private insert(pattern: string): void {
    let node = 0;
    for (let i = 0; i < pattern.length; i++) {
      const c = fold(pattern.charCodeAt(i));
      let child = this.child(node, c);
      if (child === undefined) {
        child = this.fail.length;
        this.fail.push(0);
        this.best.push(0);
        if (node === 0) this.root[c] = child;
        else this.edges.set(edgeKey(node, c), child);
      }
      node = child;
    }
    this.best[node] = Math.max(this.best[node] ?? 0, pattern.length);
  }

  /** Failure links, breadth first, and each node's longest pattern through them. */
  private link(): void {
    const children = new Map<number, [number, number][]>();
    for (const [key, child] of this.edges) {
      const ascii = key < ASCII_KEYS;
      const rest = ascii ? key : key - ASCII_KEYS;
      const base = ascii ? 0x80 : 0x10000;
      const parent = Math.floor(rest / base);
      const list = children.get(parent) ?? [];
      list.push([rest % base, child]);
      children.set(parent, list);
    }
    const queue = [...this.root].filter((child) => child !== 0);
    for (let q = 0; q < queue.length; q++) {
      const node = queue[q] ?? 0;
      for (const [c, child] of children.get(node) ?? []) {
        const target = this.step(this.fail[node] ?? 0, c);
        this.fail[child] = target;
        this.best[child] = Math.max(this.best[child] ?? 0, this.best[target] ?? 0);
        queue.push(child);
      }
    }
  }

  private step(state: number, c: number): number {
    while (state !== 0) {
      const to = this.edges.get(edgeKey(state, c));
      if (to !== undefined) return to;
      state = this.fail[state] ?? 0;
    }
    return this.root[c] ?? 0;
  }

  /**
   * Where the patterns occur, as merged [start, end) pairs of indexes into `text`,
   * flattened and in order. A match covers the breaks and escapes inside it.
   */
  find(text: string): number[] {
    const origin = new Int32Array(text.length); // kept character → its index in `text`
    const found: number[] = [];
    let kept = 0;
    let state = 0;
    const feed = (i: number) => {
      origin[kept] = i;
      state = this.step(state, fold(text.charCodeAt(i)));
      const length = this.best[state] ?? 0;
      kept++;
      if (length === 0) return;
      let start = origin[kept - length] ?? 0;
      // Overlapping or touching matches become one.
      while (found.length > 0 && start <= (found[found.length - 1] ?? 0)) {
        found.pop();
        start = Math.min(start, found.pop() ?? start);
      }
      found.push(start, i + 1);
    };
    for (let i = 0; i < text.length;) {
      const skip = skippedLength(text, i);
      if (skip > 0) {
        i += skip;
        continue;
      }
      // An escaped backslash is one character: its second half starts no escape.
      const width =
        text.charCodeAt(i) === BACKSLASH && text.charCodeAt(i + 1) === BACKSLASH ? 2 : 1;
      for (let j = i; j < i + width; j++) feed(j);
      i += width;
    }
    return found;
  }
}
