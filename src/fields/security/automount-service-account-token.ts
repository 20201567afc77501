// automountServiceAccountToken.
import { bool } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  automountServiceAccountToken: bool(
    'When false, Pods must not mount a service account token: spec.automountServiceAccountToken must be false ' +
      'and no container may mount /var/run/secrets/kubernetes.io/serviceaccount. true or leaving it out means no check.',
  ),
};

export const automountServiceAccountTokenRule: Render = (p) =>
  p.automountServiceAccountToken === false
    ? { name: 'automountServiceAccountToken', kind: 'D8AutomountServiceAccountTokenPod' }
    : undefined;

export const automountServiceAccountToken: FieldModule<SecurityPolicies> = {
  check: 'automount-service-account-token',
  fields,
  kinds: ['D8AutomountServiceAccountTokenPod'],
  render: automountServiceAccountTokenRule,
};
