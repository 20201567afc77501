// What the compiler produces: Kubernetes objects for Gatekeeper, and per policy the checks it put in force.
import { CONSTRAINT_GROUP, CONSTRAINT_VERSION, RESOURCES, apiVersionOf } from '../api/resources.js';
import type { GatekeeperAction } from '../api/types.js';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'gatewright';
/** `SecurityPolicy`, `OperationPolicy` or `PodSecurityStandard`. */
export const OWNER_KIND_LABEL = 'gatewright.dev/owner-kind';
export const OWNER_NAME_LABEL = 'gatewright.dev/owner-name';
/** The owner's full name, when it is longer than a label value may be (63 characters). */
export const OWNER_NAME_ANNOTATION = 'gatewright.dev/owner-name';
export const SPEC_HASH_ANNOTATION = 'gatewright.dev/spec-hash';
export const CHECK_ANNOTATION = 'gatewright.dev/check';

export const CONSTRAINT_API_VERSION = `${CONSTRAINT_GROUP}/${CONSTRAINT_VERSION}`;
export const TEMPLATE_API_VERSION = apiVersionOf(RESOURCES.ConstraintTemplate);

export type OwnerKind = 'SecurityPolicy' | 'OperationPolicy' | 'PodSecurityStandard';

/** One check in force: a policy field (or a standard's control) turned into one constraint. */
export interface CheckInForce {
  /** The policy field or standard control it comes from: allowPrivileged, allowedRepos, … */
  name: string;
  kind: string;
  constraint: string;
  /** True when the admin did not write the field and the check is in force by default (DVP's behaviour). */
  implicit: boolean;
}

export interface PolicyResult {
  ownerKind: OwnerKind;
  name: string;
  enforcementAction: GatekeeperAction;
  checks: CheckInForce[];
  /** Fields gatewright does not enforce yet, with the reason; the policy cannot be Ready while any remain. */
  unsupported: { field: string; reason: string }[];
  /** What the policy says that Deckhouse accepts but is redundant or surprising; enforced as written. */
  warnings: string[];
}

export interface CompileResult {
  /** ConstraintTemplates, constraints and the Gatekeeper SyncSet, sorted by apiVersion, kind and name. */
  objects: K8sObject[];
  /** Keyed `SecurityPolicy/<name>`, `OperationPolicy/<name>`, `PodSecurityStandard/<standard>-<action>`. */
  policies: Map<string, PolicyResult>;
  /** Policies that failed validation, keyed as above: none of their constraints is in the output. */
  invalid: Map<string, string[]>;
  /**
   * For invalid policies, the constraints of their sound fields (and implicit checks), to apply only when the policy
   * has nothing in force yet; keyed as above. Their templates are in `objects`.
   */
  fallback?: Map<string, K8sObject[]>;
}

export const policyKey = (ownerKind: OwnerKind, name: string): string => `${ownerKind}/${name}`;
