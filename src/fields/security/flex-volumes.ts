// allowedFlexVolumes.
import { arr, obj, str } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowedFlexVolumes: arr(
    obj({ driver: str('The FlexVolume driver name.') }, 'An allowed FlexVolume driver.', { required: ['driver'] }),
    'FlexVolume drivers volumes may use. An empty list forbids FlexVolumes. Leaving it out means no check.',
  ),
};

export const flexVolumesRule: Render = (p) =>
  p.allowedFlexVolumes
    ? {
        name: 'allowedFlexVolumes',
        kind: 'D8AllowedFlexVolumes',
        parameters: { allowedFlexVolumes: p.allowedFlexVolumes },
      }
    : undefined;

export const flexVolumes: FieldModule<SecurityPolicies> = {
  check: 'flex-volumes',
  fields,
  kinds: ['D8AllowedFlexVolumes'],
  render: flexVolumesRule,
};
