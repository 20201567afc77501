// Objects an admin might get wrong, each with what must happen to it at `kubectl apply` and in `gatewright validate`:
// - rejected: refused at the door, by the CRD (schema and CEL rules: door 'schema', which includes the API server's
//   own checks of metadata) or by gatewright's validating webhook (door 'webhook'); `gatewright validate` reports the
//   same field path;
// - warned: Deckhouse accepts it and gives it a meaning, so it is accepted, with a warning (kubectl prints it, the
//   policy's Valid condition says it), and enforced as Deckhouse enforces it: `deniedPod` is denied, `admittedPod` is
//   admitted (both in a namespace the policy selects).
// Nothing is accepted silently. The unit test runs every case offline; the e2e test on the real API server.

export interface PodCase {
  namespace: string;
  spec: Record<string, unknown>;
}

export interface BadObject {
  name: string;
  /** What the table exercises: types, unknown fields, ranges, regexes, globs, selectors, rego, size, unicode, names, settings, exceptions, duplicates, contradictions. */
  group: string;
  object: Record<string, unknown>;
  outcome: 'rejected' | 'warned';
  /** Who refuses a rejected object at apply. */
  door?: 'schema' | 'webhook';
  /** The `gatewright validate` line (error or warning) must match. */
  validate: RegExp;
  /** The API server's refusal (kubectl's stderr) or warning must match; `validate` when unset. */
  apiServer?: RegExp;
  deniedPod?: PodCase;
  admittedPod?: PodCase;
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

export function exception(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'SecurityPolicyException',
    metadata: { name, namespace: 'default' },
    spec,
  };
}

export function moduleConfig(settings: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name: 'admission-policy-engine' },
    spec: { version: 1, enabled: true, settings },
  };
}

/** A security policy whose only checks are the named fields: the implicit privileged checks are switched off. */
const onlyChecks = (policies: Record<string, unknown>): Record<string, unknown> => ({
  allowPrivileged: true,
  allowPrivilegeEscalation: true,
  ...policies,
});

