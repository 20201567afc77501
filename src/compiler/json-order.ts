// JSON with object keys in a given order, for plain JSON data (objects, arrays, strings, numbers, booleans, null):
// the spec hashes and fingerprints (code-point order) and `gatewright render -o json` (kubectl's order). Both end in
// one JSON.stringify, V8's serialiser being far faster than any JSON writer in JS; what is already in order is passed
// to it as it is, and only the objects whose keys are out of order (or hold undefined values) are copied.

export type KeyOrder = (a: string, b: string) => number;

/** Code-point order, independent of the locale the process runs in. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An array-index-like key: JavaScript objects keep these first, in numeric order, whatever order they were set in. */
const isIndexKey = (k: string): boolean => {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(?:0|[1-9]\d*)$/.test(k) && Number(k) < 4294967295;
};

class IndexKeyFound extends Error {}

/** What an undefined object value becomes: left out (JSON.stringify's way) or null (canonicalJson's, kept for hashes). */
type Undefined = 'drop' | 'null';

/**
 * `v` with the keys of every object in `order`. Objects and arrays already in order are returned as they are (no
 * copy). `strict` throws IndexKeyFound for an object out of order with an index-like key: its copy could not be.
 */
function inOrder(v: unknown, order: KeyOrder, undef: Undefined, strict: boolean): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const y = inOrder(x, order, undef, strict);
      if (y !== x) (copy ??= v.slice())[i] = y;
    }
    return copy ?? v;
  }
  const o = v as Record<string, unknown>;
  // for…in rather than Object.keys: no array per object on the common path, where nothing needs copying.
  let sorted = true;
  let previous: string | undefined;
  let values: unknown[] | undefined;
  let i = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (sorted && previous !== undefined && order(previous, k) >= 0) sorted = false;
    previous = k;
    const x = o[k];
    const y = x === undefined ? (undef === 'null' ? null : undefined) : inOrder(x, order, undef, strict);
    // A copy of the values starts at the first one that differs (usually none does).
    if (values === undefined && y !== x)
      values = Object.keys(o)
        .slice(0, i)
        .map((key) => o[key]);
    values?.push(y);
    i++;
  }
  if (sorted && values === undefined) return o;
  const keys = Object.keys(o);
  if (strict && !sorted && keys.some(isIndexKey)) throw new IndexKeyFound();
  const out: Record<string, unknown> = {};
  const indexes = keys.map((_, i) => i);
  if (!sorted) indexes.sort((a, b) => order(keys[a] as string, keys[b] as string));
  for (const i of indexes) {
    const k = keys[i] as string;
    const value = values ? values[i] : o[k];
    if (value === undefined) continue;
    // A key named __proto__ (valid JSON, and JSON.parse makes it an own property) must stay a key instead of setting
    // the copy's prototype: defineProperty for it, plain assignment (far faster) for the rest.
    if (k === '__proto__')
      Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  return out;
}

/** JSON.stringify of `v` with object keys in `order` (index-like keys still first: see isIndexKey). */
export function orderedJson(v: unknown, order: KeyOrder, space?: number): string {
  return JSON.stringify(inOrder(v, order, 'drop', false), null, space);
}

/**
 * JSON with object keys in code-point order at every level, so equal specs hash equally whatever order their keys
 * were built in. An undefined object value is written as null. The text is the same as the recursive writer's this
 * replaced (spec hashes in clusters stay valid); that writer remains for the rare object with index-like keys.
 */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(inOrder(value, compareStrings, 'null', true)) ?? 'null';
  } catch (err) {
    if (!(err instanceof IndexKeyFound)) throw err;
    return canonicalJsonByHand(value);
  }
}

function canonicalJsonByHand(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJsonByHand).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort(compareStrings)
      .map((k) => `${JSON.stringify(k)}:${canonicalJsonByHand(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * canonicalJson(a) === canonicalJson(b), without writing either: stops at the first difference, allocates nothing.
 * For comparing a status just built with the stored one on every pass.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  // What JSON writes as null: undefined (an object value, canonicalJson's way), NaN and the infinities.
  if (a === undefined || (typeof a === 'number' && !Number.isFinite(a))) a = null;
  if (b === undefined || (typeof b === 'number' && !Number.isFinite(b))) b = null;
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k)) continue;
    if (!Object.hasOwn(y, k) || !jsonEqual(x[k], y[k])) return false;
    keys++;
  }
  for (const k in y) if (Object.hasOwn(y, k)) keys--;
  return keys === 0;
}
