// `npm run bench`: compiles 1,000 SecurityPolicies, 1,000 OperationPolicies and 500 namespaces with the real template
// library and prints wall time and peak memory. Targets on the 2-core reference machine: under 1 s, under 300 MB.
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { compile } from '../compiler/compile.js';
import { loadLibrary } from '../library/load.js';
import type { NamespaceInfo } from '../api/types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const COUNT = { security: 1000, operation: 1000, namespaces: 500 };

function securityPolicy(i: number): unknown {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
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

function operationPolicy(i: number): unknown {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
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

const namespaces: NamespaceInfo[] = Array.from({ length: COUNT.namespaces }, (_, i) => ({
  name: `team-${i % 50}-ns-${i}`,
  labels: {
    team: `team-${i % 50}`,
    'security.deckhouse.io/pod-policy': (['baseline', 'restricted', 'privileged'] as const)[i % 3] as string,
    ...(i % 7 === 0 ? { 'security.deckhouse.io/pod-policy-action': 'warn' } : {}),
  },
}));

const policies = [
  ...Array.from({ length: COUNT.security }, (_, i) => securityPolicy(i)),
  ...Array.from({ length: COUNT.operation }, (_, i) => operationPolicy(i)),
];
const library = loadLibrary(join(root, 'templates'));

compile({ policies: policies.slice(0, 10), namespaces, library }); // warm the JIT and the ajv validators once
const runs: number[] = [];
let objects = 0;
for (let run = 0; run < 5; run++) {
  const start = performance.now();
  const result = compile({ policies, namespaces, library });
  runs.push(performance.now() - start);
  objects = result.objects.length;
  if (result.invalid.size > 0) throw new Error(`bench input is invalid: ${[...result.invalid.values()][0]?.[0]}`);
}
runs.sort((a, b) => a - b);
const peakMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `input: ${COUNT.security} SecurityPolicies, ${COUNT.operation} OperationPolicies, ${COUNT.namespaces} namespaces`,
);
console.log(`output: ${objects} objects`);
console.log(
  `compile wall time: median ${(runs[2] as number).toFixed(0)} ms, min ${(runs[0] as number).toFixed(0)} ms, max ${(runs[4] as number).toFixed(0)} ms (5 runs)`,
);
console.log(`peak memory (max RSS of the process): ${peakMb.toFixed(0)} MB`);
