// canonicalJson feeds the spec-hash annotation on every managed object: its text must not change, or every object in
// a cluster would be re-applied after an upgrade. It is checked against the recursive writer it replaced.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { canonicalJson, compareStrings, jsonEqual, orderedJson } from '../../../src/compiler/json-order.js';
import { specHash } from '../../../src/compiler/compile.js';

/** The writer canonicalJson had before it was built on JSON.stringify (compile.ts, session 3). */
function previousCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(previousCanonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort(compareStrings)
      .map((k) => `${JSON.stringify(k)}:${previousCanonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** JSON values plus undefined object values and keys JavaScript reorders (index-like) or treats specially. */
const awkward = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue(),
    fc.constant(undefined),
    fc.array(tie('value')),
    fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom('0', '1', '10', '9', '01', '__proto__', 'a', 'B')),
      tie('value'),
    ),
  ),
})).value;

describe('jsonEqual', () => {
  it('answers what comparing the canonical texts answers', () => {
    // Pairs that are often equal: a value against itself rebuilt in another key order, or with one leaf changed.
    const reordered = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reordered)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reordered(x)]),
            )
          : v;
    fc.assert(
      fc.property(awkward, awkward, fc.boolean(), (v, w, same) => {
        const other = same ? reordered(v) : w;
        expect(jsonEqual(v, other)).toBe(canonicalJson(v) === canonicalJson(other));
      }),
      { numRuns: 2000 },
    );
  });

  it('tells apart what differs only in depth, length or a missing key', () => {
    expect(jsonEqual({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: { b: { c: 'x' } } }, { a: { b: { c: 'y' } } })).toBe(false);
    expect(jsonEqual({ a: undefined }, { a: null })).toBe(true);
    expect(jsonEqual({ a: undefined }, {})).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual({ a: Number.NaN }, { a: null })).toBe(true);
  });
});

describe('canonicalJson', () => {
  it('writes exactly what the previous writer wrote', () => {
    fc.assert(
      fc.property(awkward, (v) => {
        expect(canonicalJson(v)).toBe(previousCanonicalJson(v));
      }),
      { numRuns: 1000 },
    );
  });

  it('does not depend on the order keys were set in, and does not change its input', () => {
    const a = { spec: { b: [1, { y: 2, x: undefined }], a: 'x', '10': 1, '9': 2 } };
    const b = { spec: { '9': 2, a: 'x', '10': 1, b: [1, { x: undefined, y: 2 }] } };
    const before = JSON.stringify(a);
    expect(canonicalJson(a)).toBe('{"spec":{"10":1,"9":2,"a":"x","b":[1,{"x":null,"y":2}]}}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    expect(JSON.stringify(a)).toBe(before);
  });

  it('a known spec keeps the hash it had before (computed with the previous writer)', () => {
    expect(specHash({ parameters: { ranges: [{ max: 9, min: 1 }] }, match: { kinds: [] } })).toBe(
      '4274efb379a505f4d45548ef91a0ccc7081cacd6687e214ada8786c41e5d6a9a',
    );
  });
});

describe('orderedJson', () => {
  it('equals JSON.stringify with keys sorted by the order, and leaves its input as it was', () => {
    fc.assert(
      fc.property(awkward, (v) => {
        const before = JSON.stringify(v);
        const sorter = (_k: string, x: unknown) =>
          x && typeof x === 'object' && !Array.isArray(x)
            ? Object.fromEntries(
                Object.keys(x)
                  .sort(compareStrings)
                  .map((k) => [k, (x as Record<string, unknown>)[k]]),
              )
            : x;
        expect(JSON.parse(orderedJson(v, compareStrings) ?? 'null')).toEqual(
          JSON.parse(JSON.stringify(v, sorter) ?? 'null'),
        );
        expect(JSON.stringify(v)).toBe(before);
      }),
      { numRuns: 500 },
    );
  });
});
