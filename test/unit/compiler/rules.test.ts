import { describe, expect, it } from '@jest/globals';
import * as s from '../../../src/compiler/security-rules.js';
import * as o from '../../../src/compiler/operation-rules.js';
import { constraintMatch, watchKindsToMatch, workloadKinds } from '../../../src/compiler/match.js';
import { actionsInUse, standardSets, standardChecks } from '../../../src/compiler/pss.js';
import { open, parseSealingKeys } from '../../../src/provider/sealed-credentials.js';

describe('SecurityPolicy render rules', () => {
  it('privileged: in force unless allowPrivileged is true, implicit when omitted', () => {
    expect(s.privilegedRule({})).toEqual({ name: 'allowPrivileged', kind: 'D8PrivilegedContainer', implicit: true });
    expect(s.privilegedRule({ allowPrivileged: false })).toMatchObject({ implicit: false });
    expect(s.privilegedRule({ allowPrivileged: true })).toBeUndefined();
  });

  it('privilege escalation: in force unless true, implicit when omitted', () => {
    expect(s.privilegeEscalationRule({})).toMatchObject({ kind: 'D8AllowPrivilegeEscalation', implicit: true });
    expect(s.privilegeEscalationRule({ allowPrivilegeEscalation: false })).toMatchObject({ implicit: false });
    expect(s.privilegeEscalationRule({ allowPrivilegeEscalation: true })).toBeUndefined();
  });

  it('host PID/IPC: only an explicit false is a check; the other stays allowed', () => {
    expect(s.hostProcessesRule({})).toBeUndefined();
    expect(s.hostProcessesRule({ allowHostPID: true, allowHostIPC: true })).toBeUndefined();
    expect(s.hostProcessesRule({ allowHostPID: false })).toMatchObject({
      kind: 'D8HostProcesses',
      parameters: { allowHostPID: false, allowHostIPC: true },
    });
  });

  it('host network: false alone leaves ports open; ports alone leave hostNetwork allowed', () => {
    expect(s.hostNetworkRule({})).toBeUndefined();
    expect(s.hostNetworkRule({ allowHostNetwork: false })).toMatchObject({
      parameters: { allowHostNetwork: false, ranges: s.ALL_PORTS },
    });
    expect(s.hostNetworkRule({ allowedHostPorts: [{ min: 80, max: 80 }] })).toMatchObject({
      parameters: { allowHostNetwork: true, ranges: [{ min: 80, max: 80 }] },
    });
    expect(s.hostNetworkRule({ allowedHostPorts: [] })).toMatchObject({ parameters: { ranges: [] } });
  });

  it('booleans that only check when set one way', () => {
    expect(s.readOnlyRootFilesystemRule({ readOnlyRootFilesystem: false })).toBeUndefined();
    expect(s.readOnlyRootFilesystemRule({ readOnlyRootFilesystem: true })).toMatchObject({
      kind: 'D8ReadOnlyRootFilesystem',
    });
    expect(s.automountServiceAccountTokenRule({ automountServiceAccountToken: true })).toBeUndefined();
    expect(s.automountServiceAccountTokenRule({ automountServiceAccountToken: false })).toMatchObject({
      kind: 'D8AutomountServiceAccountTokenPod',
    });
    expect(s.rbacWildcardsRule({})).toBeUndefined();
    expect(s.rbacWildcardsRule({ allowRbacWildcards: false })?.matchKinds).toEqual([
      { apiGroups: ['rbac.authorization.k8s.io'], kinds: ['Role', 'RoleBinding'] },
    ]);
    expect(s.wildcardDomainsRule({ blockWildcardDomains: false })).toBeUndefined();
    expect(s.wildcardDomainsRule({ blockWildcardDomains: true })?.matchKinds).toEqual([
      { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] },
    ]);
  });

  it('lists: omitted is no check, an explicit empty list is the strictest check, * is no check', () => {
    expect(s.hostPathsRule({})).toBeUndefined();
    expect(s.hostPathsRule({ allowedHostPaths: [] })).toMatchObject({ parameters: { allowedHostPaths: [] } });
    expect(s.hostPathsRule({ allowedHostPaths: [{ pathPrefix: '/var/log' }] })).toMatchObject({
      parameters: { allowedHostPaths: [{ pathPrefix: '/var/log', readOnly: false }] },
    });
    expect(s.volumesRule({ allowedVolumes: ['*'] })).toBeUndefined();
    expect(s.volumesRule({ allowedVolumes: [] })).toMatchObject({ parameters: { volumes: [] } });
    expect(s.clusterRolesRule({ allowedClusterRoles: ['*'] })).toBeUndefined();
    expect(s.clusterRolesRule({ allowedClusterRoles: ['view'] })).toMatchObject({
      parameters: { allowedClusterRoles: ['view'] },
    });
    expect(s.flexVolumesRule({ allowedFlexVolumes: [{ driver: 'vmware' }] })).toMatchObject({
      kind: 'D8AllowedFlexVolumes',
    });
    expect(s.appArmorRule({ allowedAppArmor: ['runtime/default'] })).toMatchObject({
      parameters: { allowedProfiles: ['runtime/default'] },
    });
    expect(s.seLinuxRule({ seLinux: [{ type: 'container_t' }] })).toMatchObject({
      parameters: { allowedSELinuxOptions: [{ type: 'container_t' }] },
    });
    expect(s.serviceTypesRule({ allowedServiceTypes: ['ClusterIP'] })?.matchKinds).toEqual([
      { apiGroups: [''], kinds: ['Service'] },
    ]);
  });

  it('capabilities: ALL with nothing to drop is no check; drop alone keeps additions open', () => {
    expect(s.capabilitiesRule({})).toBeUndefined();
    expect(s.capabilitiesRule({ allowedCapabilities: ['ALL'] })).toBeUndefined();
    expect(s.capabilitiesRule({ allowedCapabilities: ['ALL'], requiredDropCapabilities: [] })).toBeUndefined();
    expect(s.capabilitiesRule({ requiredDropCapabilities: ['ALL'] })).toMatchObject({
      name: 'requiredDropCapabilities',
      parameters: { allowedCapabilities: ['ALL'], requiredDropCapabilities: ['ALL'] },
    });
    expect(s.capabilitiesRule({ allowedCapabilities: [] })).toMatchObject({
      parameters: { allowedCapabilities: [], requiredDropCapabilities: [] },
    });
  });

  it('procMount: Unmasked admits everything, so only Default is a check', () => {
    expect(s.procMountRule({ allowedProcMount: 'Unmasked' })).toBeUndefined();
    expect(s.procMountRule({ allowedProcMount: 'Default' })).toMatchObject({
      parameters: { allowedProcMount: 'Default' },
    });
  });

  it('users: RunAsAny strategies are dropped, the rest kept', () => {
    expect(s.usersRule({ runAsGroup: { rule: 'RunAsAny', ranges: [{ min: 1, max: 2 }] } })).toBeUndefined();
    expect(s.usersRule({ runAsUser: { rule: 'MustRunAsNonRoot' }, runAsGroup: { rule: 'RunAsAny' } })).toEqual({
      name: 'runAsUser',
      kind: 'D8AllowedUsers',
      parameters: { runAsUser: { rule: 'MustRunAsNonRoot' } },
    });
  });

  it('sysctls: * with nothing forbidden is no check; forbidden alone keeps the rest allowed', () => {
    expect(s.sysctlsRule({ allowedUnsafeSysctls: ['*'] })).toBeUndefined();
    expect(s.sysctlsRule({ forbiddenSysctls: ['kernel.*'] })).toMatchObject({
      parameters: { allowedSysctls: ['*'], forbiddenSysctls: ['kernel.*'] },
    });
    expect(s.sysctlsRule({ allowedUnsafeSysctls: ['kernel.msg*'] })).toMatchObject({
      parameters: { allowedSysctls: ['kernel.msg*'], forbiddenSysctls: [] },
    });
  });

  it('seccomp: * in both lists is no check', () => {
    expect(
      s.seccompRule({ seccompProfiles: { allowedProfiles: ['*'], allowedLocalhostFiles: ['*'] } }),
    ).toBeUndefined();
    expect(s.seccompRule({ seccompProfiles: {} })).toBeUndefined();
    expect(s.seccompRule({ seccompProfiles: { allowedLocalhostFiles: ['profiles/*.json'] } })).toMatchObject({
      parameters: { allowedProfiles: s.ANY_PROFILE_BUT_OTHER_FILES, allowedLocalhostFiles: ['profiles/*.json'] },
    });
    expect(s.seccompRule({ seccompProfiles: { allowedProfiles: ['RuntimeDefault'] } })).toMatchObject({
      parameters: { allowedProfiles: ['RuntimeDefault'], allowedLocalhostFiles: [] },
    });
  });

  it('image signatures: one check with every reference, its keys and CA; gaps reported, never silently ignored', () => {
    const entries = [
      { reference: 'r/*', publicKeys: ['k1', 'k2'] },
      { reference: 'q/app:1', publicKeys: ['k3'], ca: 'CA', dockerCfg: 'e30=' },
    ];
    expect(
      s.planSecurityChecks({ allowPrivileged: true, allowPrivilegeEscalation: true, verifyImageSignatures: entries }),
    ).toEqual([
      {
        name: 'verifyImageSignatures',
        kind: 'D8VerifyImageSignatures',
        parameters: {
          references: [
            { reference: 'r/*', publicKeys: ['k1', 'k2'] },
            { reference: 'q/app:1', publicKeys: ['k3'], ca: 'CA' },
          ],
        },
      },
    ]);
    expect(
      s.planSecurityChecks({ allowPrivileged: true, allowPrivilegeEscalation: true, verifyImageSignatures: [] }),
    ).toEqual([]);
    expect(s.unsupportedSecurityFields({})).toEqual([]);
    const provider = { url: 'https://p/validate', caPem: 'PEM' };
    expect(s.unsupportedSecurityFields({ verifyImageSignatures: entries }).map((g) => g.field)).toEqual([
      'verifyImageSignatures',
      'verifyImageSignatures[1].dockerCfg',
    ]);
    expect(s.unsupportedSecurityFields({ verifyImageSignatures: entries.slice(0, 1) }, provider)).toEqual([]);
  });

  it("image signatures: an entry's dockerCfg is sealed for the provider with the credentials key, never copied in clear", () => {
    const dockerCfg = Buffer.from(
      JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from('puller:s3cret').toString('base64') } } }),
    ).toString('base64');
    const entries = [
      { reference: 'registry.example.com/private/*', publicKeys: ['k1'], dockerCfg },
      { reference: 'registry.example.com/public/*', publicKeys: ['k1'] },
    ];
    const policy = { allowPrivileged: true, allowPrivilegeEscalation: true, verifyImageSignatures: entries };
    const keyText = 'aGVyZSBpcyBhIGNyZWRlbnRpYWxzIGtleSBmb3IgdGVzdHM=\n';
    const provider = { url: 'https://p/validate', caPem: 'PEM', credentialsKey: keyText };
    const [check] = s.planSecurityChecks(policy, provider);
    const refs = check?.parameters?.references as { credentials?: string }[];
    expect(refs[0]?.credentials).toMatch(/^gwsealed\.v1\.[0-9a-f]{12}\.[A-Za-z0-9_-]+$/);
    expect(refs[1]).not.toHaveProperty('credentials');
    const text = JSON.stringify(check);
    for (const secret of ['s3cret', dockerCfg, Buffer.from('puller:s3cret').toString('base64')])
      expect(text).not.toContain(secret);
    // Sealing is deterministic: a re-compile never rewrites the constraint.
    expect(s.planSecurityChecks(policy, provider)).toEqual([check]);
    // The provider opens it with the same key file.
    expect(JSON.parse(open(parseSealingKeys(keyText), refs[0]?.credentials as string))).toEqual({
      auths: { 'registry.example.com': { auth: Buffer.from('puller:s3cret').toString('base64') } },
    });
    expect(s.unsupportedSecurityFields(policy, provider)).toEqual([]);

    // Without the key the credentials are not used, and the status says so (the check stays in force).
    const keyless = { url: 'https://p/validate', caPem: 'PEM' };
    expect((s.planSecurityChecks(policy, keyless)[0]?.parameters?.references as object[])[0]).not.toHaveProperty(
      'credentials',
    );
    expect(s.unsupportedSecurityFields(policy, keyless)).toEqual([
      {
        field: 'verifyImageSignatures[0].dockerCfg',
        reason: expect.stringContaining('the operator has no --image-signature-credentials-key'),
      },
    ]);
    // A dockerCfg that is not base64 of a docker config: named, not sealed, not silently dropped.
    const broken = { ...policy, verifyImageSignatures: [{ ...entries[0], dockerCfg: 'not base64!' }] };
    expect(s.unsupportedSecurityFields(broken as typeof policy, provider)).toEqual([
      { field: 'verifyImageSignatures[0].dockerCfg', reason: expect.stringMatching(/^is not base64/) },
    ]);
    expect(
      (s.planSecurityChecks(broken as typeof policy, provider)[0]?.parameters?.references as object[])[0],
    ).not.toHaveProperty('credentials');
  });

  it('an empty policy still forbids privileged containers and privilege escalation (DVP), marked implicit', () => {
    expect(s.planSecurityChecks({}).map((c) => [c.kind, c.implicit])).toEqual([
      ['D8PrivilegedContainer', true],
      ['D8AllowPrivilegeEscalation', true],
    ]);
  });
});

