// What the incluster tests share: kubectl against the node (the CLI a cluster admin uses), and polling.
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface InclusterEnv {
  stateDir: string;
  kubeconfig: string;
  reused: boolean;
}

export function inclusterEnv(): InclusterEnv {
  const file = process.env.GATEWRIGHT_INCLUSTER_ENV;
  if (!file) throw new Error('GATEWRIGHT_INCLUSTER_ENV is not set: run through the incluster jest project');
  return JSON.parse(readFileSync(file, 'utf8')) as InclusterEnv;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(args: string[], input?: string, kubeconfig = inclusterEnv().kubeconfig): Run {
  const r = spawnSync(join(repo, 'hack', '.bin', 'kubectl'), ['--kubeconfig', kubeconfig, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** kubectl that must succeed; its stdout. */
export function kubectlOk(args: string[], input?: string): string {
  const r = kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

export function getJson(args: string[]): Obj {
  return JSON.parse(kubectlOk([...args, '-o', 'json'])) as Obj;
}

export function condition(obj: Obj | undefined, type: string): Obj | undefined {
  return (obj?.status?.conditions as Obj[] | undefined)?.find((c) => c.type === type);
}

/** Thrown by a probe to stop waiting at once (the awaited thing cannot happen any more). */
export class StopWaiting extends Error {}

/**
 * Polls `probe` until it returns something other than undefined/false; the last error or value says why not. A
 * timeout is noted with a cluster snapshot (noteFailure) unless `noteTimeout` is false (a best-effort wait).
 */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 60000,
  intervalMs = 500,
  noteTimeout = true,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = probe();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      last = err;
    }
    if (Date.now() > until) {
      const message = `timed out after ${timeoutMs} ms waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`;
      if (noteTimeout) noteFailure(message, clusterSnapshot());
      throw new Error(message);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The pause image node.sh built from source: a container that runs until stopped, as a non-root user. */
export function pauseImage(): string {
  return kubectlOk(['get', 'node', 'gatewright-node', '-o', 'jsonpath={.status.images[*].names}'])
    .split(/[\s",[\]]+/)
    .find((n) => n.startsWith('gatewright.local/pause:')) as string;
}

export const restrictedContainerContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};
export const restrictedPodContext = {
  runAsNonRoot: true,
  runAsUser: 65535,
  seccompProfile: { type: 'RuntimeDefault' },
};

export function pod(namespace: string, name: string, container: Obj = {}, spec: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      securityContext: restrictedPodContext,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'app',
          image: pauseImage(),
          imagePullPolicy: 'IfNotPresent',
          securityContext: restrictedContainerContext,
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '16Mi' } },
          ...container,
        },
      ],
      ...spec,
    },
  };
}

/** A ServiceAccount bound to gatewright-metrics-reader (manifests/base/rbac.yaml): a token for it, as Prometheus has. */
export function metricsReaderToken(): string {
  const name = 'incluster-metrics-reader';
  kubectlOk(
    ['apply', '-f', '-'],
    [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'gatewright-system' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'gatewright-metrics-reader' },
        subjects: [{ kind: 'ServiceAccount', name, namespace: 'gatewright-system' }],
      },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n'),
  );
  return kubectlOk(['-n', 'gatewright-system', 'create', 'token', name, '--duration=1h']).trim();
}

/** GET url with an optional bearer token: the HTTP status and body. */
export async function httpGet(url: string, token?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    // Each answer waits on a TokenReview and a SubjectAccessReview: slow on two loaded cores.
    signal: AbortSignal.timeout(30000),
  });
  return { status: res.status, body: await res.text() };
}

/**
 * Appends what a failure needs to be understood to the file hack/test-all.mjs prints beside its summary (CI keeps
 * only the end of the output). Bounded: only the first few failures of a run are noted.
 */
let notesWritten = 0;
export function noteFailure(what: string, detail: string): void {
  const file = process.env.GATEWRIGHT_FAILURE_NOTES;
  if (!file || notesWritten >= 2) return;
  notesWritten += 1;
  appendFileSync(file, `== ${what.slice(0, 300)}\n${detail}\n`);
}

/** The cluster as an admin would first look at it when enforcement is missing: Pods, templates, policies, logs. */
export function clusterSnapshot(): string {
  const out = (args: string[], lines: number) => {
    const r = kubectl(args);
    return `$ kubectl ${args.join(' ')}\n${(r.stdout + r.stderr).trim().split('\n').slice(-lines).join('\n')}`;
  };
  const holder = kubectl([
    'get',
    'lease',
    '-n',
    'gatewright-system',
    'gatewright',
    '-o',
    'jsonpath={.spec.holderIdentity}',
  ]).stdout.trim();
  return [
    out(['get', 'pods', '-A', '-o', 'wide', '--no-headers'], 12),
    out(
      [
        'get',
        'constrainttemplates',
        '-o',
        'custom-columns=NAME:.metadata.name,CREATED:.status.created,PODS:.status.byPod[*].id,ERRORS:.status.byPod[*].errors[*].message',
        '--no-headers',
      ],
      12,
    ),
    out(['get', 'securitypolicies,operationpolicies', '--no-headers'], 12),
    `Lease holder: ${holder || 'none'}`,
    // The leader's log (its identity is the Pod name and pid), else any replica's.
    out(
      ['-n', 'gatewright-system', 'logs', holder ? holder.replace(/-\d+$/, '') : 'deployment/gatewright', '--tail=8'],
      8,
    ),
    // The audit Pod runs Gatekeeper's generate operation: it makes each template's constraint CRD.
    out(['-n', 'gatekeeper-system', 'logs', 'deployment/gatekeeper-audit', '--tail=4'], 4),
    out(['-n', 'gatekeeper-system', 'logs', 'deployment/gatekeeper-controller-manager', '--tail=4'], 4),
  ].join('\n');
}
