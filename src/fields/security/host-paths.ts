// allowedHostPaths: the hostPath prefixes volumes may mount.
import { bounded, isRecord, reportDuplicates, type Report } from '../../api/rule-helpers.js';
import { arr, bool, obj, str } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowedHostPaths: arr(
    obj(
      {
        pathPrefix: str(
          'An allowed host path prefix, compared by path segment: /foo allows /foo and /foo/bar, not /food. ' +
            'Absolute, without wildcards.',
          { pattern: '^/' },
        ),
        readOnly: bool('When true, every mount of a matching hostPath volume must be readOnly.', { default: false }),
      },
      'An allowed hostPath prefix.',
      { required: ['pathPrefix'] },
    ),
    'Host paths hostPath volumes may mount. An empty list forbids every hostPath volume. Leaving it out means no check.',
  ),
};

export const hostPathsRule: Render = (p) =>
  p.allowedHostPaths
    ? {
        name: 'allowedHostPaths',
        kind: 'D8AllowedHostPaths',
        parameters: {
          allowedHostPaths: p.allowedHostPaths.map((h) => ({
            pathPrefix: h.pathPrefix,
            readOnly: h.readOnly ?? false,
          })),
        },
      }
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  if (!Array.isArray(p.allowedHostPaths)) return;
  const prefixes = bounded(p.allowedHostPaths).map((hp) => (isRecord(hp) ? hp.pathPrefix : undefined));
  reportDuplicates(prefixes, (i) => `${base}.allowedHostPaths[${i}].pathPrefix`, at);
}

export const hostPaths: FieldModule<SecurityPolicies> = {
  check: 'host-paths',
  fields,
  kinds: ['D8AllowedHostPaths'],
  validate,
  render: hostPathsRule,
};
