// gatewright as users run it: an image, a Deployment of two replicas installed with `kubectl apply -k manifests/`,
// on a real node (kubelet + containerd), next to Gatekeeper installed from its own manifest. What a cluster admin
// sees through kubectl: Deployments Available, Pods Running, the Lease, policy status, admission answers, logs and
// /metrics through the Service, for a token allowed to read it (--metrics-auth).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import {
  clusterSnapshot,
  condition,
  eventually,
  getJson,
  httpGet,
  kubectl,
  kubectlOk,
  metricsReaderToken,
  pod,
  repo,
  restrictedContainerContext,
  type Obj,
} from './support.js';

jest.setTimeout(180000);

const NS = 'gatewright-system';
const EXAMPLES = join(repo, 'manifests', 'examples', 'dvp');
const SLIPPED = 'test-operation-policy';
/** The DVP documentation's policies (the raw Gatekeeper examples and the slipped one left out). */
const examples = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => (loadAll(readFileSync(join(EXAMPLES, f), 'utf8')) as Obj[]).filter(Boolean))
  .filter((o) => o.apiVersion === 'deckhouse.io/v1alpha1' && o.metadata.name !== SLIPPED);
const RESTRICTED_NS = 'incluster-restricted';
const HANDOVER_NS = 'incluster-after-handover';
/** The namespace the DVP image-signature example selects. */
const SIGNED_NS = 'test-namespace';
const CERTS = join(repo, 'manifests', 'overlays', 'full', 'certs');

const operatorPods = () =>
  (getJson(['-n', NS, 'get', 'pods', '-l', 'app.kubernetes.io/name=gatewright']).items as Obj[]).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
const leaseHolder = () => String(getJson(['-n', NS, 'get', 'lease', 'gatewright']).spec?.holderIdentity ?? '');
/** The Pod whose replica holds the Lease (identity = host name, which is the Pod name, and pid). */
const leaderPod = () => operatorPods().find((p) => leaseHolder().startsWith(`${p.metadata.name}-`));

function apply(objects: Obj[]): void {
  kubectlOk(['apply', '--server-side', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n'));
}

/** Creates the Pod; the API server's answer (exit code and stderr, where a denial says why). */
function createPod(p: Obj) {
  return kubectl(['create', '-f', '-'], JSON.stringify(p));
}

beforeAll(async () => {
  // Retried: right after a rollout (the RBAC suite scales the Deployment down and up) the API server may still hold a
  // connection to a gone replica's webhook endpoint, and the first policy writes fail with a reset connection.
  await eventually(
    'the examples to be applied',
    () => {
      apply([
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: RESTRICTED_NS, labels: { 'operation-policy.deckhouse.io/restricted-enabled': 'true' } },
        },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SIGNED_NS } },
        ...examples,
      ]);
      return true;
    },
    120000,
    2000,
  );
});

afterAll(() => {
  kubectl(['delete', 'namespace', RESTRICTED_NS, HANDOVER_NS, SIGNED_NS, '--ignore-not-found', '--wait=false']);
  kubectl(
    ['delete', '-f', '-', '--ignore-not-found', '--wait=false'],
    examples.map((o) => JSON.stringify(o)).join('\n'),
  );
});

describe('installed from the manifests, on the node', () => {
  it.each([
    ['gatekeeper-system', 'gatekeeper-controller-manager'],
    ['gatekeeper-system', 'gatekeeper-audit'],
    [NS, 'gatewright'],
  ])('Deployment %s/%s is Available', (namespace, name) => {
    const d = getJson(['-n', namespace, 'get', 'deployment', name]);
    expect(condition(d, 'Available')?.status).toBe('True');
    expect(d.status.readyReplicas).toBe(d.spec.replicas);
  });

  it('runs two gatewright Pods on the node, one of which leads', async () => {
    const pods = await eventually('two Running gatewright Pods', () => {
      const ps = operatorPods();
      return ps.length === 2 && ps.every((p) => p.status.phase === 'Running') && ps;
    });
    expect(pods.map((p) => p.spec.nodeName)).toEqual(['gatewright-node', 'gatewright-node']);
    expect(pods.every((p) => p.spec.serviceAccountName === 'gatewright')).toBe(true);
    const leader = await eventually('a leader', leaderPod);
    expect(pods.map((p) => p.metadata.name)).toContain(leader.metadata.name);
  });
});

