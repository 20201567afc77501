// What one reconcile pass costs the operator's CPU once N + N policies are in force: the Reconciler over in-memory
// caches (StaticCache) and an in-memory writer that stores what it is sent, with Gatekeeper's part played by marking
// every template ingested and every constraint enforced. During a convergence most passes are of this kind — woken by
// Gatekeeper's status reports, with little or nothing to write — so their cost is what the operator's CPU is made of.
import { performance } from 'node:perf_hooks';
import winston from 'winston';
import { StaticCache } from '../controller/cache.js';
import type { ClusterWriter } from '../controller/kube-client.js';
import { templateKind, type ObservedObject } from '../controller/plan.js';
import { Reconciler } from '../controller/reconcile.js';
import type { TemplateLibrary } from '../compiler/compile.js';
import { benchNamespaces, benchPolicies, namespaceObject } from './generate.js';

const GATEKEEPER_PODS = ['gatekeeper-audit-0', 'gatekeeper-controller-manager-0'];

/** An API server in memory: what is written goes into the cache at once (a watch with no delay). */
class MemoryCluster implements ClusterWriter {
  readonly cache = new StaticCache();
  writes = 0;
  private rv = 1;

  private stored<T extends ObservedObject>(obj: T, previous?: ObservedObject): T {
    const specChanged = JSON.stringify(previous?.spec) !== JSON.stringify(obj.spec);
    return {
      ...obj,
      metadata: {
        ...obj.metadata,
        uid: previous?.metadata.uid ?? `uid-${this.rv}`,
        generation: (previous?.metadata.generation ?? 0) + (specChanged || !previous ? 1 : 0),
        resourceVersion: String(++this.rv),
      },
      ...(previous?.status ? { status: previous.status } : {}),
    };
  }

  put(obj: Record<string, unknown>): void {
    this.cache.put(this.stored(obj as unknown as ObservedObject));
  }

  async apply<T>(obj: T): Promise<T> {
    this.writes++;
    const o = obj as unknown as ObservedObject;
    this.cache.serve(o);
    const s = this.stored(structuredClone(o), this.cache.get(o));
    this.cache.put(s);
    return structuredClone(s) as unknown as T;
  }

  async delete(apiVersion: string, kind: string, name: string): Promise<void> {
    this.writes++;
    this.cache.remove({ apiVersion, kind, metadata: { name } });
  }

  async mergePatchStatus(apiVersion: string, kind: string, name: string, status: unknown) {
    this.writes++;
    const o = this.cache.get({ apiVersion, kind, metadata: { name } });
    if (!o) throw new Error(`no ${kind} ${name}`);
    const s = { ...o, status: structuredClone(status) as Record<string, unknown> };
    s.metadata = { ...o.metadata, resourceVersion: String(++this.rv) };
    this.cache.put(s);
    return structuredClone(s);
  }

  async create(): Promise<void> {
    this.writes++;
  }

  async mergePatch(): Promise<void> {
    this.writes++;
  }

  /** Gatekeeper's part: every template ingested and every constraint enforced, by every pod, at its generation. */
  gatekeeperCatchesUp(): void {
    for (const o of this.objects()) {
      const isTemplate = o.kind === 'ConstraintTemplate';
      // Gatekeeper makes the template's constraint CRD: the kind is served from then on.
      if (isTemplate) this.cache.serve({ apiVersion: 'constraints.gatekeeper.sh/v1beta1', kind: templateKind(o) });
      if (!isTemplate && !o.apiVersion.startsWith('constraints.gatekeeper.sh/')) continue;
      if (this.reported(o)) continue;
      this.cache.put({ ...o, status: this.gatekeeperStatus(o, isTemplate) });
    }
  }

