// Schema pieces the policy fields share (selectors, ranges, ID strategies, globs), used by the field modules in
// src/fields and by schemas.ts. Field names, enums and defaults follow the Deckhouse admission-policy-engine CRDs
// (group deckhouse.io, version v1alpha1), so YAML written for DVP validates unchanged; descriptions say what a field
// enforces and what leaving it out means, for `kubectl explain`.
import { NAMESPACE_GLOB_PATTERN } from './patterns.js';
import { arr, cel, enumOf, int, obj, str, stringList, stringMap, withRules, type Schema } from './schema-builders.js';

export { POLICY_GROUP as GROUP, POLICY_VERSION as VERSION } from './resources.js';

export const ENFORCEMENT_ACTIONS = ['Deny', 'Dryrun', 'Warn'] as const;

export const CAPABILITIES = [
  'ALL', 'SETPCAP', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME',
  'SYS_TTY_CONFIG', 'MKNOD', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'MAC_OVERRIDE', 'MAC_ADMIN', 'NET_ADMIN', 'SYSLOG', 'CHOWN',
  'NET_RAW', 'DAC_OVERRIDE', 'FOWNER', 'DAC_READ_SEARCH', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'IPC_LOCK', 'IPC_OWNER', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_BOOT', 'LEASE',
  'SETFCAP', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
] as const; // prettier-ignore

export const VOLUME_TYPES = [
  '*', 'none', 'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephFS', 'cinder', 'configMap', 'csi', 'downwardAPI',
  'emptyDir', 'ephemeral', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'hostPath',
  'image', 'iscsi', 'nfs', 'persistentVolumeClaim', 'photonPersistentDisk', 'portworxVolume', 'projected', 'quobyte',
  'rbd', 'scaleIO', 'secret', 'storageos', 'vsphereVolume',
] as const; // prettier-ignore

// ---------------------------------------------------------------------------------------------- shared pieces

export const enforcementAction = enumOf(
  ENFORCEMENT_ACTIONS,
  'What happens to a request that breaks this policy. Deny rejects it; Warn admits it and returns the reason as a ' +
    'warning (kubectl prints it); Dryrun admits it silently and only records the violation in the audit ' +
    '(status.violations). Deny when unset.',
  { default: 'Deny' },
);

export const labelSelectorRequirement = withRules(
  obj(
    {
      key: str('The label key the requirement applies to.'),
      operator: enumOf(['In', 'NotIn', 'Exists', 'DoesNotExist'], 'How the key relates to the values.'),
      values: stringList('Values for In and NotIn; must be empty for Exists and DoesNotExist.'),
    },
    'One label requirement.',
    { required: ['key', 'operator'] },
  ),
  cel(
    "!(self.operator in ['In', 'NotIn']) || (has(self.values) && size(self.values) > 0)",
    'operator In and NotIn need at least one value',
    (s) => !(s.operator === 'In' || s.operator === 'NotIn') || (Array.isArray(s.values) && s.values.length > 0),
    { fieldPath: '.values', reason: 'FieldValueRequired' },
  ),
  cel(
    "!(self.operator in ['Exists', 'DoesNotExist']) || !has(self.values) || size(self.values) == 0",
    'operator Exists and DoesNotExist take no values',
    (s) =>
      !(s.operator === 'Exists' || s.operator === 'DoesNotExist') || !Array.isArray(s.values) || s.values.length === 0,
    { fieldPath: '.values', reason: 'FieldValueForbidden' },
  ),
);

export const labelSelector = (what: string): Schema =>
  obj(
    {
      matchLabels: stringMap(`Labels ${what} must carry, key and value exactly.`),
      matchExpressions: arr(labelSelectorRequirement, `Label requirements ${what} must meet; all must hold.`),
    },
    `Selects ${what} by label. At least one of matchLabels or matchExpressions must be set: an empty selector would ` +
      'select everything. A label written at the level of matchLabels, instead of indented under it, is not a ' +
      'label but an unknown field, and is rejected.',
    {
      anyOf: [{ required: ['matchLabels'] }, { required: ['matchExpressions'] }],
      'x-kubernetes-validations': [
        cel(
          '(has(self.matchLabels) && size(self.matchLabels) > 0) || (has(self.matchExpressions) && size(self.matchExpressions) > 0)',
          'selects nothing specific: set matchLabels or matchExpressions (is a label indented one level too little, beside matchLabels instead of under it?)',
          (s) =>
            (isMap(s.matchLabels) && Object.keys(s.matchLabels).length > 0) ||
            (Array.isArray(s.matchExpressions) && s.matchExpressions.length > 0),
        ),
      ],
    },
  );

export const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const namespaceGlob = str(
  'A namespace name, or a prefix or suffix glob: a * at the start, the end or both (d8-*, *-system), as ' +
    "Gatekeeper's match schema allows.",
  { pattern: NAMESPACE_GLOB_PATTERN, maxLength: 65 },
);

