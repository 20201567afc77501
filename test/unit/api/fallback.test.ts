// A policy stored although the door would refuse it (created while the webhook was down, or before a rule existed):
// with nothing in force yet it gets the checks of its sound fields and the implicit ones; with constraints already in
// the cluster it keeps them untouched.
import { describe, expect, it } from '@jest/globals';
import { compile } from '../../../src/compiler/compile.js';
import { planChanges, type ObservedObject } from '../../../src/controller/plan.js';
import { securityPolicy } from '../../support/bad-objects.js';
import { stubLibrary } from '../../support/stub-library.js';

const compileOne = (policy: Record<string, unknown>) =>
  compile({ policies: [policy], namespaces: [], library: stubLibrary() });

describe('an invalid stored policy', () => {
  const broken = securityPolicy('stored-broken', {
    allowHostPID: false,
    allowedUnsafeSysctls: ['kernel msgmax'], // refused by the webhook: not a sysctl name
  });

  it('is reported invalid, and its sound fields plus the implicit checks are ready as a fallback', () => {
    const result = compileOne(broken);
    expect(result.invalid.get('SecurityPolicy/stored-broken')).toEqual([
      expect.stringContaining('spec.policies.allowedUnsafeSysctls[0]: Invalid value: "kernel msgmax"'),
    ]);
    expect(result.objects.filter((o) => o.metadata.name === 'stored-broken')).toEqual([]);
    expect((result.fallback?.get('SecurityPolicy/stored-broken') ?? []).map((o) => o.kind).sort()).toEqual([
      'D8AllowPrivilegeEscalation',
      'D8HostProcesses',
      'D8PrivilegedContainer',
    ]);
    // The templates the fallback needs are part of the desired set.
    const templates = result.objects.filter((o) => o.kind === 'ConstraintTemplate').map((o) => o.metadata.name);
    expect(templates).toEqual(expect.arrayContaining(['d8hostprocesses', 'd8privilegedcontainer']));
  });

  it('with nothing in force, the fallback is applied', () => {
    const plan = planChanges(compileOne(broken), []);
    const ofPolicy = plan.applyConstraints.filter((o) => o.metadata.name === 'stored-broken');
    expect(ofPolicy.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'D8AllowPrivilegeEscalation/stored-broken',
      'D8HostProcesses/stored-broken',
      'D8PrivilegedContainer/stored-broken',
    ]);
  });

  it('with constraints in force, they are kept as they are and the fallback is not applied', () => {
    const before = compileOne(securityPolicy('stored-broken', { allowHostPID: false, allowedUnsafeSysctls: ['a.b'] }));
    const observed = before.objects.map((o) => ({ ...o, metadata: { ...o.metadata } }) as ObservedObject);
    const plan = planChanges(compileOne(broken), observed);
    expect(plan.applyConstraints.filter((o) => o.metadata.name === 'stored-broken')).toEqual([]);
    expect(plan.prune.filter((o) => o.metadata.name === 'stored-broken')).toEqual([]);
    // The constraint of the field that broke stays in force as it was.
    expect(plan.applyConstraints.length + plan.prune.length).toBe(0);
  });

  it('a broken match gives no fallback: there is no sound place to enforce it', () => {
    const badMatch = securityPolicy('bad-match', {}, { match: { namespaceSelector: { matchNames: ['a*b'] } } });
    expect(compileOne(badMatch).fallback?.has('SecurityPolicy/bad-match')).toBe(false);
  });
});
