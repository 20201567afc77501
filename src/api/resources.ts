// Every API group, version, kind and plural gatewright reads or writes, named once.
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

const r = (group: string, version: string, kind: string, plural: string, namespaced = false): ResourceType => ({
  group,
  version,
  kind,
  plural,
  namespaced,
});

export const RESOURCES = {
  OperationPolicy: r('deckhouse.io', 'v1alpha1', 'OperationPolicy', 'operationpolicies'),
  SecurityPolicy: r('deckhouse.io', 'v1alpha1', 'SecurityPolicy', 'securitypolicies'),
  SecurityPolicyException: r('deckhouse.io', 'v1alpha1', 'SecurityPolicyException', 'securitypolicyexceptions', true),
  ModuleConfig: r('deckhouse.io', 'v1alpha1', 'ModuleConfig', 'moduleconfigs'),
  ConstraintTemplate: r('templates.gatekeeper.sh', 'v1', 'ConstraintTemplate', 'constrainttemplates'),
  SyncSet: r('syncset.gatekeeper.sh', 'v1alpha1', 'SyncSet', 'syncsets'),
  ValidatingAdmissionPolicy: r(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingAdmissionPolicy',
    'validatingadmissionpolicies',
  ),
  ValidatingAdmissionPolicyBinding: r(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingAdmissionPolicyBinding',
    'validatingadmissionpolicybindings',
  ),
  Namespace: r('', 'v1', 'Namespace', 'namespaces'),
  ServiceAccount: r('', 'v1', 'ServiceAccount', 'serviceaccounts', true),
  Event: r('', 'v1', 'Event', 'events', true),
  Lease: r('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  CustomResourceDefinition: r('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions'),
  ValidatingWebhookConfiguration: r(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingWebhookConfiguration',
    'validatingwebhookconfigurations',
  ),
} as const;

/** Constraints: one kind per ConstraintTemplate, all in this group and version. */
export const CONSTRAINT_GROUP = 'constraints.gatekeeper.sh';
export const CONSTRAINT_VERSION = 'v1beta1';

/** Kind → plural, for building request paths. Constraint kinds are not listed: their plural is the lower-cased kind. */
export const PLURALS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(RESOURCES).map((t) => [t.kind, t.plural]),
);

export const CONSTRAINT_API_VERSION = `${CONSTRAINT_GROUP}/${CONSTRAINT_VERSION}`;
/** `deckhouse.io/v1alpha1` */
export const POLICY_API_VERSION = `${RESOURCES.SecurityPolicy.group}/${RESOURCES.SecurityPolicy.version}`;

export const apiVersionOf = (t: { group: string; version: string }): string =>
  t.group === '' ? t.version : `${t.group}/${t.version}`;

/** The kinds of the policy API, which the CRDs define and the webhook validates. */
export const POLICY_RESOURCES: readonly ResourceType[] = [
  RESOURCES.OperationPolicy,
  RESOURCES.SecurityPolicy,
  RESOURCES.SecurityPolicyException,
  RESOURCES.ModuleConfig,
];
