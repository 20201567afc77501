// The Reconciler against in-memory caches and a fake writer: what a pass reads (only the caches), what it writes and
// in what order, when it reports, and what it asks for next. The e2e tests run it on a real API server and Gatekeeper.
import { describe, expect, it } from '@jest/globals';
import winston from 'winston';
import { StaticCache } from '../../../src/controller/cache.js';
import type { ClusterWriter } from '../../../src/controller/kube-client.js';
import {
  REQUEUE_NOW_MS,
  REQUEUE_STUCK_MS,
  REQUEUE_WAITING_MS,
  type ObservedObject,
} from '../../../src/controller/plan.js';
import { KubeApiError } from '../../../src/controller/kube-http.js';
import { HOLD_MAX_MS, Reconciler, SLOW_START_BUDGET } from '../../../src/controller/reconcile.js';
import { operationPolicy, securityPolicy } from '../../support/bad-objects.js';
import { stubLibrary } from '../../support/stub-library.js';

const CONSTRAINTS = 'constraints.gatekeeper.sh/v1beta1';
const TEMPLATES = 'templates.gatekeeper.sh/v1';
const id = (o: { apiVersion: string; kind: string; metadata: { name: string } }) =>
  `${o.apiVersion}/${o.kind}/${o.metadata.name}`;

/** An API server in memory: stores what is written; `deliver()` plays the watch events into the cache. */
class FakeCluster implements ClusterWriter {
  readonly store = new Map<string, ObservedObject>();
  readonly calls: string[] = [];
  readonly cache = new StaticCache();
  private rv = 100;
  private readonly resources = new Map<string, { apiVersion: string; kind: string }>();

