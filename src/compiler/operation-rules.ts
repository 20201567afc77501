// The render rules of OperationPolicy (reference deckhouse.md §4.4): each field present becomes one check.
import type { OperationPolicies } from '../api/types.js';
import { watchKindsToMatch, type MatchKind } from './match.js';
import type { PlannedCheck } from './security-rules.js';

type Rule = (p: OperationPolicies) => PlannedCheck | undefined;

const check = (
  name: string,
  kind: string,
  parameters?: Record<string, unknown>,
  matchKinds?: MatchKind[],
): PlannedCheck => ({
  name,
  kind,
  ...(parameters ? { parameters } : {}),
  ...(matchKinds ? { matchKinds } : {}),
});

export const allowedReposRule: Rule = (p) =>
  p.allowedRepos ? check('allowedRepos', 'D8AllowedRepos', { repos: p.allowedRepos }) : undefined;

// Only the non-empty lists become parameters (DVP).
export const requiredResourcesRule: Rule = (p) => {
  const r = p.requiredResources;
  if (!r) return undefined;
  const parameters: Record<string, unknown> = {};
  if (r.limits && r.limits.length > 0) parameters.limits = r.limits;
  if (r.requests && r.requests.length > 0) parameters.requests = r.requests;
  return Object.keys(parameters).length > 0 ? check('requiredResources', 'D8RequiredResources', parameters) : undefined;
};

export const disallowedTagsRule: Rule = (p) =>
  p.disallowedImageTags ? check('disallowedImageTags', 'D8DisallowedTags', { tags: p.disallowedImageTags }) : undefined;

export const requiredLabelsRule: Rule = (p) =>
  p.requiredLabels
    ? check(
        'requiredLabels',
        'D8RequiredLabels',
        { labels: p.requiredLabels.labels },
        watchKindsToMatch(p.requiredLabels.watchKinds),
      )
    : undefined;

export const requiredAnnotationsRule: Rule = (p) =>
  p.requiredAnnotations
    ? check(
        'requiredAnnotations',
        'D8RequiredAnnotations',
        { annotations: p.requiredAnnotations.annotations },
        watchKindsToMatch(p.requiredAnnotations.watchKinds),
      )
    : undefined;

export const requiredProbesRule: Rule = (p) =>
  p.requiredProbes ? check('requiredProbes', 'D8RequiredProbes', { probes: p.requiredProbes }) : undefined;

export const revisionHistoryRule: Rule = (p) =>
  p.maxRevisionHistoryLimit !== undefined
    ? check('maxRevisionHistoryLimit', 'D8RevisionHistoryLimit', { limit: p.maxRevisionHistoryLimit }, [
        { apiGroups: ['apps'], kinds: ['DaemonSet', 'Deployment', 'StatefulSet'] },
      ])
    : undefined;

export const imagePullPolicyRule: Rule = (p) =>
  p.imagePullPolicy ? check('imagePullPolicy', 'D8ImagePullPolicy', { policy: p.imagePullPolicy }) : undefined;

export const priorityClassRule: Rule = (p) =>
  p.priorityClassNames
    ? check('priorityClassNames', 'D8PriorityClass', { priorityClassNames: p.priorityClassNames })
    : undefined;

export const ingressClassRule: Rule = (p) =>
  p.ingressClassNames
    ? check('ingressClassNames', 'D8IngressClass', { ingressClassNames: p.ingressClassNames }, [
        { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] },
      ])
    : undefined;

export const storageClassRule: Rule = (p) =>
  p.storageClassNames
    ? check('storageClassNames', 'D8StorageClass', { storageClassNames: p.storageClassNames }, [
        { apiGroups: [''], kinds: ['PersistentVolumeClaim'] },
      ])
    : undefined;

export const dnsPolicyRule: Rule = (p) =>
  p.checkHostNetworkDNSPolicy === true ? check('checkHostNetworkDNSPolicy', 'D8DNSPolicy') : undefined;

export const containerDuplicatesRule: Rule = (p) =>
  p.checkContainerDuplicates === true ? check('checkContainerDuplicates', 'D8ContainerDuplicates') : undefined;

export const replicaLimitsRule: Rule = (p) =>
  p.replicaLimits
    ? check('replicaLimits', 'D8ReplicaLimits', { ranges: [p.replicaLimits] }, [
        { apiGroups: ['apps'], kinds: ['Deployment', 'ReplicaSet', 'StatefulSet'] },
        { apiGroups: [''], kinds: ['ReplicationController'] },
      ])
    : undefined;

export const disallowedTolerationsRule: Rule = (p) =>
  p.disallowedTolerations && p.disallowedTolerations.length > 0
    ? check('disallowedTolerations', 'D8DisallowedTolerations', { tolerations: p.disallowedTolerations })
    : undefined;

export const disallowedCustomResourcesRule: Rule = (p) =>
  p.disallowedCustomResources
    ? check('disallowedCustomResources', 'D8DisallowedCustomResources', {
        resourcePatterns: p.disallowedCustomResources,
      })
    : undefined;

export const gpuResourceRule: Rule = (p) =>
  p.gpuResourceRestriction
    ? check('gpuResourceRestriction', 'D8GpuResourceRestriction', {
        namespaceLabel: p.gpuResourceRestriction.namespaceLabel,
        gpuResourcePatterns: p.gpuResourceRestriction.gpuResourcePatterns,
      })
    : undefined;

export const OPERATION_RULES: readonly Rule[] = [
  allowedReposRule,
  requiredResourcesRule,
  disallowedTagsRule,
  requiredLabelsRule,
  requiredAnnotationsRule,
  requiredProbesRule,
  revisionHistoryRule,
  imagePullPolicyRule,
  priorityClassRule,
  ingressClassRule,
  storageClassRule,
  dnsPolicyRule,
  containerDuplicatesRule,
  replicaLimitsRule,
  disallowedTolerationsRule,
  disallowedCustomResourcesRule,
  gpuResourceRule,
];

export function planOperationChecks(p: OperationPolicies): PlannedCheck[] {
  return OPERATION_RULES.map((rule) => rule(p)).filter((c): c is PlannedCheck => c !== undefined);
}
