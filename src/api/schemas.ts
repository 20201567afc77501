// OpenAPI schemas of the policy API (group deckhouse.io, version v1alpha1), assembled from the field modules
// (src/fields: one file per policy field or check) and the shared pieces (schema-parts.ts). Field names, enums and
// defaults follow the Deckhouse admission-policy-engine CRDs, so YAML written for DVP validates unchanged;
// descriptions say what a field enforces and what leaving it out means, for `kubectl explain`.
import { OPERATION_FIELDS, SECURITY_FIELDS, policiesSchema } from '../fields/index.js';
import { arr, bool, enumOf, freeForm, int, obj, str, stringList, type Schema } from './schema-builders.js';
import { ENFORCEMENT_ACTIONS, enforcementAction, hostPortRange, match, namespaceGlob } from './schema-parts.js';

export { CAPABILITIES, ENFORCEMENT_ACTIONS, GROUP, MAX_ID, MAX_PORT, VERSION, VOLUME_TYPES } from './schema-parts.js';

// ---------------------------------------------------------------------------------------------- SecurityPolicy

export const securityPolicies = policiesSchema(
  SECURITY_FIELDS,
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

export const operationPolicies = policiesSchema(
  OPERATION_FIELDS,
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

/** The condition types every policy's status carries. */
export const CONDITION_TYPES = ['Ready', 'Valid', 'Progressing', 'Degraded'] as const;

const condition = obj(
  {
    type: enumOf(CONDITION_TYPES, 'Ready, Valid, Progressing or Degraded.'),
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
  { required: ['name', 'kind', 'constraint', 'enforced', 'violations', 'implicit'] },
);

const deckhouseTimestamp = obj(
  { lastTimestamp: str('When.'), checkSum: str('Checksum of the spec.') },
  'Deckhouse-compatible timestamp and checksum.',
  { required: ['lastTimestamp', 'checkSum'] },
);

/**
 * The status of every policy kind (and of SecurityPolicyException). No top-level field is required: a policy has no
 * status before its first pass, and after a failed write the operator stores a minimal one (Ready=False only); what a
 * full status holds is types.ts's PolicyStatus.
 */
export const policyStatus = obj(
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
    deckhouse: obj(
      {
        synced: enumOf(['True', 'False'], '"True" when the processed spec equals the observed one.'),
        observed: deckhouseTimestamp,
        processed: deckhouseTimestamp,
      },
      'The status fields Deckhouse writes, kept for tools that read them.',
      { required: ['synced', 'observed'] },
    ),
  },
  'What gatewright enforces for this policy, written by the operator.',
);

// ---------------------------------------------------------------------------------------------- module config

export const POD_POLICIES = ['Privileged', 'Baseline', 'Restricted'] as const;

export const ADMISSION_ENGINES = ['Rego', 'CEL'] as const;

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
    // gatewright extension (issue 12): which Gatekeeper engine evaluates the checks, and API-server-side enforcement.
    admission: obj(
      {
        engine: enumOf(
          ADMISSION_ENGINES,
          'Which code of the templates Gatekeeper evaluates. Rego (the default) honours SecurityPolicyExceptions, ' +
            "read from Gatekeeper's synced inventory. CEL (Gatekeeper K8sNativeValidation) is several times cheaper " +
            'per review, but the CEL engine cannot read the inventory: a Pod naming an exception is checked as if ' +
            'it named none (fail closed). Checks CEL cannot express stay on Rego (templates/README.md).',
        ),
        validatingAdmissionPolicies: bool(
          "With engine CEL: Gatekeeper also generates a ValidatingAdmissionPolicy and binding from each template's " +
            "CEL code (generateVAP), so the API server itself enforces the checks, even while Gatekeeper's webhook " +
            'is down or too slow. false when unset.',
        ),
      },
      'How admission checks are evaluated.',
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
