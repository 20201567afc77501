// `gatewright run` as real processes on the local control plane: two replicas, exactly one leads and writes; killing
// it hands over within the lease duration; the new leader converges; an idle leader writes nothing; SIGTERM releases
// the Lease and exits cleanly. Metrics and health come from the processes' own /metrics, /healthz and /readyz.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { e2eClient, e2eEnvironment } from '../harness/e2e-env.js';
import { waitFor, type KubeObject, type KubeTestClient } from '../harness/kube.js';
import { repoRoot } from '../harness/paths.js';
import { installCrds, removeManagedObjects } from '../support/crds.js';

jest.setTimeout(300_000);

const LEASE_NAMESPACE = 'gw-proc-system';
const LEASE = 'gatewright-e2e';
const LEASE_SECONDS = 6;
const NS = 'gw-proc-team';

interface Replica {
  identity: string;
  port: number;
  process: ChildProcess;
  log: string[];
  exited?: number | null;
}

let client: KubeTestClient;
const replicas: Replica[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function startReplica(identity: string): Promise<Replica> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(repoRoot(), 'dist', 'cli', 'main.js'),
      'run',
      '--identity',
      identity,
      '--ops-port',
      String(port),
      '--ops-host',
      '127.0.0.1',
      '--lease-namespace',
      LEASE_NAMESPACE,
      '--lease-name',
      LEASE,
      '--lease-duration',
      String(LEASE_SECONDS),
      '--resync',
      '5',
    ],
    { env: { ...process.env, KUBECONFIG: e2eEnvironment().kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const replica: Replica = { identity, port, process: child, log: [] };
  const collect = (d: Buffer) => replica.log.push(...d.toString().split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.on('exit', (code) => (replica.exited = code));
  replicas.push(replica);
  return replica;
}

async function metric(replica: Replica, name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${replica.port}/metrics`);
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

async function holder(): Promise<string | undefined> {
  const lease = await client.get<KubeObject>('coordination.k8s.io/v1', 'Lease', LEASE, LEASE_NAMESPACE);
  return (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity || undefined;
}

const policy = (names: string[]) => ({
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'OperationPolicy',
  metadata: { name: 'gw-proc-priority' },
  spec: { policies: { priorityClassNames: names }, match: { namespaceSelector: { matchNames: [NS] } } },
});

async function constraintParameters(): Promise<unknown> {
  const c = await client.get<KubeObject>('constraints.gatekeeper.sh/v1beta1', 'D8PriorityClass', 'gw-proc-priority');
  return (c?.spec as { parameters?: unknown } | undefined)?.parameters;
}

beforeAll(async () => {
  client = e2eClient();
  await installCrds(client);
  for (const name of [LEASE_NAMESPACE, NS])
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await client.apply(policy(['high']) as unknown as KubeObject);
});

afterAll(async () => {
  for (const r of replicas) if (r.exited === undefined) r.process.kill('SIGKILL');
  if (!client) return;
  await client.delete(policy([]) as unknown as KubeObject);
  await removeManagedObjects(client);
});

describe('two operator processes', () => {
  let first: Replica;
  let second: Replica;
  let leader: Replica;
  let standby: Replica;

  test('exactly one leads, and it converges the policy; the standby writes nothing', async () => {
    first = await startReplica('replica-a');
    second = await startReplica('replica-b');
    const identity = await waitFor('a leader', holder, { timeoutMs: 30_000 });
    leader = identity === first.identity ? first : second;
    standby = leader === first ? second : first;
    await waitFor(
      'the policy to be enforced',
      async () => {
        const res = await client.request('GET', '/apis/deckhouse.io/v1alpha1/operationpolicies/gw-proc-priority');
        const status = (res.json as { status?: { conditions?: { type: string; status: string }[] } }).status;
        return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
    expect(await constraintParameters()).toEqual({ priorityClassNames: ['high'] });
    expect(await metric(leader, 'gatewright_leader_election_master_status')).toBe(1);
    expect(await metric(standby, 'gatewright_leader_election_master_status')).toBe(0);
    expect(await metric(leader, 'gatewright_api_write_requests_total')).toBeGreaterThan(0);
    expect(await metric(standby, 'gatewright_api_write_requests_total')).toBe(0);
    // Templates, constraints, the sync set and admission policies: the standards alone are two of each.
    expect(await metric(leader, 'gatewright_managed_objects')).toBeGreaterThan(10);
    expect(await metric(leader, 'gatewright_reconcile_total')).toBeGreaterThan(0);
    for (const probe of ['healthz', 'readyz']) {
      const res = await fetch(`http://127.0.0.1:${leader.port}/${probe}?verbose`);
      expect(`${probe} ${res.status} ${await res.text()}`).toMatch(new RegExp(`^${probe} 200 `));
    }
  });

  test('the Lease renewTime carries microseconds', async () => {
    const lease = await client.get<KubeObject>('coordination.k8s.io/v1', 'Lease', LEASE, LEASE_NAMESPACE);
    expect((lease?.spec as { renewTime?: string }).renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  test('idle: after convergence and full resyncs the leader makes no write request', async () => {
    const before = await metric(leader, 'gatewright_api_write_requests_total');
    const reconcilesBefore = await metric(leader, 'gatewright_reconcile_total');
    // --resync 5: wait for at least two full passes.
    await waitFor(
      'two more reconciles',
      async () => (await metric(leader, 'gatewright_reconcile_total')) >= reconcilesBefore + 2,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(await metric(leader, 'gatewright_api_write_requests_total')).toBe(before);
  });

  test('a constraint deleted by hand is restored by the running leader', async () => {
    await client.delete({
      apiVersion: 'constraints.gatekeeper.sh/v1beta1',
      kind: 'D8PriorityClass',
      metadata: { name: 'gw-proc-priority' },
    });
    await waitFor(
      'the constraint to come back',
      async () => JSON.stringify(await constraintParameters()) === JSON.stringify({ priorityClassNames: ['high'] }),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  test('killing the leader hands over within the lease duration, and the new leader converges', async () => {
    const killedAt = Date.now();
    leader.process.kill('SIGKILL');
    const next = await waitFor(
      'the standby to lead',
      async () => ((await holder()) === standby.identity ? true : undefined),
      { timeoutMs: (LEASE_SECONDS + 10) * 1000, intervalMs: 200 },
    );
    expect(next).toBe(true);
    const handover = (Date.now() - killedAt) / 1000;
    expect(handover).toBeLessThan(LEASE_SECONDS + 3);
    expect(await metric(standby, 'gatewright_leader_election_master_status')).toBe(1);
    await client.apply(policy(['high', 'low']) as unknown as KubeObject);
    await waitFor(
      'the new leader to apply the edit',
      async () =>
        JSON.stringify(await constraintParameters()) === JSON.stringify({ priorityClassNames: ['high', 'low'] }),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  test('SIGTERM: the leader finishes, releases the Lease and exits 0', async () => {
    standby.process.kill('SIGTERM');
    await waitFor('the process to exit', async () => standby.exited !== undefined, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(standby.exited).toBe(0);
    expect(await holder()).toBeUndefined();
    expect(standby.log.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    // Logs are JSON lines with the Kubernetes-style keys.
    const line = JSON.parse(standby.log.find((l) => l.includes('"msg":"reconciled"')) ?? '{}') as Record<
      string,
      unknown
    >;
    expect(line).toMatchObject({ level: 'info', msg: 'reconciled', logger: 'gatewright' });
    expect(typeof line.ts).toBe('number');
  });
});
