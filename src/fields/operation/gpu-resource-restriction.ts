// gpuResourceRestriction: GPU requests only in labelled namespaces, resource names by RE2 patterns.
import { isRecord, regexListRules, type Report } from '../../api/rule-helpers.js';
import { obj, str } from '../../api/schema-builders.js';
import { regexList } from '../../api/schema-parts.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  gpuResourceRestriction: obj(
    {
      namespaceLabel: obj(
        { key: str('Label key.'), value: str('Label value.') },
        'The namespace label that allows GPU requests.',
        { required: ['key', 'value'] },
      ),
      gpuResourcePatterns: regexList('RE2 regular expressions of GPU resource names (^nvidia\\.com/.*$).', {
        minItems: 1,
      }),
    },
    'Pods may request GPU resources only in namespaces carrying the given label.',
    { required: ['namespaceLabel', 'gpuResourcePatterns'] },
  ),
};

export const gpuResourceRule: Render = (p) =>
  p.gpuResourceRestriction
    ? planned('gpuResourceRestriction', 'D8GpuResourceRestriction', {
        namespaceLabel: p.gpuResourceRestriction.namespaceLabel,
        gpuResourcePatterns: p.gpuResourceRestriction.gpuResourcePatterns,
      })
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  if (isRecord(p.gpuResourceRestriction))
    regexListRules(
      p.gpuResourceRestriction.gpuResourcePatterns,
      `${base}.gpuResourceRestriction.gpuResourcePatterns`,
      at,
    );
}

export const gpuResourceRestriction: FieldModule<OperationPolicies> = {
  check: 'gpu-resource-restriction',
  fields,
  kinds: ['D8GpuResourceRestriction'],
  validate,
  render: gpuResourceRule,
};
