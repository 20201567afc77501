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

export const apiVersionOf = (t: { group: string; version: string }): string =>
  t.group === '' ? t.version : `${t.group}/${t.version}`;

/** The kinds of the policy API, which the CRDs define and the webhook validates. */
export const POLICY_RESOURCES: readonly ResourceType[] = [
  RESOURCES.OperationPolicy,
  RESOURCES.SecurityPolicy,
  RESOURCES.SecurityPolicyException,
  RESOURCES.ModuleConfig,
];
