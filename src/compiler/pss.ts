// Pod Security Standards as constraint sets (reference deckhouse.md §5): for each enforcement action in use, one
// baseline set and one restricted set, selected by namespace labels. A restricted namespace is checked by both sets,
// which together make up the restricted profile; where a restricted control subsumes a baseline one (same kind,
// stricter parameters), the baseline constraint leaves restricted namespaces out, so no control runs twice. The controls and their parameters agree with Kubernetes Pod
// Security Admission at v1.37 (checked by `make conformance` against PSA's own fixtures).
import type { GatekeeperAction, IdRange, NamespaceInfo, PodPolicyLevel } from '../api/types.js';
import type { PlannedCheck } from './security-rules.js';

export const POD_POLICY_LABEL = 'security.deckhouse.io/pod-policy';
export const POD_POLICY_ACTION_LABEL = 'security.deckhouse.io/pod-policy-action';
export const SKIP_PSS_CHECK_LABEL = 'security.deckhouse.io/skip-pss-check';
export const GATEKEEPER_ACTIONS: readonly GatekeeperAction[] = ['deny', 'dryrun', 'warn'];

export type Standard = 'baseline' | 'restricted';

/** Capabilities a baseline container may add: the container runtime's defaults. */
export const BASELINE_CAPABILITIES = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID',
  'SETPCAP', 'SETUID', 'SYS_CHROOT',
]; // prettier-ignore

/** The sysctls PSA baseline calls safe, as of policy version v1.37. */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.ipv4.tcp_slow_start_after_idle',
  'net.ipv4.tcp_notsent_lowat',
]; // prettier-ignore

export const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

export const RESTRICTED_VOLUMES = [
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret',
]; // prettier-ignore

export interface PssSettings {
  knownHostPortRanges: IdRange[];
}

/** Controls of each standard, named after the PSA check they implement. */
export function standardChecks(standard: Standard, settings: PssSettings): PlannedCheck[] {
  if (standard === 'baseline') {
    return [
      { name: 'hostNamespaces/hostPorts', kind: 'D8HostNetwork', parameters: { allowHostNetwork: false, ranges: settings.knownHostPortRanges } },
      { name: 'hostNamespaces', kind: 'D8HostProcesses', parameters: { allowHostPID: false, allowHostIPC: false } },
      { name: 'privileged', kind: 'D8PrivilegedContainer' },
      { name: 'capabilities_baseline', kind: 'D8AllowedCapabilities', parameters: { allowedCapabilities: BASELINE_CAPABILITIES, requiredDropCapabilities: [] } },
      { name: 'hostPathVolumes', kind: 'D8AllowedHostPaths', parameters: { allowedHostPaths: [] } },
      { name: 'appArmorProfile', kind: 'D8AppArmor', parameters: { allowedProfiles: ['runtime/default', 'localhost/*'] } },
      { name: 'seLinuxOptions', kind: 'D8SeLinux', parameters: { allowedSELinuxOptions: SELINUX_TYPES.map((type) => ({ type, level: '*' })) } },
      { name: 'procMount', kind: 'D8AllowedProcMount', parameters: { allowedProcMount: 'Default', allowAnyInUserNamespace: true } },
      { name: 'seccompProfile_baseline', kind: 'D8AllowedSeccompProfiles', parameters: { allowedProfiles: ['RuntimeDefault', 'Localhost', '', 'undefined'], allowedLocalhostFiles: ['*'] } },
      { name: 'sysctls', kind: 'D8AllowedSysctls', parameters: { allowedSysctls: SAFE_SYSCTLS, forbiddenSysctls: [] } },
      { name: 'windowsHostProcess', kind: 'D8WindowsHostProcess' },
      { name: 'hostProbesAndHostLifecycle', kind: 'D8HostProbesAndLifecycle' },
    ]; // prettier-ignore
  }
  return [
    { name: 'capabilities_restricted', kind: 'D8AllowedCapabilities', parameters: { allowedCapabilities: ['NET_BIND_SERVICE'], requiredDropCapabilities: ['ALL'] } },
    { name: 'allowPrivilegeEscalation', kind: 'D8AllowPrivilegeEscalation' },
    { name: 'restrictedVolumes', kind: 'D8AllowedVolumeTypes', parameters: { volumes: RESTRICTED_VOLUMES } },
    { name: 'runAsNonRoot/runAsUser', kind: 'D8AllowedUsers', parameters: { runAsUser: { rule: 'MustRunAsNonRoot' }, allowRootInUserNamespace: true } },
    { name: 'seccompProfile_restricted', kind: 'D8AllowedSeccompProfiles', parameters: { allowedProfiles: ['RuntimeDefault', 'Localhost'], allowedLocalhostFiles: ['*'] } },
    { name: 'procMount_restricted', kind: 'D8AllowedProcMount', parameters: { allowedProcMount: 'Default', allowAnyInUserNamespace: false } },
  ]; // prettier-ignore
}

/**
 * Baseline controls a restricted control subsumes: every object the baseline constraint denies, the restricted one
 * denies too (narrower allow-lists, the same exception lookup). In a restricted namespace only the latter runs.
 */
