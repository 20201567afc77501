import { describe, expect, it } from '@jest/globals';
import { formatError, validateObject, globMatches, regexProblem } from '../../../src/api/validate.js';
import { BAD_OBJECTS, operationPolicy, securityPolicy } from '../../support/bad-objects.js';
import { policyExamples, SLIPPED_EXAMPLE } from '../../support/doc-examples.js';

describe('the DVP documentation examples', () => {
  const examples = policyExamples();

  it('are all found in the documentation', () => {
    expect(examples.map((e) => `${e.kind}/${e.name}`)).toEqual([
      'OperationPolicy/common',
      'SecurityPolicy/mypolicy',
      'SecurityPolicy/baseline',
      'SecurityPolicy/restricted',
      'SecurityPolicy/verify-image-test',
      'OperationPolicy/test-operation-policy',
    ]);
  });

  it.each(examples.filter((e) => e.name !== SLIPPED_EXAMPLE).map((e) => [e.name, e.object] as const))(
    '%s is accepted unchanged',
    (_name, object) => {
      expect(validateObject(object).map(formatError)).toEqual([]);
    },
  );

  it('the example whose indentation slipped is rejected with a pointer to the slip', () => {
    const slipped = examples.find((e) => e.name === SLIPPED_EXAMPLE);
    const lines = validateObject(slipped?.object).map(formatError);
    expect(lines).toContain(
      'OperationPolicy "test-operation-policy": spec.match.namespaceSelector.labelSelector.operation-policy.deckhouse.io/enabled: ' +
        'Unknown field: "operation-policy.deckhouse.io/enabled" is not a field of labelSelector but looks like a label: ' +
        'it is indented one level too little; indent it under matchLabels',
    );
    expect(lines).toContain(
      'OperationPolicy "test-operation-policy": spec.match.namespaceSelector.labelSelector.matchLabels: ' +
        'Invalid value: null: must be of type object (the field is present but empty)',
    );
  });
});

describe('bad objects', () => {
  it('the table is large enough to cover the rules', () => {
    expect(BAD_OBJECTS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(BAD_OBJECTS.map((b) => [b.name, b] as const))('%s is rejected', (_name, bad) => {
    const lines = validateObject(bad.object).map(formatError);
    expect(lines.some((l) => bad.validate.test(l))).toBe(true);
    // Every line names the object.
    const name = (bad.object.metadata as { name: string }).name;
    for (const line of lines) expect(line.startsWith(`${String(bad.object.kind)} "${name}": `)).toBe(true);
  });
});

describe('valid objects stay valid', () => {
  it('a policy with only some fields', () => {
    expect(validateObject(securityPolicy('ok', { allowHostPID: false }))).toEqual([]);
    expect(validateObject(operationPolicy('ok', { maxRevisionHistoryLimit: 3 }))).toEqual([]);
  });

  it('registries with ports and paths', () => {
    expect(
      validateObject(
        operationPolicy('ok', {
          allowedRepos: ['localhost:5000', 'registry.example.com:5000/team/', 'docker.io/library'],
        }),
      ),
    ).toEqual([]);
  });

  it('PSS restricted combination: drop ALL and add NET_BIND_SERVICE', () => {
    expect(
      validateObject(
        securityPolicy('ok', { allowedCapabilities: ['NET_BIND_SERVICE'], requiredDropCapabilities: ['ALL'] }),
      ),
    ).toEqual([]);
  });

  it('objects of other API groups are not checked', () => {
    expect(validateObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })).toEqual([]);
  });
});

describe('module config', () => {
  const mc = (settings: unknown) => ({
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name: 'admission-policy-engine' },
    spec: { version: 1, settings },
  });

  it('accepts the documented settings', () => {
    expect(
      validateObject(
        mc({
          podSecurityStandards: {
            defaultPolicy: 'Restricted',
            enforcementAction: 'Warn',
            controllerValidation: false,
            policies: { hostPorts: { knownRanges: [{ min: 80, max: 80 }] } },
          },
        }),
      ),
    ).toEqual([]);
  });

  it('rejects a wrong default policy with the field path', () => {
    expect(validateObject(mc({ podSecurityStandards: { defaultPolicy: 'Strict' } })).map(formatError)).toEqual([
      'ModuleConfig "admission-policy-engine": spec.settings.podSecurityStandards.defaultPolicy: Unsupported value: "Strict": supported values: "Privileged", "Baseline", "Restricted"',
    ]);
  });

  it('rejects a known port range with min above max', () => {
    expect(
      validateObject(
        mc({ podSecurityStandards: { policies: { hostPorts: { knownRanges: [{ min: 9, max: 1 }] } } } }),
      ).map(formatError),
    ).toEqual([
      'ModuleConfig "admission-policy-engine": spec.settings.podSecurityStandards.policies.hostPorts.knownRanges[0]: Invalid value: {"min":9,"max":1}: min must not be greater than max',
    ]);
  });

  it('ignores ModuleConfigs of other modules', () => {
    expect(validateObject({ ...mc({ anything: 1 }), metadata: { name: 'cni-cilium' } })).toEqual([]);
  });
});

describe('helpers', () => {
  it('globs match like the Rego side: * spans dots', () => {
    expect(globMatches('kernel.*', 'kernel.shm_rmid_forced')).toBe(true);
    expect(globMatches('kernel.*', 'net.kernel')).toBe(false);
    expect(globMatches('*', 'x.y/z')).toBe(true);
  });

  it('regexes: RE2 gaps are named', () => {
    expect(regexProblem('^nvidia\\.com/.*$')).toBeUndefined();
    expect(regexProblem('(a)\\1')).toMatch(/backreferences/);
    expect(regexProblem('(')).toBeDefined();
  });
});
