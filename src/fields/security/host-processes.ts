// allowHostPID and allowHostIPC: one check of the host PID and IPC namespaces.
import { bool } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  allowHostIPC: bool(
    'Whether Pods may share the host IPC namespace (spec.hostIPC). false forbids it. Leaving it out means no check.',
  ),
  allowHostPID: bool(
    'Whether Pods may share the host process namespace (spec.hostPID). false forbids it. Leaving it out means no check.',
  ),
};

// Only an explicit false is a check (DVP fixed an omitted field denying unrelated Pods, deckhouse#10622).
export const hostProcessesRule: Render = (p) =>
  p.allowHostPID === false || p.allowHostIPC === false
    ? {
        name: 'allowHostPID/allowHostIPC',
        kind: 'D8HostProcesses',
        parameters: { allowHostPID: p.allowHostPID ?? true, allowHostIPC: p.allowHostIPC ?? true },
      }
    : undefined;

export const hostProcesses: FieldModule<SecurityPolicies> = {
  check: 'host-processes',
  fields,
  kinds: ['D8HostProcesses'],
  render: hostProcessesRule,
};