  constructor(opts: { gatekeeper?: boolean } = {}) {
    for (const kind of ['SecurityPolicy', 'OperationPolicy', 'ModuleConfig'])
      this.cache.serve({ apiVersion: 'deckhouse.io/v1alpha1', kind });
    this.cache.serve({ apiVersion: 'v1', kind: 'Namespace' });
    for (const kind of ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'])
      this.cache.serve({ apiVersion: 'admissionregistration.k8s.io/v1', kind });
    if (opts.gatekeeper !== false) {
      this.cache.serve({ apiVersion: TEMPLATES, kind: 'ConstraintTemplate' });
      this.cache.serve({ apiVersion: 'syncset.gatekeeper.sh/v1alpha1', kind: 'SyncSet' });
    }
  }

  /** An object someone else created (an admin's policy, a foreign constraint). */
  create_(obj: Record<string, unknown>): ObservedObject {
    const o = structuredClone(obj) as unknown as ObservedObject;
    o.metadata = { ...o.metadata, generation: 1, resourceVersion: String(++this.rv), uid: `uid-${o.metadata.name}` };
    this.store.set(id(o), o);
    return o;
  }

  /** Objects the fake API server answers 422 to, by `Kind/name`. */
  readonly rejects = new Set<string>();
  /** Objects it answers 500 to (as after the client's retries), by `Kind/name`. */
  readonly serverErrors = new Set<string>();

  async apply<T extends { apiVersion: string; kind: string; metadata: { name: string } }>(
    obj: T,
    _fieldManager?: string,
    force = true,
  ): Promise<T> {
    const existing = this.store.get(id(obj));
    if (!force && existing && existing.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'gatewright') {
      this.calls.push(`conflict ${obj.kind}/${obj.metadata.name}`);
      throw new KubeApiError(409, 'Conflict', `apply ${obj.kind} ${obj.metadata.name}: HTTP 409: conflict`);
    }
    this.calls.push(`apply ${obj.kind}/${obj.metadata.name}`);
    if (this.rejects.has(`${obj.kind}/${obj.metadata.name}`))
      throw new KubeApiError(
        422,
        'Invalid',
        `apply ${obj.kind} ${obj.metadata.name}: HTTP 422: spec.match.namespaces[0]: Invalid value: "team-*-prod"`,
      );
    if (this.serverErrors.has(`${obj.kind}/${obj.metadata.name}`))
      throw new KubeApiError(
        500,
        'InternalError',
        `apply ${obj.kind} ${obj.metadata.name}: HTTP 500: etcdserver: request timed out`,
      );
    const before = this.store.get(id(obj));
    const specChanged = JSON.stringify(before?.spec) !== JSON.stringify((obj as unknown as ObservedObject).spec);
    const stored = {
      ...structuredClone(obj),
      metadata: {
        ...structuredClone(obj.metadata),
        generation: (before?.metadata.generation ?? 0) + (specChanged ? 1 : 0),
        resourceVersion: String(++this.rv),
      },
      ...(before?.status ? { status: before.status } : {}),
    } as unknown as ObservedObject;
    this.store.set(id(obj), stored);
    return structuredClone(stored) as unknown as T;
  }

  async mergePatch(obj: { kind: string; metadata: { name: string } }): Promise<void> {
    this.calls.push(`patch ${obj.kind}/${obj.metadata.name}`);
  }

  async delete(apiVersion: string, kind: string, name: string): Promise<void> {
    this.calls.push(`delete ${kind}/${name}`);
    this.store.delete(`${apiVersion}/${kind}/${name}`);
  }

  /** Kinds whose status writes the fake API server refuses with 403 (RBAC). */
  readonly forbiddenStatus = new Set<string>();

  async mergePatchStatus(apiVersion: string, kind: string, name: string, status: unknown) {
    this.calls.push(`status ${kind}/${name}`);
    if (this.forbiddenStatus.has(kind))
      throw new KubeApiError(403, 'Forbidden', `patch ${kind} ${name}/status: HTTP 403: forbidden`);
    const o = this.store.get(`${apiVersion}/${kind}/${name}`);
    if (!o) throw new Error(`no ${kind} ${name}`);
    const stored = { ...o, status: status as Record<string, unknown> };
    stored.metadata = { ...o.metadata, resourceVersion: String(++this.rv) };
    this.store.set(id(o), stored);
    return structuredClone(stored);
  }

  /** Events recorded, as `type reason Kind/name`. */
  readonly events: string[] = [];

  async create(obj: { kind: string }): Promise<void> {
    this.calls.push(`create ${obj.kind}`);
    const e = obj as { kind: string; type?: string; reason?: string; involvedObject?: { kind: string; name: string } };
    if (e.kind === 'Event')
      this.events.push(`${e.type} ${e.reason} ${e.involvedObject?.kind}/${e.involvedObject?.name}`);
  }

  /** The watches catch up: the cache holds what the store holds. */
  deliver(): void {
    this.cache.version = String(this.rv);
    for (const o of this.store.values()) {
      this.cache.put(structuredClone(o));
      this.resources.set(`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind });
    }
    for (const resource of this.resources.values())
      for (const cached of this.cache.list(resource) ?? []) if (!this.store.has(id(cached))) this.cache.remove(cached);
  }

  /** Gatekeeper ingests every template (or those of some constraint kinds): status.byPod current, the kind served. */
  ingest(kinds: (kind: string) => boolean = () => true): void {
    for (const t of this.store.values()) {
      if (t.kind !== 'ConstraintTemplate') continue;
      if (!kinds((t.spec as { crd: { spec: { names: { kind: string } } } }).crd.spec.names.kind)) continue;
      t.status = { created: true, byPod: [{ id: 'gk', observedGeneration: t.metadata.generation }] };
      t.metadata.resourceVersion = String(++this.rv);
      this.cache.serve({
        apiVersion: CONSTRAINTS,
        kind: (t.spec as { crd: { spec: { names: { kind: string } } } }).crd.spec.names.kind,
      });
    }
    this.deliver();
  }

  /** Gatekeeper enforces these constraints (default: all). */
  enforce(filter: (c: ObservedObject) => boolean = () => true): void {
    for (const c of this.store.values()) {
      if (c.apiVersion !== CONSTRAINTS || !filter(c)) continue;
      c.status = { byPod: [{ id: 'gk', observedGeneration: c.metadata.generation, enforced: true }] };
      c.metadata.resourceVersion = String(++this.rv);
    }
    this.deliver();
  }

  statusOf(kind: string, name: string) {
    return this.store.get(`deckhouse.io/v1alpha1/${kind}/${name}`)?.status as
      { conditions: { type: string; status: string; reason: string; message: string }[] } | undefined;
  }

  writes(): string[] {
    return this.calls.splice(0);
  }
}

const log = winston.createLogger({ silent: true });
const library = stubLibrary();
const NOW = () => new Date('2026-01-01T00:00:00Z');
const ready = (s: ReturnType<FakeCluster['statusOf']>) => s?.conditions.find((c) => c.type === 'Ready');

/** Passes until every constraint is applied, ingested by Gatekeeper and enforced. */
async function converge({ cluster, reconciler }: Pick<ReturnType<typeof setUp>, 'cluster' | 'reconciler'>) {
  await reconciler.reconcile();
  cluster.deliver();
  cluster.ingest();
  await reconciler.reconcile();
  cluster.enforce();
  await reconciler.reconcile();
}

function setUp(opts: { gatekeeper?: boolean; budget?: number; now?: () => Date } = {}) {
  const cluster = new FakeCluster(opts);
  cluster.create_(securityPolicy('sp', { allowPrivileged: false, allowHostNetwork: false }));
  cluster.create_(operationPolicy('op', { allowedRepos: ['registry.example.com'] }));
  cluster.deliver();
  const reconciler = new Reconciler({
    client: cluster,
    cache: cluster.cache,
    library,
    log,
    now: opts.now ?? NOW,
    ...(opts.budget !== undefined ? { constraintBudget: opts.budget } : {}),
  });
  return { cluster, reconciler };
}

describe('Reconciler', () => {
  it('declares what it watches: the inputs, the owned kinds, then the constraint kinds it uses', async () => {
    const { cluster, reconciler } = setUp();
    expect(reconciler.watches().map((w) => w.kind)).toEqual([
      'SecurityPolicy',
      'OperationPolicy',
      'ModuleConfig',
      'Namespace',
      'SecurityPolicyException',
      'ConstraintTemplate',
      'SyncSet',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'Provider',
    ]);
    await reconciler.reconcile();
    const constraintKinds = reconciler
      .watches()
      .filter((w) => w.apiVersion === CONSTRAINTS)
      .map((w) => w.kind);
    expect(constraintKinds).toContain('D8AllowedRepos');
    expect(constraintKinds).toContain('D8PrivilegedContainer');
    // Every managed object is watched with its field owners, constraints too: fields another manager adds are drift.
    const watched = reconciler.watches();
    for (const w of watched.filter((w) => w.apiVersion === CONSTRAINTS || w.kind === 'ConstraintTemplate'))
      expect([w.kind, w.fieldOwners]).toEqual([w.kind, true]);
    // The exceptions are read whole: the backstop writes what they grant into its policies.
    expect(watched.find((w) => w.kind === 'SecurityPolicyException')?.spec).not.toBe(false);
    expect(cluster.writes().length).toBeGreaterThan(0);
  });

  it('a fresh cluster: templates first, constraints only once Gatekeeper ingested their template, then Ready', async () => {
    const { cluster, reconciler } = setUp();
    const first = await reconciler.reconcile();
    const w1 = cluster.writes();
    expect(w1.filter((w) => w.startsWith('apply ConstraintTemplate/')).length).toBeGreaterThan(0);
    expect(w1.some((w) => /^apply D8/.test(w))).toBe(false);
    expect(first.requeueAfterMs).toBe(REQUEUE_WAITING_MS);
    expect(ready(cluster.statusOf('SecurityPolicy', 'sp'))).toMatchObject({ status: 'False', reason: 'Progressing' });

    cluster.deliver();
    cluster.ingest();
    const second = await reconciler.reconcile();
    expect(cluster.writes()).toContain('apply D8AllowedRepos/op');
    expect(second.requeueAfterMs).toBe(REQUEUE_WAITING_MS);
    expect(ready(cluster.statusOf('OperationPolicy', 'op'))?.message).toMatch(/^0\/1 check\(s\) enforced; waiting/);

    // An edit: the policy's status is written right after its own constraint, not at the end of the pass.
    cluster.deliver();
    const op = cluster.store.get('deckhouse.io/v1alpha1/OperationPolicy/op') as ObservedObject;
    op.spec = { ...op.spec, policies: { allowedRepos: ['registry.example.org'] } };
    op.metadata = { ...op.metadata, generation: 2, resourceVersion: '9999' };
    cluster.deliver();
    await reconciler.reconcile();
    const w3 = cluster.writes();
    const opConstraint = w3.indexOf('apply D8AllowedRepos/op');
    expect(opConstraint).toBeGreaterThanOrEqual(0);
    expect(w3.indexOf('status OperationPolicy/op')).toBeGreaterThan(opConstraint);

    cluster.deliver();
    cluster.enforce();
    const third = await reconciler.reconcile();
    expect(third.requeueAfterMs).toBeUndefined();
    expect(ready(cluster.statusOf('OperationPolicy', 'op'))).toMatchObject({ status: 'True', reason: 'Enforced' });
    expect(ready(cluster.statusOf('SecurityPolicy', 'sp'))).toMatchObject({ status: 'True', reason: 'Enforced' });
    cluster.writes();

    cluster.deliver();
    expect(await reconciler.reconcile()).toEqual({ applied: 0, pruned: 0, statusWrites: 0 });
    expect(cluster.writes()).toEqual([]);
  });

  it('progress is counted per check as Gatekeeper enforces them; a count alone at most every 5 s, Ready at once', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const { cluster, reconciler } = setUp({ now: () => new Date(t) });
    await reconciler.reconcile();
    cluster.deliver();
    cluster.ingest();
    await reconciler.reconcile();
    cluster.deliver();
    const progressing = () =>
      cluster.statusOf('SecurityPolicy', 'sp')?.conditions.find((c) => c.type === 'Progressing')?.message;
    const total = (cluster.statusOf('SecurityPolicy', 'sp') as unknown as { checkCount: number }).checkCount;
    expect(total).toBeGreaterThan(1);
    expect(progressing()).toMatch(new RegExp(`^0/${total} check\\(s\\) enforced; waiting for `));
    cluster.writes();

    // One more check enforced a second after the last status write: held back, and the pass asks to look again
    // when it is due.
    t += 1000;
    cluster.enforce((c) => c.kind === 'D8PrivilegedContainer');
    const held = await reconciler.reconcile();
    expect(cluster.writes()).not.toContain('status SecurityPolicy/sp');
    expect(progressing()).toMatch(new RegExp(`^0/${total} `));
    expect(held.requeueAfterMs).toBeLessThanOrEqual(4000);

    t += 4000;
    await reconciler.reconcile();
    expect(cluster.writes()).toContain('status SecurityPolicy/sp');
    expect(progressing()).toMatch(new RegExp(`^1/${total} check\\(s\\) enforced; waiting for `));

    // Every check enforced a moment later: Ready=True is not held back.
    t += 100;
    cluster.deliver();
    cluster.enforce();
    await reconciler.reconcile();
    expect(ready(cluster.statusOf('SecurityPolicy', 'sp'))).toMatchObject({ status: 'True', reason: 'Enforced' });
  });

  it('a template Gatekeeper has not ingested for 5 minutes is reported on the policies that need it, and why', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const { cluster, reconciler } = setUp({ now: () => new Date(t) });
    const degraded = (kind: string, name: string) =>
      cluster.statusOf(kind, name)?.conditions.find((c) => c.type === 'Degraded');
    await reconciler.reconcile();
    cluster.deliver();
    // Gatekeeper ingests every template but the one of the OperationPolicy's check (as when its audit Pod is stuck:
    // the webhook Pod reports, the CRD is never made).
    cluster.ingest((kind) => kind !== 'D8AllowedRepos');
    const repos = cluster.store.get('templates.gatekeeper.sh/v1/ConstraintTemplate/d8allowedrepos') as ObservedObject;
    repos.status = { created: false, byPod: [{ id: 'gatekeeper-controller-manager-1', observedGeneration: 1 }] };
    cluster.deliver();
    const early = await reconciler.reconcile();
    cluster.deliver();
    cluster.enforce();
    await reconciler.reconcile();
    expect(degraded('OperationPolicy', 'op')).toMatchObject({ status: 'False', reason: 'AsExpected' });
    expect(ready(cluster.statusOf('OperationPolicy', 'op'))).toMatchObject({ status: 'False', reason: 'Progressing' });
    expect(early.requeueAfterMs).toBeLessThanOrEqual(REQUEUE_WAITING_MS);

    t += 5 * 60_000;
    const late = await reconciler.reconcile();
    expect(degraded('OperationPolicy', 'op')).toMatchObject({ status: 'True', reason: 'GatekeeperStalled' });
    expect(degraded('OperationPolicy', 'op')?.message).toBe(
      'ConstraintTemplate d8allowedrepos (generation 1) has waited over 5 minutes for Gatekeeper to ingest it: only ' +
        'gatekeeper-controller-manager-1 reported on it, and its constraint CRD is not created; see "Policies stay ' +
        'Progressing" in gatewright\'s Troubleshooting',
    );
    expect(ready(cluster.statusOf('OperationPolicy', 'op'))).toMatchObject({
      status: 'False',
      reason: 'GatekeeperStalled',
    });
    expect(cluster.events).toContain('Warning GatekeeperStalled OperationPolicy/op');
    // The SecurityPolicy does not need that template: it is Ready and says nothing of it.
    expect(ready(cluster.statusOf('SecurityPolicy', 'sp'))).toMatchObject({ status: 'True', reason: 'Enforced' });
    expect(late.requeueAfterMs).toBe(REQUEUE_WAITING_MS);

    // Gatekeeper recovers: the policy converges and the report goes.
    cluster.deliver();
    cluster.ingest();
    await reconciler.reconcile();
    cluster.deliver();
    cluster.enforce();
    await reconciler.reconcile();
    expect(degraded('OperationPolicy', 'op')).toMatchObject({ status: 'False', reason: 'AsExpected' });
    expect(ready(cluster.statusOf('OperationPolicy', 'op'))).toMatchObject({ status: 'True', reason: 'Enforced' });
  });

  it('a new policy goes out whole once Gatekeeper ingested every template it needs, held back at most 30 s', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const { cluster, reconciler } = setUp({ now: () => new Date(t) });
    await reconciler.reconcile();
    cluster.deliver();
    cluster.ingest((kind) => kind !== 'D8PrivilegedContainer');
    await reconciler.reconcile();
    const ofSp = (writes: string[]) => writes.filter((w) => /^apply D8/.test(w) && w.endsWith('/sp'));
    const w1 = cluster.writes();
    // The operation policy's only template is ingested: it goes; the security policy waits for its privileged check.
    expect(w1).toContain('apply D8AllowedRepos/op');
    expect(ofSp(w1)).toEqual([]);
    expect(ready(cluster.statusOf('SecurityPolicy', 'sp'))).toMatchObject({ status: 'False', reason: 'Progressing' });

    t += HOLD_MAX_MS;
    cluster.deliver();
    await reconciler.reconcile();
    const w2 = cluster.writes();
    expect(ofSp(w2).length).toBeGreaterThan(0);
    expect(w2).not.toContain('apply D8PrivilegedContainer/sp');

    cluster.deliver();
    cluster.ingest();
    await reconciler.reconcile();
    expect(cluster.writes()).toContain('apply D8PrivilegedContainer/sp');
  });

  it('the watch delivering its own writes and deletes is an echo that needs no pass; anyone else’s change is not', async () => {
    const { cluster, reconciler } = setUp();
    await reconciler.reconcile();
    cluster.deliver();
    const template = [...cluster.store.values()].find((o) => o.kind === 'ConstraintTemplate') as ObservedObject;
    expect(reconciler.isEcho({ resource: 'r', type: 'ADDED', object: template })).toBe(true);
    const edited = { ...template, metadata: { ...template.metadata, resourceVersion: '99999' } };
    expect(reconciler.isEcho({ resource: 'r', type: 'MODIFIED', object: edited })).toBe(false);
    expect(reconciler.isEcho({ resource: 'r', type: 'SYNCED' })).toBe(false);
  });

  it('a pass started before the watch delivered its own writes does not write them again', async () => {
    const { cluster, reconciler } = setUp();
    await reconciler.reconcile();
    cluster.writes();
    // No deliver(): the caches still show the cluster from before the first pass.
    const again = await reconciler.reconcile();
    expect(again.applied).toBe(0);
    expect(again.statusWrites).toBe(0);
    expect(cluster.writes()).toEqual([]);
  });

  it('the apply budget splits a large convergence into short passes that ask to run again at once', async () => {
    const { cluster, reconciler } = setUp({ budget: 1 });
    await reconciler.reconcile();
    cluster.deliver();
    cluster.ingest();
    const pass = await reconciler.reconcile();
    const applied = cluster.writes().filter((w) => /^apply D8/.test(w));
    // At least one whole policy per pass, never a part of one.
    expect(applied.length).toBeGreaterThan(0);
    expect(new Set(applied.map((w) => w.split('/')[1])).size).toBe(1);
    expect(pass.requeueAfterMs).toBe(REQUEUE_NOW_MS);
    cluster.deliver();
    await reconciler.reconcile();
    expect(cluster.writes().filter((w) => /^apply D8/.test(w)).length).toBeGreaterThan(0);
  });

  it('the first pass that applies constraints takes few, each next one twice as many (the first Ready comes soon)', async () => {
    const { cluster, reconciler } = setUp();
    for (let i = 0; i < 80; i++)
      cluster.create_(operationPolicy(`repos-${i}`, { allowedRepos: [`r${i}.example.com`] }));
    cluster.deliver();
    await reconciler.reconcile();
    cluster.deliver();
    cluster.ingest();
    const counts: number[] = [];
    for (let pass = 0; pass < 5; pass++) {
      await reconciler.reconcile();
      counts.push(cluster.writes().filter((w) => /^apply D8/.test(w)).length);
      cluster.deliver();
    }
    const total = [...cluster.store.values()].filter((o) => o.apiVersion === CONSTRAINTS).length;
    expect(total).toBeGreaterThan(80);
    // Whole policies (one constraint each here, bar the first two): as many as fit 25, then 50, then the rest.
    expect(counts).toEqual([SLOW_START_BUDGET, 2 * SLOW_START_BUDGET, total - 3 * SLOW_START_BUDGET, 0, 0]);
  });

  it('no Gatekeeper: nothing is applied, every policy says so, and the pass polls slowly', async () => {
    const { cluster, reconciler } = setUp({ gatekeeper: false });
    const outcome = await reconciler.reconcile();
    expect(outcome.applied).toBe(0);
    expect(outcome.requeueAfterMs).toBe(REQUEUE_STUCK_MS);
    expect(ready(cluster.statusOf('OperationPolicy', 'op'))).toMatchObject({ reason: 'GatekeeperMissing' });
  });

  it('a foreign object holding a desired name is reported on its policy and never written', async () => {
    const { cluster, reconciler } = setUp();
    await reconciler.reconcile();
    cluster.deliver();
    cluster.ingest();
    cluster.create_({
      apiVersion: CONSTRAINTS,
      kind: 'D8AllowedRepos',
      metadata: { name: 'op', labels: { owner: 'platform-team' } },
      spec: { enforcementAction: 'dryrun' },
    });
    cluster.deliver();
    await reconciler.reconcile();
    expect(cluster.writes()).not.toContain('apply D8AllowedRepos/op');
    expect(cluster.statusOf('OperationPolicy', 'op')?.conditions.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'NameConflict',
    });
  });

  it('a deleted policy: its constraints are pruned from the cache view, and only once', async () => {
    const { cluster, reconciler } = setUp();
    await reconciler.reconcile();
    cluster.deliver();
    cluster.ingest();
    await reconciler.reconcile();
    cluster.deliver();
    cluster.store.delete('deckhouse.io/v1alpha1/OperationPolicy/op');
    cluster.deliver();
    cluster.writes();
    await reconciler.reconcile();
    expect(cluster.writes()).toContain('delete D8AllowedRepos/op');
    // The watch has not delivered the delete yet: the next pass does not delete it again.
    await reconciler.reconcile();
    expect(cluster.writes()).not.toContain('delete D8AllowedRepos/op');
  });

  it('an object the API server rejects affects only its policy, which reports the answer; the rest converges', async () => {
    const { cluster, reconciler } = setUp();
    cluster.rejects.add('D8AllowedRepos/op');
    await reconciler.reconcile();
    cluster.deliver();
    cluster.ingest();
    const pass = await reconciler.reconcile();
    expect(cluster.writes()).toContain('apply D8PrivilegedContainer/sp');
    expect(pass.requeueAfterMs).toBeDefined();
    const degraded = cluster.statusOf('OperationPolicy', 'op')?.conditions.find((c) => c.type === 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: 'Rejected' });
    expect(degraded?.message).toContain(
      'D8AllowedRepos "op": apply D8AllowedRepos op: HTTP 422: spec.match.namespaces[0]',
    );
    cluster.deliver();
    cluster.enforce();
    await reconciler.reconcile();
    expect(ready(cluster.statusOf('SecurityPolicy', 'sp'))).toMatchObject({ status: 'True' });
    expect(ready(cluster.statusOf('OperationPolicy', 'op'))).toMatchObject({ status: 'False', reason: 'Rejected' });
    // Not sent again while unchanged (an edit, or the periodic retry, sends it again).
    expect(cluster.writes()).not.toContain('apply D8AllowedRepos/op');
  });

  it('a server error that outlasts the retries holds back only its policy; the pass then fails, to back off', async () => {
    const { cluster, reconciler } = setUp();
    cluster.serverErrors.add('D8AllowedRepos/op');
    await reconciler.reconcile();
    cluster.deliver();
    cluster.ingest();
    await expect(reconciler.reconcile()).rejects.toThrow(
      /1 object\(s\) failed with a server error, first D8AllowedRepos "op": .*HTTP 500: etcdserver: request timed out/,
    );
    cluster.deliver();
    cluster.enforce();
    await expect(reconciler.reconcile()).rejects.toThrow(/server error/);
    expect(ready(cluster.statusOf('SecurityPolicy', 'sp'))).toMatchObject({ status: 'True' });
    const opReady = ready(cluster.statusOf('OperationPolicy', 'op'));
    expect(opReady).toMatchObject({ status: 'False' });
    expect(opReady?.message).toContain('HTTP 500: etcdserver: request timed out (a server error; retrying)');
    // Unlike a 4xx rejection, it is sent again on every pass, and the policy converges once the server answers.
    cluster.writes();
    cluster.serverErrors.delete('D8AllowedRepos/op');
    await reconciler.reconcile();
    expect(cluster.writes()).toContain('apply D8AllowedRepos/op');
    cluster.deliver();
    cluster.enforce();
    await reconciler.reconcile();
    expect(ready(cluster.statusOf('OperationPolicy', 'op'))).toMatchObject({ status: 'True' });
  });

  it('a status the API server will not store is replaced by a minimal one that does not say Ready', async () => {
    const { cluster, reconciler } = setUp();
    const patch = cluster.mergePatchStatus.bind(cluster);
    let failures = 0;
    cluster.mergePatchStatus = async (apiVersion, kind, name, status) => {
      if (name === 'op' && (status as { checks?: unknown }).checks !== undefined) {
        failures++;
        throw new KubeApiError(500, 'InternalError', 'etcdserver: request is too large');
      }
      return patch(apiVersion, kind, name, status);
    };
    await reconciler.reconcile();
    expect(failures).toBe(1);
    expect(ready(cluster.statusOf('OperationPolicy', 'op'))).toMatchObject({
      status: 'False',
      reason: 'StatusWriteFailed',
    });
  });

  it('invalid module settings: the last valid ones (kept in the ModuleConfig status) stay in force; policies go on', async () => {
    const { cluster, reconciler } = setUp();
    const mc = cluster.create_({
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'admission-policy-engine' },
      spec: { version: 1, settings: { podSecurityStandards: { defaultPolicy: 'Restricted' } } },
    });
    cluster.deliver();
    await converge({ cluster, reconciler });
    cluster.deliver();
    const stored = cluster.store.get('deckhouse.io/v1alpha1/ModuleConfig/admission-policy-engine') as ObservedObject;
    expect(stored.status).toEqual({
      message: '',
      appliedSettings: '{"podSecurityStandards":{"defaultPolicy":"Restricted"}}',
    });
    stored.spec = { version: 1, settings: { podSecurityStandards: { defaultPolicy: 'Strict' } } };
    stored.metadata.resourceVersion = '99999';
    cluster.deliver();
    cluster.writes();
    cluster.events.length = 0;
    await reconciler.reconcile();
    const writes = cluster.writes();
    expect(writes.filter((w) => w.startsWith('delete'))).toEqual([]);
    expect(writes.filter((w) => /^apply D8/.test(w))).toEqual([]);
    expect(
      (cluster.store.get(`deckhouse.io/v1alpha1/ModuleConfig/${mc.metadata.name}`)?.status as { message: string })
        .message,
    ).toMatch(
      /^invalid settings; the last valid settings stay in force until they are fixed: .*defaultPolicy: Unsupported value: "Strict"/,
    );
    // What kubectl shows on a policy: still Valid and Ready (its own spec is fine), the Ready message naming the
    // settings in force; one Warning Event, on the ModuleConfig, none on the policies.
    const conditions = (name: string, kind = 'OperationPolicy') =>
      Object.fromEntries((cluster.statusOf(kind, name)?.conditions ?? []).map((c) => [c.type, c]));
    for (const [kind, name] of [
      ['OperationPolicy', 'op'],
      ['SecurityPolicy', 'sp'],
    ] as const) {
      expect(conditions(name, kind).Valid).toMatchObject({ status: 'True', reason: 'ValidSpec' });
      expect(conditions(name, kind).Ready).toMatchObject({ status: 'True', reason: 'Enforced' });
      expect(conditions(name, kind).Ready?.message).toMatch(
        /the ModuleConfig admission-policy-engine is invalid: the last valid module settings stay in force/,
      );
    }
    expect(cluster.events).toEqual(['Warning InvalidSettings ModuleConfig/admission-policy-engine']);
    cluster.deliver();
    await reconciler.reconcile();
    expect(cluster.writes().filter((w) => w.startsWith('status') || w.startsWith('create'))).toEqual([]);

    // Fixed: the note goes, one Normal Event on the ModuleConfig, still none on the policies.
    const current = cluster.store.get('deckhouse.io/v1alpha1/ModuleConfig/admission-policy-engine') as ObservedObject;
    current.spec = { version: 1, settings: { podSecurityStandards: { defaultPolicy: 'Restricted' } } };
    current.metadata.resourceVersion = '199999';
    cluster.deliver();
    await reconciler.reconcile();
    expect(conditions('op').Ready?.message).not.toMatch(/ModuleConfig/);
    expect(cluster.events).toEqual([
      'Warning InvalidSettings ModuleConfig/admission-policy-engine',
      'Normal ValidSettings ModuleConfig/admission-policy-engine',
    ]);
  });

  it('module settings invalid from the start: policies stay Valid and Ready, no Event but the ModuleConfig’s', async () => {
    const { cluster, reconciler } = setUp();
    await converge({ cluster, reconciler });
    cluster.deliver();
    expect(cluster.events.filter((e) => e.includes('Warning'))).toEqual([]);
    cluster.create_({
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'admission-policy-engine' },
      spec: { version: 1, settings: { podSecurityStandards: { defaultPolicy: 'Strict' } } },
    });
    cluster.deliver();
    cluster.events.length = 0;
    await reconciler.reconcile();
    for (const [kind, name] of [
      ['OperationPolicy', 'op'],
      ['SecurityPolicy', 'sp'],
    ] as const) {
      const c = Object.fromEntries((cluster.statusOf(kind, name)?.conditions ?? []).map((x) => [x.type, x]));
      expect([c.Valid?.status, c.Ready?.status, c.Ready?.reason]).toEqual(['True', 'True', 'Enforced']);
      expect(c.Ready?.message).toMatch(/no valid module settings are known, so nothing in force is changed/);
    }
    expect(cluster.events).toEqual(['Warning InvalidSettings ModuleConfig/admission-policy-engine']);
  });

  it('a ModuleConfig status the API server refuses (403) does not fail the pass: the policies still converge', async () => {
    const { cluster, reconciler } = setUp();
    cluster.create_({
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'admission-policy-engine' },
      spec: { version: 1, settings: { podSecurityStandards: { defaultPolicy: 'Restricted' } } },
    });
    cluster.forbiddenStatus.add('ModuleConfig');
    cluster.deliver();
    await reconciler.reconcile();
    cluster.deliver();
    cluster.ingest();
    await reconciler.reconcile();
    cluster.enforce();
    await expect(reconciler.reconcile()).resolves.toMatchObject({ statusWrites: expect.any(Number) });
    expect(ready(cluster.statusOf('OperationPolicy', 'op'))?.status).toBe('True');
    expect(cluster.writes()).toContain('status ModuleConfig/admission-policy-engine');
  });

  it("a policy deleted after its status was written is not brought back from the pass's own writes", async () => {
    const { cluster, reconciler } = setUp();
    await reconciler.reconcile();
    cluster.deliver();
    cluster.ingest();
    await reconciler.reconcile();
    cluster.store.delete('deckhouse.io/v1alpha1/OperationPolicy/op');
    cluster.deliver();
    cluster.writes();
    await reconciler.reconcile();
    const writes = cluster.writes();
    expect(writes).toContain('delete D8AllowedRepos/op');
    expect(writes).not.toContain('status OperationPolicy/op');
  });

  it('an object someone created a moment ago (not in the cache yet) is not taken over: a create does not force', async () => {
    const { cluster, reconciler } = setUp();
    await reconciler.reconcile();
    cluster.deliver();
    cluster.ingest();
    cluster.create_({
      apiVersion: CONSTRAINTS,
      kind: 'D8AllowedRepos',
      metadata: { name: 'op', labels: { owner: 'platform-team' } },
      spec: { enforcementAction: 'dryrun' },
    });
    // No deliver(): the cache has not seen it.
    await reconciler.reconcile();
    expect(cluster.writes()).toContain('conflict D8AllowedRepos/op');
    expect(cluster.store.get(`${CONSTRAINTS}/D8AllowedRepos/op`)?.spec).toEqual({ enforcementAction: 'dryrun' });
    expect(cluster.statusOf('OperationPolicy', 'op')?.conditions.find((c) => c.type === 'Degraded')).toMatchObject({
      reason: 'NameConflict',
    });
  });
});
