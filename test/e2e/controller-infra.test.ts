// The operator's infrastructure on the real API server: the watcher follows ConfigMaps and a custom resource (whose
// CRD is created only after the watch started), recovers from a forced 410 Gone, and the Lease elector lets exactly
// one of several replicas lead, hands over on release and on expiry, and writes MicroTime with six digits.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { e2eClient, e2eEnvironment } from '../harness/e2e-env.js';
import { waitFor, waitForCrdEstablished, type KubeObject, type KubeTestClient } from '../harness/kube.js';
import { LeaderElector, type Lease } from '../../src/controller/leader.js';
import { OperatorMetrics } from '../../src/controller/metrics.js';
import { ResourceWatcher, type WatchEventType } from '../../src/controller/watch.js';

jest.setTimeout(120_000);

const SUFFIX = randomBytes(3).toString('hex');
const NAMESPACE = `gw-infra-${SUFFIX}`;
const GROUP = `infra-${SUFFIX}.gatewright.test`;
const CRD_NAME = `widgets.${GROUP}`;
const WAIT = { timeoutMs: 20_000, intervalMs: 50 };

let client: KubeTestClient;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  client = e2eClient();
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  // No controller-manager runs: the namespace stays Terminating, but its objects are gone.
  await client?.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
});

const widgetCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: CRD_NAME },
  spec: {
    group: GROUP,
    scope: 'Cluster',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        },
      },
    ],
  },
};

/** This file's own cluster-scoped custom resource, Widget; created once, deleted after the file. */
async function ensureWidgetCrd(): Promise<void> {
  if (!(await client.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', CRD_NAME))) {
    await client.apply(widgetCrd);
    cleanups.push(() => client.delete(widgetCrd));
  }
  await waitForCrdEstablished(client, CRD_NAME, WAIT);
}

type Delivered = { type: WatchEventType; name: string; data: unknown };

/** Starts a watcher that records what it delivers; stopped after the file. */
function recordingWatcher(
  path: string,
  extra: { labelSelector?: string; resourceVersion?: string; metrics?: OperatorMetrics } = {},
) {
  const delivered: Delivered[] = [];
  const watcher = new ResourceWatcher<KubernetesObject & { data?: unknown; spec?: unknown }>({
    kc: client.kc,
    path,
    baseBackoffMs: 200,
    maxBackoffMs: 1000,
    onEvent: (type, obj) => delivered.push({ type, name: obj.metadata!.name!, data: obj.data ?? obj.spec }),
    ...extra,
  });
  watcher.start();
  cleanups.push(() => watcher.stop());
  const seen = (type: WatchEventType, name: string, data?: unknown) =>
    waitFor(
      `${type} ${name} delivered`,
      async () =>
        delivered.some(
          (d) =>
            d.type === type &&
            d.name === name &&
            (data === undefined || JSON.stringify(d.data) === JSON.stringify(data)),
        ),
      WAIT,
    );
  return { watcher, delivered, seen };
}

function configMap(name: string, data: Record<string, string>, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NAMESPACE, labels }, data };
}

