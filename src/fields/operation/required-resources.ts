// requiredResources: the limits and requests every container must declare.
import { arr, enumOf, obj } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  requiredResources: obj(
    {
      limits: arr(enumOf(['cpu', 'memory'], 'A resource.'), 'Resources every container must set a limit for.'),
      requests: arr(enumOf(['cpu', 'memory'], 'A resource.'), 'Resources every container must set a request for.'),
    },
    'Resource limits and requests every container must declare.',
    { anyOf: [{ required: ['limits'] }, { required: ['requests'] }] },
  ),
};

// Only the non-empty lists become parameters (DVP).
export const requiredResourcesRule: Render = (p) => {
  const r = p.requiredResources;
  if (!r) return undefined;
  const parameters: Record<string, unknown> = {};
  if (r.limits && r.limits.length > 0) parameters.limits = r.limits;
  if (r.requests && r.requests.length > 0) parameters.requests = r.requests;
  return Object.keys(parameters).length > 0
    ? planned('requiredResources', 'D8RequiredResources', parameters)
    : undefined;
};

export const requiredResources: FieldModule<OperationPolicies> = {
  check: 'required-resources',
  fields,
  kinds: ['D8RequiredResources'],
  render: requiredResourcesRule,
};
