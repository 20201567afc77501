// allowedProcMount.
import { enumOf } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowedProcMount: enumOf(
    ['Default', 'Unmasked'],
    'The /proc mount type containers may request (securityContext.procMount). Default allows only the masked ' +
      'default; Unmasked allows any, so it means no check. Leaving it out means no check.',
  ),
};

// Unmasked admits every procMount, so it is no check (DVP clears it).
export const procMountRule: Render = (p) =>
  p.allowedProcMount === 'Default'
    ? { name: 'allowedProcMount', kind: 'D8AllowedProcMount', parameters: { allowedProcMount: 'Default' } }
    : undefined;

export const procMount: FieldModule<SecurityPolicies> = {
  check: 'proc-mount',
  fields,
  kinds: ['D8AllowedProcMount'],
  render: procMountRule,
};
