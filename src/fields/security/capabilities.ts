// allowedCapabilities and requiredDropCapabilities: one check of added and dropped capabilities.
import { duplicateRules, strings, type Report } from '../../api/rule-helpers.js';
import { capabilityList } from '../../api/schema-parts.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowedCapabilities: capabilityList(
    'Capabilities containers may add (securityContext.capabilities.add). An empty list forbids adding any; ALL ' +
      'allows every capability. Leaving it out means no check of added capabilities.',
  ),
  requiredDropCapabilities: capabilityList(
    'Capabilities every container must drop (securityContext.capabilities.drop); ALL requires drop: [ALL]. ' +
      'Leaving it out means no check of dropped capabilities.',
  ),
};

// allowedCapabilities with ALL and nothing to drop restricts nothing (DVP drops it). A policy that writes only
// requiredDropCapabilities says nothing about added capabilities, so every addition stays allowed.
export const capabilitiesRule: Render = (p) => {
  const allowed = p.allowedCapabilities;
  const drop = p.requiredDropCapabilities;
  if (allowed === undefined && drop === undefined) return undefined;
  if (allowed?.includes('ALL') && (drop === undefined || drop.length === 0)) return undefined;
  return {
    name: [allowed !== undefined ? 'allowedCapabilities' : '', drop !== undefined ? 'requiredDropCapabilities' : '']
      .filter(Boolean)
      .join('/'),
    kind: 'D8AllowedCapabilities',
    parameters: { allowedCapabilities: allowed ?? ['ALL'], requiredDropCapabilities: drop ?? [] },
  };
};

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['allowedCapabilities', 'requiredDropCapabilities']);
  // Deckhouse accepts a capability both allowed and required to be dropped: it must be dropped, so allowing it to be
  // added grants nothing. Enforced as written; the admin is told.
  const dropCaps = strings(p.requiredDropCapabilities);
  strings(p.allowedCapabilities).forEach((cap, i) => {
    const j = dropCaps.indexOf(cap);
    if (cap !== 'ALL' && j >= 0) {
      at(
        `${base}.allowedCapabilities[${i}]`,
        'contradiction',
        `"${cap}" is also listed in requiredDropCapabilities[${j}]: every container must drop it, so allowing it to be added grants nothing`,
        'warning',
      );
    }
  });
}

export const capabilities: FieldModule<SecurityPolicies> = {
  check: 'capabilities',
  fields,
  kinds: ['D8AllowedCapabilities'],
  validate,
  render: capabilitiesRule,
};