/**
 * What a failed wait needs to be understood: each policy's Ready, each replica's last log lines, and the cluster
 * snapshot (Gatekeeper's Pods, templates and logs, the Lease holder).
 */
function diagnostics(): string {
  const policies = examples.map((e) => {
    const ready = condition(getJson(['get', e.kind.toLowerCase(), e.metadata.name]), 'Ready');
    return `${e.kind}/${e.metadata.name}: ${ready?.status} ${ready?.reason} ${String(ready?.message).slice(0, 200)}`;
  });
  const logs = operatorPods().map(
    (p) => `--- ${p.metadata.name}\n${kubectl(['-n', NS, 'logs', p.metadata.name, '--tail=30']).stdout.slice(-6000)}`,
  );
  return [...policies, ...logs, clusterSnapshot()].join('\n');
}

describe('the DVP documentation examples', () => {
  it('are Ready (the image-signature one too: the provider component is installed)', async () => {
    for (const e of examples) {
      const status = await eventually(
        `${e.kind} ${e.metadata.name} to settle`,
        () => {
          const s = getJson(['get', `${e.kind.toLowerCase()}`, e.metadata.name]);
          const ready = condition(s, 'Ready');
          return ready && ready.status !== 'Unknown' && ready.reason !== 'Progressing' && s;
          // A leader that just took over (after the RBAC suite) re-applies every template; Gatekeeper ingests them
          // slowly on two loaded cores.
        },
        240000,
      ).catch((err: unknown) => {
        console.log(`waiting for the examples to settle failed:\n${diagnostics()}`);
        throw err;
      });
      const ready = condition(status, 'Ready');
      expect([e.metadata.name, ready?.status, ready?.message]).toEqual([
        e.metadata.name,
        'True',
        expect.stringMatching(/enforced by Gatekeeper/),
      ]);
    }
  }, 300000);

  it('deny a privileged Pod (at whichever door answers first: the backstop or Gatekeeper), naming the constraint', async () => {
    const denied = await eventually('the privileged Pod to be denied', () => {
      const r = createPod(pod(RESTRICTED_NS, 'privileged', { securityContext: { privileged: true } }));
      return r.code !== 0 && /denied/.test(r.stderr) && r.stderr;
    });
    // The API server evaluates ValidatingAdmissionPolicies before webhooks: gatewright's backstop answers first.
    expect(denied).toMatch(
      /ValidatingAdmissionPolicy 'gatewright-backstop-deny'|admission webhook "validation\.gatekeeper\.sh" denied the request/,
    );
    expect(denied).toMatch(/\[d8-[a-z0-9-]+\]/);
    expect(denied).toMatch(/[Pp]rivileged/);
  });

  it("Gatekeeper denies what only the restricted policy forbids, with the policy's message; a compliant Pod runs", async () => {
    const denied = await eventually('the escalating Pod to be denied', () => {
      const r = createPod(
        pod(RESTRICTED_NS, 'escalating', {
          securityContext: { ...restrictedContainerContext, allowPrivilegeEscalation: true },
        }),
      );
      return r.code !== 0 && /denied the request/.test(r.stderr) && r.stderr;
    });
    expect(denied).toMatch(/admission webhook "validation\.gatekeeper\.sh" denied the request/);
    expect(denied).toMatch(/restricted/);
    expect(denied).toMatch(/[Ee]scalation/);

    const admitted = createPod(pod(RESTRICTED_NS, 'compliant'));
    expect([admitted.code, admitted.stderr]).toEqual([0, '']);
    await eventually(
      'the compliant Pod to run',
      () => getJson(['-n', RESTRICTED_NS, 'get', 'pod', 'compliant']).status.phase === 'Running',
      120000,
    );
  });
});

