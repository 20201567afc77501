// requiredProbes.
import { duplicateRules, type Report } from '../../api/rule-helpers.js';
import { arr, enumOf } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  requiredProbes: arr(
    enumOf(['livenessProbe', 'readinessProbe', 'startupProbe'], 'A probe.'),
    'Probes every container must define.',
  ),
};

export const requiredProbesRule: Render = (p) =>
  p.requiredProbes ? planned('requiredProbes', 'D8RequiredProbes', { probes: p.requiredProbes }) : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['requiredProbes']);
}

export const requiredProbes: FieldModule<OperationPolicies> = {
  check: 'required-probes',
  fields,
  kinds: ['D8RequiredProbes'],
  validate,
  render: requiredProbesRule,
};
