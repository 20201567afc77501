// Every API group, version, kind and plural gatewright reads or writes, named once.
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** The policy API's group and version (literal types, so the policy kinds' apiVersion can be typed by them). */
export const POLICY_GROUP = 'deckhouse.io';
export const POLICY_VERSION = 'v1alpha1';
/** `deckhouse.io/v1alpha1` */
export const POLICY_API_VERSION = `${POLICY_GROUP}/${POLICY_VERSION}` as const;

const r = (group: string, version: string, kind: string, plural: string, namespaced = false): ResourceType => ({
  group,
  version,
  kind,
  plural,
  namespaced,
});

export const RESOURCES = {
  OperationPolicy: r(POLICY_GROUP, POLICY_VERSION, 'OperationPolicy', 'operationpolicies'),
  SecurityPolicy: r(POLICY_GROUP, POLICY_VERSION, 'SecurityPolicy', 'securitypolicies'),
  SecurityPolicyException: r(POLICY_GROUP, POLICY_VERSION, 'SecurityPolicyException', 'securitypolicyexceptions', true),
  ModuleConfig: r(POLICY_GROUP, POLICY_VERSION, 'ModuleConfig', 'moduleconfigs'),
  ConstraintTemplate: r('templates.gatekeeper.sh', 'v1', 'ConstraintTemplate', 'constrainttemplates'),
  SyncSet: r('syncset.gatekeeper.sh', 'v1alpha1', 'SyncSet', 'syncsets'),
  /** Gatekeeper external data: the image signature provider's registration. */
  Provider: r('externaldata.gatekeeper.sh', 'v1beta1', 'Provider', 'providers'),
  /** Gatekeeper's per-pod report on a constraint (enforced or not), in its own namespace. */
  ConstraintPodStatus: r('status.gatekeeper.sh', 'v1beta1', 'ConstraintPodStatus', 'constraintpodstatuses', true),
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

export const apiVersionOf = (t: { group: string; version: string }): string =>
  t.group === '' ? t.version : `${t.group}/${t.version}`;

/** Whether an object's apiVersion is in the constraints group (any version). */
export const isConstraintApiVersion = (apiVersion: string): boolean => apiVersion.startsWith(`${CONSTRAINT_GROUP}/`);

/** The API path of a collection (no name) or of one object, for a kind of this table or a constraint kind. */
export function resourcePath(apiVersion: string, kind: string, name?: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const plural = PLURALS[kind] ?? kind.toLowerCase();
  return `${base}${namespace ? `/namespaces/${namespace}` : ''}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** The kinds of the policy API, which the CRDs define and the webhook validates. */
export const POLICY_RESOURCES: readonly ResourceType[] = [
  RESOURCES.OperationPolicy,
  RESOURCES.SecurityPolicy,
  RESOURCES.SecurityPolicyException,
  RESOURCES.ModuleConfig,
];
