// The render output formatter: YAML that any parser reads back to exactly the input, and JSON equal to
// JSON.stringify's, with the given key order.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { toJson, toYaml, toYamlStream } from '../../../src/cli/emit.js';
import { keyOrder } from '../../../src/cli/render.js';
import { compile } from '../../../src/compiler/compile.js';
import { docExamples } from '../../support/doc-examples.js';
import { stubLibrary } from '../../support/stub-library.js';

const tricky = [
  '',
  ' ',
  'true',
  'False',
  'yes',
  'NO',
  'on',
  'null',
  '~',
  '1',
  '0x1f',
  '1e3',
  '.inf',
  '-',
  '- a',
  'a: b',
  'a #b',
  '#x',
  '*',
  '&a',
  '!t',
  '%',
  '@',
  '`',
  '{}',
  '[]',
  "'",
  '"',
  '2001-12-14',
  '12:30',
  'a\nb',
  'a\n',
  'a\n\n',
  '\na',
  ' a\nb',
  'a\r\nb',
  'tab\there',
  'x\u0007y',
  'é',
  '😀',
  'a\n  b\n',
  'package x\n\nviolation if {\n\tfalse\n}\n',
];

describe('toYaml', () => {
  it('loads back to the input for strings YAML could misread', () => {
    const doc = {
      apiVersion: 'v1',
      kind: 'X',
      metadata: { name: 'n' },
      spec: { values: tricky, byKey: Object.fromEntries(tricky.map((t, i) => [t || `k${i}`, t])) },
    };
    expect(load(toYaml(doc, keyOrder))).toEqual(doc);
  });

  it('loads back to the input for any JSON value', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (spec) => {
        const doc = { apiVersion: 'v1', kind: 'X', metadata: { name: 'n' }, spec };
        const clean = JSON.parse(JSON.stringify(doc)) as unknown;
        expect(load(toYaml(clean as Record<string, unknown>, keyOrder))).toEqual(clean);
      }),
      { numRuns: 300 },
    );
  });

  it('the compiled documentation examples round-trip, keys in kubectl order', () => {
    const result = compile({
      policies: docExamples().flatMap((e) => e.objects),
      namespaces: [],
      library: stubLibrary(),
    });
    for (const o of result.objects) {
      const text = toYaml(o, keyOrder);
      expect(load(text)).toEqual(JSON.parse(JSON.stringify(o)));
      expect(text.startsWith(`apiVersion: ${o.apiVersion}\nkind: ${o.kind}\nmetadata:\n`)).toBe(true);
    }
  });
});

describe('toYamlStream', () => {
  it('writes an object shared between documents exactly as its copies', () => {
    // The compiler shares one match object between a policy's constraints; the writer reuses its text.
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 4 }), (values) => {
        const shared = JSON.parse(JSON.stringify({ values, nested: { values } })) as Record<string, unknown>;
        const docs = [0, 1, 2].map((i) => ({
          apiVersion: 'v1',
          kind: 'X',
          metadata: { name: `n${i}` },
          spec: { match: shared, list: [shared, { deeper: shared }] },
        }));
        const copies = JSON.parse(JSON.stringify(docs)) as Record<string, unknown>[];
        expect(toYamlStream(docs, keyOrder)).toBe(toYamlStream(copies, keyOrder));
        expect(toYamlStream(docs, keyOrder)).toBe(copies.map((d) => toYaml(d, keyOrder)).join('---\n'));
      }),
      { numRuns: 200 },
    );
  });
});

describe('toJson', () => {
  it('writes an object shared between places exactly as its copies', () => {
    const shared = { b: [1, { d: 2, c: 3 }], a: 'x' };
    const value = {
      items: [
        { spec: shared, kind: 'K' },
        { spec: shared, list: [shared] },
      ],
    };
    expect(toJson(value, keyOrder)).toBe(toJson(JSON.parse(JSON.stringify(value)), keyOrder));
  });

  it('parses back to the input, and equals JSON.stringify with sorted keys', () => {
    const integerLike = (v: unknown): boolean =>
      Array.isArray(v)
        ? v.some(integerLike)
        : !!v &&
          typeof v === 'object' &&
          Object.entries(v).some(([k, x]) => /^(0|[1-9]\d*)$/.test(k) || integerLike(x));
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(toJson(v, keyOrder))).toEqual(JSON.parse(JSON.stringify(v)));
        if (integerLike(v)) return;
        const sorter = (_k: string, x: unknown) =>
          x && typeof x === 'object' && !Array.isArray(x)
            ? Object.fromEntries(
                Object.keys(x)
                  .sort(keyOrder)
                  .map((k) => [k, (x as Record<string, unknown>)[k]]),
              )
            : x;
        expect(toJson(v, keyOrder)).toBe(JSON.stringify(v, sorter, 2));
      }),
      { numRuns: 300 },
    );
  });
});
