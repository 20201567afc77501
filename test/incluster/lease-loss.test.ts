// Issue 14, in-cluster half: the leader loses the API server, so it cannot renew its Lease; it exits (the
// controller-runtime convention), the kubelet restarts its container, the other replica takes over, and once the API
// server is reachable again both replicas are Ready and enforcement goes on. The leader's Pod alone is cut off: a
// REJECT rule on the node for TCP from its IP to the API server (pods reach it through the `kubernetes` Service,
// DNAT-ed to the host's address, so the rule sits in INPUT, first).
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, getJson, inclusterEnv, kubectl, kubectlOk, pod, type Obj } from './support.js';

jest.setTimeout(420000);

const NS = 'gatewright-system';
const AFTER_NS = 'incluster-after-lease-loss';
let rule: string[] | undefined;

const iptables = (args: string[]) => spawnSync('iptables', args, { encoding: 'utf8' });
const operatorPods = () =>
  (getJson(['-n', NS, 'get', 'pods', '-l', 'app.kubernetes.io/name=gatewright']).items as Obj[]).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
const restarts = (p: Obj) => Number(p.status.containerStatuses?.[0]?.restartCount ?? 0);
const ready = (p: Obj) => p.status.containerStatuses?.[0]?.ready === true;
const leaseHolder = () => String(getJson(['-n', NS, 'get', 'lease', 'gatewright']).spec?.holderIdentity ?? '');

function heal(): void {
  if (rule) iptables(['-D', ...rule]);
  rule = undefined;
}

afterAll(() => {
  heal();
  kubectl(['delete', 'namespace', AFTER_NS, '--ignore-not-found', '--wait=false']);
});

describe('the leader cut off from the API server', () => {
  it('exits, is restarted by the kubelet, the other replica leads, and both converge once the API is back', async () => {
    const pods = await eventually(
      'two Ready gatewright Pods',
      () => {
        const ps = operatorPods();
        return ps.length === 2 && ps.every(ready) && ps;
      },
      180000,
    );
    const holder = await eventually('a leader', () => leaseHolder());
    const leader = pods.find((p) => holder.startsWith(`${p.metadata.name}-`)) as Obj;
    expect(leader).toBeDefined();
    const [hostIp, port] = readFileSync(join(inclusterEnv().stateDir, 'apiserver.address'), 'utf8').trim().split(':');
    const before = restarts(leader);
    rule = ['INPUT', '-s', leader.status.podIP, '-d', hostIp, '-p', 'tcp', '--dport', port, '-j', 'REJECT'];
    const inserted = iptables(['-I', ...rule.slice(0, 1), '1', ...rule.slice(1)]);
    expect([inserted.status, inserted.stderr]).toEqual([0, '']);
    const cut = Date.now();

    const next = await eventually(
      'the other replica to take the Lease',
      () => {
        const h = leaseHolder();
        return h !== '' && !h.startsWith(`${leader.metadata.name}-`) && h;
      },
      120000,
    );
    const takeover = (Date.now() - cut) / 1000;
    await eventually(
      'the cut-off leader to exit and be restarted',
      () => restarts(getJson(['-n', NS, 'get', 'pod', leader.metadata.name])) > before,
      120000,
    );
    const restarted = (Date.now() - cut) / 1000;
    // Why it restarted: it exited on its own (exit code 1, its last line says it lost the Lease), not killed by a
    // failed liveness probe (137/143) nor OOM.
    const terminated = getJson(['-n', NS, 'get', 'pod', leader.metadata.name]).status.containerStatuses?.[0]?.lastState
      ?.terminated as Obj | undefined;
    // The whole log: watch retries keep logging after the Lease line until the process exits.
    const previous = kubectl(['-n', NS, 'logs', leader.metadata.name, '--previous']);
    const log = previous.stdout || previous.stderr;
    const lines = log.trimEnd().split('\n');
    heal();
    const healed = Date.now();
    await eventually(
      'both replicas Ready again',
      () => {
        const ps = operatorPods();
        return ps.length === 2 && ps.every(ready) && ps;
      },
      240000,
      1000,
    );
    const recovered = (Date.now() - healed) / 1000;

    // The new leader enforces a change made after the fault.
    kubectlOk(
      ['apply', '--server-side', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: AFTER_NS, labels: { 'security.deckhouse.io/pod-policy': 'restricted' } },
      }),
    );
    const denied = await eventually('a root Pod to be denied after the fault', () => {
      const r = kubectl(
        ['create', '--dry-run=server', '-f', '-'],
        JSON.stringify(pod(AFTER_NS, 'root', {}, { securityContext: { runAsUser: 0 } })),
      );
      return r.code !== 0 && /denied the request/.test(r.stderr) && r.stderr;
    });
    expect(denied).toMatch(/validation\.gatekeeper\.sh/);
    expect(next).not.toContain(leader.metadata.name);
    expect(terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(log).toMatch(/"msg":"lost the Lease; exiting so that only the new leader writes"/);
    // Its last line is the one shutdown() logs just before process.exit(): nothing was lost in the pipe.
    expect(lines.at(-1)).toMatch(/"msg":"stopped".*"exitCode":1/);
    console.log(
      `lease loss in-cluster: takeover by the other replica ${takeover.toFixed(1)} s after the cut, the cut-off ` +
        `leader restarted by the kubelet after ${restarted.toFixed(1)} s; both Ready ${recovered.toFixed(1)} s ` +
        `after the API server was reachable again\nthe cut-off leader's last log lines before its restart:\n${lines.slice(-8).join('\n')}`,
    );
  });
});