describe('ResourceWatcher on the API server', () => {
  test('sees create, update and delete of a ConfigMap, and only those its label selector matches', async () => {
    const { watcher, delivered, seen } = recordingWatcher(`/api/v1/namespaces/${NAMESPACE}/configmaps`, {
      labelSelector: 'infra-test=watched',
    });
    await watcher.waitForSync();
    await client.apply(configMap('ignored', { a: '1' }));
    await client.apply(configMap('watched', { a: '1' }, { 'infra-test': 'watched' }));
    await seen('ADDED', 'watched', { a: '1' });
    await client.apply(configMap('watched', { a: '2' }, { 'infra-test': 'watched' }));
    await seen('MODIFIED', 'watched', { a: '2' });
    expect(watcher.get('watched', NAMESPACE)).toMatchObject({ data: { a: '2' } });
    await client.delete(configMap('watched', {}));
    await seen('DELETED', 'watched');
    expect(watcher.list()).toEqual([]);
    expect(delivered.map((d) => `${d.type} ${d.name}`)).toEqual([
      'ADDED watched',
      'MODIFIED watched',
      'DELETED watched',
    ]);
    await client.delete(configMap('ignored', {}));
  });

  test('waits quietly for a custom resource whose CRD does not exist yet, then follows it (cluster-scoped)', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const { watcher, seen } = recordingWatcher(`/apis/${GROUP}/v1/widgets`, { metrics });
    await waitFor('a failed attempt', async () => watcher.lastError !== undefined, WAIT);
    expect(watcher.hasSynced()).toBe(false);
    expect(watcher.lastError?.message).toMatch(/404/);

    await ensureWidgetCrd();
    await watcher.waitForSync();

    const widget = (size: number): KubeObject => ({
      apiVersion: `${GROUP}/v1`,
      kind: 'Widget',
      metadata: { name: 'w1' },
      spec: { size },
    });
    await client.apply(widget(1));
    await seen('ADDED', 'w1', { size: 1 });
    await client.apply(widget(2));
    await seen('MODIFIED', 'w1', { size: 2 });
    await client.delete(widget(2));
    await seen('DELETED', 'w1');
    const text = await metrics.exposition();
    expect(text).toMatch(/gatewright_watch_restarts_total\{resource="[^"]+widgets",reason="error"\} [1-9]/);
  });

  test('recovers from a real 410 Gone: relists, reports what exists, then follows changes', async () => {
    // The harness runs the API server without a watch cache, so watches are served by etcd: compacting etcd past a
    // resourceVersion makes a watch from it answer 410 Gone, as it does in a cluster once that version is compacted.
    await ensureWidgetCrd();
    const widget = (name: string, size: number): KubeObject => ({
      apiVersion: `${GROUP}/v1`,
      kind: 'Widget',
      metadata: { name },
      spec: { size },
    });
    const old = await client.apply(widget('old', 1));
    const oldVersion = old.metadata.resourceVersion as string;
    let latest = old;
    for (let i = 0; i < 20; i++) latest = await client.apply(widget('churn', i));
    const compacted = await fetch(`${e2eEnvironment().etcdUrl}/v3/kv/compaction`, {
      method: 'POST',
      body: JSON.stringify({ revision: latest.metadata.resourceVersion, physical: true }),
    });
    expect(compacted.status).toBe(200);

    // The precondition: the API server now answers 410 to a watch from that resourceVersion.
    const raw = await client.request(
      'GET',
      `/apis/${GROUP}/v1/widgets?watch=1&resourceVersion=${oldVersion}&timeoutSeconds=1`,
    );
    expect(raw.body).toMatch(/"code":410/);

    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const { watcher, seen } = recordingWatcher(`/apis/${GROUP}/v1/widgets`, { resourceVersion: oldVersion, metrics });
    await watcher.waitForSync();
    expect(await metrics.exposition()).toMatch(/gatewright_watch_restarts_total\{resource="[^"]+",reason="gone"\} 1/);
    // The relist reports what exists (the cache started empty), at its latest state.
    await seen('ADDED', 'old', { size: 1 });
    await seen('ADDED', 'churn', { size: 19 });
    // And the watch that follows works.
    await client.apply(widget('old', 2));
    await seen('MODIFIED', 'old', { size: 2 });
    await client.apply(widget('new', 1));
    await seen('ADDED', 'new', { size: 1 });
    for (const name of ['old', 'churn', 'new']) await client.delete(widget(name, 0));
  }, 60_000);
});

describe('LeaderElector on a Lease', () => {
  const LEASE_SECONDS = 4;
  const RETRY_SECONDS = 0.5;

  function elector(name: string, identity: string, metrics?: OperatorMetrics) {
    const events: string[] = [];
    const e = new LeaderElector({
      kc: client.kc,
      namespace: NAMESPACE,
      name,
      identity,
      leaseDurationSeconds: LEASE_SECONDS,
      renewDeadlineSeconds: 3,
      retryPeriodSeconds: RETRY_SECONDS,
      ...(metrics ? { metrics } : {}),
      onStartedLeading: () => events.push('started'),
      onStoppedLeading: () => events.push('stopped'),
    });
    cleanups.push(() => e.stop());
    return Object.assign(e, { events, identity });
  }

  const readLease = (name: string) =>
    client.get<KubeObject & Lease>('coordination.k8s.io/v1', 'Lease', name, NAMESPACE) as Promise<Lease | undefined>;

  /** Samples the electors until `ms` has passed; fails if two ever lead at once. */
  async function neverTwoLeaders(electors: LeaderElector[], ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      expect(electors.filter((e) => e.isLeader).length).toBeLessThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test('of five replicas racing for a new Lease exactly one leads; the Lease has MicroTime with six digits', async () => {
    const lease = `race-${SUFFIX}`;
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const electors = ['a', 'b', 'c', 'd', 'e'].map((id) => elector(lease, id, id === 'a' ? metrics : undefined));
    electors.forEach((e) => e.start());
    const leader = await waitFor('a leader', async () => electors.find((e) => e.isLeader), WAIT);
    // Several renewals long.
    await neverTwoLeaders(electors, 3000);
    expect(electors.filter((e) => e.isLeader)).toEqual([leader]);

    const record = await readLease(lease);
    const spec = record?.spec ?? {};
    expect(spec.holderIdentity).toBe(leader.identity);
    expect(leader.events).toEqual(['started']);
    expect(spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(spec.acquireTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(spec.leaseDurationSeconds).toBe(LEASE_SECONDS);
    expect(spec.leaseTransitions).toBe(0);
    // Renewed: renewTime moves on, acquireTime stays.
    await waitFor('a renewal', async () => (await readLease(lease))?.spec?.renewTime !== spec.renewTime, WAIT);
    expect((await readLease(lease))?.spec?.acquireTime).toBe(spec.acquireTime);
    expect(await metrics.exposition()).toContain(
      `gatewright_leader_election_master_status{name="${lease}"} ${leader === electors[0] ? 1 : 0}`,
    );
    await Promise.all(electors.map((e) => e.stop()));
  });

  test('on release the standby takes over at once; on a crash, within the lease duration after its last renewal', async () => {
    const lease = `handover-${SUFFIX}`;
    const first = elector(lease, 'first');
    first.start();
    await waitFor('first leads', async () => first.isLeader, WAIT);
    const second = elector(lease, 'second');
    second.start();
    await neverTwoLeaders([first, second], 1500);
    expect(second.isLeader).toBe(false);
    expect(second.leader).toBe('first');

    // Release: holderIdentity cleared, the standby takes it at its next retry.
    const released = Date.now();
    await first.release();
    expect(first.events).toEqual(['started', 'stopped']);
    await waitFor('second leads', async () => second.isLeader, WAIT);
    const releaseTakeoverMs = Date.now() - released;
    expect(releaseTakeoverMs).toBeLessThan(LEASE_SECONDS * 1000);
    let spec = (await readLease(lease))?.spec ?? {};
    expect(spec).toMatchObject({ holderIdentity: 'second', leaseTransitions: 1, leaseDurationSeconds: LEASE_SECONDS });

    // Crash: stop renewing without releasing. A third replica must wait until the record is LEASE_SECONDS old.
    const third = elector(lease, 'third');
    third.start();
    await neverTwoLeaders([second, third], 1000);
    const lastRenewal = Date.parse((await readLease(lease))!.spec!.renewTime!);
    await second.stop();
    await waitFor('third leads', async () => third.isLeader, WAIT);
    const crashTakeoverMs = Date.now() - lastRenewal;
    // Not before the lease ran out (seen from third's clock, which observed the last renewal a little later)...
    expect(crashTakeoverMs).toBeGreaterThanOrEqual(LEASE_SECONDS * 1000 - 100);
    // ...and within one lease duration plus a retry period or two.
    expect(crashTakeoverMs).toBeLessThan((LEASE_SECONDS + 3 * RETRY_SECONDS) * 1000 + 500);
    spec = (await readLease(lease))?.spec ?? {};
    expect(spec).toMatchObject({ holderIdentity: 'third', leaseTransitions: 2 });
    process.stderr.write(
      `leader handover: after release ${releaseTakeoverMs} ms, after a crash ${crashTakeoverMs} ms ` +
        `from the last renewal (lease ${LEASE_SECONDS} s, retry ${RETRY_SECONDS} s)\n`,
    );
    await third.release();
  });

  test('a leader whose event loop stalled past the renew deadline renews when it wakes and keeps leading', async () => {
    // The operator exited after a long first pass on a loaded machine: its renewal fired after the deadline and gave
    // up untried. As client-go does, the round that wakes late tries at once; the Lease was not taken, so it holds.
    const lease = `stalled-${SUFFIX}`;
    const leader = elector(lease, 'stalled');
    leader.start();
    await waitFor('it leads', async () => leader.isLeader, WAIT);
    const before = (await readLease(lease))?.spec?.renewTime;
    const until = Date.now() + 3500; // past the 3 s renew deadline, within the 4 s lease
    while (Date.now() < until); // a synchronous pass: no timer runs meanwhile
    await waitFor('a renewal after the stall', async () => (await readLease(lease))?.spec?.renewTime !== before, WAIT);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect([leader.isLeader, leader.events]).toEqual([true, ['started']]);
    expect((await readLease(lease))?.spec?.holderIdentity).toBe('stalled');
    await leader.release();
  });

  test('a leader whose Lease was taken by someone else stops leading', async () => {
    const lease = `usurped-${SUFFIX}`;
    const victim = elector(lease, 'victim');
    victim.start();
    await waitFor('victim leads', async () => victim.isLeader, WAIT);
    const current = (await readLease(lease))!;
    const now = new Date().toISOString().replace('Z', '000Z');
    await client.request('PUT', `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${lease}`, {
      ...current,
      spec: { ...current.spec, holderIdentity: 'intruder', renewTime: now, leaseDurationSeconds: 60 },
    });
    await waitFor('victim stops leading', async () => !victim.isLeader, WAIT);
    expect(victim.events).toEqual(['started', 'stopped']);
    expect(victim.leader).toBe('intruder');
  });
});
