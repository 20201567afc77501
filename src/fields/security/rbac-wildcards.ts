// allowRbacWildcards: wildcards in Roles and RoleBindings.
import { bool } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowRbacWildcards: bool(
    'When false, Roles and ClusterRoles must not use * in apiGroups, resources or verbs, and RoleBindings must not ' +
      'use * in roleRef or subject names. true or leaving it out means no check.',
  ),
};

export const rbacWildcardsRule: Render = (p) =>
  p.allowRbacWildcards === false
    ? {
        name: 'allowRbacWildcards',
        kind: 'D8AllowRbacWildcards',
        matchKinds: [{ apiGroups: ['rbac.authorization.k8s.io'], kinds: ['Role', 'RoleBinding'] }],
      }
    : undefined;

export const rbacWildcards: FieldModule<SecurityPolicies> = {
  check: 'rbac-wildcards',
  fields,
  kinds: ['D8AllowRbacWildcards'],
  render: rbacWildcardsRule,
};