describe('the optional HTTPS components (manifests/overlays/full)', () => {
  const ca = () => readFileSync(join(CERTS, 'ca.crt'), 'utf8');

  it('the policy webhook refuses an invalid policy at kubectl apply, with its field path', async () => {
    const vwc = getJson(['get', 'validatingwebhookconfiguration', 'gatewright-policies']);
    expect(Buffer.from(vwc.webhooks[0].clientConfig.caBundle, 'base64').toString()).toBe(ca());
    const invalid = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'OperationPolicy',
      metadata: { name: 'incluster-invalid-regex' },
      spec: {
        policies: { disallowedCustomResources: ['^example\\.com/x{1001}$'] },
        match: { namespaceSelector: { matchNames: [RESTRICTED_NS] } },
      },
    };
    // Only the webhook checks RE2 (the schema cannot): without it the API server accepts this object.
    const r = kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify(invalid));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /spec\.policies\.disallowedCustomResources\[0\]: Invalid value: .*not a valid RE2 regular expression/,
    );
  });

  it("Gatekeeper asks gatewright's image signature provider over TLS, and denies with the provider's verdict", async () => {
    const provider = getJson(['get', 'providers.externaldata.gatekeeper.sh', 'gatewright-image-signatures']);
    expect(provider.spec.url).toBe('https://gatewright-provider.gatewright-system.svc:8443/validate');
    expect(Buffer.from(provider.spec.caBundle, 'base64').toString()).toBe(ca());
    // The example's registry does not exist here: the provider's own answer ("registry error") proves the call got
    // through (Gatekeeper's message for an unreachable provider is "failed to send external data request").
    const denied = await eventually('the unsigned Pod to be denied by the provider', () => {
      const r = createPod(pod(SIGNED_NS, 'unsigned', { image: 'registry.private.ru/labs/application/app:1' }));
      return r.code !== 0 && /registry error/.test(r.stderr) && r.stderr;
    });
    expect(denied).toMatch(/validation\.gatekeeper\.sh" denied the request: \[verify-image-test\] Image signature/);
    expect(denied).not.toMatch(/failed to send external data request/);
  });
});

describe('leader hand-over', () => {
  it('deleting the leader Pod hands the Lease to another replica, and enforcement continues', async () => {
    const leader = await eventually('a leader', leaderPod);
    kubectlOk(['-n', NS, 'delete', 'pod', leader.metadata.name, '--wait=false']);
    const next = await eventually(
      'another replica to take the Lease',
      () => {
        const holder = leaseHolder();
        return holder !== '' && !holder.startsWith(`${leader.metadata.name}-`) && holder;
      },
      60000,
    );
    expect(next).not.toContain(leader.metadata.name);
    // The new leader reconciles a change made after the hand-over: a namespace newly labelled restricted.
    apply([
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: HANDOVER_NS, labels: { 'security.deckhouse.io/pod-policy': 'restricted' } },
      },
    ]);
    const denied = await eventually('a root Pod to be denied in the new namespace', () => {
      const r = createPod(pod(HANDOVER_NS, 'root', {}, { securityContext: { runAsUser: 0 } }));
      return r.code !== 0 && /denied the request/.test(r.stderr) && r.stderr;
    });
    expect(denied).toMatch(/validation\.gatekeeper\.sh/);
    await eventually(
      'two Running gatewright Pods again',
      () => {
        const ps = operatorPods();
        return ps.length === 2 && ps.every((p) => p.status.phase === 'Running');
      },
      120000,
    );
  });
});

describe('operations', () => {
  it('kubectl logs shows JSON lines', () => {
    const lines = kubectlOk(['-n', NS, 'logs', 'deployment/gatewright', '--tail=50'])
      .split('\n')
      .filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const entry = JSON.parse(line) as Obj;
      expect(typeof entry.level).toBe('string');
      expect(typeof entry.msg).toBe('string');
    }
  });

  it('/metrics answers through the Service to a token allowed to read it, and to no other caller', async () => {
    // The Service's cluster IP, reached from the node itself (kube-proxy's rules cover the node's own traffic); the
    // API server's service proxy would not do: it does not pass the caller's token on.
    const svc = getJson(['-n', NS, 'get', 'service', 'gatewright-metrics']);
    const url = `http://${svc.spec.clusterIP}:${svc.spec.ports[0].port}/metrics`;
    const reader = metricsReaderToken();
    const outsider = kubectlOk(['-n', NS, 'create', 'token', 'gatewright', '--duration=10m']).trim();
    // Each replica answers on its own; the Service picks one: ask a few times so both are likely asked.
    for (let i = 0; i < 4; i++) {
      const ok = await httpGet(url, reader);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatch(/^gatewright_leader_election_master_status\{[^}]*\} [01]$/m);
    }
    expect((await httpGet(url)).status).toBe(401);
    expect((await httpGet(url, 'not-a-token')).status).toBe(401);
    // gatewright's own ServiceAccount is authenticated but not allowed get /metrics.
    expect((await httpGet(url, outsider)).status).toBe(403);
  });
});
