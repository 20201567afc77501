// Issue 14's fault table, re-run: each fault injected on the local control plane with `gatewright run` as a process.
// A supervisor restarts the operator when it exits (the kubelet's part; the in-cluster suite shows the real one).
// Each row then waits until a violating Pod is denied by Gatekeeper again and prints how long that took after the
// fault ended, and whether the operator survived or was restarted and converged. The stalls are SIGSTOP/SIGCONT of
// the harness's own processes (a frozen process: requests hang, as with a host that stopped answering).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { readState, type ControlPlaneState } from '../harness/control-plane.js';
import { e2eClient, e2eEnvironment } from '../harness/e2e-env.js';
import { waitFor, type KubeObject, type KubeTestClient } from '../harness/kube.js';
import { repoRoot } from '../harness/paths.js';
import { installCrds, removeManagedObjects } from '../support/crds.js';

jest.setTimeout(900_000);

const RUN = Date.now().toString(36);
const LEASE_NS = `gw-table-system-${RUN}`;
const BASELINE_NS = `gw-table-baseline-${RUN}`;
const RESTRICTED_NS = `gw-table-restricted-${RUN}`;
const LEASE = `gatewright-table-${RUN}`;
const LEASE_SECONDS = 6;
const CONSTRAINTS = '/apis/constraints.gatekeeper.sh/v1beta1';
const ESCALATION = `${CONSTRAINTS}/d8podsecurity/d8-pod-security-restricted-deny-default`;

let client: KubeTestClient;