describe('OperationPolicy render rules', () => {
  it('each field present is one check with DVP parameter names', () => {
    expect(o.allowedReposRule({ allowedRepos: ['r.example.com'] })).toEqual({
      name: 'allowedRepos',
      kind: 'D8AllowedRepos',
      parameters: { repos: ['r.example.com'] },
    });
    expect(o.disallowedTagsRule({ disallowedImageTags: ['latest'] })).toMatchObject({
      kind: 'D8DisallowedTags',
      parameters: { tags: ['latest'] },
    });
    expect(o.requiredProbesRule({ requiredProbes: ['livenessProbe'] })).toMatchObject({
      parameters: { probes: ['livenessProbe'] },
    });
    expect(o.imagePullPolicyRule({ imagePullPolicy: 'Always' })).toMatchObject({ parameters: { policy: 'Always' } });
    expect(o.priorityClassRule({ priorityClassNames: ['p'] })).toMatchObject({
      parameters: { priorityClassNames: ['p'] },
    });
    expect(o.disallowedCustomResourcesRule({ disallowedCustomResources: ['a'] })).toMatchObject({
      parameters: { resourcePatterns: ['a'] },
    });
    expect(
      o.gpuResourceRule({
        gpuResourceRestriction: { namespaceLabel: { key: 'k', value: 'v' }, gpuResourcePatterns: ['x'] },
      }),
    ).toMatchObject({ kind: 'D8GpuResourceRestriction' });
  });

  it('requiredResources keeps only non-empty lists, and none is no check', () => {
    expect(o.requiredResourcesRule({ requiredResources: { limits: ['memory'], requests: [] } })).toMatchObject({
      parameters: { limits: ['memory'] },
    });
    expect(o.requiredResourcesRule({ requiredResources: { limits: [] } })).toBeUndefined();
  });

  it('kinds of non-pod checks', () => {
    expect(o.revisionHistoryRule({ maxRevisionHistoryLimit: 0 })).toMatchObject({
      parameters: { limit: 0 },
      matchKinds: [{ apiGroups: ['apps'], kinds: ['DaemonSet', 'Deployment', 'StatefulSet'] }],
    });
    expect(o.ingressClassRule({ ingressClassNames: ['nginx'] })?.matchKinds).toEqual([
      { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] },
    ]);
    expect(o.storageClassRule({ storageClassNames: ['fast'] })?.matchKinds).toEqual([
      { apiGroups: [''], kinds: ['PersistentVolumeClaim'] },
    ]);
    expect(o.replicaLimitsRule({ replicaLimits: { maxReplicas: 3 } })).toMatchObject({
      parameters: { ranges: [{ maxReplicas: 3 }] },
    });
    expect(
      o.requiredLabelsRule({
        requiredLabels: { labels: [{ key: 'app' }], watchKinds: ['apps/Deployment', '/Pod', 'apps/StatefulSet'] },
      })?.matchKinds,
    ).toEqual([
      { apiGroups: [''], kinds: ['Pod'] },
      { apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet'] },
    ]);
  });

  it('booleans check only when true; empty tolerations are no check', () => {
    expect(o.dnsPolicyRule({ checkHostNetworkDNSPolicy: false })).toBeUndefined();
    expect(o.dnsPolicyRule({ checkHostNetworkDNSPolicy: true })).toMatchObject({ kind: 'D8DNSPolicy' });
    expect(o.containerDuplicatesRule({ checkContainerDuplicates: true })).toMatchObject({
      kind: 'D8ContainerDuplicates',
    });
    expect(o.disallowedTolerationsRule({ disallowedTolerations: [] })).toBeUndefined();
  });
});

