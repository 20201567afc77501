// Only gatewright (and break-glass cluster admins) may change what gatewright manages. A hand edit of a managed
// constraint (say, `spec.match.namespaces: [nowhere]`, or removing its managed-by label) silently switches a check
// off until the next pass repairs it; this ValidatingAdmissionPolicy makes the API server refuse it instead.
//
// It covers ConstraintTemplates, every constraint kind and SyncSets labelled app.kubernetes.io/managed-by=gatewright
// (CREATE, UPDATE and DELETE of the resource itself; Gatekeeper writes only their status subresource, which stays
// open). The API server never applies admission policies to ValidatingAdmissionPolicies and their bindings
// (k8s.io/apiserver, admission/plugin/policy/generic: admission configuration resources are exempt), so gatewright's
// own policies and bindings are guarded by RBAC alone.
import type { K8sObject } from './model.js';
import { CONSTRAINT_GROUP, RESOURCES } from '../api/resources.js';
import { admissionPolicy } from './admission-policy.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from './model.js';

export const PROTECTION_POLICY = 'gatewright-protect-managed';

/** Who may write managed objects besides break-glass system:masters. */
export interface OperatorIdentity {
  /** User names, e.g. system:serviceaccount:gatewright-system:gatewright, or the local user of `gatewright run`. */
  usernames: string[];
  /** Groups, e.g. system:masters (always allowed). */
  groups?: string[];
}

export const BREAK_GLASS_GROUP = 'system:masters';

/** The policy and its binding. Names are quoted with JSON string syntax, a valid CEL string literal. */
export function protectionPolicy(identity: OperatorIdentity): K8sObject[] {
  const usernames = [...new Set(identity.usernames)].sort().map((u) => JSON.stringify(u));
  const groups = [...new Set([BREAK_GLASS_GROUP, ...(identity.groups ?? [])])].sort().map((g) => JSON.stringify(g));
  const operations = ['CREATE', 'UPDATE', 'DELETE'];
  return admissionPolicy({
    name: PROTECTION_POLICY,
    failurePolicy: 'Fail',
    matchConstraints: {
      // The old object counts too: removing the label, or deleting, is matched by the label the object had.
      objectSelector: { matchLabels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
      resourceRules: [
        {
          apiGroups: [RESOURCES.ConstraintTemplate.group],
          apiVersions: ['*'],
          operations,
          resources: [RESOURCES.ConstraintTemplate.plural],
        },
        { apiGroups: [CONSTRAINT_GROUP], apiVersions: ['*'], operations, resources: ['*'] },
        { apiGroups: [RESOURCES.SyncSet.group], apiVersions: ['*'], operations, resources: [RESOURCES.SyncSet.plural] },
      ],
    },
    matchConditions: [
      {
        name: 'not-gatewright',
        expression:
          `!(request.userInfo.username in [${usernames.join(', ')}] || ` +
          `request.userInfo.groups.exists(g, g in [${groups.join(', ')}]))`,
      },
    ],
    validations: [
      {
        expression: 'false',
        messageExpression:
          `request.kind.kind + ' ' + request.name + ${JSON.stringify(
            ` is managed by gatewright: only ${identity.usernames.join(', ')} and ${BREAK_GLASS_GROUP} may `,
          )} + request.operation.lowerAscii() + ` +
          JSON.stringify(' it; change the policy it comes from instead (label gatewright.dev/owner-name)'),
        reason: 'Forbidden',
      },
    ],
    validationActions: ['Deny'],
  });
}
