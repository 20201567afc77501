import { describe, expect, it } from '@jest/globals';
import { StringInterner } from '../../../src/controller/intern.js';

describe('StringInterner (one copy of each string the caches keep)', () => {
  it('leaves a parsed tree equal to what it was, with equal strings now one entry', () => {
    const interner = new StringInterner();
    const text = JSON.stringify({
      match: { kinds: [{ kinds: ['Pod'] }], excludedNamespaces: ['kube-system', 'd8-system'] },
      parameters: { n: 1, ok: true, none: null, nested: [['kube-system']] },
    });
    const a = interner.tree(JSON.parse(text) as unknown);
    const b = interner.tree(JSON.parse(text) as unknown);
    expect(a).toEqual(JSON.parse(text));
    expect(b).toEqual(a);
    // 'Pod', 'kube-system', 'd8-system': each held once however many trees carry it.
    expect(interner.size).toBe(3);
  });

  it('starts afresh at its cap, so the table stays bounded under churn', () => {
    const interner = new StringInterner(100);
    for (let i = 0; i < 1000; i++) expect(interner.string(`ns-${i}`)).toBe(`ns-${i}`);
    expect(interner.size).toBeLessThanOrEqual(100);
    expect(interner.size).toBeGreaterThan(0);
  });

  it('does not keep strings too long to be worth sharing', () => {
    const interner = new StringInterner();
    const long = 'x'.repeat(64 * 1024 + 1);
    expect(interner.string(long)).toBe(long);
    expect(interner.size).toBe(0);
  });
});
