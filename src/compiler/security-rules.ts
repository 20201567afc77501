// The render rules of SecurityPolicy: when a field becomes a check at all, and with which parameters.
// They follow DVP (reference deckhouse.md §4.1 preprocessing, §4.4 render conditions). Each rule is a named function
// so it can be tested alone; a rule returns undefined when the field puts no check in force.
import type { IdStrategy, SecurityPolicies } from '../api/types.js';
import type { MatchKind } from './match.js';
import { imageSignatureGaps, imageSignaturesRule, type ImageSignatureProvider } from './image-signatures.js';

/** A check before it is a constraint: which template, which parameters, which kinds it matches. */
export interface PlannedCheck {
  name: string;
  kind: string;
  parameters?: Record<string, unknown>;
  /** Overrides the pod-spec kinds (RBAC, Service, Ingress checks). */
  matchKinds?: MatchKind[];
  implicit?: boolean;
}

type Rule = (p: SecurityPolicies) => PlannedCheck | undefined;

const has = <K extends keyof SecurityPolicies>(p: SecurityPolicies, key: K): boolean => p[key] !== undefined;

/** `RunAsAny` places no restriction, so such a strategy is no check. */
export const isRestrictiveStrategy = (s: IdStrategy | undefined): s is IdStrategy =>
  s !== undefined && s.rule !== 'RunAsAny';

// DVP renders these two unless the field is explicitly true. gatewright keeps that (an admin moving from DVP must not
// silently lose enforcement) but marks the check implicit, and the policy status lists it.
export const privilegedRule: Rule = (p) =>
  p.allowPrivileged === true
    ? undefined
    : { name: 'allowPrivileged', kind: 'D8PrivilegedContainer', implicit: p.allowPrivileged === undefined };

export const privilegeEscalationRule: Rule = (p) =>
  p.allowPrivilegeEscalation === true
    ? undefined
    : {
        name: 'allowPrivilegeEscalation',
        kind: 'D8AllowPrivilegeEscalation',
        implicit: p.allowPrivilegeEscalation === undefined,
      };

// Only an explicit false is a check (DVP fixed an omitted field denying unrelated Pods, deckhouse#10622).
export const hostProcessesRule: Rule = (p) =>
  p.allowHostPID === false || p.allowHostIPC === false
    ? {
        name: 'allowHostPID/allowHostIPC',
        kind: 'D8HostProcesses',
        parameters: { allowHostPID: p.allowHostPID ?? true, allowHostIPC: p.allowHostIPC ?? true },
      }
    : undefined;

/** The whole port space: with only allowHostNetwork: false written, host ports stay unchecked. */
export const ALL_PORTS = [{ min: 0, max: 65535 }];

export const hostNetworkRule: Rule = (p) =>
  p.allowHostNetwork === false || has(p, 'allowedHostPorts')
    ? {
        name: p.allowedHostPorts ? 'allowHostNetwork/allowedHostPorts' : 'allowHostNetwork',
        kind: 'D8HostNetwork',
        parameters: { allowHostNetwork: p.allowHostNetwork ?? true, ranges: p.allowedHostPorts ?? ALL_PORTS },
      }
    : undefined;

export const readOnlyRootFilesystemRule: Rule = (p) =>
  p.readOnlyRootFilesystem === true ? { name: 'readOnlyRootFilesystem', kind: 'D8ReadOnlyRootFilesystem' } : undefined;

export const automountServiceAccountTokenRule: Rule = (p) =>
  p.automountServiceAccountToken === false
    ? { name: 'automountServiceAccountToken', kind: 'D8AutomountServiceAccountTokenPod' }
    : undefined;

export const rbacWildcardsRule: Rule = (p) =>
  p.allowRbacWildcards === false
    ? {
        name: 'allowRbacWildcards',
        kind: 'D8AllowRbacWildcards',
        matchKinds: [{ apiGroups: ['rbac.authorization.k8s.io'], kinds: ['Role', 'RoleBinding'] }],
      }
    : undefined;

// `*` admits every role (DVP drops the check).
export const clusterRolesRule: Rule = (p) =>
  p.allowedClusterRoles && !p.allowedClusterRoles.includes('*')
    ? {
        name: 'allowedClusterRoles',
        kind: 'D8AllowedClusterRoles',
        parameters: { allowedClusterRoles: p.allowedClusterRoles },
        matchKinds: [{ apiGroups: ['rbac.authorization.k8s.io'], kinds: ['RoleBinding'] }],
      }
    : undefined;

export const flexVolumesRule: Rule = (p) =>
  p.allowedFlexVolumes
    ? {
        name: 'allowedFlexVolumes',
        kind: 'D8AllowedFlexVolumes',
        parameters: { allowedFlexVolumes: p.allowedFlexVolumes },
      }
    : undefined;

export const volumesRule: Rule = (p) =>
  p.allowedVolumes && !p.allowedVolumes.includes('*')
    ? { name: 'allowedVolumes', kind: 'D8AllowedVolumeTypes', parameters: { volumes: p.allowedVolumes } }
    : undefined;

export const hostPathsRule: Rule = (p) =>
  p.allowedHostPaths
    ? {
        name: 'allowedHostPaths',
        kind: 'D8AllowedHostPaths',
        parameters: {
          allowedHostPaths: p.allowedHostPaths.map((h) => ({
            pathPrefix: h.pathPrefix,
            readOnly: h.readOnly ?? false,
          })),
        },
      }
    : undefined;

