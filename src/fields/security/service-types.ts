// allowedServiceTypes.
import { duplicateRules, type Report } from '../../api/rule-helpers.js';
import { stringList } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowedServiceTypes: stringList(
    'Service types Services may use (spec.type; unset counts as ClusterIP). Leaving it out means no check.',
  ),
};

export const serviceTypesRule: Render = (p) =>
  p.allowedServiceTypes
    ? {
        name: 'allowedServiceTypes',
        kind: 'D8AllowedServiceTypes',
        parameters: { allowedServiceTypes: p.allowedServiceTypes },
        matchKinds: [{ apiGroups: [''], kinds: ['Service'] }],
      }
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['allowedServiceTypes']);
}

export const serviceTypes: FieldModule<SecurityPolicies> = {
  check: 'service-types',
  fields,
  kinds: ['D8AllowedServiceTypes'],
  validate,
  render: serviceTypesRule,
};
