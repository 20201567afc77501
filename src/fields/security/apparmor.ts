// allowedAppArmor: the AppArmor profiles containers may use.
import { duplicateRules, globListRules, type Report } from '../../api/rule-helpers.js';
import { stringList } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

// Globs are matched with OPA's glob.match: only `*` is meant as a wildcard, so ? [ ] { } and \ are refused.
const APPARMOR_PROFILE = /^(runtime\/default|unconfined|localhost\/[^\s?[\]{}\\]+|\*)$/;

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowedAppArmor: stringList(
    'AppArmor profiles containers may use, as runtime/default, unconfined or localhost/<profile>; * is a ' +
      'wildcard (localhost/*). A container without a profile counts as runtime/default. Leaving it out means no check.',
  ),
};

export const appArmorRule: Render = (p) =>
  p.allowedAppArmor
    ? { name: 'allowedAppArmor', kind: 'D8AppArmor', parameters: { allowedProfiles: p.allowedAppArmor } }
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['allowedAppArmor']);
  globListRules(
    p.allowedAppArmor,
    `${base}.allowedAppArmor`,
    APPARMOR_PROFILE,
    'runtime/default, unconfined or localhost/<profile>',
    at,
  );
}

export const appArmor: FieldModule<SecurityPolicies> = {
  check: 'apparmor',
  fields,
  kinds: ['D8AppArmor'],
  validate,
  render: appArmorRule,
};
