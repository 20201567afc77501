import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { compile, specHash, type CompilerInput } from '../../../src/compiler/compile.js';
import { policyExamples, SLIPPED_EXAMPLE } from '../../support/doc-examples.js';
import { stubLibrary } from '../../support/stub-library.js';
import { operationPolicy, securityPolicy } from '../../support/bad-objects.js';
import type { K8sObject } from '../../../src/compiler/model.js';

const library = stubLibrary();
const examples = policyExamples()
  .filter((e) => e.name !== SLIPPED_EXAMPLE)
  .map((e) => e.object);
const input = (over: Partial<CompilerInput> = {}): CompilerInput => ({
  policies: examples,
  namespaces: [],
  library,
  ...over,
});
const constraints = (objects: K8sObject[]) =>
  objects.filter((o) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1');
const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('compile the DVP documentation examples', () => {
  const result = compile(input());

  it('reports nothing invalid', () => {
    expect([...result.invalid.keys()]).toEqual([]);
  });

  it('the common OperationPolicy gives one constraint per field, named after the policy', () => {
    const common = constraints(result.objects).filter(
      (c) => c.metadata.labels?.['gatewright.dev/owner-name'] === 'common',
    );
    expect(common.map((c) => c.kind).sort()).toEqual([
      'D8AllowedRepos',
      'D8ContainerDuplicates',
      'D8DNSPolicy',
      'D8DisallowedTags',
      'D8ImagePullPolicy',
      'D8PriorityClass',
      'D8RequiredProbes',
      'D8RequiredResources',
      'D8RevisionHistoryLimit',
    ]);
    for (const c of common) expect(c.metadata.name).toBe('common');
    expect(find(result.objects, 'D8AllowedRepos', 'common')?.spec).toEqual({
      enforcementAction: 'deny',
      match: {
        kinds: [
          { apiGroups: [''], kinds: ['Pod'] },
          { apiGroups: ['apps'], kinds: ['DaemonSet', 'Deployment', 'StatefulSet'] },
          { apiGroups: [''], kinds: ['ReplicationController'] },
          { apiGroups: ['batch'], kinds: ['CronJob', 'Job'] },
        ],
        excludedNamespaces: [
          'd8-*',
          'gatekeeper-system',
          'gatewright-system',
          'kube-node-lease',
          'kube-public',
          'kube-system',
        ],
        namespaceSelector: { matchLabels: { 'operation-policy.deckhouse.io/enabled': 'true' } },
      },
      parameters: { repos: ['myrepo.example.com', 'registry.deckhouse.io'] },
    });
  });

  it('mypolicy: the checks its fields ask for, RunAsAny and Unmasked dropped, privileged implicit', () => {
    const mine = result.policies.get('SecurityPolicy/mypolicy');
    expect(mine?.checks.map((c) => [c.name, c.kind, c.implicit])).toEqual([
      // In the order of the field modules' files (src/fields/security, sorted by name).
      ['allowedAppArmor', 'D8AppArmor', false],
      ['requiredDropCapabilities', 'D8AllowedCapabilities', false],
      ['allowedFlexVolumes', 'D8AllowedFlexVolumes', false],
      ['allowHostNetwork/allowedHostPorts', 'D8HostNetwork', false],
      ['allowHostPID/allowHostIPC', 'D8HostProcesses', false],
      ['allowPrivilegeEscalation', 'D8AllowPrivilegeEscalation', false],
      ['allowPrivileged', 'D8PrivilegedContainer', false],
      ['readOnlyRootFilesystem', 'D8ReadOnlyRootFilesystem', false],
      ['seccompProfiles', 'D8AllowedSeccompProfiles', false],
      ['allowedUnsafeSysctls', 'D8AllowedSysctls', false],
      ['fsGroup/runAsUser/supplementalGroups', 'D8AllowedUsers', false],
      ['allowedVolumes', 'D8AllowedVolumeTypes', false],
    ]);
    expect(find(result.objects, 'D8HostProcesses', 'mypolicy')?.spec?.parameters).toEqual({
      allowHostPID: false,
      allowHostIPC: true,
    });
    expect(find(result.objects, 'D8HostNetwork', 'mypolicy')?.spec?.match).toMatchObject({
      scope: 'Namespaced',
      namespaceSelector: { matchLabels: { enforce: 'mypolicy' } },
    });
  });

  it('the image-signature policy becomes a D8VerifyImageSignatures constraint; without a provider it says so', () => {
    expect(find(result.objects, 'D8VerifyImageSignatures', 'verify-image-test')?.spec?.parameters).toEqual({
      references: [
        {
          reference: 'registry.private.ru/labs/application/*',
          publicKeys: [expect.stringMatching(/^-----BEGIN PUBLIC KEY-----/)],
        },
      ],
    });
    expect(result.objects.some((o) => o.kind === 'Provider')).toBe(false);
    expect(result.policies.get('SecurityPolicy/verify-image-test')?.unsupported.map((u) => u.field)).toEqual([
      'verifyImageSignatures',
    ]);
  });

  it('with the provider configured: the Provider is emitted once, with its CA, and nothing is left unsupported', () => {
    const withProvider = compile(
      input({
        imageSignatureProvider: { url: 'https://gatewright-provider.gatewright-system:8443/validate', caPem: 'PEM' },
      }),
    );
    expect(withProvider.objects.filter((o) => o.kind === 'Provider')).toEqual([
      expect.objectContaining({
        apiVersion: 'externaldata.gatekeeper.sh/v1beta1',
        metadata: expect.objectContaining({ name: 'gatewright-image-signatures' }),
        spec: { url: 'https://gatewright-provider.gatewright-system:8443/validate', timeout: 2, caBundle: 'UEVN' },
      }),
    ]);
    expect(withProvider.policies.get('SecurityPolicy/verify-image-test')?.unsupported).toEqual([]);
    // No policy verifies signatures: no Provider either (pruned if one was there).
    const none = compile(
      input({
        policies: examples.filter((e) => (e as { metadata: { name: string } }).metadata.name !== 'verify-image-test'),
        imageSignatureProvider: { url: 'https://p', caPem: 'PEM' },
      }),
    );
    expect(none.objects.some((o) => o.kind === 'Provider')).toBe(false);
  });

  it('Pod Security Standards: one baseline and one restricted set for the default action', () => {
    const names = [
      ...new Set(
        constraints(result.objects)
          .filter((c) => c.metadata.name.startsWith('d8-pod-security-'))
          .map((c) => c.metadata.name),
      ),
    ];
    expect(names.sort()).toEqual(['d8-pod-security-baseline-deny-default', 'd8-pod-security-restricted-deny-default']);
    const standard = find(result.objects, 'D8PodSecurity', 'd8-pod-security-baseline-deny-default');
    expect(standard?.spec?.match).toMatchObject({
      labelSelector: {
        matchExpressions: [{ key: 'security.deckhouse.io/skip-pss-check', operator: 'NotIn', values: ['true'] }],
      },
    });
  });

  it('every object is labelled as managed by gatewright, with its owner and a spec hash', () => {
    for (const o of result.objects) {
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('gatewright');
      expect(o.metadata.labels?.['gatewright.dev/owner-kind']).toMatch(
        /^(SecurityPolicy|OperationPolicy|PodSecurityStandard|Library)$/,
      );
      expect(o.metadata.annotations?.['gatewright.dev/spec-hash']).toBe(specHash(o.spec));
    }
  });

  it('emits exactly the templates the constraints use, and the sync set they need', () => {
    const templateKinds = result.objects
      .filter((o) => o.kind === 'ConstraintTemplate')
      .map((t) => (t.spec as { crd: { spec: { names: { kind: string } } } }).crd.spec.names.kind);
    expect(templateKinds.sort()).toEqual([...new Set(constraints(result.objects).map((c) => c.kind))].sort());
    expect(templateKinds).not.toContain('D8GpuResourceRestriction');
    expect(find(result.objects, 'SyncSet', 'gatewright')?.spec).toEqual({
      gvks: [{ group: 'deckhouse.io', version: 'v1alpha1', kind: 'SecurityPolicyException' }],
    });
  });
});

describe('the skip-pss-check guard', () => {
  it('a ValidatingAdmissionPolicy lets only the allowed groups set the label, and a binding enforces it', () => {
    const objects = compile(input({ policies: [] })).objects;
    const vap = find(objects, 'ValidatingAdmissionPolicy', 'gatewright-skip-pss-check');
    const spec = vap?.spec as {
      matchConditions: { expression: string }[];
      validations: { message: string }[];
      failurePolicy: string;
    };
    expect(spec.failurePolicy).toBe('Fail');
    expect(spec.matchConditions[0]?.expression).toBe(
      '!request.userInfo.groups.exists(g, g in ["system:masters", "system:serviceaccounts:d8-virtualization"])',
    );
    expect(spec.validations[0]?.message).toMatch(
      /only the groups system:masters, system:serviceaccounts:d8-virtualization may set it/,
    );
    expect(find(objects, 'ValidatingAdmissionPolicyBinding', 'gatewright-skip-pss-check')?.spec).toEqual({
      policyName: 'gatewright-skip-pss-check',
      validationActions: ['Deny'],
    });
  });

  it('the allowed groups come from the module config', () => {
    const mc = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'admission-policy-engine' },
      spec: { settings: { podSecurityStandards: { skipCheckAllowedGroups: ['platform-admins'] } } },
    };
    const vap = find(
      compile(input({ policies: [], moduleConfig: mc })).objects,
      'ValidatingAdmissionPolicy',
      'gatewright-skip-pss-check',
    );
    expect((vap?.spec as { matchConditions: { expression: string }[] }).matchConditions[0]?.expression).toBe(
      '!request.userInfo.groups.exists(g, g in ["platform-admins"])',
    );
  });

  it('group names that could break out of a CEL string are refused by validation', () => {
    const mc = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'admission-policy-engine' },
      spec: { settings: { podSecurityStandards: { skipCheckAllowedGroups: ['a"] || true || ["'] } } },
    };
    expect(
      compile(input({ policies: [], moduleConfig: mc })).invalid.get('ModuleConfig/admission-policy-engine')?.[0],
    ).toMatch(/skipCheckAllowedGroups\[0\]: Invalid value: .*must match the pattern/);
  });
});

