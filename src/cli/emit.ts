// Output formatting for `gatewright render`: YAML and JSON of plain JSON data (what the compiler emits: objects,
// arrays, strings, finite numbers, booleans, null), with a given key order. js-yaml's dump() spent several times the
// compile time on the same output; this writes straight into an array of chunks and never re-parses or clones.
// Every string that YAML could read as something else is double-quoted (JSON escapes are valid YAML escapes), so
// the output loads back to exactly the input with any YAML 1.1 or 1.2 parser.
import { orderedJson, type KeyOrder } from '../compiler/json-order.js';

/** Words YAML 1.1 or 1.2 reads as booleans or null: quoted even where a plain scalar would do. */
const RESERVED = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', '~']);
/** A scalar safe to write plain: starts with a letter, `_` or `/`; no spaces, no `:` or `#`, nothing YAML-special. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function scalar(s: string): string {
  return PLAIN.test(s) && !RESERVED.has(s.toLowerCase()) ? s : JSON.stringify(s);
}

/**
 * A multi-line string (Rego) as a literal block, when YAML keeps it byte for byte: printable characters only, and a
 * first line that starts with neither a space nor a newline (so the indentation needs no indicator). Else undefined.
 */
function literalBlock(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || /^[ \n]/.test(s) || /[^\t\n\x20-\x7e\u00a0-\ud7ff\ue000-\ufefe\uff00-\ufffd]/.test(s))
    return undefined;
  const body = s.replace(/\n+$/, '');
  const trailing = s.length - body.length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const lines = (trailing > 1 ? s.slice(0, -1) : body).split('\n');
  const pad = indent + '  ';
  return `|${chomp}\n${lines.map((l) => (l === '' ? '' : pad + l)).join('\n')}`;
}

/**
 * The keys of `o` in `order`, undefined values left out. The compiler builds nearly every object with its keys in
 * order already, so they are checked pairwise and sorted only when they are not.
 */
function sortedKeys(o: Record<string, unknown>, order: KeyOrder): string[] {
  const keys = Object.keys(o);
  let sorted = true;
  let holesAt = -1;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (sorted && i > 0 && order(keys[i - 1] as string, k) >= 0) sorted = false;
    if (holesAt < 0 && o[k] === undefined) holesAt = i;
  }
  if (!sorted) keys.sort(order);
  return holesAt < 0 ? keys : keys.filter((key) => o[key] !== undefined);
}

/** One YAML stream being written: its chunks, its key order, and what was seen of the objects met so far. */
interface YamlWriter {
  out: string[];
  order: KeyOrder;
  /**
   * A container value met once (the indent it was written at), or met again at that indent (its text). The
   * compiler shares one match between a policy's constraints: that text is then written once per policy, not per
   * constraint. The compiler's output is never mutated, so a container's text cannot change within one stream.
   */
  seen: WeakMap<object, string | { indent: string; text: string }>;
}

function yamlValue(v: unknown, indent: string, w: YamlWriter): void {
  // Called after "key:" or "- ": writes the rest of the line and any nested lines.
  if (typeof v !== 'object' || v === null) {
    w.out.push(' ', yamlScalar(v, indent), '\n');
    return;
  }
  const seen = w.seen.get(v);
  if (typeof seen === 'object' && seen.indent === indent) {
    w.out.push(seen.text);
  } else if (seen === indent) {
    // The second time at the same indent: write it aside once, then reuse the text.
    const out = w.out;
    w.out = [];
    yamlContainer(v, indent, w);
    const text = w.out.join('');
    w.out = out;
    w.seen.set(v, { indent, text });
    out.push(text);
  } else {
    if (seen === undefined) w.seen.set(v, indent);
    yamlContainer(v, indent, w);
  }
}

function yamlContainer(v: object, indent: string, w: YamlWriter): void {
  if (Array.isArray(v)) {
    if (v.length === 0) {
      w.out.push(' []\n');
      return;
    }
    w.out.push('\n');
    yamlSequence(v, indent + '  ', w);
  } else {
    const o = v as Record<string, unknown>;
    const keys = sortedKeys(o, w.order);
    if (keys.length === 0) {
      w.out.push(' {}\n');
      return;
    }
    w.out.push('\n');
    yamlMapping(o, keys, indent + '  ', w);
  }
}

function yamlScalar(v: unknown, indent: string): string {
  if (typeof v === 'string') return literalBlock(v, indent) ?? scalar(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot render the number ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return 'null';
  throw new Error(`cannot render a value of type ${typeof v}`);
}

function yamlMapping(o: Record<string, unknown>, keys: string[], indent: string, w: YamlWriter): void {
  for (const k of keys) {
    w.out.push(indent, scalar(k), ':');
    yamlValue(o[k], indent, w);
  }
}

function yamlSequence(a: unknown[], indent: string, w: YamlWriter): void {
  for (const item of a) {
    const keys = isRecord(item) ? sortedKeys(item, w.order) : [];
    if (keys.length > 0) {
      // "- first: value" then the other keys aligned under "first".
      const record = item as Record<string, unknown>;
      const inner = indent + '  ';
      keys.forEach((k, i) => {
        w.out.push(i === 0 ? `${indent}- ` : inner, scalar(k), ':');
        yamlValue(record[k], inner, w);
      });
    } else if (Array.isArray(item) && item.length > 0) {
      w.out.push(indent, '-\n');
      yamlSequence(item, indent + '  ', w);
    } else if (typeof item === 'string') {
      w.out.push(indent, '- ', scalar(item), '\n');
    } else {
      w.out.push(indent, '-');
      yamlValue(item, indent, w);
    }
  }
}

/** One YAML document (no `---`), keys in `order` at every level. */
export function toYaml(doc: Record<string, unknown>, order: KeyOrder): string {
  return toYamlStream([doc], order);
}

/** YAML documents separated by `---` lines, keys in `order` at every level. */
export function toYamlStream(docs: Record<string, unknown>[], order: KeyOrder): string {
  const w: YamlWriter = { out: [], order, seen: new WeakMap() };
  docs.forEach((doc, i) => {
    if (i > 0) w.out.push('---\n');
    yamlMapping(doc, sortedKeys(doc, order), '', w);
  });
  return w.out.join('');
}

/**
 * JSON with two-space indentation, keys in `order` at every level. (Integer-like keys come first whatever the order:
 * JavaScript objects keep them so.)
 */
export function toJson(v: unknown, order: KeyOrder): string {
  return orderedJson(v, order, 2);
}