  /** An audit's report on `count` constraints: a new status (and object) for each, nothing else changed. */
  auditReports(count: number, round: number): void {
    const constraints = this.objects().filter((o) => o.apiVersion.startsWith('constraints.gatekeeper.sh/'));
    for (let i = 0; i < count && constraints.length > 0; i++) {
      const o = constraints[(round * count + i) % constraints.length] as ObservedObject;
      this.cache.put({
        ...o,
        metadata: { ...o.metadata, resourceVersion: String(++this.rv) },
        status: { ...o.status, auditTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, round)).toISOString() },
      });
    }
  }

  private objects(): ObservedObject[] {
    const templates = this.cache.list({ apiVersion: 'templates.gatekeeper.sh/v1', kind: 'ConstraintTemplate' }) ?? [];
    return [
      ...templates,
      ...templates.flatMap(
        (t) => this.cache.list({ apiVersion: 'constraints.gatekeeper.sh/v1beta1', kind: templateKind(t) }) ?? [],
      ),
    ];
  }

  private reported(o: ObservedObject): boolean {
    const pods = (o.status as { byPod?: { observedGeneration?: number }[] } | undefined)?.byPod ?? [];
    return pods.length > 0 && pods.every((p) => p.observedGeneration === o.metadata.generation);
  }

  private gatekeeperStatus(o: ObservedObject, isTemplate: boolean): Record<string, unknown> {
    const generation = o.metadata.generation;
    return {
      ...(isTemplate ? { created: true } : { totalViolations: 0 }),
      byPod: GATEKEEPER_PODS.map((id) => ({
        id,
        observedGeneration: generation,
        ...(isTemplate ? {} : { enforced: true, constraintUID: o.metadata.uid }),
        operations: ['audit', 'status', 'webhook'],
      })),
    };
  }
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)] ?? 0;

/** Converges N + N policies in memory, then times passes with nothing to do and passes after audit reports. */
export async function passFigures(library: TemplateLibrary, n: number, namespaceCount: number, runs: number) {
  const cluster = new MemoryCluster();
  const reconciler = new Reconciler({
    client: cluster,
    cache: cluster.cache,
    library,
    log: winston.createLogger({ silent: true }),
    constraintBudget: Infinity,
    progressReportIntervalMs: 0,
  });
  // Served: what the reconciler watches before its first pass (the constraint kinds come with their templates).
  for (const resource of reconciler.watches()) cluster.cache.serve(resource);
  for (const p of benchPolicies(n, n)) cluster.put(p);
  for (const ns of benchNamespaces(namespaceCount)) cluster.put(namespaceObject(ns));
  const settle = async () => {
    for (let i = 0; i < 50; i++) {
      const before = cluster.writes;
      await reconciler.reconcile();
      cluster.gatekeeperCatchesUp();
      if (cluster.writes === before) return i + 1;
    }
    throw new Error('the in-memory cluster did not converge in 50 passes');
  };
  const converged = await settle();
  const time = async (between: (run: number) => void) => {
    const totals: number[] = [];
    const steps = { gatherMs: 0, decideMs: 0, actMs: 0 };
    let writes = 0;
    for (let run = 0; run < runs; run++) {
      between(run);
      const before = cluster.writes;
      const start = performance.now();
      await reconciler.reconcile();
      totals.push(performance.now() - start);
      writes += cluster.writes - before;
      for (const k of Object.keys(steps) as (keyof typeof steps)[]) steps[k] += reconciler.lastTimings[k];
    }
    const avg = (k: keyof typeof steps) => (steps[k] / runs).toFixed(0);
    return `p50 ${quantile(totals, 0.5).toFixed(1)} ms, p90 ${quantile(totals, 0.9).toFixed(1)} ms (gather ${avg('gatherMs')} / decide ${avg('decideMs')} / act ${avg('actMs')} ms on average; ${writes} writes in ${runs} passes)`;
  };
  const quiet = await time(() => undefined);
  const audited = await time((run) => cluster.auditReports(100, run));
  const objects = reconciler
    .constraintKindsInUse()
    .reduce(
      (sum, kind) => sum + (cluster.cache.list({ apiVersion: 'constraints.gatekeeper.sh/v1beta1', kind })?.length ?? 0),
      0,
    );
  console.log(
    `reconcile pass over ${n.toLocaleString('en')} + ${n.toLocaleString('en')} policies in force, ${namespaceCount} namespaces, ${objects.toLocaleString('en')} constraints (in-memory caches; converged in ${converged} passes)`,
  );
  console.log(`  nothing changed:                      ${quiet}`);
  console.log(`  100 constraints' audit status changed: ${audited}`);
  console.log(`  heap used after: ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MB`);
}
