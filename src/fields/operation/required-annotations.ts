// requiredAnnotations: annotations the objects of watchKinds must carry, values checked by RE2 patterns.
import { bounded, duplicateRules, isRecord, regexRule, reportDuplicates, type Report } from '../../api/rule-helpers.js';
import { arr, obj } from '../../api/schema-builders.js';
import { labelRule, watchKinds } from '../../api/schema-parts.js';
import type { OperationPolicies } from '../../api/types.js';
import { watchKindsToMatch } from '../../compiler/match.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  requiredAnnotations: obj(
    { annotations: arr(labelRule('annotation'), 'The required annotations.', { minItems: 1 }), watchKinds },
    'Annotations the objects of watchKinds must carry.',
    { required: ['annotations', 'watchKinds'] },
  ),
};

export const requiredAnnotationsRule: Render = (p) =>
  p.requiredAnnotations
    ? planned(
        'requiredAnnotations',
        'D8RequiredAnnotations',
        { annotations: p.requiredAnnotations.annotations },
        watchKindsToMatch(p.requiredAnnotations.watchKinds),
      )
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  const rule = p.requiredAnnotations;
  if (!isRecord(rule)) return;
  if (Array.isArray(rule.annotations)) {
    bounded(rule.annotations).forEach((entry, i) => {
      if (isRecord(entry) && typeof entry.allowedRegex === 'string')
        regexRule(entry.allowedRegex, `${base}.requiredAnnotations.annotations[${i}].allowedRegex`, at);
    });
    reportDuplicates(
      bounded(rule.annotations).map((e) => (isRecord(e) ? e.key : undefined)),
      (i) => `${base}.requiredAnnotations.annotations[${i}].key`,
      at,
    );
  }
  duplicateRules(rule, `${base}.requiredAnnotations`, at, ['watchKinds']);
}

export const requiredAnnotations: FieldModule<OperationPolicies> = {
  check: 'required-annotations',
  fields,
  kinds: ['D8RequiredAnnotations'],
  validate,
  render: requiredAnnotationsRule,
};
