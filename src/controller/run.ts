// `gatewright run`: the operator process. Builds the watch caches the reconciler declares, funnels every change into
// one work-queue key (the reconcile is level-triggered over the whole desired set), runs the reconciler only while it
// holds the Lease, serves /healthz /readyz /metrics, and shuts down gracefully on SIGTERM.
import { hostname } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { ClusterCache } from './cache.js';
import { loadLibrary } from '../library/load.js';
import { KubeClient } from './kube-client.js';
import { loadKubeConnection } from './kube-config.js';
import { LeaderElector } from './leader.js';
import { createLogger, flushLogger } from './log.js';
import { OperatorMetrics, type WriteVerb } from './metrics.js';
import { OpsServer } from './ops-server.js';
import { kubeRequestAuthorizer, operatorIdentity } from './kube-auth.js';
import { Reconciler } from './reconcile.js';
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
  /** Client-side rate limit of the API requests a pass makes (client-go's QPS and Burst). */
  qps?: number;
  burst?: number;
  /** API requests in flight at once while a pass acts. */
  maxInFlight?: number;
  /** Constraints applied per pass at most (ReconcilerOptions.constraintBudget). */
  constraintBudget?: number;
  /** gatewright's image signature provider (verifyImageSignatures): its HTTPS URL and serving CA. */
  imageSignatureProvider?: ImageSignatureProvider;
  /** Serve /metrics only to authenticated, authorized callers. */
  metricsAuth?: boolean;
  /** Install the policy that lets only gatewright change what it manages (default true). */
  protect?: boolean;
  protectAllowGroups?: string[];
}

const KEY = 'cluster';
/** How long status reports (Gatekeeper's) are gathered before they wake a pass. */
export const STATUS_COALESCE_MS = 500;
const CONTROLLER = 'policy';
/** How long a shutdown may wait for the reconcile in flight and the watches to stop; under the 30 s grace period. */
const SHUTDOWN_DEADLINE_MS = 15_000;

const WRITE_VERBS: Record<string, WriteVerb> = {
  apply: 'patch',
  'patch-status': 'patch',
  delete: 'delete',
  create: 'create',
};

/**
 * V8 lets the old generation grow to several times what survived the last full GC before collecting again: under a
 * convergence's garbage (watch events, statuses) that was 100+ MB of RSS above a live set of ~35 MB at 400 policies.
 * 30 % growth keeps RSS near the live set for about a fifth more of the operator's (small) CPU. It is read at each
 * GC, so setting it here works, unlike the young generation's size (NODE_OPTIONS=--max-semi-space-size, Deployment).
 */
export const HEAP_GROWING_PERCENT = 30;

