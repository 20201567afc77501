// OpenAPI schemas of the policy API (group deckhouse.io, version v1alpha1). Field names, enums and defaults follow the
// Deckhouse admission-policy-engine CRDs, so YAML written for DVP validates unchanged; descriptions say what a field
// enforces and what leaving it out means, for `kubectl explain`.
import { NAMESPACE_GLOB_PATTERN } from './patterns.js';
import {
  arr,
  bool,
  cel,
  enumOf,
  freeForm,
  int,
  obj,
  str,
  stringList,
  stringMap,
  withRules,
  type Schema,
} from './schema-builders.js';

export const GROUP = 'deckhouse.io';
export const VERSION = 'v1alpha1';

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

const enforcementAction = enumOf(
  ENFORCEMENT_ACTIONS,
  'What happens to a request that breaks this policy. Deny rejects it; Warn admits it and returns the reason as a ' +
    'warning (kubectl prints it); Dryrun admits it silently and only records the violation in the audit ' +
    '(status.violations). Deny when unset.',
  { default: 'Deny' },
);

const labelSelectorRequirement = withRules(
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

const labelSelector = (what: string): Schema =>
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

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const namespaceGlob = str(
  'A namespace name, or a prefix or suffix glob: a * at the start, the end or both (d8-*, *-system), as ' +
    "Gatekeeper's match schema allows.",
  { pattern: NAMESPACE_GLOB_PATTERN, maxLength: 65 },
);

const namespaceGlobs = (what: string): Schema =>
  arr(namespaceGlob, `${what} Names may use * as a wildcard at the start or the end (for example d8-*).`, {
    minItems: 1,
  });

/** min ≤ max, checked by the API server and offline alike. */
const minNotAboveMax = cel(
  'self.min <= self.max',
  'min must not be greater than max',
  (s) => typeof s.min !== 'number' || typeof s.max !== 'number' || s.min <= s.max,
);

const match = (required: 'namespaceSelector' | 'any'): Schema =>
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

const idRange = (what: string): Schema =>
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

const idStrategy = (field: string, rules: readonly string[], what: string, extra: string): Schema =>
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

const hostPortRange = withRules(
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

// ---------------------------------------------------------------------------------------------- SecurityPolicy

const sysctlName = str('A sysctl name, * as a wildcard.', { maxLength: 253 });

const capabilityList = (description: string): Schema =>
  arr(enumOf(CAPABILITIES, 'A Linux capability, without the CAP_ prefix.'), description);

export const securityPolicies = obj(
  {
    allowHostIPC: bool(
      'Whether Pods may share the host IPC namespace (spec.hostIPC). false forbids it. Leaving it out means no check.',
    ),
    allowHostPID: bool(
      'Whether Pods may share the host process namespace (spec.hostPID). false forbids it. Leaving it out means no check.',
    ),
    allowHostNetwork: bool(
      'Whether Pods may use the host network (spec.hostNetwork). false forbids it. Leaving it out means no check of ' +
        'hostNetwork (host ports are still checked when allowedHostPorts is set).',
    ),
    allowedHostPorts: arr(
      hostPortRange,
      'Host ports containers may bind (ports[].hostPort; with hostNetwork, every containerPort). An empty list, or ' +
        '[{min: 0, max: 0}], forbids host ports. Leaving it out means no check of host ports.',
    ),
    allowPrivileged: bool(
      'Whether containers may run privileged (securityContext.privileged). Leaving it out, or false, forbids ' +
        'privileged containers, as in Deckhouse: this check is in force unless the field is true.',
    ),
    allowPrivilegeEscalation: bool(
      'Whether containers may gain more privileges than their parent process. Leaving it out, or false, requires ' +
        'every container to set securityContext.allowPrivilegeEscalation: false explicitly, as in Deckhouse.',
    ),
    allowedProcMount: enumOf(
      ['Default', 'Unmasked'],
      'The /proc mount type containers may request (securityContext.procMount). Default allows only the masked ' +
        'default; Unmasked allows any, so it means no check. Leaving it out means no check.',
    ),
    allowedCapabilities: capabilityList(
      'Capabilities containers may add (securityContext.capabilities.add). An empty list forbids adding any; ALL ' +
        'allows every capability. Leaving it out means no check of added capabilities.',
    ),
    requiredDropCapabilities: capabilityList(
      'Capabilities every container must drop (securityContext.capabilities.drop); ALL requires drop: [ALL]. ' +
        'Leaving it out means no check of dropped capabilities.',
    ),
    allowedAppArmor: stringList(
      'AppArmor profiles containers may use, as runtime/default, unconfined or localhost/<profile>; * is a ' +
        'wildcard (localhost/*). A container without a profile counts as runtime/default. Leaving it out means no check.',
    ),
    allowedFlexVolumes: arr(
      obj({ driver: str('The FlexVolume driver name.') }, 'An allowed FlexVolume driver.', { required: ['driver'] }),
      'FlexVolume drivers volumes may use. An empty list forbids FlexVolumes. Leaving it out means no check.',
    ),
    allowedHostPaths: arr(
      obj(
        {
          pathPrefix: str(
            'An allowed host path prefix, compared by path segment: /foo allows /foo and /foo/bar, not /food. ' +
              'Absolute, without wildcards.',
            { pattern: '^/' },
          ),
          readOnly: bool('When true, every mount of a matching hostPath volume must be readOnly.', { default: false }),
        },
        'An allowed hostPath prefix.',
        { required: ['pathPrefix'] },
      ),
      'Host paths hostPath volumes may mount. An empty list forbids every hostPath volume. Leaving it out means no check.',
    ),
    allowedUnsafeSysctls: arr(
      sysctlName,
      'Sysctls Pods may set (spec.securityContext.sysctls), * as a wildcard (kernel.msg*). * alone allows all. ' +
        'Leaving both this and forbiddenSysctls out means no check.',
    ),
    forbiddenSysctls: arr(
      sysctlName,
      'Sysctls Pods must not set, * as a wildcard. Takes precedence over allowedUnsafeSysctls: a sysctl both ' +
        'allowed and forbidden is forbidden (a warning says so).',
    ),
    fsGroup: idStrategy(
      'fsGroup',
      ['MustRunAs', 'MayRunAs', 'RunAsAny'],
      'group ID',
      'Checks spec.securityContext.fsGroup.',
    ),
    runAsUser: idStrategy(
      'runAsUser',
      ['MustRunAs', 'MustRunAsNonRoot', 'RunAsAny'],
      'user ID',
      'Checks securityContext.runAsUser of each container, falling back to the Pod securityContext.',
    ),
    runAsGroup: idStrategy(
      'runAsGroup',
      ['MustRunAs', 'MayRunAs', 'RunAsAny'],
      'group ID',
      'Checks securityContext.runAsGroup of each container, falling back to the Pod securityContext.',
    ),
    supplementalGroups: idStrategy(
      'supplementalGroups',
      ['MustRunAs', 'MayRunAs', 'RunAsAny'],
      'group ID',
      'Checks spec.securityContext.supplementalGroups.',
    ),
    readOnlyRootFilesystem: bool(
      'When true, every container must set securityContext.readOnlyRootFilesystem: true. false or leaving it out ' +
        'means no check.',
    ),
    automountServiceAccountToken: bool(
      'When false, Pods must not mount a service account token: spec.automountServiceAccountToken must be false ' +
        'and no container may mount /var/run/secrets/kubernetes.io/serviceaccount. true or leaving it out means no check.',
    ),
    allowedClusterRoles: stringList(
      'ClusterRoles a RoleBinding may grant (roleRef.kind ClusterRole), * as a wildcard. An empty list forbids ' +
        'binding any ClusterRole; * allows all. Leaving it out means no check.',
    ),
    seccompProfiles: obj(
      {
        allowedProfiles: stringList(
          'Seccomp profiles containers may use: RuntimeDefault, Localhost, Unconfined (or the annotation forms ' +
            'runtime/default, docker/default, localhost/<file>, unconfined). "" or undefined allows a container ' +
            'without a profile; * allows all.',
        ),
        allowedLocalhostFiles: stringList(
          'Profile files a Localhost profile may load (localhostProfile), * as a wildcard. An empty list forbids ' +
            'Localhost profiles.',
        ),
      },
      'Allowed seccomp profiles, read from the container securityContext, then the Pod securityContext, then the ' +
        'legacy annotations. Leaving it out means no check.',
    ),
    seLinux: arr(
      obj(
        {
          level: str('SELinux level; empty means the level must be unset.'),
          role: str('SELinux role; empty means the role must be unset.'),
          type: str('SELinux type; empty means the type must be unset.'),
          user: str('SELinux user; empty means the user must be unset.'),
        },
        'One allowed combination of seLinuxOptions.',
      ),
      'Allowed seLinuxOptions of Pods and containers: each set seLinuxOptions must match one entry. Leaving it out ' +
        'means no check.',
    ),
    allowedVolumes: arr(
      enumOf(VOLUME_TYPES, 'A volume type, named as in the Pod spec (hostPath, configMap, …).'),
      'Volume types Pods may use. * allows all; an empty list or [none] forbids volumes. Leaving it out means no check.',
    ),
    verifyImageSignatures: arr(
      obj(
        {
          reference: str(
            'The images to verify: an exact image, or a prefix ending in a single * (registry.example.com/team/*).',
            { pattern: '^[a-z0-9\\.\\-:@\\/]*\\*?$' },
          ),
          publicKeys: arr(
            str('A PEM public key.', { maxLength: 16384 }),
            'PEM public keys (cosign); a signature by any one of them is accepted.',
            { minItems: 1, maxItems: 64 },
          ),
          dockerCfg: str('Base64 of a docker config.json with credentials for the registry.', { maxLength: 65536 }),
          ca: str('PEM CA bundle of the registry.', { maxLength: 65536 }),
        },
        'Images whose Cosign signature is verified.',
        { required: ['reference', 'publicKeys'] },
      ),
      'Cosign signature verification of container images (not yet enforced by gatewright: a policy that sets it ' +
        'reports Ready=False until it is).',
    ),
    allowRbacWildcards: bool(
      'When false, Roles and ClusterRoles must not use * in apiGroups, resources or verbs, and RoleBindings must not ' +
        'use * in roleRef or subject names. true or leaving it out means no check.',
    ),
    allowedServiceTypes: stringList(
      'Service types Services may use (spec.type; unset counts as ClusterIP). Leaving it out means no check.',
    ),
    blockWildcardDomains: bool('When true, Ingress hosts must not contain *. false or leaving it out means no check.'),
  },
  'The security rules. Each field set here becomes one check (one Gatekeeper constraint); a field left out is not ' +
    'checked, except allowPrivileged and allowPrivilegeEscalation, which Deckhouse enforces unless set to true. ' +
    'status.checks lists every check in force.',
);

export const securityPolicySpec = obj(
  { enforcementAction, policies: securityPolicies, match: match('namespaceSelector') },
  'Security rules for Pods and workloads, and where they apply.',
  { required: ['match', 'policies'] },
);

// ---------------------------------------------------------------------------------------------- OperationPolicy

const labelRule = (what: string): Schema =>
  obj(
    {
      key: str(`The ${what} key that must be present.`),
      allowedRegex: str(`A regular expression the ${what} value must match; leave out to accept any value.`),
    },
    `A required ${what}.`,
    { required: ['key'] },
  );

const watchKinds = stringList(
  'The kinds to check, as <apiGroup>/<Kind>: apps/Deployment, /Pod (core group), networking.k8s.io/Ingress.',
  '',
  { minItems: 1, items: { type: 'string', pattern: '^[a-z0-9.-]*/[a-zA-Z]+$' } },
);

export const operationPolicies = obj(
  {
    allowedRepos: stringList(
      'Registries and repositories images may come from, such as registry.example.com or ' +
        'registry.example.com/team. An image matches an entry when it equals it or continues it at a path boundary ' +
        '(/, : or @), so registry.example.com does not admit registry.example.com.evil.io/x.',
    ),
    requiredResources: obj(
      {
        limits: arr(enumOf(['cpu', 'memory'], 'A resource.'), 'Resources every container must set a limit for.'),
        requests: arr(enumOf(['cpu', 'memory'], 'A resource.'), 'Resources every container must set a request for.'),
      },
      'Resource limits and requests every container must declare.',
      { anyOf: [{ required: ['limits'] }, { required: ['requests'] }] },
    ),
    disallowedImageTags: stringList(
      'Image tags containers must not use. An image without a tag or digest counts as latest.',
    ),
    disallowedTolerations: arr(
      withRules(
        obj(
          {
            key: str('Toleration key; leave out to match any key.'),
            operator: enumOf(['Exists', 'Equal'], 'Toleration operator; leave out to match any.'),
            value: str('Toleration value; leave out to match any.'),
            effect: enumOf(
              ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
              'Toleration effect; leave out to match any.',
            ),
          },
          'A toleration pattern; fields left out match anything.',
        ),
        // A toleration with operator Exists has no value (the API server refuses one), so such a pattern matches nothing.
        cel(
          "!(has(self.operator) && self.operator == 'Exists' && has(self.value))",
          'a toleration with operator Exists has no value, so this pattern would match nothing; remove value or use Equal',
          (s) => !(s.operator === 'Exists' && s.value !== undefined),
          { fieldPath: '.value', reason: 'FieldValueForbidden' },
        ),
      ),
      'Tolerations Pods must not carry.',
    ),
    disallowedCustomResources: stringList(
      'Regular expressions of extended resource names containers must not request.',
    ),
    requiredLabels: obj(
      { labels: arr(labelRule('label'), 'The required labels.', { minItems: 1 }), watchKinds },
      'Labels the objects of watchKinds must carry.',
      { required: ['labels', 'watchKinds'] },
    ),
    requiredAnnotations: obj(
      { annotations: arr(labelRule('annotation'), 'The required annotations.', { minItems: 1 }), watchKinds },
      'Annotations the objects of watchKinds must carry.',
      { required: ['annotations', 'watchKinds'] },
    ),
    requiredProbes: arr(
      enumOf(['livenessProbe', 'readinessProbe', 'startupProbe'], 'A probe.'),
      'Probes every container must define.',
    ),
    maxRevisionHistoryLimit: int(
      'The highest spec.revisionHistoryLimit Deployments, StatefulSets and DaemonSets may set.',
      {
        minimum: 0,
      },
    ),
    priorityClassNames: stringList('Priority classes Pods may use (spec.priorityClassName).'),
    ingressClassNames: stringList('Ingress classes Ingresses may use.'),
    storageClassNames: stringList('Storage classes PersistentVolumeClaims may use.'),
    imagePullPolicy: enumOf(['Always', 'IfNotPresent'], 'The imagePullPolicy every container must use.'),
    checkHostNetworkDNSPolicy: bool(
      'When true, Pods with hostNetwork must use dnsPolicy ClusterFirstWithHostNet. false or leaving it out means no check.',
    ),
    checkContainerDuplicates: bool(
      'When true, container names and env variable names within a container must be unique. false or leaving it ' +
        'out means no check.',
    ),
    replicaLimits: obj(
      {
        minReplicas: int('Fewest replicas allowed, inclusive.', { minimum: 0 }),
        maxReplicas: int('Most replicas allowed, inclusive.', { minimum: 0 }),
      },
      'The allowed range of spec.replicas.',
      {
        anyOf: [{ required: ['minReplicas'] }, { required: ['maxReplicas'] }],
        'x-kubernetes-validations': [
          cel(
            '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
            'minReplicas must not be greater than maxReplicas',
            (s) =>
              typeof s.minReplicas !== 'number' || typeof s.maxReplicas !== 'number' || s.minReplicas <= s.maxReplicas,
          ),
        ],
      },
    ),
    gpuResourceRestriction: obj(
      {
        namespaceLabel: obj(
          { key: str('Label key.'), value: str('Label value.') },
          'The namespace label that allows GPU requests.',
          { required: ['key', 'value'] },
        ),
        gpuResourcePatterns: stringList('Regular expressions of GPU resource names (^nvidia\\.com/.*$).', '', {
          minItems: 1,
        }),
      },
      'Pods may request GPU resources only in namespaces carrying the given label.',
      { required: ['namespaceLabel', 'gpuResourcePatterns'] },
    ),
  },
  'The operational rules. Each field set here becomes one check (one Gatekeeper constraint); a field left out is not checked.',
);

export const operationPolicySpec = obj(
  { enforcementAction, policies: operationPolicies, match: match('any') },
  'Operational rules for cluster objects, and where they apply.',
  { required: ['match', 'policies'] },
);

// ---------------------------------------------------------------------------------------------- SecurityPolicyException

const justification = freeForm('Free-form notes that justify the exception (who asked, why, until when).');
const allowedValue = (description: string, extra: Schema = {}): Schema =>
  obj({ allowedValue: bool(description, extra), metadata: justification }, 'An allowed value.', {
    required: ['allowedValue'],
  });
const allowedValues = (items: Schema, description: string): Schema =>
  obj({ allowedValues: arr(items, description), metadata: justification }, 'Allowed values.', {
    required: ['allowedValues'],
  });

export const securityPolicyExceptionSpec = obj(
  {
    securityContext: obj(
      {
        readOnlyRootFilesystem: allowedValue('The readOnlyRootFilesystem value admitted.', { default: false }),
        allowPrivilegeEscalation: allowedValue('The allowPrivilegeEscalation value admitted.', { default: false }),
        capabilities: obj(
          {
            allowedValues: obj(
              {
                drop: stringList('Dropped capabilities admitted.', '', { default: ['all'] }),
                add: stringList('Added capabilities admitted.', '', { default: [] }),
              },
              'Capabilities admitted.',
            ),
            metadata: justification,
          },
          'Capabilities admitted.',
          { required: ['allowedValues'] },
        ),
        runAsUser: allowedValues(int('A user ID.'), 'User IDs admitted.'),
        runAsNonRoot: allowedValue('The runAsNonRoot value admitted.', { default: true }),
        seccompProfile: allowedValues(str('A profile.'), 'Seccomp profiles admitted.'),
        appArmorProfile: allowedValues(
          str('A profile.', { pattern: '^(runtime\\/default|unconfined|localhost\\/.+)$' }),
          'AppArmor profiles admitted.',
        ),
        seLinuxOptions: allowedValues(
          obj({ user: str('User.'), role: str('Role.'), type: str('Type.'), level: str('Level.') }, 'seLinuxOptions.'),
          'seLinuxOptions admitted.',
        ),
        privileged: allowedValue('The privileged value admitted.', { default: false }),
        procMount: allowedValues(enumOf(['Default', 'Unmasked'], 'A procMount.'), 'procMount values admitted.'),
        sysctls: allowedValues(
          obj({ name: str('Sysctl name.'), value: str('Sysctl value.') }, 'A sysctl.', { required: ['name'] }),
          'Sysctls admitted.',
        ),
      },
      'Exceptions to securityContext checks.',
    ),
    network: obj(
      {
        hostPorts: arr(
          obj(
            {
              port: int('Host port.'),
              protocol: enumOf(['TCP', 'UDP'], 'Protocol.'),
              metadata: justification,
            },
            'A host port admitted.',
            { required: ['port', 'protocol'] },
          ),
          'Host ports admitted.',
        ),
        hostNetwork: allowedValue('The hostNetwork value admitted.', { default: false }),
        hostPID: allowedValue('The hostPID value admitted.', { default: false }),
        hostIPC: allowedValue('The hostIPC value admitted.', { default: false }),
      },
      'Exceptions to host namespace and port checks.',
    ),
    volumes: obj(
      {
        types: allowedValues(str('A volume type.'), 'Volume types admitted.'),
        hostPath: obj(
          {
            allowedValues: arr(
              obj(
                {
                  path: str('The exact host path.'),
                  readOnly: bool('Whether the mount must be readOnly.', { default: false }),
                  metadata: justification,
                },
                'A host path admitted.',
                { required: ['path'] },
              ),
              'Host paths admitted.',
            ),
          },
          'Host paths admitted.',
          { required: ['allowedValues'] },
        ),
      },
      'Exceptions to volume checks.',
    ),
  },
  'Values a labelled Pod may use although a SecurityPolicy or the Pod Security Standards forbid them. A Pod opts in ' +
    'with the label security.deckhouse.io/security-policy-exception: <name> (one container: ' +
    'security.deckhouse.io/security-policy-exception.container.<container>: <name>); only values listed here are admitted.',
);

// ---------------------------------------------------------------------------------------------- status

const condition = obj(
  {
    type: str('Ready, Valid, Progressing or Degraded.'),
    status: enumOf(['True', 'False', 'Unknown'], 'Whether the condition holds.'),
    observedGeneration: int('The generation the condition was computed from.'),
    lastTransitionTime: str('When the status last changed.', { format: 'date-time' }),
    reason: str('A CamelCase reason.'),
    message: str('What a human should know.'),
  },
  'A metav1.Condition.',
  { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

const checkStatus = obj(
  {
    name: str('The check, named after the policy field that produced it (allowPrivileged, allowedRepos, …).'),
    kind: str('The Gatekeeper constraint kind (D8PrivilegedContainer, …).'),
    constraint: str('The constraint name.'),
    enforced: bool('Whether every Gatekeeper pod reports the constraint enforced.'),
    violations: int('Violations found by the last Gatekeeper audit.'),
    implicit: bool('True when the admin did not write the field and the check is in force by default.'),
  },
  'A check in force.',
);

const deckhouseTimestamp = obj(
  { lastTimestamp: str('When.'), checkSum: str('Checksum of the spec.') },
  'Deckhouse-compatible timestamp and checksum.',
);

export const policyStatus = (withDeckhouse: boolean): Schema =>
  obj(
    {
      observedGeneration: int('The generation of the spec the status describes.'),
      conditions: arr(condition, 'Ready, Valid, Progressing and Degraded conditions.', {
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
      enforcementAction: str('The enforcement action in force (lower case, as Gatekeeper spells it).'),
      checkCount: int('How many checks are in force.'),
      checks: arr(checkStatus, 'Every check in force, with its constraint.'),
      violations: int('Violations of all the checks found by the last Gatekeeper audit.'),
      ...(withDeckhouse
        ? {
            deckhouse: obj(
              {
                synced: str('"True" when the processed spec equals the observed one.'),
                observed: deckhouseTimestamp,
                processed: deckhouseTimestamp,
              },
              'The status fields Deckhouse writes, kept for tools that read them.',
            ),
          }
        : {}),
    },
    'What gatewright enforces for this policy, written by the operator.',
  );

// ---------------------------------------------------------------------------------------------- module config

export const POD_POLICIES = ['Privileged', 'Baseline', 'Restricted'] as const;

export const DEFAULT_EXEMPT_NAMESPACES = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'd8-*',
  'gatekeeper-system',
  'gatewright-system',
];

/** Who may exempt an object from the standards, as DVP allows (its virtualization components) plus cluster admins. */
export const DEFAULT_SKIP_CHECK_ALLOWED_GROUPS = ['system:masters', 'system:serviceaccounts:d8-virtualization'];

export const moduleSettings = obj(
  {
    podSecurityStandards: obj(
      {
        defaultPolicy: enumOf(
          POD_POLICIES,
          'The Pod Security Standard for namespaces without the security.deckhouse.io/pod-policy label. Baseline when unset.',
        ),
        enforcementAction: enumOf(
          ENFORCEMENT_ACTIONS,
          'What happens to Pods that break the standard, for namespaces without the ' +
            'security.deckhouse.io/pod-policy-action label. Deny when unset.',
        ),
        controllerValidation: bool(
          'When true, every check that reads a pod spec also checks Deployments, StatefulSets, DaemonSets, ' +
            'ReplicationControllers, Jobs and CronJobs, so a bad workload is rejected up front instead of its Pods ' +
            'failing later. true when unset.',
        ),
        skipCheckAllowedGroups: stringList(
          'User groups that may set the label security.deckhouse.io/skip-pss-check=true, which leaves an object out ' +
            'of the standards. Anyone else setting it is rejected by a ValidatingAdmissionPolicy gatewright installs. ' +
            'Defaults to system:masters and the Deckhouse virtualization service accounts.',
          'A group name, such as system:serviceaccounts:<namespace>.',
          { default: DEFAULT_SKIP_CHECK_ALLOWED_GROUPS, items: { type: 'string', pattern: '^[A-Za-z0-9:._@-]+$' } },
        ),
        policies: obj(
          {
            hostPorts: obj(
              { knownRanges: arr(hostPortRange, 'Host port ranges the Baseline standard admits.') },
              'Host port settings of the standards.',
            ),
          },
          'Settings of individual standard checks.',
        ),
      },
      'Pod Security Standards settings.',
    ),
    exemptNamespaces: arr(
      namespaceGlob,
      'Namespaces no gatewright check applies to, * as a wildcard at the start or the end. Defaults to the ' +
        'Kubernetes and Deckhouse system namespaces and the namespaces of Gatekeeper and gatewright.',
      { default: DEFAULT_EXEMPT_NAMESPACES },
    ),
  },
  'Settings of the admission-policy-engine module.',
);
