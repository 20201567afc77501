// The benchmarks' input: a mix of SecurityPolicies and OperationPolicies using most fields of the DVP documentation's
// examples, and namespaces labelled with every Pod Security level and action. Deterministic: the same counts give the
// same objects, so the converge benchmark's baseline applies exactly what gatewright compiles.
import type { NamespaceInfo } from '../api/types.js';
import { POLICY_API_VERSION } from '../api/resources.js';

export function securityPolicy(i: number): unknown {
  return {
    apiVersion: POLICY_API_VERSION,
    kind: 'SecurityPolicy',
    metadata: { name: `security-${i}` },
    spec: {
      enforcementAction: (['Deny', 'Warn', 'Dryrun'] as const)[i % 3],
      policies: {
        allowHostIPC: false,
        allowHostNetwork: i % 2 === 0,
        allowHostPID: false,
        allowPrivileged: false,
        allowPrivilegeEscalation: false,
        allowedHostPorts: [{ min: 8000 + (i % 100), max: 9000 }],
        allowedCapabilities: ['NET_BIND_SERVICE'],
        requiredDropCapabilities: ['ALL'],
        allowedAppArmor: ['runtime/default', 'localhost/*'],
        allowedVolumes: ['configMap', 'secret', 'emptyDir', 'projected'],
        allowedHostPaths: [{ pathPrefix: `/var/lib/app-${i}`, readOnly: true }],
        allowedUnsafeSysctls: ['kernel.shm_rmid_forced'],
        runAsUser: { rule: 'MustRunAs', ranges: [{ min: 1000, max: 2000 + i }] },
        seccompProfiles: { allowedProfiles: ['RuntimeDefault', 'Localhost'], allowedLocalhostFiles: ['*'] },
        seLinux: [{ type: 'container_t' }],
        readOnlyRootFilesystem: true,
      },
      match: { namespaceSelector: { labelSelector: { matchLabels: { team: `team-${i % 50}` } } } },
    },
  };
}

export function operationPolicy(i: number): unknown {
  return {
    apiVersion: POLICY_API_VERSION,
    kind: 'OperationPolicy',
    metadata: { name: `operation-${i}` },
    spec: {
      policies: {
        allowedRepos: [`registry-${i}.example.com`, 'registry.deckhouse.io'],
        requiredResources: { limits: ['memory'], requests: ['cpu', 'memory'] },
        disallowedImageTags: ['latest'],
        requiredProbes: ['livenessProbe', 'readinessProbe'],
        maxRevisionHistoryLimit: 3,
        imagePullPolicy: 'Always',
        priorityClassNames: ['production-high', 'production-low'],
        checkHostNetworkDNSPolicy: true,
        checkContainerDuplicates: true,
        requiredLabels: {
          labels: [{ key: 'app', allowedRegex: '^[a-z-]+$' }],
          watchKinds: ['apps/Deployment', '/Pod'],
        },
      },
      match: { namespaceSelector: { matchNames: [`team-${i % 50}-*`] } },
    },
  };
}

export function benchNamespaces(count: number): NamespaceInfo[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `team-${i % 50}-ns-${i}`,
    labels: {
      team: `team-${i % 50}`,
      'security.deckhouse.io/pod-policy': (['baseline', 'restricted', 'privileged'] as const)[i % 3] as string,
      ...(i % 7 === 0 ? { 'security.deckhouse.io/pod-policy-action': 'warn' } : {}),
    },
  }));
}

export function benchPolicies(security: number, operation: number): Record<string, unknown>[] {
  return [
    ...Array.from({ length: security }, (_, i) => securityPolicy(i)),
    ...Array.from({ length: operation }, (_, i) => operationPolicy(i)),
  ] as Record<string, unknown>[];
}

export function namespaceObject(ns: NamespaceInfo): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: ns.labels } };
}
