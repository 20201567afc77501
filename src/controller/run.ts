// `gatewright run`: the operator process. Watches the inputs and the objects it owns, funnels every change into one
// work-queue key (the reconcile is level-triggered over the whole desired set), runs the reconciler only while it
// holds the Lease, serves /healthz /readyz /metrics, and shuts down gracefully on SIGTERM.
import { hostname } from 'node:os';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { loadLibrary } from '../library/load.js';
import { KubeClient, resourcePath } from './kube-client.js';
import { LeaderElector } from './leader.js';
import { createLogger } from './log.js';
import { OperatorMetrics, type WriteVerb } from './metrics.js';
import { OpsServer } from './ops-server.js';
import { kubeRequestAuthorizer, operatorIdentity } from './kube-auth.js';
import { MANAGED_SELECTOR, Reconciler } from './reconcile.js';
import { ResourceWatcher } from './watch.js';
import { WorkQueue } from './workqueue.js';
import type { ImageSignatureProvider } from '../compiler/image-signatures.js';

export interface RunOptions {
  templatesDir: string;
  /** Port of /healthz, /readyz and /metrics; 0 picks a free one. */
  opsPort: number;
  opsHost: string;
  leaseNamespace: string;
  leaseName: string;
  identity?: string;
  leaseDurationSeconds: number;
  resyncSeconds: number;
  logLevel: string;
  /** gatewright's image signature provider (verifyImageSignatures): its HTTPS URL and serving CA. */
  imageSignatureProvider?: ImageSignatureProvider;
  /** Serve /metrics only to authenticated, authorized callers. */
  metricsAuth?: boolean;
  /** Install the policy that lets only gatewright change what it manages (default true). */
  protect?: boolean;
  protectAllowGroups?: string[];
}

const KEY = 'cluster';
const CONTROLLER = 'policy';

const WRITE_VERBS: Record<string, WriteVerb> = {
  apply: 'patch',
  'patch-status': 'patch',
  delete: 'delete',
  create: 'create',
};

