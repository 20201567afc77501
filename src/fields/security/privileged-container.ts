// allowPrivileged: privileged containers, forbidden unless the field is true (as in Deckhouse).
import { bool } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowPrivileged: bool(
    'Whether containers may run privileged (securityContext.privileged). Leaving it out, or false, forbids ' +
      'privileged containers, as in Deckhouse: this check is in force unless the field is true.',
  ),
};

// DVP renders these two unless the field is explicitly true. gatewright keeps that (an admin moving from DVP must not
// silently lose enforcement) but marks the check implicit, and the policy status lists it.
export const privilegedRule: Render = (p) =>
  p.allowPrivileged === true
    ? undefined
    : { name: 'allowPrivileged', kind: 'D8PrivilegedContainer', implicit: p.allowPrivileged === undefined };

export const privilegedContainer: FieldModule<SecurityPolicies> = {
  check: 'privileged-container',
  fields,
  kinds: ['D8PrivilegedContainer'],
  render: privilegedRule,
};
