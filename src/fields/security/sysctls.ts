// allowedUnsafeSysctls and forbiddenSysctls: one check of Pod sysctls; forbidden wins, as in Deckhouse.
import { globMatcher } from '../../api/patterns.js';
import { duplicateRules, globListRules, strings, type Report } from '../../api/rule-helpers.js';
import { arr } from '../../api/schema-builders.js';
import { sysctlName } from '../../api/schema-parts.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

// Linear: no ambiguous quantifiers, and strings() caps the input.
const SYSCTL_GLOB = /^([a-z0-9_*][a-z0-9_*-]*)([./][a-z0-9_*][a-z0-9_*-]*)*$/;

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowedUnsafeSysctls: arr(
    sysctlName,
    'Sysctls Pods may set (spec.securityContext.sysctls), * as a wildcard (kernel.msg*). * alone allows all. ' +
      'Leaving both this and forbiddenSysctls out means no check.',
  ),
  forbiddenSysctls: arr(
    sysctlName,
    'Sysctls Pods must not set, * as a wildcard. Takes precedence over allowedUnsafeSysctls: a sysctl both ' +
      'allowed and forbidden is forbidden (a warning says so).',
  ),
};

// `*` allowed with nothing forbidden restricts nothing (DVP drops it). Only forbiddenSysctls written: the rest stay allowed.
export const sysctlsRule: Render = (p) => {
  const allowed = p.allowedUnsafeSysctls;
  const forbidden = p.forbiddenSysctls;
  if (allowed === undefined && forbidden === undefined) return undefined;
  if (allowed?.includes('*') && (forbidden === undefined || forbidden.length === 0)) return undefined;
  return {
    name: [allowed !== undefined ? 'allowedUnsafeSysctls' : '', forbidden !== undefined ? 'forbiddenSysctls' : '']
      .filter(Boolean)
      .join('/'),
    kind: 'D8AllowedSysctls',
    parameters: { allowedSysctls: allowed ?? ['*'], forbiddenSysctls: forbidden ?? [] },
  };
};

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['allowedUnsafeSysctls', 'forbiddenSysctls']);
  for (const field of ['allowedUnsafeSysctls', 'forbiddenSysctls']) {
    globListRules(
      p[field],
      `${base}.${field}`,
      SYSCTL_GLOB,
      'a sysctl name such as kernel.shm_rmid_forced, * as a wildcard',
      at,
    );
  }
  // Forbidden wins (Deckhouse's D8AllowedSysctls checks forbiddenSysctls first); a covered entry allows nothing.
  const forbidden = strings(p.forbiddenSysctls);
  const forbiddenMatchers = forbidden.map(globMatcher);
  strings(p.allowedUnsafeSysctls).forEach((sysctl, i) => {
    const j = forbiddenMatchers.findIndex((matches) => matches !== undefined && matches(sysctl));
    if (j >= 0) {
      at(
        `${base}.allowedUnsafeSysctls[${i}]`,
        'contradiction',
        `"${sysctl}" is also forbidden by forbiddenSysctls[${j}] ("${forbidden[j]}"), which takes precedence, as in Deckhouse: ${sysctl === '*' && forbidden[j] === '*' ? 'no sysctl may be set' : 'it may not be set'}`,
        'warning',
      );
    }
  });
}

export const sysctls: FieldModule<SecurityPolicies> = {
  check: 'sysctls',
  fields,
  kinds: ['D8AllowedSysctls'],
  validate,
  render: sysctlsRule,
};
