// readOnlyRootFilesystem.
import { bool } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  readOnlyRootFilesystem: bool(
    'When true, every container must set securityContext.readOnlyRootFilesystem: true. false or leaving it out ' +
      'means no check.',
  ),
};

export const readOnlyRootFilesystemRule: Render = (p) =>
  p.readOnlyRootFilesystem === true ? { name: 'readOnlyRootFilesystem', kind: 'D8ReadOnlyRootFilesystem' } : undefined;

export const readOnlyRootFilesystem: FieldModule<SecurityPolicies> = {
  check: 'read-only-root-filesystem',
  fields,
  kinds: ['D8ReadOnlyRootFilesystem'],
  render: readOnlyRootFilesystemRule,
};
