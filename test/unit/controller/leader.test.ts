import { describe, expect, test } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { LeaderElector, formatMicroTime, nowMicroTime } from '../../../src/controller/leader.js';

describe('MicroTime', () => {
  test('has six fractional digits', () => {
    expect(formatMicroTime(1_795_748_400_123_456)).toBe('2026-11-27T03:00:00.123456Z');
    expect(formatMicroTime(1_795_748_400_000_001)).toBe('2026-11-27T03:00:00.000001Z');
    expect(formatMicroTime(0)).toBe('1970-01-01T00:00:00.000000Z');
  });

  test('now is within a millisecond or two of the wall clock', () => {
    const before = Date.now();
    const now = nowMicroTime();
    const after = Date.now();
    expect(now).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const ms = Date.parse(now.slice(0, 23) + 'Z');
    expect(ms).toBeGreaterThanOrEqual(before - 1);
    expect(ms).toBeLessThanOrEqual(after + 1);
  });
});

describe('LeaderElector options', () => {
  const kc = new KubeConfig();
  const base = { kc, namespace: 'gatewright', name: 'gatewright', identity: 'a' };

  test('the renew deadline must lie between the retry period and the lease duration', () => {
    expect(() => new LeaderElector({ ...base, leaseDurationSeconds: 10, renewDeadlineSeconds: 10 })).toThrow(/longer/);
    expect(() => new LeaderElector({ ...base, renewDeadlineSeconds: 2, retryPeriodSeconds: 2 })).toThrow(/longer/);
    expect(() => new LeaderElector({ ...base, leaseDurationSeconds: 4.5 })).toThrow(/integer/);
    expect(() => new LeaderElector({ ...base, identity: '' })).toThrow(/identity/);
    expect(new LeaderElector(base).isLeader).toBe(false);
  });
});
