// fsGroup, runAsUser, runAsGroup and supplementalGroups: one check of user and group IDs.
import { duplicateRules, isRecord, type Report } from '../../api/rule-helpers.js';
import { idStrategy } from '../../api/schema-parts.js';
import type { SecurityPolicies, IdStrategy } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

const USER_FIELDS = ['fsGroup', 'runAsUser', 'runAsGroup', 'supplementalGroups'] as const;

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  fsGroup: idStrategy(
    'fsGroup',
    ['MustRunAs', 'MayRunAs', 'RunAsAny'],
    'group ID',
    'Checks spec.securityContext.fsGroup.',
  ),
  runAsUser: idStrategy(
    'runAsUser',
    ['MustRunAs', 'MustRunAsNonRoot', 'RunAsAny'],
    'user ID',
    'Checks securityContext.runAsUser of each container, falling back to the Pod securityContext.',
  ),
  runAsGroup: idStrategy(
    'runAsGroup',
    ['MustRunAs', 'MayRunAs', 'RunAsAny'],
    'group ID',
    'Checks securityContext.runAsGroup of each container, falling back to the Pod securityContext.',
  ),
  supplementalGroups: idStrategy(
    'supplementalGroups',
    ['MustRunAs', 'MayRunAs', 'RunAsAny'],
    'group ID',
    'Checks spec.securityContext.supplementalGroups.',
  ),
};

/** `RunAsAny` places no restriction, so such a strategy is no check. */
export const isRestrictiveStrategy = (s: IdStrategy | undefined): s is IdStrategy =>
  s !== undefined && s.rule !== 'RunAsAny';

export const usersRule: Render = (p) => {
  const parameters: Record<string, unknown> = {};
  for (const field of USER_FIELDS) {
    const strategy = p[field];
    if (isRestrictiveStrategy(strategy))
      parameters[field] = { rule: strategy.rule, ...(strategy.ranges ? { ranges: strategy.ranges } : {}) };
  }
  const names = Object.keys(parameters);
  return names.length > 0 ? { name: names.join('/'), kind: 'D8AllowedUsers', parameters } : undefined;
};

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  for (const field of USER_FIELDS) {
    const strategy = p[field];
    if (isRecord(strategy)) duplicateRules(strategy, `${base}.${field}`, at, ['ranges']);
  }
}

export const users: FieldModule<SecurityPolicies> = {
  check: 'users',
  fields,
  kinds: ['D8AllowedUsers'],
  validate,
  render: usersRule,
};
