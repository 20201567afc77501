// TypeScript shapes of the policy API (deckhouse.io/v1alpha1). The OpenAPI schemas in schemas.ts are the contract;
// these types describe objects that passed validation; the policy fields' types are generated from the schemas.

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

// The shapes of spec.policies and of the module settings are generated from the schemas (`make crds`).
import type { ModuleSettings, OperationPolicies, SecurityPolicies } from './generated/policy-types.js';
export type { ModuleSettings, OperationPolicies, SecurityPolicies };

export type IdStrategy = NonNullable<SecurityPolicies['fsGroup'] | SecurityPolicies['runAsUser']>;
export type IdRange = NonNullable<IdStrategy['ranges']>[number];
export type LabelRule = NonNullable<OperationPolicies['requiredLabels']>['labels'][number];

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
