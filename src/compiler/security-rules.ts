// The render rules of SecurityPolicy: when a field becomes a check at all, and with which parameters. They follow DVP
// (reference deckhouse.md §4.1 preprocessing, §4.4 render conditions) and live in the field modules
// (src/fields/security/*), one per check; this file is their table, in the order checks are planned.
import type { SecurityPolicies } from '../api/types.js';
import { SECURITY_FIELDS } from '../fields/index.js';
import type { MatchKind } from './match.js';
import { imageSignatureGaps, withSealedCredentials, type ImageSignatureProvider } from './image-signatures.js';

/** A check before it is a constraint: which template, which parameters, which kinds it matches. */
export interface PlannedCheck {
  name: string;
  kind: string;
  parameters?: Record<string, unknown>;
  /** Overrides the pod-spec kinds (RBAC, Service, Ingress checks). */
  matchKinds?: MatchKind[];
  implicit?: boolean;
}

export { privilegedRule } from '../fields/security/privileged-container.js';
export { privilegeEscalationRule } from '../fields/security/privilege-escalation.js';
export { hostProcessesRule } from '../fields/security/host-processes.js';
export { ALL_PORTS, hostNetworkRule } from '../fields/security/host-network.js';
export { readOnlyRootFilesystemRule } from '../fields/security/read-only-root-filesystem.js';
export { automountServiceAccountTokenRule } from '../fields/security/automount-service-account-token.js';
export { rbacWildcardsRule } from '../fields/security/rbac-wildcards.js';
export { clusterRolesRule } from '../fields/security/allowed-cluster-roles.js';
export { flexVolumesRule } from '../fields/security/flex-volumes.js';
export { volumesRule } from '../fields/security/volume-types.js';
export { hostPathsRule } from '../fields/security/host-paths.js';
export { capabilitiesRule } from '../fields/security/capabilities.js';
export { appArmorRule } from '../fields/security/apparmor.js';
export { procMountRule } from '../fields/security/proc-mount.js';
export { isRestrictiveStrategy, usersRule } from '../fields/security/users.js';
export { seLinuxRule } from '../fields/security/selinux.js';
export { sysctlsRule } from '../fields/security/sysctls.js';
export { ANY_PROFILE_BUT_OTHER_FILES, seccompRule } from '../fields/security/seccomp.js';
export { serviceTypesRule } from '../fields/security/service-types.js';
export { wildcardDomainsRule } from '../fields/security/ingress-wildcard-hosts.js';
export { verifyImageSignaturesRule } from '../fields/security/verify-image-signatures.js';

export const SECURITY_RULES = SECURITY_FIELDS.map((m) => m.render);

/** Fields gatewright accepts (DVP YAML must validate) but cannot fully honour, with the reason shown in status. */
export function unsupportedSecurityFields(
  p: SecurityPolicies,
  provider?: ImageSignatureProvider,
): { field: string; reason: string }[] {
  return imageSignatureGaps(p, provider !== undefined, provider?.credentialsKey !== undefined);
}

export function planSecurityChecks(p: SecurityPolicies, provider?: ImageSignatureProvider): PlannedCheck[] {
  return SECURITY_RULES.map((rule) => rule(p))
    .filter((c): c is PlannedCheck => c !== undefined)
    .map((c) => withSealedCredentials(c, p, provider));
}
