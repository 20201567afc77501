// The controller compiles through a CompileMemo, so an event that touches one policy recompiles one policy. Property:
// over any sequence of inputs (policies added, edited, made invalid, duplicated, removed; settings and namespaces
// changed), compiling with the memo gives exactly what a full compile gives.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CompileMemo, compile } from '../../../src/compiler/compile.js';
import type { CompileResult } from '../../../src/compiler/model.js';
import { operationPolicy, securityPolicy } from '../../support/bad-objects.js';
import { stubLibrary } from '../../support/stub-library.js';

const library = stubLibrary();
const name = fc.constantFrom('a', 'b', 'c', 'd');
const marker = fc.stringMatching(/^[a-z]{3,6}$/);

const policyArb = fc.oneof(
  fc
    .record({ name, host: fc.boolean(), path: marker, action: fc.constantFrom('Deny', 'Warn', 'Dryrun') })
    .map((p) =>
      securityPolicy(
        `s-${p.name}`,
        { allowHostPID: p.host, allowedHostPaths: [{ pathPrefix: `/${p.path}` }] },
        { enforcementAction: p.action },
      ),
    ),
  fc
    .record({ name, repo: marker })
    .map((p) => operationPolicy(`o-${p.name}`, { allowedRepos: [`${p.repo}.example.com`] })),
  // Invalid: min > max.
  name.map((n) => securityPolicy(`s-${n}`, { allowedHostPorts: [{ min: 9, max: 1 }] })),
);
const moduleConfigArb = fc.option(
  fc.record({
    exempt: fc.subarray(['kube-system', 'team-a', 'd8-system']),
    controllerValidation: fc.boolean(),
    defaultPolicy: fc.constantFrom('Baseline', 'Restricted', 'Privileged', 'Strict'),
  }),
  { nil: undefined },
);
const stepArb = fc.record({
  policies: fc.array(policyArb, { maxLength: 6 }),
  moduleConfig: moduleConfigArb,
  namespaces: fc.array(
    fc.record({ name: marker, level: fc.constantFrom('baseline', 'restricted', 'privileged'), warn: fc.boolean() }),
    { maxLength: 3 },
  ),
});

const comparable = (r: CompileResult) => ({
  objects: r.objects,
  policies: [...r.policies],
  invalid: [...r.invalid].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
});

describe('CompileMemo', () => {
  it('compiling through the memo equals a full compile, step after step', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 6 }), (steps) => {
        const memo = new CompileMemo();
        for (const step of steps) {
          const input = {
            policies: step.policies,
            moduleConfig: step.moduleConfig && {
              apiVersion: 'deckhouse.io/v1alpha1',
              kind: 'ModuleConfig',
              metadata: { name: 'admission-policy-engine' },
              spec: {
                version: 1,
                settings: {
                  exemptNamespaces: step.moduleConfig.exempt,
                  podSecurityStandards: {
                    defaultPolicy: step.moduleConfig.defaultPolicy,
                    controllerValidation: step.moduleConfig.controllerValidation,
                  },
                },
              },
            },
            namespaces: step.namespaces.map((n) => ({
              name: n.name,
              labels: {
                'security.deckhouse.io/pod-policy': n.level,
                ...(n.warn ? { 'security.deckhouse.io/pod-policy-action': 'warn' } : {}),
              },
            })),
            library,
          };
          const incremental = compile(input, memo);
          const full = compile(structuredClone(input));
          expect(comparable(incremental)).toEqual(comparable(full));
          // Bounded: one entry per live policy at most.
          expect(memo.size).toBeLessThanOrEqual(new Set(step.policies.map((p) => JSON.stringify(p.metadata))).size);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('an unchanged policy is not compiled again: the same objects come back', () => {
    const memo = new CompileMemo();
    const policies = [operationPolicy('o-a', { allowedRepos: ['x.example.com'] })];
    const first = compile({ policies, namespaces: [], library }, memo);
    const second = compile({ policies, namespaces: [], library }, memo);
    const constraint = (r: CompileResult) => r.objects.find((o) => o.kind === 'D8AllowedRepos');
    expect(constraint(second)).toBe(constraint(first));
  });
});
