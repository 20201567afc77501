// disallowedCustomResources: RE2 patterns of extended resources containers must not request.
import { duplicateRules, regexListRules, type Report } from '../../api/rule-helpers.js';
import { regexList } from '../../api/schema-parts.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  disallowedCustomResources: regexList(
    'RE2 regular expressions of extended resource names containers must not request.',
  ),
};

export const disallowedCustomResourcesRule: Render = (p) =>
  p.disallowedCustomResources
    ? planned('disallowedCustomResources', 'D8DisallowedCustomResources', {
        resourcePatterns: p.disallowedCustomResources,
      })
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['disallowedCustomResources']);
  regexListRules(p.disallowedCustomResources, `${base}.disallowedCustomResources`, at);
}

export const disallowedCustomResources: FieldModule<OperationPolicies> = {
  check: 'disallowed-custom-resources',
  fields,
  kinds: ['D8DisallowedCustomResources'],
  validate,
  render: disallowedCustomResourcesRule,
};
