// Objects an admin might get wrong, each with the error it must produce. `byApiServer` marks the ones the CRD schema
// itself can reject (the e2e test applies those to a real API server); every one is rejected by `gatewright validate`.

export interface BadObject {
  name: string;
  object: Record<string, unknown>;
  /** Regex the `gatewright validate` line must match (path and message). */
  validate: RegExp;
  /** Regex the API server's rejection must match, when the schema can say it. */
  apiServer?: RegExp;
}

export function securityPolicy(
  name: string,
  policies: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'SecurityPolicy',
    metadata: { name },
    spec: {
      enforcementAction: 'Deny',
      policies,
      match: { namespaceSelector: { labelSelector: { matchLabels: { team: 'a' } } } },
      ...extra,
    },
  };
}

export function operationPolicy(
  name: string,
  policies: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'OperationPolicy',
    metadata: { name },
    spec: { policies, match: { namespaceSelector: { matchNames: ['team-*'] } }, ...extra },
  };
}

export const BAD_OBJECTS: BadObject[] = [
  {
    name: 'enforcement action in lower case',
    object: securityPolicy('bad-action-case', {}, { enforcementAction: 'deny' }),
    validate:
      /spec\.enforcementAction: Unsupported value: "deny": supported values: "Deny", "Dryrun", "Warn" \(values are case-sensitive: did you mean "Deny"\?\)/,
    apiServer: /spec\.enforcementAction: Unsupported value: "deny": supported values: "Deny", "Dryrun", "Warn"/,
  },
  {
    name: 'unknown enforcement action',
    object: operationPolicy('bad-action', {}, { enforcementAction: 'Audit' }),
    validate: /spec\.enforcementAction: Unsupported value: "Audit"/,
    apiServer: /spec\.enforcementAction: Unsupported value: "Audit"/,
  },
  {
    name: 'host port range with min above max',
    object: securityPolicy('bad-port-range', { allowedHostPorts: [{ min: 9000, max: 8000 }] }),
    validate:
      /spec\.policies\.allowedHostPorts\[0\]: Invalid value: \{"min":9000,"max":8000\}: min must not be greater than max/,
  },
  {
    name: 'host port out of range',
    object: securityPolicy('bad-port', { allowedHostPorts: [{ min: 80, max: 70000 }] }),
    validate: /spec\.policies\.allowedHostPorts\[0\]\.max: Invalid value: 70000: must be between 0 and 65535/,
  },
  {
    name: 'runAsUser range with min above max',
    object: securityPolicy('bad-uid-range', { runAsUser: { rule: 'MustRunAs', ranges: [{ min: 2000, max: 1000 }] } }),
    validate:
      /spec\.policies\.runAsUser\.ranges\[0\]: Invalid value: \{"min":2000,"max":1000\}: min must not be greater than max/,
  },
  {
    name: 'MustRunAs without ranges',
    object: securityPolicy('bad-must-run-as', { fsGroup: { rule: 'MustRunAs' } }),
    validate: /spec\.policies\.fsGroup\.ranges: Required value: rule MustRunAs needs at least one range/,
  },
  {
    name: 'unknown runAsUser rule',
    object: securityPolicy('bad-user-rule', { runAsUser: { rule: 'MayRunAs' } }),
    validate:
      /spec\.policies\.runAsUser\.rule: Unsupported value: "MayRunAs": supported values: "MustRunAs", "MustRunAsNonRoot", "RunAsAny"/,
    apiServer: /spec\.policies\.runAsUser\.rule: Unsupported value: "MayRunAs"/,
  },
  {
    name: 'id strategy without rule',
    object: securityPolicy('bad-no-rule', { runAsGroup: { ranges: [{ min: 1, max: 2 }] } }),
    validate: /spec\.policies\.runAsGroup\.rule: Required value/,
    apiServer: /spec\.policies\.runAsGroup\.rule: Required value/,
  },
  {
    name: 'replica limits with min above max',
    object: operationPolicy('bad-replicas', { replicaLimits: { minReplicas: 5, maxReplicas: 2 } }),
    validate:
      /spec\.policies\.replicaLimits: Invalid value: \{"minReplicas":5,"maxReplicas":2\}: minReplicas must not be greater than maxReplicas/,
  },
  {
    name: 'label regex that does not compile',
    object: operationPolicy('bad-regex', {
      requiredLabels: { labels: [{ key: 'app', allowedRegex: '^(web|api$' }], watchKinds: ['/Pod'] },
    }),
    validate:
      /spec\.policies\.requiredLabels\.labels\[0\]\.allowedRegex: Invalid value: "\^\(web\|api\$": not a valid regular expression/,
  },
  {
    name: 'custom resource regex with lookahead (not RE2)',
    object: operationPolicy('bad-lookahead', { disallowedCustomResources: ['^(?!amd\\.com/).*gpu$'] }),
    validate: /spec\.policies\.disallowedCustomResources\[0\]: .*lookahead and lookbehind are not supported/,
  },
  {
    name: 'GPU pattern that does not compile',
    object: operationPolicy('bad-gpu', {
      gpuResourceRestriction: { namespaceLabel: { key: 'gpu', value: 'on' }, gpuResourcePatterns: ['nvidia.com/[gpu'] },
    }),
    validate:
      /spec\.policies\.gpuResourceRestriction\.gpuResourcePatterns\[0\]: Invalid value: "nvidia\.com\/\[gpu": not a valid regular expression/,
  },
  {
    name: 'repository with a URL scheme',
    object: operationPolicy('bad-repo-scheme', { allowedRepos: ['https://registry.example.com'] }),
    validate:
      /spec\.policies\.allowedRepos\[0\]: Invalid value: "https:\/\/registry\.example\.com": an image repository has no URL scheme/,
  },
  {
    name: 'repository with a wildcard',
    object: operationPolicy('bad-repo-glob', { allowedRepos: ['registry.example.com/*'] }),
    validate: /spec\.policies\.allowedRepos\[0\]: .*wildcards are not supported/,
  },
  {
    name: 'repository in upper case',
    object: operationPolicy('bad-repo-case', { allowedRepos: ['Registry.Example.com'] }),
    validate:
      /spec\.policies\.allowedRepos\[0\]: Invalid value: "Registry\.Example\.com": must be a registry host or repository path, lower case/,
  },
  {
    name: 'image tag with a colon',
    object: operationPolicy('bad-tag', { disallowedImageTags: [':latest'] }),
    validate: /spec\.policies\.disallowedImageTags\[0\]: Invalid value: ":latest": must be an image tag/,
  },
  {
    name: 'duplicate repositories',
    object: operationPolicy('dup-repos', { allowedRepos: ['registry.example.com', 'registry.example.com'] }),
    validate: /spec\.policies\.allowedRepos\[1\]: Duplicate value: "registry\.example\.com" \(already at index 0\)/,
  },
  {
    name: 'duplicate capabilities',
    object: securityPolicy('dup-caps', { allowedCapabilities: ['CHOWN', 'KILL', 'CHOWN'] }),
    validate: /spec\.policies\.allowedCapabilities\[2\]: Duplicate value: "CHOWN"/,
  },
  {
    name: 'capability allowed and required to drop',
    object: securityPolicy('contradict-caps', {
      allowedCapabilities: ['NET_ADMIN'],
      requiredDropCapabilities: ['NET_ADMIN'],
    }),
    validate:
      /spec\.policies\.allowedCapabilities\[0\]: Invalid value: "NET_ADMIN": also listed in requiredDropCapabilities\[0\]/,
  },
  {
    name: 'sysctl allowed and forbidden',
    object: securityPolicy('contradict-sysctl', {
      allowedUnsafeSysctls: ['kernel.msgmax'],
      forbiddenSysctls: ['kernel.*'],
    }),
    validate:
      /spec\.policies\.allowedUnsafeSysctls\[0\]: Invalid value: "kernel\.msgmax": also forbidden by forbiddenSysctls\[0\] \("kernel\.\*"\)/,
  },
  {
    name: 'capability with CAP_ prefix',
    object: securityPolicy('cap-prefix', { requiredDropCapabilities: ['CAP_SYS_ADMIN'] }),
    validate:
      /spec\.policies\.requiredDropCapabilities\[0\]: Unsupported value: "CAP_SYS_ADMIN".*write capabilities without the CAP_ prefix: "SYS_ADMIN"/,
    apiServer: /spec\.policies\.requiredDropCapabilities\[0\]: Unsupported value: "CAP_SYS_ADMIN"/,
  },
  {
    name: 'unknown capability',
    object: securityPolicy('unknown-cap', { allowedCapabilities: ['SYS_EVERYTHING'] }),
    validate: /spec\.policies\.allowedCapabilities\[0\]: Unsupported value: "SYS_EVERYTHING"/,
    apiServer: /spec\.policies\.allowedCapabilities\[0\]: Unsupported value: "SYS_EVERYTHING"/,
  },
  {
    name: 'unknown volume type',
    object: securityPolicy('unknown-volume', { allowedVolumes: ['hostpath'] }),
    validate: /spec\.policies\.allowedVolumes\[0\]: Unsupported value: "hostpath".*did you mean "hostPath"/,
    apiServer: /spec\.policies\.allowedVolumes\[0\]: Unsupported value: "hostpath"/,
  },
  {
    name: 'none combined with volume types',
    object: securityPolicy('none-and-more', { allowedVolumes: ['none', 'secret'] }),
    validate: /spec\.policies\.allowedVolumes: .*"none" forbids every volume and cannot be combined/,
  },
  {
    name: 'relative host path',
    object: securityPolicy('relative-path', { allowedHostPaths: [{ pathPrefix: 'var/log' }] }),
    validate: /spec\.policies\.allowedHostPaths\[0\]\.pathPrefix: Invalid value: "var\/log": must be an absolute path/,
  },
  {
    name: 'host path without pathPrefix',
    object: securityPolicy('no-prefix', { allowedHostPaths: [{ readOnly: true }] }),
    validate: /spec\.policies\.allowedHostPaths\[0\]\.pathPrefix: Required value/,
    apiServer: /spec\.policies\.allowedHostPaths\[0\]\.pathPrefix: Required value/,
  },
  {
    name: 'bad AppArmor profile',
    object: securityPolicy('bad-apparmor', { allowedAppArmor: ['docker-default'] }),
    validate:
      /spec\.policies\.allowedAppArmor\[0\]: Invalid value: "docker-default": must be runtime\/default, unconfined or localhost\/<profile>/,
  },
  {
    name: 'seccomp file glob with OPA glob syntax',
    object: securityPolicy('bad-seccomp-file', {
      seccompProfiles: { allowedProfiles: ['Localhost'], allowedLocalhostFiles: ['profiles/[ab].json'] },
    }),
    validate:
      /spec\.policies\.seccompProfiles\.allowedLocalhostFiles\[0\]: Invalid value: "profiles\/\[ab\]\.json": must be a profile file path/,
  },
  {
    name: 'bad sysctl glob',
    object: securityPolicy('bad-sysctl', { allowedUnsafeSysctls: ['kernel msgmax'] }),
    validate: /spec\.policies\.allowedUnsafeSysctls\[0\]: Invalid value: "kernel msgmax": must be a sysctl name/,
  },
  {
    name: 'unknown field in policies',
    object: securityPolicy('unknown-field', { allowHostNetworking: false }),
    validate: /spec\.policies\.allowHostNetworking: Unknown field/,
    apiServer: /unknown field "spec\.policies\.allowHostNetworking"/,
  },
  {
    name: 'wrong type: boolean as string',
    object: securityPolicy('wrong-type', { allowPrivileged: 'false' }),
    validate: /spec\.policies\.allowPrivileged: Invalid value: "false": must be of type boolean/,
    apiServer:
      /spec\.policies\.allowPrivileged: Invalid value: "string": spec\.policies\.allowPrivileged in body must be of type boolean/,
  },
  {
    name: 'wrong type: list as string',
    object: operationPolicy('wrong-list', { allowedRepos: 'registry.example.com' }),
    validate: /spec\.policies\.allowedRepos: Invalid value: "registry\.example\.com": must be of type array/,
    apiServer:
      /spec\.policies\.allowedRepos: Invalid value: "string": spec\.policies\.allowedRepos in body must be of type array/,
  },
  {
    name: 'missing policies',
    object: {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'SecurityPolicy',
      metadata: { name: 'no-policies' },
      spec: { match: { namespaceSelector: { matchNames: ['a'] } } },
    },
    validate: /spec\.policies: Required value/,
    apiServer: /spec\.policies: Required value/,
  },
  {
    name: 'missing match',
    object: {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'OperationPolicy',
      metadata: { name: 'no-match' },
      spec: { policies: {} },
    },
    validate: /spec\.match: Required value/,
    apiServer: /spec\.match: Required value/,
  },
  {
    name: 'SecurityPolicy match without namespaceSelector',
    object: securityPolicy('no-ns-selector', {}, { match: { labelSelector: { matchLabels: { app: 'x' } } } }),
    validate: /spec\.match\.namespaceSelector: Required value/,
    apiServer: /spec\.match\.namespaceSelector: Required value/,
  },
  {
    name: 'empty namespace label selector',
    object: securityPolicy('empty-selector', {}, { match: { namespaceSelector: { labelSelector: {} } } }),
    validate:
      /spec\.match\.namespaceSelector\.labelSelector: Required value: set at least one of matchLabels, matchExpressions/,
    apiServer: /spec\.match\.namespaceSelector\.labelSelector/,
  },
  {
    name: 'In operator without values',
    object: securityPolicy(
      'in-no-values',
      {},
      { match: { namespaceSelector: { labelSelector: { matchExpressions: [{ key: 'team', operator: 'In' }] } } } },
    ),
    validate:
      /spec\.match\.namespaceSelector\.labelSelector\.matchExpressions\[0\]\.values: Required value: operator In needs at least one value/,
  },
  {
    name: 'namespace glob with upper case',
    object: operationPolicy('bad-ns-glob', {}, { match: { namespaceSelector: { matchNames: ['Team-A'] } } }),
    validate: /spec\.match\.namespaceSelector\.matchNames\[0\]: Invalid value: "Team-A": must be a namespace name/,
  },
  {
    name: 'watchKinds without group separator',
    object: operationPolicy('bad-watch', { requiredLabels: { labels: [{ key: 'app' }], watchKinds: ['Deployment'] } }),
    validate: /spec\.policies\.requiredLabels\.watchKinds\[0\]: Invalid value: "Deployment": must match the pattern/,
    apiServer:
      /spec\.policies\.requiredLabels\.watchKinds\[0\]: Invalid value: "Deployment": spec\.policies\.requiredLabels\.watchKinds\[0\] in body should match/,
  },
  {
    name: 'requiredResources with an unknown resource',
    object: operationPolicy('bad-resource', { requiredResources: { limits: ['gpu'] } }),
    validate:
      /spec\.policies\.requiredResources\.limits\[0\]: Unsupported value: "gpu": supported values: "cpu", "memory"/,
    apiServer: /spec\.policies\.requiredResources\.limits\[0\]: Unsupported value: "gpu"/,
  },
  {
    name: 'image signature key that is not PEM',
    object: securityPolicy('bad-key', {
      verifyImageSignatures: [{ reference: 'registry.example.com/*', publicKeys: ['ssh-rsa AAAA'] }],
    }),
    validate: /spec\.policies\.verifyImageSignatures\[0\]\.publicKeys\[0\]: Invalid value: must be a PEM public key/,
  },
  {
    name: 'reserved name prefix',
    object: securityPolicy('d8-pod-security-baseline-deny', {}),
    validate:
      /metadata\.name: Invalid value: "d8-pod-security-baseline-deny": the prefix "d8-pod-security-" is reserved/,
  },
  {
    name: 'name too long for constraints',
    object: operationPolicy('a'.repeat(64), {}),
    validate: /metadata\.name: Invalid value: "a{64}": must be no more than 63 characters/,
  },
];
