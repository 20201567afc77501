// TypeScript shapes of the policy API (deckhouse.io/v1alpha1). The OpenAPI schemas in schemas.ts (assembled from the
// field modules) are the contract, and every shape they say is generated from them (src/api/generated, `make crds`);
// this file only names parts of those shapes and adds what the schemas leave to Kubernetes (object metadata).
import type {
  ModuleSettings,
  OperationPolicies,
  OperationPolicySpec,
  SecurityPolicies,
  SecurityPolicyExceptionSpec,
  SecurityPolicySpec,
  StoredPolicyStatus,
} from './generated/policy-types.js';
import type { POLICY_API_VERSION } from './resources.js';
import type { POD_POLICIES } from './schemas.js';

export type {
  ModuleSettings,
  OperationPolicies,
  OperationPolicySpec,
  SecurityPolicies,
  SecurityPolicyExceptionSpec,
  SecurityPolicySpec,
  StoredPolicyStatus,
};

export type EnforcementAction = NonNullable<SecurityPolicySpec['enforcementAction']>;
export type GatekeeperAction = Lowercase<EnforcementAction>;
export type PodPolicyLevel = (typeof POD_POLICIES)[number];

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generation?: number;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Where a policy applies; an OperationPolicy's match (a SecurityPolicy's requires namespaceSelector, a narrowing). */
export type PolicyMatch = OperationPolicySpec['match'];
export type LabelSelector = NonNullable<PolicyMatch['labelSelector']>;
export type LabelSelectorRequirement = NonNullable<LabelSelector['matchExpressions']>[number];

export type IdStrategy = NonNullable<SecurityPolicies['fsGroup'] | SecurityPolicies['runAsUser']>;
export type IdRange = NonNullable<IdStrategy['ranges']>[number];
export type LabelRule = NonNullable<OperationPolicies['requiredLabels']>['labels'][number];

export interface SecurityPolicy {
  apiVersion: typeof POLICY_API_VERSION;
  kind: 'SecurityPolicy';
  metadata: ObjectMeta;
  spec: SecurityPolicySpec;
}

export interface OperationPolicy {
  apiVersion: typeof POLICY_API_VERSION;
  kind: 'OperationPolicy';
  metadata: ObjectMeta;
  spec: OperationPolicySpec;
}

export type Policy = SecurityPolicy | OperationPolicy;

/**
 * A policy's status as the operator writes it: every field set but enforcementAction (only known for a valid spec).
 * A stored status may lack any of them (StoredPolicyStatus), which is why the schema requires none.
 */
export type PolicyStatus = Required<Omit<StoredPolicyStatus, 'enforcementAction'>> &
  Pick<StoredPolicyStatus, 'enforcementAction'>;
export type Condition = PolicyStatus['conditions'][number];
export type CheckStatus = PolicyStatus['checks'][number];

export interface ModuleConfig {
  apiVersion: typeof POLICY_API_VERSION;
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