describe('match translation', () => {
  it('workload kinds follow controllerValidation, without ReplicaSet', () => {
    expect(workloadKinds(false)).toEqual([{ apiGroups: [''], kinds: ['Pod'] }]);
    expect(workloadKinds(true).flatMap((k) => k.kinds)).toEqual([
      'Pod',
      'DaemonSet',
      'Deployment',
      'StatefulSet',
      'ReplicationController',
      'CronJob',
      'Job',
    ]);
  });

  it('matchNames → namespaces, excludeNames + exempt → excludedNamespaces, selectors pass through', () => {
    const m = constraintMatch(
      {
        namespaceSelector: {
          matchNames: ['prod-*'],
          excludeNames: ['prod-legacy'],
          labelSelector: { matchLabels: { b: '2', a: '1' } },
        },
        labelSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
      },
      [{ apiGroups: [''], kinds: ['Pod'] }],
      ['kube-system', 'd8-*'],
      true,
    );
    expect(m).toEqual({
      kinds: [{ apiGroups: [''], kinds: ['Pod'] }],
      scope: 'Namespaced',
      namespaces: ['prod-*'],
      excludedNamespaces: ['d8-*', 'kube-system', 'prod-legacy'],
      namespaceSelector: { matchLabels: { a: '1', b: '2' } },
      labelSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
    });
    expect(Object.keys((m.namespaceSelector as { matchLabels: object }).matchLabels)).toEqual(['a', 'b']);
  });

  it('watchKinds group by API group', () => {
    expect(watchKindsToMatch(['networking.k8s.io/Ingress'])).toEqual([
      { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] },
    ]);
  });
});

