// The operator's Prometheus metrics, on a registry of their own (never prom-client's global one, so tests and several
// operators in one process do not collide). Names follow controller-runtime's (ts-operators.md §3.10) with a
// `gatewright_` prefix, so its dashboards and alerts carry over by changing the prefix.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkQueueHooks } from './workqueue.js';

export const METRIC_PREFIX = 'gatewright_';

/** What one reconcile ended with, as controller-runtime labels it. */
export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';
const RECONCILE_RESULTS: readonly ReconcileResult[] = ['success', 'error', 'requeue', 'requeue_after'];

/** API write verbs as the API server's audit log names them. */
export type WriteVerb = 'create' | 'update' | 'patch' | 'delete';

export interface OperatorMetricsOptions {
  /** Also export prom-client's process_* and nodejs_* metrics (open fds, heap, event loop lag). Default true. */
  defaultMetrics?: boolean;
}

export class OperatorMetrics {
  readonly registry = new Registry();

  /** Reconciles by controller and result; every result starts at 0 once the controller is registered. */
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  /** Keys waiting in the work queue (not those being processed, not those waiting for a backoff). */
  readonly workqueueDepth: Gauge<'name'>;
  readonly workqueueAdds: Counter<'name'>;
  readonly workqueueRetries: Counter<'name'>;
  /** Objects gatewright owns in the cluster (ConstraintTemplates, constraints by kind). */
  readonly managedObjects: Gauge<'kind'>;
  /** 1 while this process holds the Lease, else 0. */
  readonly leader: Gauge<'name'>;
  /** Write requests this process sent to the API server: the idle test expects none after convergence. */
  readonly apiWriteRequests: Counter<'verb' | 'kind'>;
  /** Watches that ended with an error or 410 Gone and were restarted (a normal server-side close is not counted). */
  readonly watchEvents: Counter<'resource' | 'type'>;
  readonly watchRestarts: Counter<'resource' | 'reason'>;
  /**
   * The backlog the one work-queue key stands for, as the last pass saw it: objects still to apply (deferred to the
   * next pass or waiting for their template), constraints Gatekeeper does not enforce yet, policies not Ready.
   */
  readonly backlog: Gauge<'stage'>;

  constructor(opts: OperatorMetricsOptions = {}) {
    const registers = [this.registry];
    this.reconcileTotal = new Counter({
      name: `${METRIC_PREFIX}reconcile_total`,
      help: 'Total number of reconciliations per controller and result',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: `${METRIC_PREFIX}reconcile_errors_total`,
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: `${METRIC_PREFIX}reconcile_time_seconds`,
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      // controller-runtime's buckets, 5 ms to 60 s.
      buckets: [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5,
      ].concat([1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60]),
      registers,
    });
    this.workqueueDepth = new Gauge({
      name: `${METRIC_PREFIX}workqueue_depth`,
      help: 'Current depth of the work queue',
      labelNames: ['name'],
      registers,
    });
    this.workqueueAdds = new Counter({
      name: `${METRIC_PREFIX}workqueue_adds_total`,
      help: 'Total number of adds handled by the work queue',
      labelNames: ['name'],
      registers,
    });
    this.workqueueRetries = new Counter({
      name: `${METRIC_PREFIX}workqueue_retries_total`,
      help: 'Total number of retries handled by the work queue',
      labelNames: ['name'],
      registers,
    });
    this.managedObjects = new Gauge({
      name: `${METRIC_PREFIX}managed_objects`,
      help: 'Number of objects gatewright manages, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.leader = new Gauge({
      name: `${METRIC_PREFIX}leader_election_master_status`,
      help: 'Whether this process is the leader (1) or a standby (0)',
      labelNames: ['name'],
      registers,
    });
    this.backlog = new Gauge({
      name: `${METRIC_PREFIX}reconcile_backlog`,
      help: 'Work left after the last pass: objects to apply, constraints not enforced yet, policies not Ready',
      labelNames: ['stage'],
      registers,
    });
    this.apiWriteRequests = new Counter({
      name: `${METRIC_PREFIX}api_write_requests_total`,
      help: 'Write requests sent to the Kubernetes API server, by verb and kind',
      labelNames: ['verb', 'kind'],
      registers,
    });
    this.watchRestarts = new Counter({
      name: `${METRIC_PREFIX}watch_restarts_total`,
      help: 'Watches restarted after an error (reason error) or a 410 Gone (reason gone), by resource path',
      labelNames: ['resource', 'reason'],
      registers,
    });
    this.watchEvents = new Counter({
      name: `${METRIC_PREFIX}watch_events_total`,
      help: 'Changes the watch caches passed on to the controller (events that changed nothing it reads are not counted), by resource and type',
      labelNames: ['resource', 'type'],
      registers,
    });
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Starts every result of a controller at 0, so rates work before the first error (as controller-runtime does). */
  registerController(controller: string): void {
    for (const result of RECONCILE_RESULTS) this.reconcileTotal.inc({ controller, result }, 0);
    this.reconcileErrors.inc({ controller }, 0);
  }

  recordReconcile(controller: string, result: ReconcileResult, seconds: number): void {
    this.reconcileTotal.inc({ controller, result });
    if (result === 'error') this.reconcileErrors.inc({ controller });
    this.reconcileTime.observe({ controller }, seconds);
  }

  recordApiWrite(verb: WriteVerb, kind: string): void {
    this.apiWriteRequests.inc({ verb, kind });
  }

  /** The sum of all API write requests so far, whatever the verb and kind. */
  async apiWriteCount(): Promise<number> {
    const { values } = await this.apiWriteRequests.get();
    return values.reduce((sum, v) => sum + v.value, 0);
  }

  setLeader(name: string, leading: boolean): void {
    this.leader.set({ name }, leading ? 1 : 0);
  }

  /**
   * Hooks for a WorkQueue: depth, adds, retries, and (when `controller` is given) the reconcile totals and durations
   * of the queue's handler.
   */
  workQueueHooks(name: string, controller?: string): WorkQueueHooks {
    this.workqueueDepth.set({ name }, 0);
    this.workqueueAdds.inc({ name }, 0);
    this.workqueueRetries.inc({ name }, 0);
    if (controller !== undefined) this.registerController(controller);
    return {
      depth: (depth) => this.workqueueDepth.set({ name }, depth),
      added: () => this.workqueueAdds.inc({ name }),
      retried: () => this.workqueueRetries.inc({ name }),
      processed: (_key, seconds, outcome) => {
        if (controller === undefined) return;
        const result: ReconcileResult =
          outcome === 'success' ? 'success' : outcome === 'requeue_after' ? 'requeue_after' : 'error';
        this.recordReconcile(controller, result, seconds);
      },
    };
  }

  /** The text exposition format, as `/metrics` serves it. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
