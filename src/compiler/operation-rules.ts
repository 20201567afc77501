// The render rules of OperationPolicy (reference deckhouse.md §4.4): each field present becomes one check. The rules
// live in the field modules (src/fields/operation/*), one per check; this file is their table.
import type { OperationPolicies } from '../api/types.js';
import { OPERATION_FIELDS } from '../fields/index.js';
import type { PlannedCheck } from './security-rules.js';

export { allowedReposRule } from '../fields/operation/allowed-repos.js';
export { requiredResourcesRule } from '../fields/operation/required-resources.js';
export { disallowedTagsRule } from '../fields/operation/disallowed-tags.js';
export { requiredLabelsRule } from '../fields/operation/required-labels.js';
export { requiredAnnotationsRule } from '../fields/operation/required-annotations.js';
export { requiredProbesRule } from '../fields/operation/required-probes.js';
export { revisionHistoryRule } from '../fields/operation/revision-history-limit.js';
export { imagePullPolicyRule } from '../fields/operation/image-pull-policy.js';
export { priorityClassRule } from '../fields/operation/priority-class.js';
export { ingressClassRule } from '../fields/operation/ingress-class.js';
export { storageClassRule } from '../fields/operation/storage-class.js';
export { dnsPolicyRule } from '../fields/operation/dns-policy.js';
export { containerDuplicatesRule } from '../fields/operation/container-duplicates.js';
export { replicaLimitsRule } from '../fields/operation/replica-limits.js';
export { disallowedTolerationsRule } from '../fields/operation/disallowed-tolerations.js';
export { disallowedCustomResourcesRule } from '../fields/operation/disallowed-custom-resources.js';
export { gpuResourceRule } from '../fields/operation/gpu-resource-restriction.js';

export const OPERATION_RULES = OPERATION_FIELDS.map((m) => m.render);

export function planOperationChecks(p: OperationPolicies): PlannedCheck[] {
  return OPERATION_RULES.map((rule) => rule(p)).filter((c): c is PlannedCheck => c !== undefined);
}
