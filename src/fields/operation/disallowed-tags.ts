// disallowedImageTags.
import { duplicateRules, strings, type Report } from '../../api/rule-helpers.js';
import { stringList } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  disallowedImageTags: stringList(
    'Image tags containers must not use. An image without a tag or digest counts as latest.',
  ),
};

export const disallowedTagsRule: Render = (p) =>
  p.disallowedImageTags
    ? planned('disallowedImageTags', 'D8DisallowedTags', { tags: p.disallowedImageTags })
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['disallowedImageTags']);
  strings(p.disallowedImageTags).forEach((tag, i) => {
    if (!IMAGE_TAG.test(tag))
      at(
        `${base}.disallowedImageTags[${i}]`,
        'image-reference',
        `Invalid value: "${tag}": must be an image tag (letters, digits, _ . -; up to 128 characters; no leading . or -)`,
      );
  });
}

export const disallowedTags: FieldModule<OperationPolicies> = {
  check: 'disallowed-tags',
  fields,
  kinds: ['D8DisallowedTags'],
  validate,
  render: disallowedTagsRule,
};
