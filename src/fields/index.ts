// The lists of field modules: the one place a check is registered. The policy schemas (and so the CRDs and ajv), the
// semantic validation, the compiler's rule tables, the test stubs' kind list and the README's field reference are all
// derived from these two lists, in this order (the order checks are planned in).
import { obj, type Schema } from '../api/schema-builders.js';
import type { OperationPolicies, SecurityPolicies } from '../api/types.js';
import type { FieldModule } from './module.js';
import { allowedRepos } from './operation/allowed-repos.js';
import { containerDuplicates } from './operation/container-duplicates.js';
import { disallowedCustomResources } from './operation/disallowed-custom-resources.js';
import { disallowedTags } from './operation/disallowed-tags.js';
import { disallowedTolerations } from './operation/disallowed-tolerations.js';
import { dnsPolicy } from './operation/dns-policy.js';
import { gpuResourceRestriction } from './operation/gpu-resource-restriction.js';
import { imagePullPolicy } from './operation/image-pull-policy.js';
import { ingressClass } from './operation/ingress-class.js';
import { priorityClass } from './operation/priority-class.js';
import { replicaLimits } from './operation/replica-limits.js';
import { requiredAnnotations } from './operation/required-annotations.js';
import { requiredLabels } from './operation/required-labels.js';
import { requiredProbes } from './operation/required-probes.js';
import { requiredResources } from './operation/required-resources.js';
import { revisionHistoryLimit } from './operation/revision-history-limit.js';
import { storageClass } from './operation/storage-class.js';
import { allowedClusterRoles } from './security/allowed-cluster-roles.js';
import { appArmor } from './security/apparmor.js';
import { automountServiceAccountToken } from './security/automount-service-account-token.js';
import { capabilities } from './security/capabilities.js';
import { flexVolumes } from './security/flex-volumes.js';
import { hostNetwork } from './security/host-network.js';
import { hostPaths } from './security/host-paths.js';
import { hostProcesses } from './security/host-processes.js';
import { ingressWildcardHosts } from './security/ingress-wildcard-hosts.js';
import { privilegeEscalation } from './security/privilege-escalation.js';
import { privilegedContainer } from './security/privileged-container.js';
import { procMount } from './security/proc-mount.js';
import { rbacWildcards } from './security/rbac-wildcards.js';
import { readOnlyRootFilesystem } from './security/read-only-root-filesystem.js';
import { seccomp } from './security/seccomp.js';
import { seLinux } from './security/selinux.js';
import { serviceTypes } from './security/service-types.js';
import { sysctls } from './security/sysctls.js';
import { users } from './security/users.js';
import { verifyImageSignatures } from './security/verify-image-signatures.js';
import { volumeTypes } from './security/volume-types.js';

export const SECURITY_FIELDS: readonly FieldModule<SecurityPolicies>[] = [
  privilegedContainer,
  privilegeEscalation,
  hostProcesses,
  hostNetwork,
  readOnlyRootFilesystem,
  automountServiceAccountToken,
  rbacWildcards,
  allowedClusterRoles,
  flexVolumes,
  volumeTypes,
  hostPaths,
  capabilities,
  appArmor,
  procMount,
  users,
  seLinux,
  sysctls,
  seccomp,
  serviceTypes,
  ingressWildcardHosts,
  verifyImageSignatures,
];

export const OPERATION_FIELDS: readonly FieldModule<OperationPolicies>[] = [
  allowedRepos,
  requiredResources,
  disallowedTags,
  requiredLabels,
  requiredAnnotations,
  requiredProbes,
  revisionHistoryLimit,
  imagePullPolicy,
  priorityClass,
  ingressClass,
  storageClass,
  dnsPolicy,
  containerDuplicates,
  replicaLimits,
  disallowedTolerations,
  disallowedCustomResources,
  gpuResourceRestriction,
];

/** The `policies` schema of a policy kind: every field of every module. */
export function policiesSchema(modules: readonly FieldModule<never>[], description: string): Schema {
  return obj(Object.assign({}, ...modules.map((m) => m.fields)) as Record<string, Schema>, description);
}

/** Every constraint kind the modules may produce. */
export const moduleKinds = (): string[] =>
  [...new Set([...SECURITY_FIELDS, ...OPERATION_FIELDS].flatMap((m) => m.kinds))].sort();
