// allowedVolumes: the volume types Pods may use.
import { duplicateRules, show, strings, type Report } from '../../api/rule-helpers.js';
import { arr, enumOf } from '../../api/schema-builders.js';
import { VOLUME_TYPES } from '../../api/schema-parts.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowedVolumes: arr(
    enumOf(VOLUME_TYPES, 'A volume type, named as in the Pod spec (hostPath, configMap, …).'),
    'Volume types Pods may use. * allows all; an empty list or [none] forbids volumes. Leaving it out means no check.',
  ),
};

export const volumesRule: Render = (p) =>
  p.allowedVolumes && !p.allowedVolumes.includes('*')
    ? { name: 'allowedVolumes', kind: 'D8AllowedVolumeTypes', parameters: { volumes: p.allowedVolumes } }
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['allowedVolumes']);
  const volumes = strings(p.allowedVolumes).filter(() => true);
  // Deckhouse's template treats "none" as a type no volume has: beside other types it changes nothing.
  if (volumes.includes('none') && volumes.length > 1) {
    at(
      `${base}.allowedVolumes`,
      'contradiction',
      `"none" beside other volume types means nothing: only ${show(volumes.filter((v) => v !== 'none'))} are allowed, as in Deckhouse`,
      'warning',
    );
  }
}

export const volumeTypes: FieldModule<SecurityPolicies> = {
  check: 'volume-types',
  fields,
  kinds: ['D8AllowedVolumeTypes'],
  validate,
  render: volumesRule,
};
