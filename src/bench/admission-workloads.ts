// The fixed objects `make bench-admission` reviews: Pods and controllers, compliant with restricted, compliant only
// with baseline, and violating; with several containers, init and ephemeral containers. Realistic, not minimal: the
// fields real manifests carry (resources, probes, env, volumes) are there, because a check pays for reading them.
import { POLICY_API_VERSION } from '../api/resources.js';

type Obj = Record<string, unknown>;

const restrictedContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

function container(name: string, image: string, extra: Obj = {}): Obj {
  return {
    name,
    image,
    imagePullPolicy: 'Always',
    ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
    readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 5 },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/app' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    ...extra,
  };
}

const volumes = [
  { name: 'config', configMap: { name: 'app-config' } },
  { name: 'tmp', emptyDir: {} },
  { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } },
];

function podSpec(containers: Obj[], extra: Obj = {}): Obj {
  return {
    serviceAccountName: 'app',
    automountServiceAccountToken: false,
    priorityClassName: 'production-low',
    securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
    containers,
    volumes,
    ...extra,
  };
}

function pod(name: string, namespace: string, spec: Obj, labels: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name, ...labels } },
    spec,
  };
}

function workload(kind: string, name: string, namespace: string, spec: Obj): Obj {
  const template = { metadata: { labels: { app: name } }, spec };
  const apiVersion = kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : 'apps/v1';
  const body: Obj =
    kind === 'CronJob'
      ? { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } }
      : kind === 'Job'
        ? { template }
        : { replicas: 2, revisionHistoryLimit: 3, selector: { matchLabels: { app: name } }, template };
  return { apiVersion, kind, metadata: { name, namespace, labels: { app: name } }, spec: body };
}

const APP = 'registry.deckhouse.io/demo/app:1.4.2';
const SIDECAR = 'registry.deckhouse.io/demo/proxy:2.0.1';

/** The twelve reviewed objects, in `namespace`. */
export function benchWorkloads(namespace: string): Obj[] {
  const sc = { securityContext: restrictedContext };
  const restrictedMulti = podSpec(
    [container('app', APP, sc), container('proxy', SIDECAR, sc), container('metrics', SIDECAR, sc)],
    { initContainers: [container('migrate', APP, sc)] },
  );
  const baselineOnly = podSpec([container('app', APP), container('proxy', SIDECAR)], {
    securityContext: {},
    initContainers: [container('setup', APP)],
  });
  return [
    // Compliant with restricted.
    pod('web', namespace, restrictedMulti),
    pod(
      'debugged',
      namespace,
      podSpec([container('app', APP, sc), container('proxy', SIDECAR, sc)], {
        ephemeralContainers: [{ name: 'debug', image: 'registry.deckhouse.io/tools/busybox:1.36', ...sc }],
      }),
    ),
    workload('Deployment', 'api', namespace, restrictedMulti),
    workload('StatefulSet', 'db', namespace, podSpec([container('db', APP, sc), container('backup', SIDECAR, sc)])),
    workload('CronJob', 'report', namespace, podSpec([container('report', APP, sc)], { restartPolicy: 'OnFailure' })),
    // Compliant with baseline only (no seccomp, capabilities not dropped, may escalate, may run as root).
    pod('legacy', namespace, baselineOnly),
    workload('Deployment', 'legacy-api', namespace, baselineOnly),
    workload('Job', 'import', namespace, podSpec([container('import', APP)], { securityContext: {}, restartPolicy: 'Never' })),
    // Violating baseline.
    pod(
      'node-agent',
      namespace,
      podSpec(
        [
          container('agent', APP, {
            securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN', 'NET_ADMIN'] } },
            volumeMounts: [{ name: 'host', mountPath: '/host' }],
          }),
          container('proxy', SIDECAR, sc),
        ],
        {
          hostNetwork: true,
          hostPID: true,
          volumes: [...volumes, { name: 'host', hostPath: { path: '/' } }],
        },
      ),
    ),
    pod(
      'tuned',
      namespace,
      podSpec([container('app', APP, { securityContext: { ...restrictedContext, procMount: 'Unmasked' } })], {
        securityContext: {
          sysctls: [{ name: 'kernel.msgmax', value: '65536' }],
          seccompProfile: { type: 'Unconfined' },
        },
        initContainers: [container('init', APP, { securityContext: { seLinuxOptions: { type: 'spc_t' } } })],
      }),
    ),
    workload(
      'DaemonSet',
      'collector',
      namespace,
      podSpec(
        [
          container('collector', APP, {
            securityContext: { privileged: true, runAsUser: 0 },
            lifecycle: { preStop: { httpGet: { host: '10.0.0.1', path: '/drain', port: 80 } } },
          }),
        ],
        { hostIPC: true, securityContext: { appArmorProfile: { type: 'Unconfined' } } },
      ),
    ),
    // Violating restricted only (root user, an added capability beyond NET_BIND_SERVICE, a hostPath-free but
    // non-restricted volume type).
    pod(
      'root-app',
      namespace,
      podSpec(
        [
          container('app', APP, {
            securityContext: { ...restrictedContext, runAsNonRoot: false, runAsUser: 0, capabilities: { drop: ['ALL'], add: ['CHOWN'] } },
          }),
        ],
        { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, volumes: [...volumes, { name: 'nfs', nfs: { server: 'nfs.local', path: '/data' } }] },
      ),
    ),
  ]; // prettier-ignore
}