describe('settings and namespaces', () => {
  const mc = (settings: unknown) => ({
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name: 'admission-policy-engine' },
    spec: { settings },
  });

  it('a namespace labelled with another action adds a set for it', () => {
    const result = compile(
      input({
        policies: [],
        namespaces: [{ name: 'a', labels: { 'security.deckhouse.io/pod-policy-action': 'warn' } }],
      }),
    );
    expect([...result.policies.keys()].sort()).toEqual([
      'PodSecurityStandard/baseline-deny',
      'PodSecurityStandard/baseline-warn',
      'PodSecurityStandard/restricted-deny',
      'PodSecurityStandard/restricted-warn',
    ]);
    expect(find(result.objects, 'D8PodSecurity', 'd8-pod-security-baseline-warn')?.spec?.enforcementAction).toBe(
      'warn',
    );
  });

  it('controllerValidation false: pod-spec checks match Pods only', () => {
    const result = compile(input({ moduleConfig: mc({ podSecurityStandards: { controllerValidation: false } }) }));
    expect(find(result.objects, 'D8AllowedRepos', 'common')?.spec?.match).toMatchObject({
      kinds: [{ apiGroups: [''], kinds: ['Pod'] }],
    });
  });

  it('the default action and exempt namespaces come from the module config', () => {
    const result = compile(
      input({
        policies: [],
        moduleConfig: mc({ podSecurityStandards: { enforcementAction: 'Dryrun' }, exemptNamespaces: ['infra-*'] }),
      }),
    );
    const c = find(result.objects, 'D8PodSecurity', 'd8-pod-security-baseline-dryrun-default');
    expect(c?.spec).toMatchObject({ enforcementAction: 'dryrun', match: { excludedNamespaces: ['infra-*'] } });
  });

  it('the sync set covers ServiceAccounts and Namespaces when the emitted templates read them', () => {
    const p = [
      securityPolicy('no-token', { automountServiceAccountToken: false }),
      operationPolicy('gpu', {
        gpuResourceRestriction: {
          namespaceLabel: { key: 'gpu', value: 'on' },
          gpuResourcePatterns: ['^nvidia\\.com/'],
        },
      }),
    ];
    expect(find(compile(input({ policies: p })).objects, 'SyncSet', 'gatewright')?.spec).toEqual({
      gvks: [
        { group: '', version: 'v1', kind: 'Namespace' },
        { group: '', version: 'v1', kind: 'ServiceAccount' },
        { group: 'deckhouse.io', version: 'v1alpha1', kind: 'SecurityPolicyException' },
      ],
    });
  });

  it('invalid settings are reported under the ModuleConfig key', () => {
    const result = compile(input({ moduleConfig: mc({ podSecurityStandards: { defaultPolicy: 'Strict' } }) }));
    expect(result.invalid.get('ModuleConfig/admission-policy-engine')?.[0]).toMatch(
      /defaultPolicy: Unsupported value: "Strict"/,
    );
  });
});