const container = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'app',
  image: 'registry.example.com/app:1.0',
  ...extra,
});
const podSpec = (c: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({
  containers: [container(c)],
  ...spec,
});
const sysctlPod = (name: string): Record<string, unknown> =>
  podSpec({}, { securityContext: { sysctls: [{ name, value: '1' }] } });
/** The namespaces of the warned cases: gw-warn-<n>, selected by name. */
export const ns = (n: number): string => `gw-warn-${n}`;
const inNs = (n: number): Record<string, unknown> => ({ match: { namespaceSelector: { matchNames: [ns(n)] } } });
const pod = (n: number, spec: Record<string, unknown>): PodCase => ({ namespace: ns(n), spec });

const rejected = (
  group: string,
  door: 'schema' | 'webhook',
  name: string,
  object: Record<string, unknown>,
  validate: RegExp,
  apiServer?: RegExp,
): BadObject => ({ name, group, object, outcome: 'rejected', door, validate, ...(apiServer ? { apiServer } : {}) });

const warned = (
  group: string,
  name: string,
  object: Record<string, unknown>,
  validate: RegExp,
  deniedPod: PodCase,
  admittedPod: PodCase,
): BadObject => ({ name, group, object, outcome: 'warned', validate, deniedPod, admittedPod });

const PEM = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';

export const BAD_OBJECTS: BadObject[] = [
  // ------------------------------------------------------------------ types and unknown fields (CRD schema)
  rejected('types', 'schema', 'enforcement action in lower case', securityPolicy('bad-action-case', {}, { enforcementAction: 'deny' }),
    /spec\.enforcementAction: Unsupported value: "deny": supported values: "Deny", "Dryrun", "Warn"/),
  rejected('types', 'schema', 'unknown enforcement action', operationPolicy('bad-action', {}, { enforcementAction: 'Audit' }),
    /spec\.enforcementAction: Unsupported value: "Audit"/),
  rejected('types', 'schema', 'boolean written as a string', securityPolicy('wrong-type', { allowPrivileged: 'false' }),
    /spec\.policies\.allowPrivileged: Invalid value: "false": must be of type boolean/,
    /spec\.policies\.allowPrivileged: Invalid value: "string": spec\.policies\.allowPrivileged in body must be of type boolean/),
  rejected('types', 'schema', 'list written as a string', operationPolicy('wrong-list', { allowedRepos: 'registry.example.com' }),
    /spec\.policies\.allowedRepos: Invalid value: "registry\.example\.com": must be of type array/,
    /spec\.policies\.allowedRepos: Invalid value: "string": spec\.policies\.allowedRepos in body must be of type array/),
  rejected('types', 'schema', 'port written as a string', securityPolicy('port-string', { allowedHostPorts: [{ min: '80', max: 80 }] }),
    /spec\.policies\.allowedHostPorts\[0\]\.min: Invalid value: "(80|string)": .*must be of type integer/),
  rejected('types', 'schema', 'missing policies', { apiVersion: 'deckhouse.io/v1alpha1', kind: 'SecurityPolicy', metadata: { name: 'no-policies' }, spec: { match: { namespaceSelector: { matchNames: ['a'] } } } },
    /spec\.policies: Required value/),
  rejected('types', 'schema', 'missing match', { apiVersion: 'deckhouse.io/v1alpha1', kind: 'OperationPolicy', metadata: { name: 'no-match' }, spec: { policies: {} } },
    /spec\.match: Required value/),
  rejected('types', 'schema', 'id strategy without rule', securityPolicy('bad-no-rule', { runAsGroup: { ranges: [{ min: 1, max: 2 }] } }),
    /spec\.policies\.runAsGroup\.rule: Required value/),
  rejected('types', 'schema', 'runAsUser rule that only fsGroup knows', securityPolicy('bad-user-rule', { runAsUser: { rule: 'MayRunAs' } }),
    /spec\.policies\.runAsUser\.rule: Unsupported value: "MayRunAs"/),
  rejected('types', 'schema', 'capability with CAP_ prefix', securityPolicy('cap-prefix', { requiredDropCapabilities: ['CAP_SYS_ADMIN'] }),
    /spec\.policies\.requiredDropCapabilities\[0\]: Unsupported value: "CAP_SYS_ADMIN"/),
  rejected('types', 'schema', 'unknown capability', securityPolicy('unknown-cap', { allowedCapabilities: ['SYS_EVERYTHING'] }),
    /spec\.policies\.allowedCapabilities\[0\]: Unsupported value: "SYS_EVERYTHING"/),
  rejected('types', 'schema', 'unknown volume type', securityPolicy('unknown-volume', { allowedVolumes: ['hostpath'] }),
    /spec\.policies\.allowedVolumes\[0\]: Unsupported value: "hostpath"/),
  rejected('types', 'schema', 'requiredResources with an unknown resource', operationPolicy('bad-resource', { requiredResources: { limits: ['gpu'] } }),
    /spec\.policies\.requiredResources\.limits\[0\]: Unsupported value: "gpu"/),
  rejected('unknown fields', 'schema', 'unknown field in policies', securityPolicy('unknown-field', { allowHostNetworking: false }),
    /spec\.policies\.allowHostNetworking: Unknown field/, /unknown field "spec\.policies\.allowHostNetworking"/),
  rejected('unknown fields', 'schema', 'unknown field in a host path entry', securityPolicy('unknown-nested', { allowedHostPaths: [{ pathPrefix: '/var/log', readonly: true }] }),
    /spec\.policies\.allowedHostPaths\[0\]\.readonly: Unknown field/, /unknown field "spec\.policies\.allowedHostPaths\[0\]\.readonly"/),
  rejected('unknown fields', 'schema', 'host path without pathPrefix', securityPolicy('no-prefix', { allowedHostPaths: [{ readOnly: true }] }),
    /spec\.policies\.allowedHostPaths\[0\]\.pathPrefix: Required value/),

  // ------------------------------------------------------------------ ranges (schema bounds and CEL)
  rejected('ranges', 'schema', 'host port range with min above max', securityPolicy('bad-port-range', { allowedHostPorts: [{ min: 9000, max: 8000 }] }),
    /spec\.policies\.allowedHostPorts\[0\]: Invalid value: min must not be greater than max/),
  rejected('ranges', 'schema', 'host port above 65535', securityPolicy('bad-port', { allowedHostPorts: [{ min: 80, max: 70000 }] }),
    /spec\.policies\.allowedHostPorts\[0\]\.max: Invalid value: 70000: .*less than or equal to 65535/),
  rejected('ranges', 'schema', 'negative host port', securityPolicy('negative-port', { allowedHostPorts: [{ min: -1, max: 80 }] }),
    /spec\.policies\.allowedHostPorts\[0\]\.min: Invalid value: -1: .*greater than or equal to 0/),
  rejected('ranges', 'schema', 'runAsUser range with min above max', securityPolicy('bad-uid-range', { runAsUser: { rule: 'MustRunAs', ranges: [{ min: 2000, max: 1000 }] } }),
    /spec\.policies\.runAsUser\.ranges\[0\]: Invalid value: min must not be greater than max/),
  rejected('ranges', 'schema', 'user ID above 2^31-1', securityPolicy('big-uid', { runAsUser: { rule: 'MustRunAs', ranges: [{ min: 1, max: 4294967296 }] } }),
    /spec\.policies\.runAsUser\.ranges\[0\]\.max: Invalid value: 4294967296: .*less than or equal to 2147483647/),
  rejected('ranges', 'schema', 'fsGroup MustRunAs without ranges', securityPolicy('bad-must-run-as', { fsGroup: { rule: 'MustRunAs' } }),
    /spec\.policies\.fsGroup\.ranges: Required value: rules MustRunAs and MayRunAs need at least one range/),
  rejected('ranges', 'schema', 'supplementalGroups MayRunAs with an empty range list', securityPolicy('bad-may-run-as', { supplementalGroups: { rule: 'MayRunAs', ranges: [] } }),
    /spec\.policies\.supplementalGroups\.ranges: Required value: rules MustRunAs and MayRunAs need at least one range/),
  rejected('ranges', 'schema', 'replica limits with min above max', operationPolicy('bad-replicas', { replicaLimits: { minReplicas: 5, maxReplicas: 2 } }),
    /spec\.policies\.replicaLimits: Invalid value: minReplicas must not be greater than maxReplicas/),
  rejected('ranges', 'schema', 'negative revision history limit', operationPolicy('bad-history', { maxRevisionHistoryLimit: -1 }),
    /spec\.policies\.maxRevisionHistoryLimit: Invalid value: -1: .*greater than or equal to 0/),

  // ------------------------------------------------------------------ regexes (RE2, by the webhook)
  rejected('regexes', 'webhook', 'repeat count above RE2\'s 1000', operationPolicy('re2-repeat', { disallowedCustomResources: ['^example\\.com/x{1001}$'] }),
    /spec\.policies\.disallowedCustomResources\[0\]: Invalid value: .*not a valid RE2 regular expression.*invalid repeat count/),
  rejected('regexes', 'webhook', 'Unicode script property RE2 does not know', operationPolicy('re2-script', { requiredLabels: { labels: [{ key: 'owner', allowedRegex: '^\\p{Script=Latin}+$' }], watchKinds: ['/Pod'] } }),
    /spec\.policies\.requiredLabels\.labels\[0\]\.allowedRegex: Invalid value: .*not a valid RE2 regular expression/),
  rejected('regexes', 'webhook', 'label regex that does not compile', operationPolicy('bad-regex', { requiredLabels: { labels: [{ key: 'app', allowedRegex: '^(web|api$' }], watchKinds: ['/Pod'] } }),
    /spec\.policies\.requiredLabels\.labels\[0\]\.allowedRegex: Invalid value: "\^\(web\|api\$": not a valid RE2 regular expression.*missing closing \)/),
  rejected('regexes', 'webhook', 'lookahead (not RE2)', operationPolicy('bad-lookahead', { disallowedCustomResources: ['^(?!amd\\.com/).*gpu$'] }),
    /spec\.policies\.disallowedCustomResources\[0\]: .*not a valid RE2 regular expression.*Perl syntax/),
  rejected('regexes', 'webhook', 'backreference (not RE2)', operationPolicy('bad-backref', { requiredAnnotations: { annotations: [{ key: 'a', allowedRegex: '^(x)\\1$' }], watchKinds: ['apps/Deployment'] } }),
    /spec\.policies\.requiredAnnotations\.annotations\[0\]\.allowedRegex: .*not a valid RE2 regular expression.*invalid escape/),
  rejected('regexes', 'webhook', 'GPU pattern that does not compile', operationPolicy('bad-gpu', { gpuResourceRestriction: { namespaceLabel: { key: 'gpu', value: 'on' }, gpuResourcePatterns: ['nvidia.com/[gpu'] } }),
    /spec\.policies\.gpuResourceRestriction\.gpuResourcePatterns\[0\]: Invalid value: "nvidia\.com\/\[gpu": not a valid RE2 regular expression/),

  // ------------------------------------------------------------------ globs
  rejected('globs', 'schema', 'namespace glob in the middle of a name (matchNames)', operationPolicy('mid-glob', {}, { match: { namespaceSelector: { matchNames: ['team-*-prod'] } } }),
    /spec\.match\.namespaceSelector\.matchNames\[0\]: Invalid value: "team-\*-prod"/),
  rejected('globs', 'schema', 'namespace glob in the middle of a name (excludeNames)', securityPolicy('mid-glob-exclude', {}, { match: { namespaceSelector: { excludeNames: ['a*b'] } } }),
    /spec\.match\.namespaceSelector\.excludeNames\[0\]: Invalid value: "a\*b"/),
  rejected('globs', 'schema', 'namespace glob with upper case', operationPolicy('bad-ns-glob', {}, { match: { namespaceSelector: { matchNames: ['Team-A'] } } }),
    /spec\.match\.namespaceSelector\.matchNames\[0\]: Invalid value: "Team-A"/),
  rejected('globs', 'schema', 'namespace glob with a dot', operationPolicy('dot-glob', {}, { match: { namespaceSelector: { matchNames: ['team.a'] } } }),
    /spec\.match\.namespaceSelector\.matchNames\[0\]: Invalid value: "team\.a"/),
  rejected('globs', 'webhook', 'sysctl glob with a space', securityPolicy('bad-sysctl', { allowedUnsafeSysctls: ['kernel msgmax'] }),
    /spec\.policies\.allowedUnsafeSysctls\[0\]: Invalid value: "kernel msgmax": must be a sysctl name/),
  rejected('globs', 'schema', 'sysctl glob built to backtrack', securityPolicy('backtrack-sysctl', { forbiddenSysctls: [`${'a*'.repeat(400)}!`] }),
    /spec\.policies\.forbiddenSysctls\[0\]: Too long: may not be (more|longer) than 253/),
  rejected('globs', 'webhook', 'sysctl glob built to backtrack, within the length cap', securityPolicy('backtrack-sysctl-short', { forbiddenSysctls: [`${'a*'.repeat(120)}!`] }),
    /spec\.policies\.forbiddenSysctls\[0\]: Invalid value: .*must be a sysctl name/),
  rejected('globs', 'webhook', 'seccomp file glob with OPA glob syntax', securityPolicy('bad-seccomp-file', { seccompProfiles: { allowedProfiles: ['Localhost'], allowedLocalhostFiles: ['profiles/[ab].json'] } }),
    /spec\.policies\.seccompProfiles\.allowedLocalhostFiles\[0\]: Invalid value: "profiles\/\[ab\]\.json": must be a profile file path/),
  rejected('globs', 'webhook', 'AppArmor profile Docker names', securityPolicy('bad-apparmor', { allowedAppArmor: ['docker-default'] }),
    /spec\.policies\.allowedAppArmor\[0\]: Invalid value: "docker-default": must be runtime\/default, unconfined or localhost\/<profile>/),
  rejected('globs', 'schema', 'relative host path', securityPolicy('relative-path', { allowedHostPaths: [{ pathPrefix: 'var/log' }] }),
    /spec\.policies\.allowedHostPaths\[0\]\.pathPrefix: Invalid value: "var\/log"/),
  rejected('globs', 'webhook', 'repository with a URL scheme', operationPolicy('bad-repo-scheme', { allowedRepos: ['https://registry.example.com'] }),
    /spec\.policies\.allowedRepos\[0\]: Invalid value: "https:\/\/registry\.example\.com": an image repository has no URL scheme/),
  rejected('globs', 'webhook', 'repository with a wildcard', operationPolicy('bad-repo-glob', { allowedRepos: ['registry.example.com/*'] }),
    /spec\.policies\.allowedRepos\[0\]: .*wildcards are not supported/),
  rejected('globs', 'webhook', 'repository in upper case', operationPolicy('bad-repo-case', { allowedRepos: ['Registry.Example.com'] }),
    /spec\.policies\.allowedRepos\[0\]: Invalid value: "Registry\.Example\.com": must be a registry host or repository path, lower case/),
  rejected('globs', 'webhook', 'image tag with a colon', operationPolicy('bad-tag', { disallowedImageTags: [':latest'] }),
    /spec\.policies\.disallowedImageTags\[0\]: Invalid value: ":latest": must be an image tag/),
  rejected('globs', 'schema', 'watchKinds without group separator', operationPolicy('bad-watch', { requiredLabels: { labels: [{ key: 'app' }], watchKinds: ['Deployment'] } }),
    /spec\.policies\.requiredLabels\.watchKinds\[0\]: Invalid value: "Deployment"/),
  rejected('globs', 'schema', 'image signature reference with a * inside', securityPolicy('bad-reference', { verifyImageSignatures: [{ reference: 'registry.example.com/*/app', publicKeys: [PEM] }] }),
    /spec\.policies\.verifyImageSignatures\[0\]\.reference: Invalid value: "registry\.example\.com\/\*\/app"/),
  rejected('globs', 'webhook', 'image signature key that is not PEM', securityPolicy('bad-key', { verifyImageSignatures: [{ reference: 'registry.example.com/*', publicKeys: ['ssh-rsa AAAA'] }] }),
    /spec\.policies\.verifyImageSignatures\[0\]\.publicKeys\[0\]: Invalid value: must be a PEM public key/),

  // ------------------------------------------------------------------ selectors
  rejected('selectors', 'schema', 'SecurityPolicy match without namespaceSelector', securityPolicy('no-ns-selector', {}, { match: { labelSelector: { matchLabels: { app: 'x' } } } }),
    /spec\.match\.namespaceSelector: Required value/),
  rejected('selectors', 'schema', 'empty namespace label selector', securityPolicy('empty-selector', {}, { match: { namespaceSelector: { labelSelector: {} } } }),
    /spec\.match\.namespaceSelector\.labelSelector(\.matchLabels)?: (Required value|.*set at least one of matchLabels, matchExpressions|.*selects nothing specific)/),
  rejected('selectors', 'schema', 'label written beside matchLabels', securityPolicy('slipped-label', {}, { match: { namespaceSelector: { labelSelector: { 'team.example.com/a': 'x' } } } }),
    /spec\.match\.namespaceSelector\.labelSelector\.team\.example\.com\/a: Unknown field/, /unknown field "spec\.match\.namespaceSelector\.labelSelector\.team\.example\.com\/a"/),
  rejected('selectors', 'schema', 'In operator without values', securityPolicy('in-no-values', {}, { match: { namespaceSelector: { labelSelector: { matchExpressions: [{ key: 'team', operator: 'In' }] } } } }),
    /spec\.match\.namespaceSelector\.labelSelector\.matchExpressions\[0\]\.values: Required value: operator In and NotIn need at least one value/),
  rejected('selectors', 'schema', 'Exists operator with values', operationPolicy('exists-values', {}, { match: { labelSelector: { matchExpressions: [{ key: 'team', operator: 'Exists', values: ['a'] }] } } }),
    /spec\.match\.labelSelector\.matchExpressions\[0\]\.values: Forbidden: operator Exists and DoesNotExist take no values/),
  rejected('selectors', 'schema', 'toleration pattern Exists with a value', operationPolicy('exists-toleration', { disallowedTolerations: [{ key: 'gpu', operator: 'Exists', value: 'x' }] }),
    /spec\.policies\.disallowedTolerations\[0\]\.value: Forbidden: a toleration with operator Exists has no value/),

  // ------------------------------------------------------------------ Rego-looking strings (never reach Rego as code; refused where a syntax is known)
  rejected('rego', 'webhook', 'Rego in a repository', operationPolicy('rego-repo', { allowedRepos: ['x"} violation[{"msg": "pwned"}] {'] }),
    /spec\.policies\.allowedRepos\[0\]: Invalid value: .*must be a registry host or repository path/),
  rejected('rego', 'webhook', 'Rego in a sysctl', securityPolicy('rego-sysctl', { forbiddenSysctls: ['kernel.*"} { true'] }),
    /spec\.policies\.forbiddenSysctls\[0\]: Invalid value: .*must be a sysctl name/),
  rejected('rego', 'webhook', 'Rego in a ClusterRole name', securityPolicy('rego-role', { allowedClusterRoles: ['admin"]; allow { true'] }),
    /spec\.policies\.allowedClusterRoles\[0\]: Invalid value: .*must be a ClusterRole name/),
  rejected('rego', 'schema', 'Rego in a namespace glob', operationPolicy('rego-ns', {}, { match: { namespaceSelector: { matchNames: ['x"}]'] } } }),
    /spec\.match\.namespaceSelector\.matchNames\[0\]: Invalid value: "x\\"}]"/),

  // ------------------------------------------------------------------ sizes
  rejected('size', 'schema', 'huge list: 10,000 repositories', operationPolicy('huge-list', { allowedRepos: Array.from({ length: 10_000 }, (_, i) => `registry${i}.example.com`) }),
    /spec\.policies\.allowedRepos: Too many: 10000: must have at most 256 items/),
  rejected('size', 'schema', '1 MiB object: one repository of 1 MiB', operationPolicy('huge-string', { allowedRepos: ['r'.repeat(1024 * 1024)] }),
    /spec\.policies\.allowedRepos\[0\]: Too long: may not be (more|longer) than 1024/),
  rejected('size', 'webhook', '1 MiB object: justification notes of 1 MiB', exception('huge-notes', { network: { hostNetwork: { allowedValue: true, metadata: { why: 'x'.repeat(1024 * 1024) } } } }),
    /spec: Too long: \d+ bytes: must have at most 262144 bytes/),
  rejected('size', 'schema', 'namespace selector with 1,000 labels', securityPolicy('many-labels', {}, { match: { namespaceSelector: { labelSelector: { matchLabels: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`l${i}`, 'x'])) } } } }),
    /spec\.match\.namespaceSelector\.labelSelector\.matchLabels: Too many: 1000: must have at most 64/),

  // ------------------------------------------------------------------ unicode
  rejected('unicode', 'webhook', 'repository with a Cyrillic letter', operationPolicy('homoglyph-repo', { allowedRepos: ['r\u0435gistry.example.com'] }),
    /spec\.policies\.allowedRepos\[0\]: Invalid value: "r\u0435gistry\.example\.com": must be a registry host/),
  rejected('unicode', 'schema', 'namespace glob with an umlaut', securityPolicy('umlaut-ns', {}, { match: { namespaceSelector: { matchNames: ['t\u00e4am'] } } }),
    /spec\.match\.namespaceSelector\.matchNames\[0\]: Invalid value: "t\u00e4am"/),
  rejected('unicode', 'schema', 'policy name with an emoji', securityPolicy('team-\u{1F512}', {}),
    /metadata\.name: Invalid value: "team-\u{1F512}"/u),

  // ------------------------------------------------------------------ names
  rejected('names', 'schema', 'name of a generated PSS constraint', securityPolicy('d8-pod-security-restricted-deny-default', {}),
    /metadata\.name: .*the name must not start with a prefix reserved for generated constraints/),
  rejected('names', 'schema', 'name with a Deckhouse reserved prefix', operationPolicy('d8-system-warn-team', {}),
    /metadata\.name: .*the name must not start with a prefix reserved/),
  rejected('names', 'schema', 'name with gatewright\'s prefix', securityPolicy('gatewright-skip-pss-check', {}),
    /metadata\.name: .*the name must not start with a prefix reserved/),
  rejected('names', 'schema', 'name longer than 253 characters', operationPolicy('a'.repeat(254), {}),
    /metadata\.name: Invalid value: "a+…?": .*(at most 253|must be no more than 253)/),
  rejected('names', 'schema', 'name with an underscore', securityPolicy('team_a', {}),
    /metadata\.name: Invalid value: "team_a": a lowercase RFC 1123 subdomain must consist of/),

  // ------------------------------------------------------------------ module settings (only the webhook sees them: the ModuleConfig CRD may be Deckhouse's)
  rejected('settings', 'webhook', 'default policy in lower case', moduleConfig({ podSecurityStandards: { defaultPolicy: 'baseline' } }),
    /spec\.settings\.podSecurityStandards\.defaultPolicy: Unsupported value: "baseline"/),
  rejected('settings', 'webhook', 'unknown setting', moduleConfig({ podSecurityStandard: {} }),
    /spec\.settings\.podSecurityStandard: Unknown field/),
  rejected('settings', 'webhook', 'known host port range with min above max', moduleConfig({ podSecurityStandards: { policies: { hostPorts: { knownRanges: [{ min: 9, max: 1 }] } } } }),
    /spec\.settings\.podSecurityStandards\.policies\.hostPorts\.knownRanges\[0\]: Invalid value: min must not be greater than max/),
  rejected('settings', 'webhook', 'exempt namespace glob in the middle', moduleConfig({ exemptNamespaces: ['kube-*-x'] }),
    /spec\.settings\.exemptNamespaces\[0\]: Invalid value: "kube-\*-x"/),
  rejected('settings', 'webhook', 'skip-check group with a space', moduleConfig({ podSecurityStandards: { skipCheckAllowedGroups: ['system masters'] } }),
    /spec\.settings\.podSecurityStandards\.skipCheckAllowedGroups\[0\]: Invalid value: "system masters"/),

  // ------------------------------------------------------------------ exceptions
  rejected('exceptions', 'schema', 'exception with an unknown field', exception('bad-exception-field', { securityContext: { privileged: { allowedValue: true, reason: 'x' } } }),
    /spec\.securityContext\.privileged\.reason: Unknown field/, /unknown field "spec\.securityContext\.privileged\.reason"/),
  rejected('exceptions', 'schema', 'exception AppArmor profile of the wrong form', exception('bad-exception-apparmor', { securityContext: { appArmorProfile: { allowedValues: ['docker-default'] } } }),
    /spec\.securityContext\.appArmorProfile\.allowedValues\[0\]: Invalid value: "docker-default"/),
  rejected('exceptions', 'schema', 'exception host port without protocol', exception('bad-exception-port', { network: { hostPorts: [{ port: 80 }] } }),
    /spec\.network\.hostPorts\[0\]\.protocol: Required value/),
  rejected('exceptions', 'schema', 'exception host port as a string', exception('bad-exception-port-type', { network: { hostPorts: [{ port: 'http', protocol: 'TCP' }] } }),
    /spec\.network\.hostPorts\[0\]\.port: Invalid value: "(http|string)": .*must be of type integer/),

  // ------------------------------------------------------------------ accepted with a warning, enforced as Deckhouse enforces them
  // Each in its own namespace (gw-warn-<n>), so one policy's checks do not decide another's Pods.
  warned('contradictions', 'every sysctl allowed and every sysctl forbidden', securityPolicy('sysctl-all-forbidden', onlyChecks({ allowedUnsafeSysctls: ['*'], forbiddenSysctls: ['*'] }), inNs(1)),
    /spec\.policies\.allowedUnsafeSysctls\[0\]: "\*" is also forbidden by forbiddenSysctls\[0\] \("\*"\), which takes precedence, as in Deckhouse: no sysctl may be set/,
    pod(1, sysctlPod('kernel.shm_rmid_forced')), pod(1, podSpec())),
  warned('contradictions', 'allowed sysctl covered by a forbidden glob', securityPolicy('sysctl-covered', onlyChecks({ allowedUnsafeSysctls: ['kernel.msgmax', 'net.core.somaxconn'], forbiddenSysctls: ['kernel.*'] }), inNs(2)),
    /spec\.policies\.allowedUnsafeSysctls\[0\]: "kernel\.msgmax" is also forbidden by forbiddenSysctls\[0\] \("kernel\.\*"\)/,
    pod(2, sysctlPod('kernel.msgmax')), pod(2, sysctlPod('net.core.somaxconn'))),
  warned('contradictions', 'capability allowed and required to drop', securityPolicy('caps-contradiction', onlyChecks({ allowedCapabilities: ['NET_ADMIN'], requiredDropCapabilities: ['NET_ADMIN'] }), inNs(3)),
    /spec\.policies\.allowedCapabilities\[0\]: "NET_ADMIN" is also listed in requiredDropCapabilities\[0\]/,
    pod(3, podSpec({ securityContext: { capabilities: { add: ['NET_ADMIN'] } } })),
    pod(3, podSpec({ securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['NET_ADMIN'] } } }))),
  warned('contradictions', 'none beside other volume types', securityPolicy('volumes-none-and-secret', onlyChecks({ allowedVolumes: ['none', 'secret'] }), inNs(4)),
    /spec\.policies\.allowedVolumes: "none" beside other volume types means nothing/,
    pod(4, podSpec({}, { volumes: [{ name: 'v', emptyDir: {} }] })),
    pod(4, podSpec({}, { volumes: [{ name: 'v', secret: { secretName: 's' } }] }))),
  warned('contradictions', 'namespace both matched and excluded', operationPolicy('match-and-exclude', { disallowedImageTags: ['latest'] }, { match: { namespaceSelector: { matchNames: [ns(5), ns(6)], excludeNames: [ns(6)] } } }),
    /spec\.match\.namespaceSelector\.excludeNames\[0\]: "gw-warn-6" is also listed in matchNames; the exclusion wins/,
    pod(5, podSpec({ image: 'registry.example.com/app:latest' })), pod(6, podSpec({ image: 'registry.example.com/app:latest' }))),
  warned('duplicates', 'duplicate capabilities', securityPolicy('dup-caps', onlyChecks({ allowedCapabilities: ['CHOWN', 'KILL', 'CHOWN'] }), inNs(7)),
    /spec\.policies\.allowedCapabilities\[2\]: Duplicate value: "CHOWN" \(already at index 0\)/,
    pod(7, podSpec({ securityContext: { capabilities: { add: ['NET_ADMIN'] } } })),
    pod(7, podSpec({ securityContext: { capabilities: { add: ['CHOWN'] } } }))),
  warned('duplicates', 'duplicate forbidden sysctls', securityPolicy('dup-sysctls', onlyChecks({ forbiddenSysctls: ['kernel.msgmax', 'kernel.msgmax'] }), inNs(8)),
    /spec\.policies\.forbiddenSysctls\[1\]: Duplicate value: "kernel\.msgmax"/,
    pod(8, sysctlPod('kernel.msgmax')), pod(8, sysctlPod('net.core.somaxconn'))),
  warned('duplicates', 'duplicate host port ranges', securityPolicy('dup-host-ports', onlyChecks({ allowedHostPorts: [{ min: 80, max: 80 }, { min: 80, max: 80 }] }), inNs(9)),
    /spec\.policies\.allowedHostPorts\[1\]: Duplicate value: \{"max":80,"min":80\}/,
    pod(9, podSpec({ ports: [{ containerPort: 8080, hostPort: 8080 }] })),
    pod(9, podSpec({ ports: [{ containerPort: 80, hostPort: 80 }] }))),
  warned('duplicates', 'duplicate user ranges', securityPolicy('dup-user-ranges', onlyChecks({ runAsUser: { rule: 'MustRunAs', ranges: [{ min: 1000, max: 2000 }, { min: 1000, max: 2000 }] } }), inNs(10)),
    /spec\.policies\.runAsUser\.ranges\[1\]: Duplicate value/,
    pod(10, podSpec({ securityContext: { runAsUser: 0 } })), pod(10, podSpec({ securityContext: { runAsUser: 1500 } }))),
  warned('duplicates', 'duplicate volume types', securityPolicy('dup-volumes', onlyChecks({ allowedVolumes: ['secret', 'secret'] }), inNs(11)),
    /spec\.policies\.allowedVolumes\[1\]: Duplicate value: "secret"/,
    pod(11, podSpec({}, { volumes: [{ name: 'v', emptyDir: {} }] })),
    pod(11, podSpec({}, { volumes: [{ name: 'v', secret: { secretName: 's' } }] }))),
  warned('duplicates', 'duplicate repositories', operationPolicy('dup-repos', { allowedRepos: ['registry.example.com', 'registry.example.com'] }, inNs(12)),
    /spec\.policies\.allowedRepos\[1\]: Duplicate value: "registry\.example\.com" \(already at index 0\)/,
    pod(12, podSpec({ image: 'docker.io/library/nginx:1.27' })), pod(12, podSpec())),
  warned('duplicates', 'duplicate image tags', operationPolicy('dup-tags', { disallowedImageTags: ['latest', 'latest'] }, inNs(13)),
    /spec\.policies\.disallowedImageTags\[1\]: Duplicate value: "latest"/,
    pod(13, podSpec({ image: 'registry.example.com/app:latest' })), pod(13, podSpec())),
  warned('duplicates', 'duplicate required probes', operationPolicy('dup-probes', { requiredProbes: ['livenessProbe', 'livenessProbe'] }, inNs(14)),
    /spec\.policies\.requiredProbes\[1\]: Duplicate value: "livenessProbe"/,
    pod(14, podSpec()), pod(14, podSpec({ livenessProbe: { tcpSocket: { port: 80 } } }))),
  warned('duplicates', 'duplicate namespace names', operationPolicy('dup-match-names', { allowedRepos: ['registry.example.com'] }, { match: { namespaceSelector: { matchNames: [ns(15), ns(15)] } } }),
    /spec\.match\.namespaceSelector\.matchNames\[1\]: Duplicate value: "gw-warn-15"/,
    pod(15, podSpec({ image: 'docker.io/library/nginx:1.27' })), pod(15, podSpec())),
]; // prettier-ignore