export async function runOperator(opts: RunOptions): Promise<void> {
  const log = createLogger({ level: opts.logLevel, defaultMeta: { logger: 'gatewright' } });
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const identity = opts.identity ?? `${hostname()}-${process.pid}`;
  const metrics = new OperatorMetrics();
  metrics.registerController(CONTROLLER);
  const client = new KubeClient(kc, (verb, kind) => metrics.recordApiWrite(WRITE_VERBS[verb] ?? 'patch', kind));
  const protection =
    opts.protect === false
      ? undefined
      : await operatorIdentity(client, { groups: opts.protectAllowGroups ?? [] }).catch((err: unknown) => {
          log.warn('managed objects stay unprotected: cannot tell which user gatewright runs as', {
            error: String(err),
          });
          return undefined;
        });
  const reconciler = new Reconciler({
    ...(protection ? { operatorIdentity: protection } : {}),
    client,
    library: loadLibrary(opts.templatesDir),
    log,
    ...(opts.imageSignatureProvider ? { imageSignatureProvider: opts.imageSignatureProvider } : {}),
    onManaged: (counts) => {
      metrics.managedObjects.reset();
      for (const [kind, n] of counts) metrics.managedObjects.set({ kind }, n);
    },
  });

  let firstReconcileDone = false;
  const queue = new WorkQueue({
    concurrency: 1,
    baseDelayMs: 500,
    maxDelayMs: 60_000,
    hooks: metrics.workQueueHooks('policy', CONTROLLER),
    handler: async () => {
      const started = process.hrtime.bigint();
      const outcome = await reconciler.reconcile();
      followConstraintKinds(reconciler.constraintKindsInUse());
      firstReconcileDone = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      log.info('reconciled', { ...outcome, seconds });
      return outcome.requeueAfterMs === undefined ? undefined : { requeueAfterMs: outcome.requeueAfterMs };
    },
    onError: (_key, err, retryInMs) => log.error('reconcile failed', { error: String(err), retryInMs }),
  });

  // Every change to an input or an owned object means: reconcile the whole desired set again. Only the leader
  // reconciles; a standby keeps its caches warm and takes over with a full pass.
  let leading = false;
  const enqueue = () => {
    if (leading) queue.add(KEY);
  };
  const watchers = new Map<string, ResourceWatcher<KubernetesObject>>();
  const watch = (path: string, labelSelector?: string) => {
    if (watchers.has(path)) return;
    const w = new ResourceWatcher<KubernetesObject>({
      kc,
      path,
      ...(labelSelector ? { labelSelector } : {}),
      onEvent: enqueue,
      logger: log,
      metrics,
    });
    watchers.set(path, w);
    w.start();
  };
  watch(resourcePath('deckhouse.io/v1alpha1', 'SecurityPolicy'));
  watch(resourcePath('deckhouse.io/v1alpha1', 'OperationPolicy'));
  watch(resourcePath('deckhouse.io/v1alpha1', 'ModuleConfig'));
  watch(resourcePath('v1', 'Namespace'));
  watch(resourcePath('deckhouse.io/v1alpha1', 'SecurityPolicyException'));
  watch(resourcePath('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy'), MANAGED_SELECTOR);
  watch(resourcePath('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding'), MANAGED_SELECTOR);
  watch('/apis/templates.gatekeeper.sh/v1/constrainttemplates', MANAGED_SELECTOR);
  watch('/apis/syncset.gatekeeper.sh/v1alpha1/syncsets', MANAGED_SELECTOR);
  if (opts.imageSignatureProvider) watch('/apis/externaldata.gatekeeper.sh/v1beta1/providers', MANAGED_SELECTOR);
  // Owned constraints, one watch per kind in use: drift (a hand edit or delete) triggers a reconcile, and so does
  // Gatekeeper reporting enforcement or audit results on their status. The set follows what the last pass used.
  const followConstraintKinds = (kinds: string[]) => {
    const wanted = new Set(kinds.map((kind) => resourcePath('constraints.gatekeeper.sh/v1beta1', kind)));
    for (const path of wanted) watch(path, MANAGED_SELECTOR);
    for (const [path, w] of watchers) {
      if (path.includes('/constraints.gatekeeper.sh/') && !wanted.has(path)) {
        watchers.delete(path);
        void w.stop();
      }
    }
  };

  const resync = setInterval(enqueue, opts.resyncSeconds * 1000);
  resync.unref();

  const elector = new LeaderElector({
    kc,
    namespace: opts.leaseNamespace,
    name: opts.leaseName,
    identity,
    leaseDurationSeconds: opts.leaseDurationSeconds,
    // client-go's proportions (15 s lease, 10 s renew deadline, 2 s retry period), for any lease duration.
    renewDeadlineSeconds: (opts.leaseDurationSeconds * 2) / 3,
    retryPeriodSeconds: opts.leaseDurationSeconds / 7.5,
    logger: log,
    metrics,
    onStartedLeading: () => {
      leading = true;
      log.info('started leading', { identity });
      enqueue();
    },
    onStoppedLeading: () => {
      // A replica that lost the Lease may hold stale state: exit and let the Deployment restart it, as client-go does.
      if (!leading) return;
      log.error('lost the Lease; exiting so that only the new leader writes', { identity });
      void shutdown(1);
    },
  });

  const ops = new OpsServer({
    metrics,
    port: opts.opsPort,
    host: opts.opsHost,
    logger: log,
    ...(opts.metricsAuth ? { metricsAuthorizer: kubeRequestAuthorizer(client) } : {}),
  });
  ops.addHealthzCheck('ping', () => true);
  // Ready once the inputs are cached; constraint kinds nobody uses are never served, so they do not count.
  const inputs = [...watchers.values()].filter((w) => !w.path.includes('/constraints.gatekeeper.sh/'));
  ops.addReadyzCheck('caches', () => inputs.every((w) => w.hasSynced()) || 'input caches not synced yet');
  ops.addReadyzCheck('first-reconcile', () => !leading || firstReconcileDone || 'first reconcile not done yet');
  const port = await ops.start();
  log.info('serving /healthz /readyz /metrics', { port, identity });

  let stopping = false;
  async function shutdown(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    log.info('shutting down: finishing the reconcile in flight', { identity });
    clearInterval(resync);
    leading = false;
    await queue.shutdown();
    await Promise.all([...watchers.values()].map((w) => w.stop()));
    await elector.release();
    await ops.stop();
    log.info('stopped', { identity });
    process.exit(code);
  }
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));
  elector.start();
}