describe('Pod Security Standards sets', () => {
  it('the default action is always in use; labels add the others', () => {
    expect(actionsInUse('deny', [])).toEqual(['deny']);
    const ns = (action: string) => ({ name: action, labels: { 'security.deckhouse.io/pod-policy-action': action } });
    expect(actionsInUse('deny', [ns('warn'), ns('bogus'), ns('deny'), ns('warn')])).toEqual(['deny', 'warn']);
    expect(actionsInUse('warn', [ns('dryrun'), ns('deny')])).toEqual(['warn', 'deny', 'dryrun']);
  });

  it('default Baseline: unlabelled namespaces get baseline; restricted only by label', () => {
    const sets = standardSets('Baseline', 'deny', ['deny']);
    expect(sets.map((x) => [x.name, x.namespaceSelector.matchExpressions])).toEqual([
      [
        'd8-pod-security-baseline-deny-default',
        [{ key: 'security.deckhouse.io/pod-policy', operator: 'NotIn', values: ['privileged'] }],
      ],
      [
        'd8-pod-security-restricted-deny-default',
        [{ key: 'security.deckhouse.io/pod-policy', operator: 'In', values: ['restricted'] }],
      ],
    ]);
  });

  it('default Privileged: baseline only where labelled baseline or restricted', () => {
    expect(standardSets('Privileged', 'deny', ['deny'])[0]?.namespaceSelector.matchExpressions).toEqual([
      { key: 'security.deckhouse.io/pod-policy', operator: 'In', values: ['baseline', 'restricted'] },
    ]);
  });

  it('default Restricted: restricted unless labelled baseline or privileged', () => {
    expect(standardSets('Restricted', 'deny', ['deny'])[1]?.namespaceSelector.matchExpressions).toEqual([
      { key: 'security.deckhouse.io/pod-policy', operator: 'NotIn', values: ['baseline', 'privileged'] },
    ]);
  });

  it('several actions: the default set excludes namespaces labelled with another action', () => {
    const sets = standardSets('Baseline', 'deny', ['deny', 'warn']);
    expect(
      sets.filter((x) => x.standard === 'baseline').map((x) => [x.name, x.namespaceSelector.matchExpressions[1]]),
    ).toEqual([
      [
        'd8-pod-security-baseline-deny-default',
        { key: 'security.deckhouse.io/pod-policy-action', operator: 'NotIn', values: ['warn'] },
      ],
      [
        'd8-pod-security-baseline-warn',
        { key: 'security.deckhouse.io/pod-policy-action', operator: 'In', values: ['warn'] },
      ],
    ]);
  });

  it('baseline host ports come from knownRanges; restricted adds the restricted controls', () => {
    const baseline = standardChecks('baseline', { knownHostPortRanges: [{ min: 80, max: 80 }] });
    expect(baseline.find((c) => c.kind === 'D8HostNetwork')?.parameters).toEqual({
      allowHostNetwork: false,
      ranges: [{ min: 80, max: 80 }],
    });
    expect(baseline.map((c) => c.kind)).toContain('D8WindowsHostProcess');
    expect(standardChecks('restricted', { knownHostPortRanges: [] }).map((c) => c.kind)).toEqual([
      'D8AllowedCapabilities',
      'D8AllowPrivilegeEscalation',
      'D8AllowedVolumeTypes',
      'D8AllowedUsers',
      'D8AllowedSeccompProfiles',
      'D8AllowedProcMount',
    ]);
  });
});
