// requiredLabels: labels the objects of watchKinds must carry, values checked by RE2 patterns.
import { bounded, duplicateRules, isRecord, regexRule, reportDuplicates, type Report } from '../../api/rule-helpers.js';
import { arr, obj } from '../../api/schema-builders.js';
import { labelRule, watchKinds } from '../../api/schema-parts.js';
import type { OperationPolicies } from '../../api/types.js';
import { watchKindsToMatch } from '../../compiler/match.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  requiredLabels: obj(
    { labels: arr(labelRule('label'), 'The required labels.', { minItems: 1 }), watchKinds },
    'Labels the objects of watchKinds must carry.',
    { required: ['labels', 'watchKinds'] },
  ),
};

export const requiredLabelsRule: Render = (p) =>
  p.requiredLabels
    ? planned(
        'requiredLabels',
        'D8RequiredLabels',
        { labels: p.requiredLabels.labels },
        watchKindsToMatch(p.requiredLabels.watchKinds),
      )
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  const rule = p.requiredLabels;
  if (!isRecord(rule)) return;
  if (Array.isArray(rule.labels)) {
    bounded(rule.labels).forEach((entry, i) => {
      if (isRecord(entry) && typeof entry.allowedRegex === 'string')
        regexRule(entry.allowedRegex, `${base}.requiredLabels.labels[${i}].allowedRegex`, at);
    });
    reportDuplicates(
      bounded(rule.labels).map((e) => (isRecord(e) ? e.key : undefined)),
      (i) => `${base}.requiredLabels.labels[${i}].key`,
      at,
    );
  }
  duplicateRules(rule, `${base}.requiredLabels`, at, ['watchKinds']);
}

export const requiredLabels: FieldModule<OperationPolicies> = {
  check: 'required-labels',
  fields,
  kinds: ['D8RequiredLabels'],
  validate,
  render: requiredLabelsRule,
};
