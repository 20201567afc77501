// replicaLimits.
import { int, obj, cel } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  replicaLimits: obj(
    {
      minReplicas: int('Fewest replicas allowed, inclusive.', { minimum: 0 }),
      maxReplicas: int('Most replicas allowed, inclusive.', { minimum: 0 }),
    },
    'The allowed range of spec.replicas.',
    {
      anyOf: [{ required: ['minReplicas'] }, { required: ['maxReplicas'] }],
      'x-kubernetes-validations': [
        cel(
          '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
          'minReplicas must not be greater than maxReplicas',
          (s) =>
            typeof s.minReplicas !== 'number' || typeof s.maxReplicas !== 'number' || s.minReplicas <= s.maxReplicas,
        ),
      ],
    },
  ),
};

export const replicaLimitsRule: Render = (p) =>
  p.replicaLimits
    ? planned('replicaLimits', 'D8ReplicaLimits', { ranges: [p.replicaLimits] }, [
        { apiGroups: ['apps'], kinds: ['Deployment', 'ReplicaSet', 'StatefulSet'] },
        { apiGroups: [''], kinds: ['ReplicationController'] },
      ])
    : undefined;

export const replicaLimits: FieldModule<OperationPolicies> = {
  check: 'replica-limits',
  fields,
  kinds: ['D8ReplicaLimits'],
  render: replicaLimitsRule,
};
