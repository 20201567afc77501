// imagePullPolicy.
import { enumOf } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  imagePullPolicy: enumOf(['Always', 'IfNotPresent'], 'The imagePullPolicy every container must use.'),
};

export const imagePullPolicyRule: Render = (p) =>
  p.imagePullPolicy ? planned('imagePullPolicy', 'D8ImagePullPolicy', { policy: p.imagePullPolicy }) : undefined;

export const imagePullPolicy: FieldModule<OperationPolicies> = {
  check: 'image-pull-policy',
  fields,
  kinds: ['D8ImagePullPolicy'],
  render: imagePullPolicyRule,
};
