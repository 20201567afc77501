// Reading manifests: a stream of JSON documents takes JSON.parse's fast path and must read exactly as YAML reads it.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ManifestError, parseManifests } from '../../../src/api/load.js';

/** The same text with a YAML comment in front: not JSON any more, so js-yaml reads it. */
const throughYaml = (text: string) => parseManifests(`# read by js-yaml\n${text}`, 'f.yaml');

const objects = fc.array(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }), { minLength: 1, maxLength: 4 });

describe('parseManifests', () => {
  it('reads a stream of JSON objects as js-yaml reads it, sources and document numbers included', () => {
    fc.assert(
      fc.property(objects, fc.boolean(), fc.boolean(), fc.nat(2), (docs, leadingMarker, blankBetween, indent) => {
        const parts = docs.map((d) => JSON.stringify(d, null, indent));
        if (blankBetween) parts.splice(1, 0, '');
        const text = `${leadingMarker ? '---\n' : ''}${parts.join('\n---\n')}\n`;
        expect(parseManifests(text, 'f.yaml')).toEqual(throughYaml(text));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a JSON document that repeats a key, as YAML does', () => {
    const text = '{"kind": "SecurityPolicy", "spec": {"a": 1, "b": "x\\":", "a": 2}}';
    expect(() => parseManifests(text, 'f.yaml')).toThrow(ManifestError);
    expect(() => parseManifests(text, 'f.yaml')).toThrow(/f\.yaml: invalid YAML: duplicated mapping key/);
  });

  it('counts keys right around escaped quotes and colons inside strings', () => {
    const doc = { 'a\\"': 'b":', c: ['"d":', { '\\': '\\\\' }], e: { f: 'g\\\\":' } };
    expect(parseManifests(JSON.stringify(doc), 'f.json')).toEqual([{ source: 'f.json#1', doc }]);
  });

  it('unwraps a List read from JSON', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ kind: 'Namespace', metadata: { name: 'a' } }] };
    expect(parseManifests(JSON.stringify(list), 'ns.json')).toEqual([
      { source: 'ns.json#1.items[0]', doc: { kind: 'Namespace', metadata: { name: 'a' } } },
    ]);
  });
});