// allowedCapabilities with ALL and nothing to drop restricts nothing (DVP drops it). A policy that writes only
// requiredDropCapabilities says nothing about added capabilities, so every addition stays allowed.
export const capabilitiesRule: Rule = (p) => {
  const allowed = p.allowedCapabilities;
  const drop = p.requiredDropCapabilities;
  if (allowed === undefined && drop === undefined) return undefined;
  if (allowed?.includes('ALL') && (drop === undefined || drop.length === 0)) return undefined;
  return {
    name: [allowed !== undefined ? 'allowedCapabilities' : '', drop !== undefined ? 'requiredDropCapabilities' : '']
      .filter(Boolean)
      .join('/'),
    kind: 'D8AllowedCapabilities',
    parameters: { allowedCapabilities: allowed ?? ['ALL'], requiredDropCapabilities: drop ?? [] },
  };
};

export const appArmorRule: Rule = (p) =>
  p.allowedAppArmor
    ? { name: 'allowedAppArmor', kind: 'D8AppArmor', parameters: { allowedProfiles: p.allowedAppArmor } }
    : undefined;

// Unmasked admits every procMount, so it is no check (DVP clears it).
export const procMountRule: Rule = (p) =>
  p.allowedProcMount === 'Default'
    ? { name: 'allowedProcMount', kind: 'D8AllowedProcMount', parameters: { allowedProcMount: 'Default' } }
    : undefined;

const USER_FIELDS = ['fsGroup', 'runAsUser', 'runAsGroup', 'supplementalGroups'] as const;

export const usersRule: Rule = (p) => {
  const parameters: Record<string, unknown> = {};
  for (const field of USER_FIELDS) {
    const strategy = p[field];
    if (isRestrictiveStrategy(strategy))
      parameters[field] = { rule: strategy.rule, ...(strategy.ranges ? { ranges: strategy.ranges } : {}) };
  }
  const names = Object.keys(parameters);
  return names.length > 0 ? { name: names.join('/'), kind: 'D8AllowedUsers', parameters } : undefined;
};

export const seLinuxRule: Rule = (p) =>
  p.seLinux ? { name: 'seLinux', kind: 'D8SeLinux', parameters: { allowedSELinuxOptions: p.seLinux } } : undefined;

// `*` allowed with nothing forbidden restricts nothing (DVP drops it). Only forbiddenSysctls written: the rest stay allowed.
export const sysctlsRule: Rule = (p) => {
  const allowed = p.allowedUnsafeSysctls;
  const forbidden = p.forbiddenSysctls;
  if (allowed === undefined && forbidden === undefined) return undefined;
  if (allowed?.includes('*') && (forbidden === undefined || forbidden.length === 0)) return undefined;
  return {
    name: [allowed !== undefined ? 'allowedUnsafeSysctls' : '', forbidden !== undefined ? 'forbiddenSysctls' : '']
      .filter(Boolean)
      .join('/'),
    kind: 'D8AllowedSysctls',
    parameters: { allowedSysctls: allowed ?? ['*'], forbiddenSysctls: forbidden ?? [] },
  };
};

/** Every seccomp profile by name, which (unlike `*`) leaves Localhost files to allowedLocalhostFiles. */
export const ANY_PROFILE_BUT_OTHER_FILES = ['RuntimeDefault', 'Unconfined', 'Localhost', 'undefined', ''];

// `*` in both lists admits every profile (DVP clears it).
export const seccompRule: Rule = (p) => {
  const s = p.seccompProfiles;
  if (!s || (s.allowedProfiles === undefined && s.allowedLocalhostFiles === undefined)) return undefined;
  if (s.allowedProfiles?.includes('*') && s.allowedLocalhostFiles?.includes('*')) return undefined;
  return {
    name: 'seccompProfiles',
    kind: 'D8AllowedSeccompProfiles',
    // Only allowedLocalhostFiles written: every profile stays allowed, and Localhost only with those files.
    parameters: {
      allowedProfiles: s.allowedProfiles ?? ANY_PROFILE_BUT_OTHER_FILES,
      allowedLocalhostFiles: s.allowedLocalhostFiles ?? [],
    },
  };
};

export const serviceTypesRule: Rule = (p) =>
  p.allowedServiceTypes
    ? {
        name: 'allowedServiceTypes',
        kind: 'D8AllowedServiceTypes',
        parameters: { allowedServiceTypes: p.allowedServiceTypes },
        matchKinds: [{ apiGroups: [''], kinds: ['Service'] }],
      }
    : undefined;

export const wildcardDomainsRule: Rule = (p) =>
  p.blockWildcardDomains === true
    ? {
        name: 'blockWildcardDomains',
        kind: 'D8AllowedIngresses',
        parameters: { blockWildcardDomains: true },
        matchKinds: [{ apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] }],
      }
    : undefined;

export const SECURITY_RULES: readonly Rule[] = [
  privilegedRule,
  privilegeEscalationRule,
  hostProcessesRule,
  hostNetworkRule,
  readOnlyRootFilesystemRule,
  automountServiceAccountTokenRule,
  rbacWildcardsRule,
  clusterRolesRule,
  flexVolumesRule,
  volumesRule,
  hostPathsRule,
  capabilitiesRule,
  appArmorRule,
  procMountRule,
  usersRule,
  seLinuxRule,
  sysctlsRule,
  seccompRule,
  serviceTypesRule,
  wildcardDomainsRule,
  imageSignaturesRule,
];

/** Fields gatewright accepts (DVP YAML must validate) but cannot fully honour, with the reason shown in status. */
export function unsupportedSecurityFields(
  p: SecurityPolicies,
  provider?: ImageSignatureProvider,
): { field: string; reason: string }[] {
  return imageSignatureGaps(p, provider !== undefined);
}

export function planSecurityChecks(p: SecurityPolicies): PlannedCheck[] {
  return SECURITY_RULES.map((rule) => rule(p)).filter((c): c is PlannedCheck => c !== undefined);
}
