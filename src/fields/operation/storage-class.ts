// storageClassNames.
import { duplicateRules, type Report } from '../../api/rule-helpers.js';
import { stringList } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  storageClassNames: stringList('Storage classes PersistentVolumeClaims may use.'),
};

export const storageClassRule: Render = (p) =>
  p.storageClassNames
    ? planned('storageClassNames', 'D8StorageClass', { storageClassNames: p.storageClassNames }, [
        { apiGroups: [''], kinds: ['PersistentVolumeClaim'] },
      ])
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['storageClassNames']);
}

export const storageClass: FieldModule<OperationPolicies> = {
  check: 'storage-class',
  fields,
  kinds: ['D8StorageClass'],
  validate,
  render: storageClassRule,
};