export const SUBSUMED_AT_RESTRICTED: ReadonlyMap<string, string> = new Map([
  ['capabilities_baseline', 'capabilities_restricted'],
  ['seccompProfile_baseline', 'seccompProfile_restricted'],
  ['procMount', 'procMount_restricted'],
]);

/**
 * The constraint kind of the Pod Security Standards template (templates/pod-security): every control of a standard in
 * one template, so a review pays Gatekeeper's per-template cost once rather than once per control.
 */
export const POD_SECURITY_KIND = 'D8PodSecurity';

/** The constraint kinds of every control of either standard: the members of the pod-security template. */
export function podSecurityControlKinds(): string[] {
  const settings = { knownHostPortRanges: [] };
  const kinds = [...standardChecks('baseline', settings), ...standardChecks('restricted', settings)].map((c) => c.kind);
  return [...new Set(kinds)].sort();
}

/**
 * The controls a namespace at this standard is checked by: for baseline its own, for restricted the baseline controls
 * it does not subsume plus its own. No kind appears twice, so the controls key one D8PodSecurity constraint's
 * parameters by kind.
 */
export function profileChecks(standard: Standard, settings: PssSettings): PlannedCheck[] {
  if (standard === 'baseline') return standardChecks('baseline', settings);
  return [
    ...standardChecks('baseline', settings).filter((c) => !SUBSUMED_AT_RESTRICTED.has(c.name)),
    ...standardChecks('restricted', settings),
  ];
}

/** Enforcement actions in use: the default one, then every valid action a namespace label asks for (DVP). */
export function actionsInUse(defaultAction: GatekeeperAction, namespaces: NamespaceInfo[]): GatekeeperAction[] {
  const labelled = new Set<GatekeeperAction>();
  for (const ns of namespaces) {
    const value = ns.labels[POD_POLICY_ACTION_LABEL];
    if (value && (GATEKEEPER_ACTIONS as readonly string[]).includes(value)) labelled.add(value as GatekeeperAction);
  }
  labelled.delete(defaultAction);
  return [defaultAction, ...GATEKEEPER_ACTIONS.filter((a) => labelled.has(a))];
}

export interface StandardSet {
  standard: Standard;
  action: GatekeeperAction;
  /** The constraint name every check of the set uses. */
  name: string;
  namespaceSelector: NamespaceSelector;
  /** Baseline sets: the same namespaces minus those the restricted set of the same action covers. */
  withoutRestricted?: NamespaceSelector;
}

type NamespaceSelector = { matchExpressions: { key: string; operator: 'In' | 'NotIn'; values: string[] }[] };

/**
 * Which namespaces a set applies to. Unlabelled namespaces follow defaultPolicy; the default action's set covers
 * every namespace not labelled with another action in use, the others only their own.
 */
export function standardSets(
  defaultPolicy: PodPolicyLevel,
  defaultAction: GatekeeperAction,
  actions: GatekeeperAction[],
): StandardSet[] {
  const sets: StandardSet[] = [];
  for (const standard of ['baseline', 'restricted'] as const) {
    const policyRequirement =
      standard === 'baseline'
        ? defaultPolicy === 'Privileged'
          ? { key: POD_POLICY_LABEL, operator: 'In' as const, values: ['baseline', 'restricted'] }
          : { key: POD_POLICY_LABEL, operator: 'NotIn' as const, values: ['privileged'] }
        : defaultPolicy === 'Restricted'
          ? { key: POD_POLICY_LABEL, operator: 'NotIn' as const, values: ['baseline', 'privileged'] }
          : { key: POD_POLICY_LABEL, operator: 'In' as const, values: ['restricted'] };
    for (const action of actions) {
      const isDefault = action === defaultAction;
      const others = actions.filter((a) => a !== defaultAction);
      const actionRequirement = isDefault
        ? others.length > 0
          ? [{ key: POD_POLICY_ACTION_LABEL, operator: 'NotIn' as const, values: others }]
          : []
        : [{ key: POD_POLICY_ACTION_LABEL, operator: 'In' as const, values: [action] }];
      // baseline ∧ ¬restricted: with an unlabelled default of Baseline that is "not privileged, not restricted";
      // otherwise (default Privileged or Restricted) exactly the namespaces labelled baseline.
      const baselineOnly =
        defaultPolicy === 'Baseline'
          ? { key: POD_POLICY_LABEL, operator: 'NotIn' as const, values: ['privileged', 'restricted'] }
          : { key: POD_POLICY_LABEL, operator: 'In' as const, values: ['baseline'] };
      sets.push({
        standard,
        action,
        name: `d8-pod-security-${standard}-${action}${isDefault ? '-default' : ''}`,
        namespaceSelector: { matchExpressions: [policyRequirement, ...actionRequirement] },
        ...(standard === 'baseline'
          ? { withoutRestricted: { matchExpressions: [baselineOnly, ...actionRequirement] } }
          : {}),
      });
    }
  }
  return sets;
}

/** Objects labelled skip-pss-check=true are left out of the standards (DVP). */
export const PSS_OBJECT_SELECTOR = {
  matchExpressions: [{ key: SKIP_PSS_CHECK_LABEL, operator: 'NotIn', values: ['true'] }],
};
