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
 * The keys of `o` in `order`, undefined values left out. The compiler's output repeats a few dozen shapes (key sets)
 * over thousands of objects, so each shape is sorted once, per order.
 */
const shapes = new WeakMap<KeyOrder, Map<string, string[]>>();
function sortedKeys(o: Record<string, unknown>, order: KeyOrder): string[] {
  let byShape = shapes.get(order);
  if (byShape === undefined) shapes.set(order, (byShape = new Map()));
  const keys = Object.keys(o);
  const shape = JSON.stringify(keys);
  let sorted = byShape.get(shape);
  if (sorted === undefined) {
    sorted = keys.sort(order);
    byShape.set(shape, sorted);
  }
  for (const k of sorted) if (o[k] === undefined) return sorted.filter((key) => o[key] !== undefined);
  return sorted;
}

function yamlValue(v: unknown, indent: string, out: string[], order: KeyOrder): void {
  // Called after "key:" or "- ": writes the rest of the line and any nested lines.
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push(' []\n');
      return;
    }
    out.push('\n');
    yamlSequence(v, indent + '  ', out, order);
  } else if (isRecord(v)) {
    if (sortedKeys(v, order).length === 0) {
      out.push(' {}\n');
      return;
    }
    out.push('\n');
    yamlMapping(v, indent + '  ', out, order);
  } else {
    out.push(' ', yamlScalar(v, indent), '\n');
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

function yamlMapping(o: Record<string, unknown>, indent: string, out: string[], order: KeyOrder): void {
  for (const k of sortedKeys(o, order)) {
    out.push(indent, scalar(k), ':');
    yamlValue(o[k], indent, out, order);
  }
}

function yamlSequence(a: unknown[], indent: string, out: string[], order: KeyOrder): void {
  for (const item of a) {
    if (isRecord(item) && sortedKeys(item, order).length > 0) {
      // "- first: value" then the other keys aligned under "first".
      const keys = sortedKeys(item, order);
      const inner = indent + '  ';
      keys.forEach((k, i) => {
        out.push(i === 0 ? `${indent}- ` : inner, scalar(k), ':');
        yamlValue(item[k], inner, out, order);
      });
    } else if (Array.isArray(item) && item.length > 0) {
      out.push(indent, '-\n');
      yamlSequence(item, indent + '  ', out, order);
    } else if (typeof item === 'string') {
      out.push(indent, '- ', scalar(item), '\n');
    } else {
      out.push(indent, '-');
      yamlValue(item, indent, out, order);
    }
  }
}

/** One YAML document (no `---`), keys in `order` at every level. */
export function toYaml(doc: Record<string, unknown>, order: KeyOrder): string {
  const out: string[] = [];
  yamlMapping(doc, '', out, order);
  return out.join('');
}

/**
 * JSON with two-space indentation, keys in `order` at every level. (Integer-like keys come first whatever the order:
 * JavaScript objects keep them so.)
 */
export function toJson(v: unknown, order: KeyOrder): string {
  return orderedJson(v, order, 2);
}