interface Operator {
  identity: string;
  port: number;
  child?: ChildProcess;
  starts: number;
  stopping: boolean;
  log: string[];
  /** Why each run ended: the signal or exit code, and the last log line about the Lease or an error. */
  exits: string[];
}
const operators: Operator[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      server.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts `gatewright run` and restarts it a second after it exits, until stopped (what the kubelet does). */
async function supervised(identity: string): Promise<Operator> {
  const op: Operator = { identity, port: await freePort(), starts: 0, stopping: false, log: [], exits: [] };
  const start = () => {
    op.starts++;
    const from = op.log.length;
    const child = spawn(
      process.execPath,
      [
        join(repoRoot(), 'dist', 'cli', 'main.js'),
        'run',
        ...['--identity', identity, '--ops-port', String(op.port), '--ops-host', '127.0.0.1'],
        ...['--lease-namespace', LEASE_NS, '--lease-name', LEASE, '--lease-duration', String(LEASE_SECONDS)],
        ...['--resync', '10'],
      ],
      { env: { ...process.env, KUBECONFIG: e2eEnvironment().kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const collect = (d: Buffer) => op.log.push(...d.toString().split('\n').filter(Boolean).slice(-50));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('exit', (code, signal) => {
      // The cause, not the shutdown's last words ("Released the Lease"): why it lost the Lease, or what failed.
      const run = op.log.slice(from);
      const why =
        run.find((l) => /lost the Lease/i.test(l)) ??
        run.filter((l) => /stalled|fatal|uncaught|"level":"error"/i.test(l)).at(-1) ??
        run.filter((l) => /lease|leader|exit|error/i.test(l)).at(-1) ??
        '';
      op.exits.push(`${signal ?? `exit ${code}`}: ${why.slice(0, 240)}`);
      if (!op.stopping) setTimeout(start, 1000);
    });
    op.child = child;
  };
  start();
  operators.push(op);
  return op;
}

async function stop(op: Operator): Promise<void> {
  op.stopping = true;
  const child = op.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

async function metric(op: Operator, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${op.port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

/** The harness's own process (etcd, kube-apiserver, gatekeeper), by the pid it recorded. */
function harnessPid(name: string): number {
  const dir = dirname(e2eEnvironment().kubeconfigPath);
  // A private control plane keeps harness.json beside its kubeconfig; `make cluster-up` writes state.json instead.
  const reused = join(dir, 'state.json');
  const state = existsSync(reused) ? (JSON.parse(readFileSync(reused, 'utf8')) as ControlPlaneState) : readState(dir);
  const p = state?.processes.find((r) => r.name === name);
  if (!p) throw new Error(`no ${name} process recorded by the harness`);
  return p.pid;
}

async function frozen(name: string, ms: number, during?: () => Promise<void>): Promise<void> {
  const pid = harnessPid(name);
  process.kill(pid, 'SIGSTOP');
  try {
    const until = Date.now() + ms;
    if (during) await during();
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

const container = (securityContext: Record<string, unknown>) => ({
  name: 'app',
  image: 'registry.example.com/app:1.0',
  securityContext,
});
const pod = (namespace: string, securityContext: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `probe-${Math.random().toString(36).slice(2, 8)}`, namespace },
  spec: { containers: [container(securityContext)], ...spec },
}); // prettier-ignore
/** Restricted in every other respect: only Gatekeeper's allowPrivilegeEscalation constraint denies it. */
const escalation = () =>
  pod(RESTRICTED_NS, {
    allowPrivilegeEscalation: true,
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
    capabilities: { drop: ['ALL'] },
  });
const privileged = () => pod(BASELINE_NS, { privileged: true });

async function status(obj: KubeObject): Promise<{ status: number; message: string }> {
  const res = await client.createRaw(obj as KubeObject, { dryRun: true }).catch(() => ({ status: 0, json: {} }));
  return { status: res.status, message: (res.json as { message?: string } | undefined)?.message ?? '' };
}
const deniedByGatekeeper = async () => {
  const r = await status(escalation() as unknown as KubeObject);
  return r.status === 403 && r.message.includes('validation.gatekeeper.sh');
};

interface EscalationConstraint {
  metadata?: { uid?: string };
  status?: { byPod?: { constraintUID?: string; enforced?: boolean }[] };
}
const escalationConstraint = async () =>
  (await client.request('GET', ESCALATION)).json as EscalationConstraint | undefined;

/**
 * Deletes the constraint the probe Pod is denied by. Returns the recovery condition: the constraint made again (a new
 * uid) and every Gatekeeper Pod reporting that new one enforced. Without it, a probe sent before Gatekeeper has
 * handled the delete still sees the old constraint, and the row "recovers" at 0.0 s only to fail the re-check.
 */
async function deleteEscalation(): Promise<() => Promise<boolean>> {
  const before = (await escalationConstraint())?.metadata?.uid;
  expect((await client.request('DELETE', ESCALATION)).status).toBe(200);
  return async () => {
    const c = await escalationConstraint();
    const uid = c?.metadata?.uid;
    return (
      uid !== undefined &&
      uid !== before &&
      (c?.status?.byPod ?? []).length > 0 &&
      (c?.status?.byPod ?? []).every((p) => p.constraintUID === uid && p.enforced === true)
    );
  };
}

/** Warning Events about policies (gatewright records them in `default`, the cluster-scoped objects' namespace). */
async function policyWarnings(): Promise<number> {
  const list = (await client.request('GET', '/api/v1/namespaces/default/events?fieldSelector=type%3DWarning')).json as {
    items?: { involvedObject?: { kind?: string } }[];
  };
  return (list.items ?? []).filter((e) => ['SecurityPolicy', 'OperationPolicy'].includes(e.involvedObject?.kind ?? ''))
    .length;
}

interface Row {
  fault: string;
  outcome: string;
  recoveryMs: number;
  note: string;
}
const rows: Row[] = [];
let leader: Operator;

/** What a fault's injection reports: a note for the table, and a condition of its own for having recovered. */
type Injected = string | void | { note?: string; recovered: () => Promise<boolean> };

/** Runs one row: the fault, then the time until a violating Pod is denied by Gatekeeper again. */
async function row(fault: string, inject: () => Promise<Injected>, recovered?: () => Promise<boolean>) {
  const startsBefore = leader.starts;
  const exitsBefore = leader.exits.length;
  const injected = await inject();
  const note = (typeof injected === 'object' ? injected.note : injected) ?? '';
  const conditions = [recovered, typeof injected === 'object' ? injected.recovered : undefined].filter(
    (c): c is () => Promise<boolean> => c !== undefined,
  );
  const ended = Date.now();
  await waitFor(
    `recovery after: ${fault}`,
    async () => {
      if (!(await deniedByGatekeeper())) return undefined;
      for (const c of conditions) if (!(await c())) return undefined;
      return true;
    },
    { timeoutMs: 180_000, intervalMs: 250 },
  );
  const recoveryMs = Date.now() - ended;
  const restarts = leader.starts - startsBefore;
  const outcome = restarts === 0 ? 'survived' : `restarted (${restarts}x) and converged`;
  const exits = leader.exits.slice(exitsBefore);
  rows.push({ fault, outcome, recoveryMs, note: [note, ...exits].filter(Boolean).join('; ') });
  // Converged: the violating Pod is denied, and the operator is up.
  expect(await deniedByGatekeeper()).toBe(true);
}

beforeAll(async () => {
  client = e2eClient();
  await installCrds(client);
  const namespaces: [string, string][] = [
    [LEASE_NS, ''],
    [BASELINE_NS, 'baseline'],
    [RESTRICTED_NS, 'restricted'],
  ];
  for (const [name, level] of namespaces) {
    const labels = level ? { 'security.deckhouse.io/pod-policy': level } : {};
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  } // prettier-ignore
  leader = await supervised('table-a');
  await waitFor('the operator to converge', async () => ((await deniedByGatekeeper()) ? true : undefined), {
    timeoutMs: 240_000,
    intervalMs: 1000,
  });
});

afterAll(async () => {
  for (const op of operators) await stop(op);
  if (rows.length > 0) {
    const width = Math.max(...rows.map((r) => r.fault.length));
    const lines = rows.map(
      (r) =>
        `| ${r.fault.padEnd(width)} | ${r.outcome.padEnd(28)} | ${(r.recoveryMs / 1000).toFixed(1).padStart(6)} s | ${r.note}`,
    );
    console.log(
      ['fault table (recovery: from the fault ending to a violating Pod denied by Gatekeeper again)', ...lines].join(
        '\n',
      ),
    );
  }
  if (!client) return;
  for (const name of ['gw-table-invalid', 'gw-table-huge', 'gw-table-regex'])
    await client.delete({ apiVersion: 'deckhouse.io/v1alpha1', kind: 'SecurityPolicy', metadata: { name } });
  for (let i = 0; i < 30; i++)
    await client.delete({ apiVersion: 'deckhouse.io/v1alpha1', kind: 'OperationPolicy', metadata: { name: `gw-table-${i}` } });
  await client.delete({ apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', metadata: { name: 'admission-policy-engine' } });
  await removeManagedObjects(client);
}); // prettier-ignore

// It stops and freezes the control plane's processes: `make test` runs it as a step of its own (hack/test-all.mjs,
// suite `faults`, on a control plane of its own), as does `make fault-table`; inside the e2e suite it is skipped.
const tableTest = process.env.GATEWRIGHT_FAULT_TABLE === '1' ? test : test.skip;

tableTest(
  'the fault table: every row survives or restarts and converges; a violating Pod is denied afterwards',
  async () => {
    await row('Gatekeeper manager stopped 10 s', async () => {
      let probes = 0;
      let denied = 0;
      await frozen('gatekeeper', 10_000, async () => {
        await new Promise((r) => setTimeout(r, 1000));
        for (let i = 0; i < 5; i++) {
          probes++;
          if ((await status(privileged() as unknown as KubeObject)).status === 403) denied++;
        }
      });
      // The webhook fails open; the backstop, evaluated by the API server, still denies.
      expect(denied).toBe(probes);
      return `privileged Pods denied meanwhile: ${denied}/${probes} (backstop)`;
    });

    await row('API server frozen 15 s (SIGSTOP)', () => frozen('kube-apiserver', 15_000));

    await row('etcd stalled 20 s (SIGSTOP)', () => frozen('etcd', 20_000));

    await row('SIGKILL after a share of 30 new policies', async () => {
    for (let i = 0; i < 30; i++)
      await client.apply({
        apiVersion: 'deckhouse.io/v1alpha1',
        kind: 'OperationPolicy',
        metadata: { name: `gw-table-${i}` },
        spec: { policies: { priorityClassNames: [`p${i}`] }, match: { namespaceSelector: { matchNames: [BASELINE_NS] } } },
      } as unknown as KubeObject); // prettier-ignore
    await waitFor('some of them applied', async () => {
      const list = (await client.request('GET', `${CONSTRAINTS}/d8priorityclass`)).json as { items?: unknown[] };
      return (list.items?.length ?? 0) > 0 ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 100 }); // prettier-ignore
    leader.child?.kill('SIGKILL');
  }, async () => {
    const list = (await client.request('GET', `${CONSTRAINTS}/d8priorityclass`)).json as {
      items?: { metadata: { name: string } }[];
    };
    const names = (list.items ?? []).map((i) => i.metadata.name).filter((n) => n.startsWith('gw-table-'));
    return names.length === 30;
  }); // prettier-ignore

    await row('a second operator (standby)', async () => {
    const standby = await supervised('table-b');
    const holder = async () => ((await client.get<KubeObject>('coordination.k8s.io/v1', 'Lease', LEASE, LEASE_NS))?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
    const writes = (op: Operator) => metric(op, 'gatewright_api_write_requests_total').catch(() => -1);
    await waitFor('the standby to serve metrics', async () => ((await writes(standby)) >= 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
    // A leader restarted by the row before may still be handing over: measure once someone holds the Lease.
    const leading = await waitFor('a Lease holder', async () => (await holder()) || undefined, { timeoutMs: 60_000, intervalMs: 500 });
    const other = leading === standby.identity ? leader : standby;
    const before = await writes(other);
    await new Promise((r) => setTimeout(r, 15_000));
    const after = await writes(other);
    const still = await holder();
    await stop(standby);
    expect(still).toBe(leading);
    expect(after - before).toBe(0);
    return `leader ${leading}; the other's writes in 15 s: ${after - before}`;
  }); // prettier-ignore

    await row('ConstraintTemplate deleted by hand', async () => {
    expect((await client.request('DELETE', '/apis/templates.gatekeeper.sh/v1/constrainttemplates/d8podsecurity')).status).toBe(200);
    await waitFor('the template to be gone', async () => ((await deniedByGatekeeper()) ? undefined : true), { timeoutMs: 30_000, intervalMs: 100 });
  }); // prettier-ignore

    await row('constraint deleted by hand', async () => ({ recovered: await deleteEscalation() }));

    await row('managed-by label removed, spec.match.namespaces added', async () => {
    const edit = { metadata: { labels: { 'app.kubernetes.io/managed-by': null } }, spec: { match: { namespaces: ['nowhere'] } } };
    expect((await client.request('PATCH', `${ESCALATION}?fieldManager=hand-edit`, edit, 'application/merge-patch+json')).status).toBe(200);
  }, async () => {
    const c = (await client.request('GET', ESCALATION)).json as { metadata: { labels?: Record<string, string> }; spec: { match: Record<string, unknown> } };
    return c.metadata.labels?.['app.kubernetes.io/managed-by'] === 'gatewright' && c.spec.match.namespaces === undefined;
  }); // prettier-ignore

    let policyWarningsBefore = 0;
    await row('invalid ModuleConfig, then a constraint deleted', async () => {
    policyWarningsBefore = await policyWarnings();
    const mc = { apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', metadata: { name: 'admission-policy-engine' }, spec: { version: 1, settings: { podSecurityStandards: { defaultPolicy: 'Strict' } } } };
    const r = await client.request('PATCH', '/apis/deckhouse.io/v1alpha1/moduleconfigs/admission-policy-engine?fieldManager=gw-table&force=true', mc, 'application/apply-patch+yaml');
    expect(r.status).toBeLessThan(300);
    return { note: 'missing objects still created; nothing in force changed', recovered: await deleteEscalation() };
  }, async () => {
    // What kubectl shows: the ModuleConfig carries the error; a policy whose own spec is fine stays Valid and Ready,
    // its Ready message naming the settings in force.
    const mc = (await client.request('GET', '/apis/deckhouse.io/v1alpha1/moduleconfigs/admission-policy-engine')).json as { status?: { message?: string } };
    const op = (await client.request('GET', '/apis/deckhouse.io/v1alpha1/operationpolicies/gw-table-0')).json as { status?: { conditions?: { type: string; status: string; message: string }[] } };
    const c = (t: string) => op.status?.conditions?.find((x) => x.type === t);
    return /^invalid settings/.test(mc.status?.message ?? '') && c('Valid')?.status === 'True' && c('Ready')?.status === 'True' && (c('Ready')?.message ?? '').includes('ModuleConfig admission-policy-engine is invalid');
  }); // prettier-ignore
    // No Warning Event on any policy for a problem of the ModuleConfig's (the issue saw 195 of them).
    expect((await policyWarnings()) - policyWarningsBefore).toBe(0);

    await row('a huge invalid policy (10,000 bad entries)', async () => {
    const huge = { apiVersion: 'deckhouse.io/v1alpha1', kind: 'SecurityPolicy', metadata: { name: 'gw-table-huge' }, spec: { enforcementAction: 'Deny', policies: { allowedUnsafeSysctls: Array.from({ length: 10_000 }, (_, i) => `bad sysctl ${i} [`) }, match: { namespaceSelector: { matchNames: [BASELINE_NS] } } } };
    const r = await client.request('PATCH', '/apis/deckhouse.io/v1alpha1/securitypolicies/gw-table-huge?fieldManager=gw-table&force=true', huge, 'application/apply-patch+yaml');
    return { note: r.status < 300 ? 'stored; reported on its status' : `refused at the door: HTTP ${r.status}`, recovered: await deleteEscalation() };
  }); // prettier-ignore

    await row('a catastrophic sysctl glob', async () => {
    const glob = `${'*a'.repeat(40)}!`;
    const policy = { apiVersion: 'deckhouse.io/v1alpha1', kind: 'SecurityPolicy', metadata: { name: 'gw-table-regex' }, spec: { enforcementAction: 'Deny', policies: { allowedUnsafeSysctls: [glob], forbiddenSysctls: [glob] }, match: { namespaceSelector: { matchNames: [BASELINE_NS] } } } };
    const r = await client.request('PATCH', '/apis/deckhouse.io/v1alpha1/securitypolicies/gw-table-regex?fieldManager=gw-table&force=true', policy, 'application/apply-patch+yaml');
    return { note: r.status < 300 ? 'stored; matched in linear time' : `refused at the door: HTTP ${r.status}`, recovered: await deleteEscalation() };
  }); // prettier-ignore

    // Every row either survived or was restarted and converged (row() waited for a denied Pod after each).
    expect(rows.map((r) => r.outcome.startsWith('survived') || r.outcome.includes('converged'))).toEqual(
      rows.map(() => true),
    );
    expect(rows).toHaveLength(11);
  },
);