/** A privileged Pod with n containers: what an attacker would send to outrun the webhook timeout. */
export function privilegedPod(namespace: string, n: number): Obj {
  const containers = Array.from({ length: n }, (_, i) =>
    container(`c${i}`, APP, { securityContext: { privileged: true } }),
  );
  return pod(`privileged-${n}`, namespace, podSpec(containers));
}

/** The DVP documentation's example SecurityPolicy `mypolicy` and OperationPolicy `common`. */
export function documentationPolicies(): Obj[] {
  return [
    {
      apiVersion: POLICY_API_VERSION,
      kind: 'SecurityPolicy',
      metadata: { name: 'mypolicy' },
      spec: {
        enforcementAction: 'Deny',
        policies: {
          allowHostIPC: true,
          allowHostNetwork: true,
          allowHostPID: false,
          allowPrivileged: false,
          allowPrivilegeEscalation: false,
          allowedFlexVolumes: [{ driver: 'vmware' }],
          allowedHostPorts: [{ max: 4000, min: 2000 }],
          allowedProcMount: 'Unmasked',
          allowedAppArmor: ['unconfined'],
          allowedUnsafeSysctls: ['kernel.*'],
          allowedVolumes: ['hostPath', 'projected'],
          fsGroup: { ranges: [{ max: 200, min: 100 }], rule: 'MustRunAs' },
          readOnlyRootFilesystem: true,
          requiredDropCapabilities: ['ALL'],
          runAsGroup: { ranges: [{ max: 500, min: 300 }], rule: 'RunAsAny' },
          runAsUser: { ranges: [{ max: 200, min: 100 }], rule: 'MustRunAs' },
          seccompProfiles: { allowedLocalhostFiles: ['my_profile.json'], allowedProfiles: ['Localhost'] },
          supplementalGroups: { ranges: [{ max: 133, min: 129 }], rule: 'MustRunAs' },
        },
        match: { namespaceSelector: { labelSelector: { matchLabels: { enforce: 'mypolicy' } } } },
      },
    },
    {
      apiVersion: POLICY_API_VERSION,
      kind: 'OperationPolicy',
      metadata: { name: 'common' },
      spec: {
        policies: {
          allowedRepos: ['myrepo.example.com', 'registry.deckhouse.io'],
          requiredResources: { limits: ['memory'], requests: ['cpu', 'memory'] },
          disallowedImageTags: ['latest'],
          requiredProbes: ['livenessProbe', 'readinessProbe'],
          maxRevisionHistoryLimit: 3,
          imagePullPolicy: 'Always',
          priorityClassNames: ['production-high', 'production-low'],
          checkHostNetworkDNSPolicy: true,
          checkContainerDuplicates: true,
        },
        match: {
          namespaceSelector: { labelSelector: { matchLabels: { 'operation-policy.deckhouse.io/enabled': 'true' } } },
        },
      },
    },
  ];
}
