// A template library for unit tests of the compiler: one minimal ConstraintTemplate per kind, no Rego worth running.
import type { K8sObject } from '../../src/compiler/model.js';
import type { TemplateLibrary } from '../../src/compiler/compile.js';

export const ALL_KINDS = [
  'D8AllowedCapabilities', 'D8AllowedClusterRoles', 'D8AllowedFlexVolumes', 'D8AllowedHostPaths', 'D8AllowedIngresses',
  'D8AllowedProcMount', 'D8AllowedRepos', 'D8AllowedSeccompProfiles', 'D8AllowedServiceTypes', 'D8AllowedSysctls',
  'D8AllowedUsers', 'D8AllowedVolumeTypes', 'D8AllowPrivilegeEscalation', 'D8AllowRbacWildcards', 'D8AppArmor',
  'D8AutomountServiceAccountTokenPod', 'D8ContainerDuplicates', 'D8DisallowedCustomResources', 'D8DisallowedTags',
  'D8DisallowedTolerations', 'D8DNSPolicy', 'D8GpuResourceRestriction', 'D8HostNetwork', 'D8HostProbesAndLifecycle',
  'D8HostProcesses', 'D8ImagePullPolicy', 'D8IngressClass', 'D8PriorityClass', 'D8PrivilegedContainer',
  'D8ReadOnlyRootFilesystem', 'D8ReplicaLimits', 'D8RequiredAnnotations', 'D8RequiredLabels', 'D8RequiredProbes',
  'D8VerifyImageSignatures',
  'D8RequiredResources', 'D8RevisionHistoryLimit', 'D8SeLinux', 'D8StorageClass', 'D8WindowsHostProcess',
]; // prettier-ignore

/** Kinds whose stub Rego reads SecurityPolicyExceptions or Namespaces from the inventory, as the real ones do. */
const READS_EXCEPTIONS = new Set(['D8PrivilegedContainer', 'D8HostNetwork']);
const READS_NAMESPACES = new Set(['D8GpuResourceRestriction']);
const READS_SERVICE_ACCOUNTS = new Set(['D8AutomountServiceAccountTokenPod']);

export function stubTemplate(kind: string): K8sObject {
  const reads = READS_EXCEPTIONS.has(kind)
    ? 'x := data.inventory.namespace["ns"]["deckhouse.io/v1alpha1"].SecurityPolicyException'
    : READS_NAMESPACES.has(kind)
      ? 'x := data.inventory.cluster.v1.Namespace'
      : READS_SERVICE_ACCOUNTS.has(kind)
        ? 'x := data.inventory.namespace["ns"].v1.ServiceAccount'
        : 'x := 1';
  return {
    apiVersion: 'templates.gatekeeper.sh/v1',
    kind: 'ConstraintTemplate',
    metadata: { name: kind.toLowerCase() },
    spec: {
      crd: { spec: { names: { kind } } },
      targets: [
        {
          target: 'admission.k8s.gatekeeper.sh',
          code: [
            {
              engine: 'Rego',
              source: {
                version: 'v1',
                rego: `package stub\n\nviolation contains {"msg": "stub"} if {\n\t${reads}\n\tfalse\n}\n`,
              },
            },
          ],
        },
      ],
    },
  };
}

export function stubLibrary(kinds: string[] = ALL_KINDS): TemplateLibrary {
  return new Map(kinds.map((k) => [k, stubTemplate(k)]));
}
