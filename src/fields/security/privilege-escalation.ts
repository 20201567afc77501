// allowPrivilegeEscalation: forbidden unless the field is true (as in Deckhouse).
import { bool } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowPrivilegeEscalation: bool(
    'Whether containers may gain more privileges than their parent process. Leaving it out, or false, requires ' +
      'every container to set securityContext.allowPrivilegeEscalation: false explicitly, as in Deckhouse.',
  ),
};

export const privilegeEscalationRule: Render = (p) =>
  p.allowPrivilegeEscalation === true
    ? undefined
    : {
        name: 'allowPrivilegeEscalation',
        kind: 'D8AllowPrivilegeEscalation',
        implicit: p.allowPrivilegeEscalation === undefined,
      };

export const privilegeEscalation: FieldModule<SecurityPolicies> = {
  check: 'privilege-escalation',
  fields,
  kinds: ['D8AllowPrivilegeEscalation'],
  render: privilegeEscalationRule,
};
