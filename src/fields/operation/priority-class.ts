// priorityClassNames.
import { duplicateRules, type Report } from '../../api/rule-helpers.js';
import { stringList } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  priorityClassNames: stringList('Priority classes Pods may use (spec.priorityClassName).'),
};

export const priorityClassRule: Render = (p) =>
  p.priorityClassNames
    ? planned('priorityClassNames', 'D8PriorityClass', { priorityClassNames: p.priorityClassNames })
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['priorityClassNames']);
}

export const priorityClass: FieldModule<OperationPolicies> = {
  check: 'priority-class',
  fields,
  kinds: ['D8PriorityClass'],
  validate,
  render: priorityClassRule,
};
