// TypeScript shapes of the policy API (deckhouse.io/v1alpha1). The OpenAPI schemas in schemas.ts are the contract;
// these types describe objects that passed validation.

export type EnforcementAction = 'Deny' | 'Dryrun' | 'Warn';
export type GatekeeperAction = 'deny' | 'dryrun' | 'warn';
export type PodPolicyLevel = 'Privileged' | 'Baseline' | 'Restricted';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generation?: number;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface PolicyMatch {
  namespaceSelector?: {
    matchNames?: string[];
    excludeNames?: string[];
    labelSelector?: LabelSelector;
  };
  labelSelector?: LabelSelector;
}

export interface IdRange {
  min: number;
  max: number;
}

export interface IdStrategy {
  rule: 'MustRunAs' | 'MustRunAsNonRoot' | 'MayRunAs' | 'RunAsAny';
  ranges?: IdRange[];
}

export interface SecurityPolicies {
  allowHostIPC?: boolean;
  allowHostPID?: boolean;
  allowHostNetwork?: boolean;
  allowedHostPorts?: IdRange[];
  allowPrivileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  allowedProcMount?: 'Default' | 'Unmasked';
  allowedCapabilities?: string[];
  requiredDropCapabilities?: string[];
  allowedAppArmor?: string[];
  allowedFlexVolumes?: { driver: string }[];
  allowedHostPaths?: { pathPrefix: string; readOnly?: boolean }[];
  allowedUnsafeSysctls?: string[];
  forbiddenSysctls?: string[];
  fsGroup?: IdStrategy;
  runAsUser?: IdStrategy;
  runAsGroup?: IdStrategy;
  supplementalGroups?: IdStrategy;
  readOnlyRootFilesystem?: boolean;
  automountServiceAccountToken?: boolean;
  allowedClusterRoles?: string[];
  seccompProfiles?: { allowedProfiles?: string[]; allowedLocalhostFiles?: string[] };
  seLinux?: { level?: string; role?: string; type?: string; user?: string }[];
  allowedVolumes?: string[];
  verifyImageSignatures?: { reference: string; publicKeys: string[]; dockerCfg?: string; ca?: string }[];
  allowRbacWildcards?: boolean;
  allowedServiceTypes?: string[];
  blockWildcardDomains?: boolean;
}

export interface LabelRule {
  key: string;
  allowedRegex?: string;
}

export interface OperationPolicies {
  allowedRepos?: string[];
  requiredResources?: { limits?: ('cpu' | 'memory')[]; requests?: ('cpu' | 'memory')[] };
  disallowedImageTags?: string[];
  disallowedTolerations?: { key?: string; operator?: 'Exists' | 'Equal'; value?: string; effect?: string }[];
  disallowedCustomResources?: string[];
  requiredLabels?: { labels: LabelRule[]; watchKinds: string[] };
  requiredAnnotations?: { annotations: LabelRule[]; watchKinds: string[] };
  requiredProbes?: ('livenessProbe' | 'readinessProbe' | 'startupProbe')[];
  maxRevisionHistoryLimit?: number;
  priorityClassNames?: string[];
  ingressClassNames?: string[];
  storageClassNames?: string[];
  imagePullPolicy?: 'Always' | 'IfNotPresent';
  checkHostNetworkDNSPolicy?: boolean;
  checkContainerDuplicates?: boolean;
  replicaLimits?: { minReplicas?: number; maxReplicas?: number };
  gpuResourceRestriction?: { namespaceLabel: { key: string; value: string }; gpuResourcePatterns: string[] };
}

export interface PolicySpec<P> {
  enforcementAction?: EnforcementAction;
  policies: P;
  match: PolicyMatch;
}

export interface SecurityPolicy {
  apiVersion: 'deckhouse.io/v1alpha1';
  kind: 'SecurityPolicy';
  metadata: ObjectMeta;
  spec: PolicySpec<SecurityPolicies>;
}

export interface OperationPolicy {
  apiVersion: 'deckhouse.io/v1alpha1';
  kind: 'OperationPolicy';
  metadata: ObjectMeta;
  spec: PolicySpec<OperationPolicies>;
}

export type Policy = SecurityPolicy | OperationPolicy;

export interface ModuleSettings {
  podSecurityStandards?: {
    defaultPolicy?: PodPolicyLevel;
    enforcementAction?: EnforcementAction;
    controllerValidation?: boolean;
    skipCheckAllowedGroups?: string[];
    policies?: { hostPorts?: { knownRanges?: IdRange[] } };
  };
  exemptNamespaces?: string[];
  admission?: { engine?: 'Rego' | 'CEL'; validatingAdmissionPolicies?: boolean };
}

export interface ModuleConfig {
  apiVersion: 'deckhouse.io/v1alpha1';
  kind: 'ModuleConfig';
  metadata: ObjectMeta;
  spec?: { enabled?: boolean; version?: number; settings?: ModuleSettings };
}

/** A namespace as the compiler sees it: its name and labels. */
export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
}

export const MODULE_CONFIG_NAME = 'admission-policy-engine';
