// The pack of parsed templates `make build` writes: loading through it gives what reading the YAML gives, and a
// template edited after the pack was made is read from its YAML, never from the stale pack.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadLibrary, packLibrary } from '../../../src/library/load.js';
import { repoRoot } from '../../support/doc-examples.js';

const dir = mkdtempSync(join(tmpdir(), 'gatewright-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('template pack', () => {
  const templates = join(repoRoot, 'templates');
  const packFile = join(dir, 'pack.json');
  writeFileSync(packFile, JSON.stringify(packLibrary(templates)));
  const none = join(dir, 'no-pack.json');

  it('gives the templates reading the YAML gives, gator copies included', () => {
    for (const forGator of [false, true]) {
      const packed = loadLibrary(templates, { packFile, forGator });
      expect(packed.size).toBeGreaterThan(20);
      expect(packed).toEqual(loadLibrary(templates, { packFile: none, forGator }));
    }
  });

  it('reads an edited template from its YAML', () => {
    const copy = join(dir, 'templates');
    cpSync(templates, copy, { recursive: true });
    const file = join(copy, 'allowed-repos', 'template.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^(\s+description: ).*$/m, '$1edited after the pack'));
    const library = loadLibrary(copy, { packFile });
    const edited = [...library.values()].find((t) => JSON.stringify(t).includes('edited after the pack'));
    expect(edited).toBeDefined();
    expect(library).toEqual(loadLibrary(copy, { packFile: none }));
  });

  it('gives each load objects of its own', () => {
    const a = loadLibrary(templates, { packFile });
    const b = loadLibrary(templates, { packFile });
    const kind = [...a.keys()][0] as string;
    expect(a.get(kind)).toEqual(b.get(kind));
    expect(a.get(kind)).not.toBe(b.get(kind));
  });
});

describe('template text', () => {
  it('is Latin-1 only: one character beyond it makes all of `render`s output a two-byte string, 5x slower to write', () => {
    const library = loadLibrary(join(repoRoot, 'templates'), { packFile: join(dir, 'no-pack.json') });
    // eslint-disable-next-line no-control-regex
    const beyond = [...library].filter(([, t]) => /[^\u0000-\u00ff]/.test(JSON.stringify(t))).map(([kind]) => kind);
    expect(beyond).toEqual([]);
  });
});
