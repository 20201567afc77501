// maxRevisionHistoryLimit.
import { int } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  maxRevisionHistoryLimit: int(
    'The highest spec.revisionHistoryLimit Deployments, StatefulSets and DaemonSets may set.',
    {
      minimum: 0,
    },
  ),
};

export const revisionHistoryRule: Render = (p) =>
  p.maxRevisionHistoryLimit !== undefined
    ? planned('maxRevisionHistoryLimit', 'D8RevisionHistoryLimit', { limit: p.maxRevisionHistoryLimit }, [
        { apiGroups: ['apps'], kinds: ['DaemonSet', 'Deployment', 'StatefulSet'] },
      ])
    : undefined;

export const revisionHistoryLimit: FieldModule<OperationPolicies> = {
  check: 'revision-history-limit',
  fields,
  kinds: ['D8RevisionHistoryLimit'],
  render: revisionHistoryRule,
};