export const namespaceGlobs = (what: string): Schema =>
  arr(namespaceGlob, `${what} Names may use * as a wildcard at the start or the end (for example d8-*).`, {
    minItems: 1,
  });

/** min ≤ max, checked by the API server and offline alike. */
export const minNotAboveMax = cel(
  'self.min <= self.max',
  'min must not be greater than max',
  (s) => typeof s.min !== 'number' || typeof s.max !== 'number' || s.min <= s.max,
);

export const match = (required: 'namespaceSelector' | 'any'): Schema =>
  obj(
    {
      namespaceSelector: obj(
        {
          matchNames: namespaceGlobs('Only these namespaces are checked.'),
          excludeNames: namespaceGlobs('Every namespace except these is checked.'),
          labelSelector: labelSelector('namespaces'),
        },
        'Which namespaces the policy applies to: by name (matchNames), by exclusion (excludeNames) or by label ' +
          '(labelSelector). Namespaces exempt in the module config are never checked.',
        { anyOf: [{ required: ['matchNames'] }, { required: ['excludeNames'] }, { required: ['labelSelector'] }] },
      ),
      labelSelector: labelSelector(
        'the checked objects (Pods, or the workload objects themselves: their top-level labels, not their pod template labels)',
      ),
    },
    'Which objects the policy applies to. Both selectors must match when both are set.',
    required === 'namespaceSelector'
      ? { required: ['namespaceSelector'] }
      : { anyOf: [{ required: ['namespaceSelector'] }, { required: ['labelSelector'] }] },
  );

export const MAX_ID = 2147483647;
export const MAX_PORT = 65535;

export const idRange = (what: string): Schema =>
  withRules(
    obj(
      {
        min: int(`Lowest ${what}, inclusive.`, { minimum: 0, maximum: MAX_ID }),
        max: int(`Highest ${what}, inclusive.`, { minimum: 0, maximum: MAX_ID }),
      },
      `An inclusive range of ${what}s.`,
      { required: ['min', 'max'] },
    ),
    minNotAboveMax,
  );

export const idStrategy = (field: string, rules: readonly string[], what: string, extra: string): Schema =>
  obj(
    {
      rule: enumOf(
        rules,
        `MustRunAs: ${field} must be set and fall in one of the ranges. ` +
          (rules.includes('MayRunAs') ? `MayRunAs: ${field} may be unset, but when set must fall in a range. ` : '') +
          (rules.includes('MustRunAsNonRoot')
            ? 'MustRunAsNonRoot: containers must not run as root (runAsNonRoot true, or a non-zero runAsUser). '
            : '') +
          'RunAsAny: no check.',
      ),
      ranges: arr(idRange(what), `Allowed ${what}s for MustRunAs and MayRunAs.`),
    },
    `Allowed ${field} values. ${extra} Leaving this out means no check of ${field}.`,
    {
      required: ['rule'],
      'x-kubernetes-validations': [
        cel(
          "!(self.rule in ['MustRunAs', 'MayRunAs']) || (has(self.ranges) && size(self.ranges) > 0)",
          'rules MustRunAs and MayRunAs need at least one range of allowed IDs',
          (s) => !(s.rule === 'MustRunAs' || s.rule === 'MayRunAs') || (Array.isArray(s.ranges) && s.ranges.length > 0),
          { fieldPath: '.ranges', reason: 'FieldValueRequired' },
        ),
      ],
    },
  );

export const hostPortRange = withRules(
  obj(
    {
      min: int('Lowest allowed host port, inclusive.', { minimum: 0, maximum: MAX_PORT }),
      max: int('Highest allowed host port, inclusive.', { minimum: 0, maximum: MAX_PORT }),
    },
    'An inclusive range of host ports. {min: 0, max: 0} allows only "no host port".',
    { required: ['min', 'max'] },
  ),
  minNotAboveMax,
);

export const sysctlName = str('A sysctl name, * as a wildcard.', { maxLength: 253 });

export const capabilityList = (description: string): Schema =>
  arr(enumOf(CAPABILITIES, 'A Linux capability, without the CAP_ prefix.'), description);

export const labelRule = (what: string): Schema =>
  obj(
    {
      key: str(`The ${what} key that must be present.`),
      allowedRegex: str(`An RE2 regular expression the ${what} value must match; leave out to accept any value.`, {
        maxLength: MAX_REGEX,
      }),
    },
    `A required ${what}.`,
    { required: ['key'] },
  );

export const watchKinds = stringList(
  'The kinds to check, as <apiGroup>/<Kind>: apps/Deployment, /Pod (core group), networking.k8s.io/Ingress.',
  '',
  { minItems: 1, items: { type: 'string', pattern: '^[a-z0-9.-]*/[a-zA-Z]+$' } },
);

/** Regexes are compiled by RE2 offline and in Gatekeeper: short patterns and short lists keep that in milliseconds. */
export const MAX_REGEX = 253;
export const regexList = (description: string, extra: Schema = {}): Schema =>
  arr(str('An RE2 regular expression.', { maxLength: MAX_REGEX }), description, { maxItems: 64, ...extra });
