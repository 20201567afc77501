// The label security.deckhouse.io/skip-pss-check=true leaves an object out of the Pod Security Standards. As in DVP,
// only trusted groups may set it: a ValidatingAdmissionPolicy (evaluated by the API server itself, so it holds even
// when Gatekeeper is down) rejects anyone else who sets it on a Pod, a workload or a workload's pod template.
import type { K8sObject } from './model.js';
import { admissionPolicy } from './admission-policy.js';
import { SKIP_PSS_CHECK_LABEL } from './pss.js';

export const SKIP_CHECK_GUARD = 'gatewright-skip-pss-check';

const workloadRules = (operations: string[]) => [
  { apiGroups: [''], apiVersions: ['v1'], operations, resources: ['pods', 'replicationcontrollers'] },
  {
    apiGroups: ['apps'],
    apiVersions: ['v1'],
    operations,
    resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'],
  },
  { apiGroups: ['batch'], apiVersions: ['v1'], operations, resources: ['cronjobs', 'jobs'] },
];

/** CEL: the skip label is "true" on the object's own labels or on its pod template's. */
function labelledIn(root: string): string {
  const key = JSON.stringify(SKIP_PSS_CHECK_LABEL);
  return [
    `${root}.metadata.?labels[?${key}].orValue('') == 'true'`,
    `${root}.?spec.?template.?metadata.?labels[?${key}].orValue('') == 'true'`,
    `${root}.?spec.?jobTemplate.?spec.?template.?metadata.?labels[?${key}].orValue('') == 'true'`,
  ].join(' || ');
}

/**
 * The policy and its binding. Group names come from the module settings, which validation restricts to
 * [A-Za-z0-9:._@-]; JSON string syntax is a valid CEL string literal for them.
 */
export function skipCheckGuard(allowedGroups: string[]): K8sObject[] {
  const groups = [...new Set(allowedGroups)].sort().map((g) => JSON.stringify(g));
  return admissionPolicy({
    name: SKIP_CHECK_GUARD,
    failurePolicy: 'Fail',
    matchConstraints: { resourceRules: workloadRules(['CREATE', 'UPDATE']) },
    matchConditions:
      groups.length > 0
        ? [
            {
              name: 'not-an-allowed-group',
              expression: `!request.userInfo.groups.exists(g, g in [${groups.join(', ')}])`,
            },
          ]
        : [],
    variables: [
      { name: 'setNow', expression: labelledIn('object') },
      { name: 'setBefore', expression: `oldObject != null && (${labelledIn('oldObject')})` },
    ],
    validations: [
      {
        // Keeping a label someone trusted already set is fine; setting it anew is not.
        expression: '!variables.setNow || variables.setBefore',
        message:
          `the label ${SKIP_PSS_CHECK_LABEL}=true leaves this object out of the Pod Security Standards; only the ` +
          `groups ${allowedGroups.length > 0 ? allowedGroups.join(', ') : '(none)'} may set it ` +
          '(module config: podSecurityStandards.skipCheckAllowedGroups)',
        reason: 'Forbidden',
      },
    ],
    validationActions: ['Deny'],
  });
}
