// allowHostNetwork and allowedHostPorts: one check of the host network and host ports.
import { duplicateRules, type Report } from '../../api/rule-helpers.js';
import { arr, bool } from '../../api/schema-builders.js';
import { hostPortRange } from '../../api/schema-parts.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowHostNetwork: bool(
    'Whether Pods may use the host network (spec.hostNetwork). false forbids it. Leaving it out means no check of ' +
      'hostNetwork (host ports are still checked when allowedHostPorts is set).',
  ),
  allowedHostPorts: arr(
    hostPortRange,
    'Host ports containers may bind (ports[].hostPort; with hostNetwork, every containerPort). An empty list, or ' +
      '[{min: 0, max: 0}], forbids host ports. Leaving it out means no check of host ports.',
  ),
};

/** The whole port space: with only allowHostNetwork: false written, host ports stay unchecked. */
export const ALL_PORTS = [{ min: 0, max: 65535 }];

export const hostNetworkRule: Render = (p) =>
  p.allowHostNetwork === false || p.allowedHostPorts !== undefined
    ? {
        name: p.allowedHostPorts ? 'allowHostNetwork/allowedHostPorts' : 'allowHostNetwork',
        kind: 'D8HostNetwork',
        parameters: { allowHostNetwork: p.allowHostNetwork ?? true, ranges: p.allowedHostPorts ?? ALL_PORTS },
      }
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['allowedHostPorts']);
}

export const hostNetwork: FieldModule<SecurityPolicies> = {
  check: 'host-network',
  fields,
  kinds: ['D8HostNetwork'],
  validate,
  render: hostNetworkRule,
};