describe('invalid policies', () => {
  it('are reported with the field path and produce no constraint; valid ones still compile', () => {
    const bad = securityPolicy('broken', { allowedHostPorts: [{ min: 9, max: 1 }] });
    const good = securityPolicy('fine', { allowHostPID: false });
    const result = compile(input({ policies: [bad, good] }));
    expect(result.invalid.get('SecurityPolicy/broken')).toEqual([
      'SecurityPolicy "broken": spec.policies.allowedHostPorts[0]: Invalid value: min must not be greater than max',
    ]);
    expect(result.objects.some((o) => o.metadata.labels?.['gatewright.dev/owner-name'] === 'broken')).toBe(false);
    expect(find(result.objects, 'D8HostProcesses', 'fine')).toBeDefined();
  });

  it('duplicate names are an error for both', () => {
    const result = compile(
      input({
        policies: [
          operationPolicy('twice', { allowedRepos: ['a.io'] }),
          operationPolicy('twice', { allowedRepos: ['b.io'] }),
        ],
      }),
    );
    expect(result.invalid.get('OperationPolicy/twice')?.join('\n')).toMatch(/Duplicate value: "twice"/);
    expect(find(result.objects, 'D8AllowedRepos', 'twice')).toBeUndefined();
  });
});

// ------------------------------------------------------------------------------------------- properties

