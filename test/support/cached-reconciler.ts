// A Reconciler the way `gatewright run` builds it (reading watch caches that follow what it declares), for e2e tests
// that drive passes themselves: `converge()` lets the caches follow and go quiet, then runs passes until no requeue.
import type { KubeConfig } from '@kubernetes/client-node';
import winston from 'winston';
import { ClusterCache } from '../../src/controller/cache.js';
import { Reconciler, type ReconcileOutcome, type ReconcilerOptions } from '../../src/controller/reconcile.js';

export interface CachedReconciler {
  reconciler: Reconciler;
  cache: ClusterCache;
  /** The caches follow the reconciler's declared watches, are synced, and saw no event for a second. */
  settle(): Promise<void>;
  converge(maxMs?: number): Promise<ReconcileOutcome>;
  stop(): Promise<void>;
}

export function cachedReconciler(kc: KubeConfig, opts: Omit<ReconcilerOptions, 'cache' | 'log'>): CachedReconciler {
  const log = winston.createLogger({ silent: true });
  let lastChange = 0;
  const cache = new ClusterCache({ kc, log, onChange: () => (lastChange = Date.now()) });
  const reconciler = new Reconciler({ ...opts, cache, log });
  const settle = async () => {
    cache.follow(reconciler.watches());
    const started = Date.now();
    for (;;) {
      const now = Date.now();
      if (cache.synced() && now - lastChange >= 1000 && now - started >= 1000) return;
      if (now - started > 30_000) throw new Error('the caches did not settle');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const converge = async (maxMs = 180_000) => {
    const deadline = Date.now() + maxMs;
    for (;;) {
      await settle();
      const outcome = await reconciler.reconcile();
      if (outcome.requeueAfterMs === undefined) return outcome;
      if (Date.now() > deadline) throw new Error('the reconciler did not converge in time');
      await new Promise((r) => setTimeout(r, Math.min(outcome.requeueAfterMs ?? 1000, 1000)));
    }
  };
  return { reconciler, cache, settle, converge, stop: () => cache.stop() };
}
