import { describe, expect, it } from '@jest/globals';
import {
  checkObject,
  formatError,
  formatWarning,
  validateObject,
  globMatches,
  regexProblem,
} from '../../../src/api/validate.js';
import { derivedName } from '../../../src/api/names.js';
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
  it('the table has at least 60 cases, each rejected or warned about', () => {
    expect(BAD_OBJECTS.length).toBeGreaterThanOrEqual(60);
    const counts = { rejected: 0, warned: 0 };
    for (const b of BAD_OBJECTS) counts[b.outcome]++;
    expect(counts.rejected).toBeGreaterThanOrEqual(50);
    expect(counts.warned).toBeGreaterThanOrEqual(10);
    expect(new Set(BAD_OBJECTS.map((b) => b.name)).size).toBe(BAD_OBJECTS.length);
  });

  it.each(BAD_OBJECTS.filter((b) => b.outcome === 'rejected').map((b) => [b.name, b] as const))(
    'rejected: %s',
    (_name, bad) => {
      const lines = validateObject(bad.object).map(formatError);
      expect(lines.filter((l) => bad.validate.test(l))).not.toEqual([]);
      // Every line names the object.
      const name = (bad.object.metadata as { name: string }).name;
      for (const line of lines)
        expect(line.startsWith(`${String(bad.object.kind)} "${name.length > 253 ? name.slice(0, 64) : name}`)).toBe(
          true,
        );
    },
  );

  it.each(BAD_OBJECTS.filter((b) => b.outcome === 'warned').map((b) => [b.name, b] as const))(
    'accepted with a warning: %s',
    (_name, bad) => {
      const { errors, warnings } = checkObject(bad.object);
      expect(errors.map(formatError)).toEqual([]);
      expect(warnings.map(formatWarning).filter((l) => bad.validate.test(l))).not.toEqual([]);
    },
  );

  it('a hostile policy is refused for its sizes and shapes (its timing is a figure of `make bench-validate`)', () => {
    const hostile = securityPolicy('hostile', {
      forbiddenSysctls: Array.from({ length: 256 }, () => `${'a*'.repeat(500)}b`),
      allowedUnsafeSysctls: Array.from({ length: 256 }, () => 'a'.repeat(1000)),
    });
    const { errors } = checkObject(hostile);
    expect(errors.map(formatError)).toContainEqual(
      expect.stringMatching(
        /spec\.policies\.(allowedUnsafeSysctls|forbiddenSysctls)\[0\]: Too long: may not be more than 253 bytes/,
      ),
    );
  });

  it('findings are capped: 10,000 bad entries give 20 lines and a count', () => {
    const { errors } = checkObject(
      operationPolicy('many-errors', { allowedRepos: Array.from({ length: 10_000 }, (_, i) => `Bad${i}`) }),
    );
    expect(errors).toHaveLength(21);
    expect(errors[20]?.message).toMatch(/^and \d+ more error\(s\)$/);
  });
});

describe('the probe cases of issue 13', () => {
  it('RE2 judges regexes: x{1001} and \\p{Script=Latin} are refused, (?i)^prod$ is accepted', () => {
    expect(regexProblem('x{1001}')).toMatch(/invalid repeat count/);
    expect(regexProblem('\\p{Script=Latin}')).toBeDefined();
    expect(
      validateObject(
        operationPolicy('case-insensitive', {
          requiredLabels: { labels: [{ key: 'env', allowedRegex: '(?i)^prod$' }], watchKinds: ['/Pod'] },
        }),
      ),
    ).toEqual([]);
  });

  it('names up to 253 characters are accepted; derived names fit 63', () => {
    const name = `team-${'a'.repeat(240)}`;
    expect(validateObject(securityPolicy(name, {}))).toEqual([]);
    expect(derivedName(name)).toHaveLength(63);
    expect(derivedName(name)).toMatch(/^team-a+-[0-9a-f]{10}$/);
    expect(derivedName('short')).toBe('short');
    expect(derivedName(`${name}b`)).not.toBe(derivedName(name));
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
      'ModuleConfig "admission-policy-engine": spec.settings.podSecurityStandards.policies.hostPorts.knownRanges[0]: Invalid value: min must not be greater than max',
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
    expect(regexProblem('(a)\\1')).toMatch(/invalid escape sequence/);
    expect(regexProblem('(?=x)')).toMatch(/Perl syntax/);
    expect(regexProblem('(')).toBeDefined();
  });

  it('globs with many stars match without backtracking', () => {
    expect(globMatches(`${'a*'.repeat(2000)}b`, 'a'.repeat(5000))).toBe(false);
    expect(globMatches(`${'a*'.repeat(2000)}b`, `${'a'.repeat(5000)}b`)).toBe(true);
    expect(globMatches('*a*b*c', 'xxaxxbxxc')).toBe(true);
    expect(globMatches('a*', 'b')).toBe(false);
    expect(globMatches('**', '')).toBe(true);
    expect(globMatches('kernel.*', 'kernel.')).toBe(true);
    expect(globMatches('*.x.*', 'a.x')).toBe(false);
  });
});