const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,7}[a-z0-9])?$/);
const namespaceArb = fc.record({
  name: label,
  labels: fc.record(
    { 'security.deckhouse.io/pod-policy-action': fc.constantFrom('deny', 'warn', 'dryrun', 'bogus') },
    { requiredKeys: [] },
  ),
});
const marker = fc.stringMatching(/^[a-z]{6,10}$/).map((s) => `zq${s}`);
const policyArb = fc.oneof(
  fc.record({ name: label, host: fc.boolean(), path: marker, repo: marker }).map((p) =>
    securityPolicy(`s-${p.name}`, {
      allowHostPID: p.host,
      allowedHostPaths: [{ pathPrefix: `/${p.path}` }],
      allowedAppArmor: [`localhost/${p.repo}`],
      seLinux: [{ type: p.path }],
    }),
  ),
  fc.record({ name: label, repo: marker, tag: marker }).map((p) =>
    operationPolicy(`o-${p.name}`, {
      allowedRepos: [`${p.repo}.example.com`],
      disallowedImageTags: [p.tag],
      requiredLabels: { labels: [{ key: p.tag, allowedRegex: `^${p.repo}$` }], watchKinds: ['apps/Deployment'] },
    }),
  ),
);
const uniqueByName = (ps: Record<string, unknown>[]) => {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const key = `${String(p.kind)}/${(p.metadata as { name: string }).name}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
};

describe('properties', () => {
  it('the same input gives byte-identical output', () => {
    fc.assert(
      fc.property(
        fc.array(policyArb, { maxLength: 6 }),
        fc.array(namespaceArb, { maxLength: 5 }),
        (policies, namespaces) => {
          const a = compile({ policies, namespaces, library });
          const b = compile({ policies: structuredClone(policies), namespaces: structuredClone(namespaces), library });
          expect(JSON.stringify(a.objects)).toBe(JSON.stringify(b.objects));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('permuting policies and namespaces changes nothing', () => {
    fc.assert(
      fc.property(
        fc.array(policyArb, { maxLength: 6 }).map(uniqueByName),
        fc.array(namespaceArb, { maxLength: 5 }),
        fc.nat(),
        (policies, namespaces, seed) => {
          const shuffle = <T>(xs: T[]): T[] =>
            xs
              .map((x, i) => [x, (i * 7919 + seed) % 101] as const)
              .sort((p, q) => p[1] - q[1])
              .map((p) => p[0]);
          const a = compile({ policies, namespaces, library });
          const b = compile({ policies: shuffle(policies), namespaces: shuffle(namespaces), library });
          expect(JSON.stringify(b.objects)).toBe(JSON.stringify(a.objects));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('no string from a policy ever appears in a Rego source', () => {
    fc.assert(
      fc.property(fc.array(policyArb, { minLength: 1, maxLength: 6 }).map(uniqueByName), (policies) => {
        const result = compile({ policies, namespaces: [], library });
        const rego = result.objects
          .filter((o) => o.kind === 'ConstraintTemplate')
          .map((t) => JSON.stringify((t.spec as { targets: unknown }).targets))
          .join('\n');
        const strings = JSON.stringify(policies).match(/zq[a-z]+/g) ?? [];
        expect(strings.length).toBeGreaterThan(0);
        expect(result.invalid.size).toBe(0);
        expect(strings.filter((s) => rego.includes(s))).toEqual([]);
        // …while they do reach the constraints, as parameters.
        const params = JSON.stringify(
          result.objects.filter((o) => o.apiVersion.startsWith('constraints.')).map((c) => c.spec),
        );
        expect(strings.filter((s) => !params.includes(s))).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});
