// checkHostNetworkDNSPolicy.
import { bool } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  checkHostNetworkDNSPolicy: bool(
    'When true, Pods with hostNetwork must use dnsPolicy ClusterFirstWithHostNet. false or leaving it out means no check.',
  ),
};

export const dnsPolicyRule: Render = (p) =>
  p.checkHostNetworkDNSPolicy === true ? planned('checkHostNetworkDNSPolicy', 'D8DNSPolicy') : undefined;

export const dnsPolicy: FieldModule<OperationPolicies> = {
  check: 'dns-policy',
  fields,
  kinds: ['D8DNSPolicy'],
  render: dnsPolicyRule,
};
