// checkContainerDuplicates.
import { bool } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  checkContainerDuplicates: bool(
    'When true, container names and env variable names within a container must be unique. false or leaving it ' +
      'out means no check.',
  ),
};

export const containerDuplicatesRule: Render = (p) =>
  p.checkContainerDuplicates === true ? planned('checkContainerDuplicates', 'D8ContainerDuplicates') : undefined;

export const containerDuplicates: FieldModule<OperationPolicies> = {
  check: 'container-duplicates',
  fields,
  kinds: ['D8ContainerDuplicates'],
  render: containerDuplicatesRule,
};
