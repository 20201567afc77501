// A ValidatingAdmissionPolicy and its binding, of the same name: the shape the backstop, the skip-pss-check guard and
// the protection of managed objects all emit (admissionregistration.k8s.io/v1, evaluated by the API server itself).
import type { K8sObject } from './model.js';
import { RESOURCES, apiVersionOf } from '../api/resources.js';

type Json = Record<string, unknown>;

export interface AdmissionPolicySpec {
  name: string;
  failurePolicy: 'Fail' | 'Ignore';
  matchConstraints: Json;
  matchConditions?: { name: string; expression: string }[];
  variables?: { name: string; expression: string }[];
  validations: Json[];
  /** The binding's actions (Deny, Warn, Audit). */
  validationActions: string[];
  /** The binding's own narrowing (namespace and object selectors), if any. */
  matchResources?: Json;
}

/** The policy, then its binding (one name for both). */
export function admissionPolicy(spec: AdmissionPolicySpec): [K8sObject, K8sObject] {
  const { name } = spec;
  return [
    {
      apiVersion: apiVersionOf(RESOURCES.ValidatingAdmissionPolicy),
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      spec: {
        failurePolicy: spec.failurePolicy,
        matchConstraints: spec.matchConstraints,
        ...(spec.matchConditions && spec.matchConditions.length > 0 ? { matchConditions: spec.matchConditions } : {}),
        ...(spec.variables && spec.variables.length > 0 ? { variables: spec.variables } : {}),
        validations: spec.validations,
      },
    },
    {
      apiVersion: apiVersionOf(RESOURCES.ValidatingAdmissionPolicyBinding),
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: spec.validationActions,
        ...(spec.matchResources ? { matchResources: spec.matchResources } : {}),
      },
    },
  ];
}
