// allowedClusterRoles: the ClusterRoles a RoleBinding may grant.
import { duplicateRules, globListRules, type Report } from '../../api/rule-helpers.js';
import { stringList } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

const NAME_GLOB = /^[a-zA-Z0-9*:._-]+$/;

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowedClusterRoles: stringList(
    'ClusterRoles a RoleBinding may grant (roleRef.kind ClusterRole), * as a wildcard. An empty list forbids ' +
      'binding any ClusterRole; * allows all. Leaving it out means no check.',
  ),
};

// `*` admits every role (DVP drops the check).
export const clusterRolesRule: Render = (p) =>
  p.allowedClusterRoles && !p.allowedClusterRoles.includes('*')
    ? {
        name: 'allowedClusterRoles',
        kind: 'D8AllowedClusterRoles',
        parameters: { allowedClusterRoles: p.allowedClusterRoles },
        matchKinds: [{ apiGroups: ['rbac.authorization.k8s.io'], kinds: ['RoleBinding'] }],
      }
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['allowedClusterRoles']);
  globListRules(
    p.allowedClusterRoles,
    `${base}.allowedClusterRoles`,
    NAME_GLOB,
    'a ClusterRole name, * as a wildcard',
    at,
  );
}

export const allowedClusterRoles: FieldModule<SecurityPolicies> = {
  check: 'allowed-cluster-roles',
  fields,
  kinds: ['D8AllowedClusterRoles'],
  validate,
  render: clusterRolesRule,
};
