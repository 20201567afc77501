// blockWildcardDomains: wildcard Ingress hosts.
import { bool } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  blockWildcardDomains: bool('When true, Ingress hosts must not contain *. false or leaving it out means no check.'),
};

export const wildcardDomainsRule: Render = (p) =>
  p.blockWildcardDomains === true
    ? {
        name: 'blockWildcardDomains',
        kind: 'D8AllowedIngresses',
        parameters: { blockWildcardDomains: true },
        matchKinds: [{ apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] }],
      }
    : undefined;

export const ingressWildcardHosts: FieldModule<SecurityPolicies> = {
  check: 'ingress-wildcard-hosts',
  fields,
  kinds: ['D8AllowedIngresses'],
  render: wildcardDomainsRule,
};
