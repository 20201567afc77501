// seLinux: the allowed seLinuxOptions.
import { bounded, reportDuplicates, type Report } from '../../api/rule-helpers.js';
import { arr, obj, str } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  seLinux: arr(
    obj(
      {
        level: str('SELinux level; empty means the level must be unset.'),
        role: str('SELinux role; empty means the role must be unset.'),
        type: str('SELinux type; empty means the type must be unset.'),
        user: str('SELinux user; empty means the user must be unset.'),
      },
      'One allowed combination of seLinuxOptions.',
    ),
    'Allowed seLinuxOptions of Pods and containers: each set seLinuxOptions must match one entry. Leaving it out ' +
      'means no check.',
  ),
};

export const seLinuxRule: Render = (p) =>
  p.seLinux ? { name: 'seLinux', kind: 'D8SeLinux', parameters: { allowedSELinuxOptions: p.seLinux } } : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  if (Array.isArray(p.seLinux))
    reportDuplicates(
      bounded(p.seLinux).map((s) => JSON.stringify(s)),
      (i) => `${base}.seLinux[${i}]`,
      at,
    );
}

export const seLinux: FieldModule<SecurityPolicies> = {
  check: 'selinux',
  fields,
  kinds: ['D8SeLinux'],
  validate,
  render: seLinuxRule,
};
