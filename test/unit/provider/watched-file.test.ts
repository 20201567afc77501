// A mounted Secret changes under the provider: the new content is taken when the file changes, a broken update keeps
// the last good value (and says why), and a Secret swapped the kubelet's way (a new file renamed over) is seen.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { WatchedFile } from '../../../src/provider/watched-file.js';

describe('WatchedFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewright-watched-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'value.json');
  const watched = new WatchedFile(path, (text) => JSON.parse(text) as { v: number });

  it('reads, keeps, re-reads on change, and keeps the last good value over a broken one', () => {
    expect(() => watched.get()).toThrow(/ENOENT/);
    writeFileSync(path, '{"v":1}');
    expect(watched.get()).toEqual({ v: 1 });
    expect(watched.refresh()).toBe(false);
    writeFileSync(join(dir, 'next'), '{"v":22}');
    renameSync(join(dir, 'next'), path);
    expect(watched.refresh()).toBe(true);
    expect(watched.get()).toEqual({ v: 22 });
    writeFileSync(path, '{"v":');
    expect(watched.get()).toEqual({ v: 22 });
    expect(watched.error()).toMatch(/JSON/);
    writeFileSync(path, '{"v":333}');
    expect(watched.get()).toEqual({ v: 333 });
    expect(watched.error()).toBeUndefined();
  });
});
