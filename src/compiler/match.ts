// Translation of a policy's `match` into a Gatekeeper constraint's `spec.match`.
import type { LabelSelector, PolicyMatch } from '../api/types.js';

export interface MatchKind {
  apiGroups: string[];
  kinds: string[];
}

/**
 * Kinds a pod-spec check matches: Pods, and with controllerValidation the workloads that carry a pod template, so a
 * bad Deployment is rejected up front. ReplicaSet is left out, as in DVP: its denial would surface only in the
 * Deployment's status, and the Deployment itself is already checked.
 */
export function workloadKinds(controllerValidation: boolean): MatchKind[] {
  const pods: MatchKind[] = [{ apiGroups: [''], kinds: ['Pod'] }];
  if (!controllerValidation) return pods;
  return [
    ...pods,
    { apiGroups: ['apps'], kinds: ['DaemonSet', 'Deployment', 'StatefulSet'] },
    { apiGroups: [''], kinds: ['ReplicationController'] },
    { apiGroups: ['batch'], kinds: ['CronJob', 'Job'] },
  ];
}

/** `apps/Deployment` → {apiGroups: [apps], kinds: [Deployment]}; `/Pod` → core group. Kinds are grouped per API group. */
export function watchKindsToMatch(watchKinds: string[]): MatchKind[] {
  const byGroup = new Map<string, Set<string>>();
  for (const entry of watchKinds) {
    const slash = entry.lastIndexOf('/');
    const group = entry.slice(0, slash);
    const kind = entry.slice(slash + 1);
    byGroup.set(group, (byGroup.get(group) ?? new Set()).add(kind));
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, kinds]) => ({ apiGroups: [group], kinds: [...kinds].sort() }));
}

/** A deep copy with matchLabels keys and matchExpressions in a stable order, so output is deterministic. */
function normalizeSelector(selector: LabelSelector): LabelSelector {
  const out: LabelSelector = {};
  if (selector.matchLabels && Object.keys(selector.matchLabels).length > 0) {
    out.matchLabels = Object.fromEntries(Object.entries(selector.matchLabels).sort(([a], [b]) => a.localeCompare(b)));
  }
  if (selector.matchExpressions && selector.matchExpressions.length > 0) {
    out.matchExpressions = selector.matchExpressions.map((r) => ({
      key: r.key,
      operator: r.operator,
      ...(r.values ? { values: [...r.values] } : {}),
    }));
  }
  return out;
}

/**
 * matchNames → namespaces, excludeNames → excludedNamespaces, namespace labelSelector → namespaceSelector, object
 * labelSelector → labelSelector (DVP's translation). Exempt namespaces are always excluded.
 */
export function constraintMatch(
  match: PolicyMatch,
  kinds: MatchKind[],
  exemptNamespaces: string[],
  namespaced: boolean,
): Record<string, unknown> {
  const ns = match.namespaceSelector ?? {};
  const excluded = [...new Set([...(ns.excludeNames ?? []), ...exemptNamespaces])].sort();
  // Keys in code-point order: the spec hash and `render` write them so, and copy only what is out of order.
  return {
    ...(excluded.length > 0 ? { excludedNamespaces: excluded } : {}),
    kinds,
    ...(match.labelSelector ? { labelSelector: normalizeSelector(match.labelSelector) } : {}),
    ...(ns.labelSelector ? { namespaceSelector: normalizeSelector(ns.labelSelector) } : {}),
    ...(ns.matchNames ? { namespaces: [...ns.matchNames] } : {}),
    ...(namespaced ? { scope: 'Namespaced' } : {}),
  };
}