export async function runOperator(opts: RunOptions): Promise<void> {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const log = createLogger({ level: opts.logLevel, defaultMeta: { logger: 'gatewright' } });
  // Not client-node's KubeConfig: importing it loads its whole generated API (see kube-config.ts).
  const { connection: kc, source, delegatedFor } = await loadKubeConnection();
  log.info('API server', {
    server: kc.getCurrentCluster()?.server,
    ...source,
    ...(delegatedFor ? { delegatedToClientNode: delegatedFor } : {}),
  });
  const identity = opts.identity ?? `${hostname()}-${process.pid}`;
  const metrics = new OperatorMetrics();
  metrics.registerController(CONTROLLER);
  const client = new KubeClient(kc, (verb, kind) => metrics.recordApiWrite(WRITE_VERBS[verb] ?? 'patch', kind), {
    ...(opts.qps !== undefined ? { qps: opts.qps } : {}),
    ...(opts.burst !== undefined ? { burst: opts.burst } : {}),
  });
  const protection =
    opts.protect === false
      ? undefined
      : await operatorIdentity(client, { groups: opts.protectAllowGroups ?? [] }).catch((err: unknown) => {
          log.warn('managed objects stay unprotected: cannot tell which user gatewright runs as', {
            error: String(err),
          });
          return undefined;
        });

  // Every change to an input or an owned object means: reconcile the whole desired set again (one key; the work queue
  // folds a burst of events into one pass). Only the leader reconciles; a standby keeps its caches warm and takes
  // over with a full pass.
  let leading = false;
  const enqueue = () => {
    if (leading && cache.synced()) queue.add(KEY);
  };
  // Gathered for at least STATUS_COALESCE_MS and twice as long as the last pass took: at thousands of constraints a
  // pass costs a few hundred ms of the CPU that Gatekeeper, which does the enforcing, needs too.
  let lastPassMs = 0;
  const enqueueSoon = () => {
    if (leading && cache.synced()) queue.addAfter(KEY, Math.min(5000, Math.max(STATUS_COALESCE_MS, 2 * lastPassMs)));
  };
  // What woke the next pass, by resource and event type: logged with the pass (an idle operator should see nothing).
  let triggers = new Map<string, number>();
  const cache: ClusterCache = new ClusterCache({
    kc,
    log,
    metrics,
    onChange: (change) => {
      const echo = reconciler.isEcho(change);
      const key = `${echo ? 'ECHO' : change.statusOnly ? 'MODIFIED_STATUS' : change.type} ${change.resource}`;
      triggers.set(key, (triggers.get(key) ?? 0) + 1);
      if (echo) return;
      // Gatekeeper reports on each constraint one at a time (enforcement, then every audit's totals): each report
      // alone would cost a whole pass over every policy, several a second with thousands of constraints. Reports
      // are gathered for a moment into one pass; a change to an input or to an object's spec still wakes one at once.
      if (change.statusOnly) enqueueSoon();
      else enqueue();
    },
  });
  const reconciler = new Reconciler({
    ...(protection ? { operatorIdentity: protection } : {}),
    client,
    cache,
    library: loadLibrary(opts.templatesDir),
    log,
    ...(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {}),
    ...(opts.constraintBudget !== undefined ? { constraintBudget: opts.constraintBudget } : {}),
    ...(opts.imageSignatureProvider ? { imageSignatureProvider: opts.imageSignatureProvider } : {}),
    onBacklog: (b) => {
      metrics.backlog.set({ stage: 'to_apply' }, b.toApply);
      metrics.backlog.set({ stage: 'not_enforced' }, b.notEnforced);
      metrics.backlog.set({ stage: 'not_ready' }, b.notReady);
    },
    onManaged: (counts) => {
      metrics.managedObjects.reset();
      for (const [kind, n] of counts) metrics.managedObjects.set({ kind }, n);
    },
  });
  // The run loop watches what the reconciler declares; the declaration follows the constraint kinds in use.
  cache.follow(reconciler.watches());

  let firstReconcileDone = false;
  const queue = new WorkQueue({
    concurrency: 1,
    baseDelayMs: 500,
    maxDelayMs: 60_000,
    hooks: metrics.workQueueHooks('policy', CONTROLLER),
    handler: async () => {
      const started = process.hrtime.bigint();
      const woken = Object.fromEntries(triggers);
      triggers = new Map();
      const outcome = await reconciler.reconcile();
      cache.follow(reconciler.watches());
      firstReconcileDone = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      lastPassMs = seconds * 1000;
      log.info('reconciled', { ...outcome, seconds, ...reconciler.lastTimings, triggers: woken });
      return outcome.requeueAfterMs === undefined ? undefined : { requeueAfterMs: outcome.requeueAfterMs };
    },
    onError: (_key, err, retryInMs) => log.error('reconcile failed', { error: String(err), retryInMs }),
  });

  const resync = setInterval(enqueue, opts.resyncSeconds * 1000);
  resync.unref();
  // The first pass waits for the input caches; a resource that is not served (no Gatekeeper) counts as settled.
  const untilSynced = setInterval(() => {
    if (!cache.synced()) return;
    clearInterval(untilSynced);
    enqueue();
  }, 100);
  untilSynced.unref();

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
  ops.addReadyzCheck('caches', () => cache.synced() || 'input caches not synced yet');
  ops.addReadyzCheck('first-reconcile', () => !leading || firstReconcileDone || 'first reconcile not done yet');
  const port = await ops.start();
  log.info('serving /healthz /readyz /metrics', { port, identity });

  let stopping = false;
  async function shutdown(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    log.info('shutting down: finishing the reconcile in flight', { identity });
    clearInterval(resync);
    clearInterval(untilSynced);
    leading = false;
    // Bounded: with the API server unreachable (the usual reason for losing the Lease) the reconcile in flight retries
    // its requests for a long time, and the kubelet kills after terminationGracePeriodSeconds (30 s) anyway.
    const graceful = (async () => {
      await queue.shutdown();
      await cache.stop();
      await elector.release();
      await ops.stop();
    })();
    const finished = await Promise.race([
      graceful.then(
        () => true,
        (err: unknown) => {
          log.warn('shutdown step failed; exiting anyway', { identity, err });
          return true;
        },
      ),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), SHUTDOWN_DEADLINE_MS).unref()),
    ]);
    if (!finished)
      log.warn('shutdown deadline passed; exiting without waiting further', {
        identity,
        deadlineMs: SHUTDOWN_DEADLINE_MS,
      });
    log.info('stopped', { identity, exitCode: code });
    await flushLogger(log);
    process.exit(code);
  }
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));
  elector.start();
}
