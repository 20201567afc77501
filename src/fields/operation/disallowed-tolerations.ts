// disallowedTolerations.
import { arr, enumOf, obj, str, withRules, cel } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  disallowedTolerations: arr(
    withRules(
      obj(
        {
          key: str('Toleration key; leave out to match any key.'),
          operator: enumOf(['Exists', 'Equal'], 'Toleration operator; leave out to match any.'),
          value: str('Toleration value; leave out to match any.'),
          effect: enumOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], 'Toleration effect; leave out to match any.'),
        },
        'A toleration pattern; fields left out match anything.',
      ),
      // A toleration with operator Exists has no value (the API server refuses one), so such a pattern matches nothing.
      cel(
        "!(has(self.operator) && self.operator == 'Exists' && has(self.value))",
        'a toleration with operator Exists has no value, so this pattern would match nothing; remove value or use Equal',
        (s) => !(s.operator === 'Exists' && s.value !== undefined),
        { fieldPath: '.value', reason: 'FieldValueForbidden' },
      ),
    ),
    'Tolerations Pods must not carry.',
  ),
};

export const disallowedTolerationsRule: Render = (p) =>
  p.disallowedTolerations && p.disallowedTolerations.length > 0
    ? planned('disallowedTolerations', 'D8DisallowedTolerations', { tolerations: p.disallowedTolerations })
    : undefined;

export const disallowedTolerations: FieldModule<OperationPolicies> = {
  check: 'disallowed-tolerations',
  fields,
  kinds: ['D8DisallowedTolerations'],
  render: disallowedTolerationsRule,
};
