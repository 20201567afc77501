// Faults and attacks of issue 14 that gatewright's admission policies close, on the real control plane:
// - Gatekeeper's webhook unreachable (it fails open): the backstop ValidatingAdmissionPolicies, evaluated by the API
//   server itself, still deny a privileged Pod in a baseline namespace and admit a compliant one; their verdicts on
//   PSA's own fixtures for the controls they cover equal PSA's; SecurityPolicyExceptions still admit what they list.
// - A hand edit or delete of a managed constraint, template or SyncSet by anyone but gatewright (and system:masters)
//   is refused by the API server; gatewright itself, running as a ServiceAccount with a real token, still converges.
// - /metrics answers only a bearer token that TokenReview authenticates and SubjectAccessReview authorizes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { KubeClient } from '../../src/controller/kube-client.js';
import { kubeRequestAuthorizer, operatorIdentity } from '../../src/controller/kube-auth.js';
import { OperatorMetrics } from '../../src/controller/metrics.js';
import { OpsServer } from '../../src/controller/ops-server.js';
import type { ReconcileOutcome } from '../../src/controller/reconcile.js';
import { cachedReconciler, type CachedReconciler } from '../support/cached-reconciler.js';
import { loadLibrary } from '../../src/library/load.js';
import { e2eClient, e2eEnvironment } from '../harness/e2e-env.js';
import { VALIDATING_WEBHOOK_CONFIGURATION } from '../harness/gatekeeper.js';
import { httpCall } from '../harness/http.js';
import { kubectl, waitFor, waitForTemplateIngested, type KubeObject, type KubeTestClient } from '../harness/kube.js';
import { repoRoot } from '../harness/paths.js';
import { bindRole, serviceAccountIdentity, type TestIdentity } from '../harness/tokens.js';
import { installCrds, removeManagedObjects } from '../support/crds.js';
import { editedPolicy, examples, namespaceEdit } from '../support/policy-fuzz.js';
import { compile } from '../../src/compiler/compile.js';

jest.setTimeout(300_000);

const RUN = Date.now().toString(36);
const SYSTEM_NS = `gw-faults-system-${RUN}`;
const USERS_NS = `gw-faults-users-${RUN}`;
const BASELINE_NS = `gw-faults-baseline-${RUN}`;
const RESTRICTED_NS = `gw-faults-restricted-${RUN}`;
const PRIVILEGED_NS = `gw-faults-privileged-${RUN}`;
const WARN_NS = `gw-faults-warn-${RUN}`;
const EXCEPTION_NS = `gw-faults-exception-${RUN}`;
const OPERATOR_ROLE = 'gw-faults-operator';
const BROAD_ROLE = 'gw-faults-gatekeeper-editor';
const METRICS_ROLE = 'gw-faults-metrics-reader';

let client: KubeTestClient;
let driver: CachedReconciler;
let operator: TestIdentity;
let operatorClient: KubeClient;
const tmp = process.env.TMPDIR ?? '/tmp';

/** Every rule the operator needs, with the scenario that needs it (the least-privilege list). */
const OPERATOR_RULES = [
  // Inputs: read and watch policies, exceptions (for the backstop), module settings, namespaces.
  {
    apiGroups: ['deckhouse.io'],
    resources: ['securitypolicies', 'operationpolicies', 'securitypolicyexceptions', 'moduleconfigs'],
    verbs: ['get', 'list', 'watch'],
  },
  // Status of every policy and of the module config.
  {
    apiGroups: ['deckhouse.io'],
    resources: ['securitypolicies/status', 'operationpolicies/status', 'moduleconfigs/status'],
    verbs: ['patch'],
  },
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
  // Transition Events on policies.
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  // What it manages: server-side apply (patch; create for a new object), prune (delete), drift watches.
  {
    apiGroups: ['templates.gatekeeper.sh', 'constraints.gatekeeper.sh', 'syncset.gatekeeper.sh'],
    resources: ['*'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
  },
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
  },
  // Secure /metrics: authenticate and authorize scrapers.
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
];

const converge = (maxMs?: number): Promise<ReconcileOutcome> => driver.converge(maxMs);

const container = (name: string, securityContext?: Record<string, unknown>) => ({
  name,
  image: 'registry.example.com/app:1.0',
  ...(securityContext ? { securityContext } : {}),
});
const pod = (
  name: string,
  namespace: string,
  spec: Record<string, unknown> = {},
  labels: Record<string, string> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [container('app')], ...spec },
});
const privileged = (name: string, namespace: string, labels: Record<string, string> = {}) =>
  pod(name, namespace, { containers: [container('app', { privileged: true })] }, labels);

async function dryRun(obj: KubeObject, as: KubeTestClient = client) {
  const res = await as.createRaw(obj, { dryRun: true });
  return {
    status: res.status,
    message: (res.json as { message?: string } | undefined)?.message ?? '',
    warnings: res.warnings,
  };
}

/** Points Gatekeeper's validating webhook at a closed port: it fails open, as when the manager is down. */
async function withGatekeeperUnreachable<T>(body: () => Promise<T>): Promise<T> {
  const path = `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${VALIDATING_WEBHOOK_CONFIGURATION}`;
  const config = (await client.request('GET', path)).json as {
    webhooks: { name: string; clientConfig: { url: string } }[];
  };
  const index = config.webhooks.findIndex((w) => w.name === 'validation.gatekeeper.sh');
  const url = config.webhooks[index]?.clientConfig.url;
  const patch = (value: string) =>
    client.request(
      'PATCH',
      path,
      [{ op: 'replace', path: `/webhooks/${index}/clientConfig/url`, value }],
      'application/json-patch+json',
    );
  expect((await patch('https://127.0.0.1:1/v1/admit')).status).toBe(200);
  try {
    // Gatekeeper really is out: a restricted-only violation, which the backstop does not cover, is admitted.
    const escalation = pod('control', RESTRICTED_NS, {
      containers: [container('app', { allowPrivilegeEscalation: true })],
    });
    await waitFor(
      'the webhook to be unreachable',
      async () => ((await dryRun(escalation)).status === 201 ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 250,
      },
    );
    return await body();
  } finally {
    expect((await patch(url as string)).status).toBe(200);
  }
}

beforeAll(async () => {
  client = e2eClient();
  await installCrds(client);
  await client.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: OPERATOR_ROLE },
    rules: OPERATOR_RULES,
  } as unknown as KubeObject);
  operator = await serviceAccountIdentity(
    client,
    SYSTEM_NS,
    'gatewright',
    join(tmp, `faults-operator-${RUN}.kubeconfig`),
  );
  await bindRole(client, OPERATOR_ROLE, operator.username);
  const kc = new KubeConfig();
  kc.loadFromFile(operator.kubeconfigPath);
  operatorClient = new KubeClient(kc);
  driver = cachedReconciler(kc, {
    client: operatorClient,
    library: loadLibrary(join(repoRoot(), 'templates')),
    // Who it is, as the operator finds out at start-up (SelfSubjectReview with its own token).
    operatorIdentity: await operatorIdentity(operatorClient),
  });
  const namespaces: Record<string, Record<string, string>> = {
    [BASELINE_NS]: { 'security.deckhouse.io/pod-policy': 'baseline' },
    [RESTRICTED_NS]: { 'security.deckhouse.io/pod-policy': 'restricted' },
    [PRIVILEGED_NS]: { 'security.deckhouse.io/pod-policy': 'privileged' },
    [WARN_NS]: { 'security.deckhouse.io/pod-policy': 'baseline', 'security.deckhouse.io/pod-policy-action': 'warn' },
    [EXCEPTION_NS]: { 'security.deckhouse.io/pod-policy': 'baseline' },
  };
  for (const [name, labels] of Object.entries(namespaces))
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  await client.apply({
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'SecurityPolicyException',
    metadata: { name: 'node-agent', namespace: EXCEPTION_NS },
    spec: {
      securityContext: {
        privileged: { allowedValue: true, metadata: { description: 'manages host devices' } },
        capabilities: { allowedValues: { add: ['SYS_ADMIN'] } },
      },
      volumes: { hostPath: { allowedValues: [{ path: '/var/lib/agent/', readOnly: true }] } },
    },
  } as unknown as KubeObject);
  // Until the API server's discovery knows the freshly installed SecurityPolicyException kind, it cannot tell that
  // "get" on it is all a policy with that paramKind needs, and refuses the policy; a later pass succeeds.
  await waitFor('the first pass', async () => (await converge()) && true, { timeoutMs: 90_000, intervalMs: 2000 });
});

afterAll(async () => {
  await driver?.stop();
  if (!client) return;
  await removeManagedObjects(client);
  for (const kind of ['ClusterRoleBinding', 'ClusterRole']) {
    const res = await client.request('GET', `/apis/rbac.authorization.k8s.io/v1/${kind.toLowerCase()}s`);
    for (const o of (res.json as { items: KubeObject[] }).items.filter((o) => o.metadata.name.startsWith('gw-faults-')))
      await client.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: o.metadata.name } });
  }
});

describe('Gatekeeper unreachable: the backstop still enforces the baseline controls', () => {
  test('a privileged Pod in a baseline namespace is denied by the API server, a compliant one admitted', async () => {
    await withGatekeeperUnreachable(async () => {
      const denied = await dryRun(privileged('priv', BASELINE_NS));
      expect(denied.status).toBe(403);
      expect(denied.message).toContain("ValidatingAdmissionPolicy 'gatewright-backstop-deny'");
      expect(denied.message).toContain(
        `[d8-pod-security-baseline-deny-default] Pod ${BASELINE_NS}/priv: securityContext.privileged is true in container(s) app; allowed: false`,
      );
      expect((await dryRun(pod('plain', BASELINE_NS))).status).toBe(201);
    });
  });

  test('each control, Pods and pod templates alike; where the standard does not apply, nothing is denied', async () => {
    await withGatekeeperUnreachable(async () => {
      const cases: [string, Record<string, unknown>][] = [
        ['hostnetwork', { hostNetwork: true }],
        ['hostpid', { hostPID: true }],
        ['hostipc', { hostIPC: true }],
        ['hostpath', { volumes: [{ name: 'h', hostPath: { path: '/etc' } }] }],
        ['caps', { containers: [container('app', { capabilities: { add: ['NET_ADMIN'] } })] }],
        ['init', { initContainers: [container('init', { privileged: true })] }],
      ];
      for (const [name, spec] of cases) {
        const r = await dryRun(pod(name, BASELINE_NS, spec));
        expect([name, r.status]).toEqual([name, 403]);
        // A restricted namespace is checked by the baseline controls too.
        expect([name, (await dryRun(pod(name, RESTRICTED_NS, spec))).status]).toEqual([name, 403]);
        // A privileged namespace and an exempt one are not.
        expect([name, (await dryRun(pod(name, PRIVILEGED_NS, spec))).status]).toEqual([name, 201]);
        expect([name, (await dryRun(pod(name, 'kube-system', spec))).status]).toEqual([name, 201]);
      }
      // Runtime-default capabilities stay allowed.
      expect(
        (
          await dryRun(
            pod('chown', BASELINE_NS, { containers: [container('app', { capabilities: { add: ['CHOWN'] } })] }),
          )
        ).status,
      ).toBe(201);
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: BASELINE_NS },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [container('app', { privileged: true })] },
          },
        },
      } as KubeObject;
      const d = await dryRun(deployment);
      expect(d.status).toBe(403);
      expect(d.message).toContain(`Deployment ${BASELINE_NS}/web: securityContext.privileged is true`);
      const cronJob = {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'nightly', namespace: BASELINE_NS },
        spec: {
          schedule: '0 0 * * *',
          jobTemplate: {
            spec: {
              template: { spec: { restartPolicy: 'Never', hostPID: true, containers: [container('app')] } },
            },
          },
        },
      } as KubeObject;
      expect((await dryRun(cronJob)).status).toBe(403);
      // warn namespaces get a warning, not a denial.
      const warned = await dryRun(privileged('priv', WARN_NS));
      expect(warned.status).toBe(201);
      expect(warned.warnings.join('\n')).toContain('[d8-pod-security-baseline-warn] Pod');
      // The skip label, which only system:masters may set (the skip-check guard), leaves the object out.
      expect(
        (await dryRun(privileged('skip', BASELINE_NS, { 'security.deckhouse.io/skip-pss-check': 'true' }))).status,
      ).toBe(201);
    });
  });

  test("the backstop's verdicts on PSA's baseline fixtures equal PSA's for the controls it covers", async () => {
    const root = join(repoRoot(), 'hack', '.bin', 'psa-testdata', 'baseline');
    expect(existsSync(root)).toBe(true);
    const version = readdirSync(root)
      .filter((d) => /^v1\.\d+$/.test(d))
      .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
      .at(-1) as string;
    // The controls it covers; the Windows hostProcess fixtures set hostNetwork too (the API server requires it).
    const covered = /^(privileged|hostnamespaces|hostpathvolumes|capabilities_baseline|windowshostprocess)\d+\.yaml$/;
    const tally = { denied: 0, admitted: 0, invalid: 0 };
    await withGatekeeperUnreachable(async () => {
      for (const outcome of ['pass', 'fail'] as const) {
        const dir = join(root, version, outcome);
        for (const file of readdirSync(dir)
          .filter((f) => f.endsWith('.yaml'))
          .sort()) {
          const fixture = load(readFileSync(join(dir, file), 'utf8')) as KubeObject;
          const name = `${outcome}-${file.slice(0, -5)}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
          fixture.metadata = { ...fixture.metadata, name, namespace: BASELINE_NS };
          const r = await dryRun(fixture);
          const deny = outcome === 'fail' && covered.test(file);
          const byBackstop = r.status === 403 && r.message.includes('gatewright-backstop-deny');
          // The API server's own validation may refuse a fixture first (422, e.g. a field this build does not
          // serve); the backstop never runs then, so such a fixture must be one it would not deny.
          expect([file, outcome, byBackstop, r.status === 201 || (!deny && r.status === 422)]).toEqual([
            file,
            outcome,
            deny,
            !deny,
          ]);
          tally[deny ? 'denied' : r.status === 201 ? 'admitted' : 'invalid']++;
        }
      }
    });
    console.log(`PSA ${version} baseline fixtures through the backstop: ${JSON.stringify(tally)}`);
    // Every covered control has fail fixtures, so this cannot pass vacuously.
    expect(tally.denied).toBeGreaterThanOrEqual(10);
    expect(tally.admitted).toBeGreaterThanOrEqual(20);
  });

  // Once a defect: with the exceptions read as the binding's parameters, a Pod naming an exception the API server's
  // parameter cache did not list (yet) was judged by no evaluation, so an unlisted capability was admitted.
  test('a SecurityPolicyException admits exactly what it lists, per pod and per container', async () => {
    const label = { 'security.deckhouse.io/security-policy-exception': 'node-agent' };
    await withGatekeeperUnreachable(async () => {
      // The API server puts a changed policy in force shortly after it is written.
      await waitFor(
        'the exception to be honoured',
        async () => {
          const r = await dryRun(privileged('agent', EXCEPTION_NS, label));
          return r.status === 201 ? r : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      const cases: [string, KubeObject, number][] = [
        ['privileged without the label', privileged('nolabel', EXCEPTION_NS), 403],
        ['privileged naming an exception that does not exist', privileged('nope', EXCEPTION_NS, { 'security.deckhouse.io/security-policy-exception': 'nope' }), 403],
        ['what the exception lists', pod('caps', EXCEPTION_NS, { containers: [container('app', { privileged: true, capabilities: { add: ['SYS_ADMIN'] } })] }, label), 201],
        ['a capability it does not list', pod('caps2', EXCEPTION_NS, { containers: [container('app', { capabilities: { add: ['NET_ADMIN'] } })] }, label), 403],
        ['hostNetwork, which it does not list', pod('net', EXCEPTION_NS, { hostNetwork: true }, label), 403],
        ['its hostPath, mounted read-only', pod('ro', EXCEPTION_NS, { volumes: [{ name: 'h', hostPath: { path: '/var/lib/agent' } }], containers: [{ ...container('app'), volumeMounts: [{ name: 'h', mountPath: '/a', readOnly: true }] }] }, label), 201],
        ['its hostPath, mounted writable', pod('rw', EXCEPTION_NS, { volumes: [{ name: 'h', hostPath: { path: '/var/lib/agent' } }], containers: [{ ...container('app'), volumeMounts: [{ name: 'h', mountPath: '/a' }] }] }, label), 403],
        ['another hostPath', pod('etc', EXCEPTION_NS, { volumes: [{ name: 'h', hostPath: { path: '/etc' } }] }, label), 403],
        ['a container naming it, beside one that names nothing', pod('two', EXCEPTION_NS, { containers: [container('a', { privileged: true }), container('b')] }, { 'security.deckhouse.io/security-policy-exception.container.a': 'node-agent' }), 201],
        ['the other container privileged too', pod('two2', EXCEPTION_NS, { containers: [container('a', { privileged: true }), container('b', { privileged: true })] }, { 'security.deckhouse.io/security-policy-exception.container.a': 'node-agent' }), 403],
        ['the exception of another namespace', privileged('elsewhere', BASELINE_NS, label), 403],
      ]; // prettier-ignore
      for (const [what, object, status] of cases) expect([what, (await dryRun(object)).status]).toEqual([what, status]);
      // An edit of the exception reaches the backstop with the next pass: without its privileged grant, the Pod it
      // admitted a moment ago is denied; restored, admitted again.
      const spe = `/apis/deckhouse.io/v1alpha1/namespaces/${EXCEPTION_NS}/securitypolicyexceptions/node-agent`;
      const setPrivileged = async (allowedValue: boolean) => {
        const patch = { spec: { securityContext: { privileged: { allowedValue } } } };
        expect((await client.request('PATCH', spe, patch, 'application/merge-patch+json')).status).toBe(200);
        await converge();
      };
      for (const [allowed, status] of [
        [false, 403],
        [true, 201],
      ] as const) {
        await setPrivileged(allowed);
        await waitFor(
          `the edited exception (privileged ${allowed}) to be in force`,
          async () => ((await dryRun(privileged('agent', EXCEPTION_NS, label))).status === status ? true : undefined),
          { timeoutMs: 30_000, intervalMs: 500 },
        );
      }
    });
  });
});

describe('managed objects: only gatewright (and system:masters) may change them', () => {
  const constraintPath = '/apis/constraints.gatekeeper.sh/v1beta1/d8podsecurity/d8-pod-security-baseline-deny-default';
  let broad: TestIdentity;
  let namespaceAdmin: TestIdentity;

  beforeAll(async () => {
    await client.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: BROAD_ROLE },
      rules: [
        {
          apiGroups: ['templates.gatekeeper.sh', 'constraints.gatekeeper.sh', 'syncset.gatekeeper.sh'],
          resources: ['*'],
          verbs: ['*'],
        },
      ],
    } as unknown as KubeObject);
    broad = await serviceAccountIdentity(client, USERS_NS, 'broad', join(tmp, `faults-broad-${RUN}.kubeconfig`));
    await bindRole(client, BROAD_ROLE, broad.username);
    namespaceAdmin = await serviceAccountIdentity(
      client,
      USERS_NS,
      'team-admin',
      join(tmp, `faults-admin-${RUN}.kubeconfig`),
    );
    await bindRole(client, 'admin', namespaceAdmin.username, BASELINE_NS);
  });

  const as = (who: TestIdentity, args: string[], stdin?: string) => kubectl(who.kubeconfigPath, args, stdin);

  test('a user with broad RBAC on Gatekeeper objects cannot patch, relabel or delete a managed constraint', async () => {
    const kind = 'd8podsecurity.constraints.gatekeeper.sh';
    const name = 'd8-pod-security-baseline-deny-default';
    const attempts = [
      ['patch', kind, name, '--type=merge', '-p', '{"spec":{"match":{"namespaces":["nowhere"]}}}'],
      ['label', kind, name, 'app.kubernetes.io/managed-by-'],
      ['delete', kind, name],
      ['delete', 'constrainttemplate', 'd8podsecurity'],
      ['delete', 'syncset', 'gatewright'],
    ];
    for (const args of attempts) {
      const r = await as(broad, args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(r.stderr).toContain("ValidatingAdmissionPolicy 'gatewright-protect-managed'");
      expect(r.stderr).toContain('is managed by gatewright');
    }
    // RBAC did allow it: the same user may change a Gatekeeper object gatewright does not manage.
    const own = {
      apiVersion: 'constraints.gatekeeper.sh/v1beta1',
      kind: 'D8PodSecurity',
      metadata: { name: `own-${RUN}` },
      spec: { enforcementAction: 'dryrun' },
    };
    expect((await as(broad, ['apply', '-f', '-'], JSON.stringify(own))).code).toBe(0);
    expect((await as(broad, ['delete', kind, `own-${RUN}`])).code).toBe(0);
    // The constraint is as gatewright wrote it; nothing to repair.
    const constraint = (await client.request('GET', constraintPath)).json as {
      metadata: { labels?: Record<string, string> };
      spec: { match: Record<string, unknown> };
    };
    expect(constraint.spec.match.namespaces).toBeUndefined();
    expect(constraint.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('gatewright');
  });

  test('a namespace admin (the built-in admin role) cannot touch them at all: RBAC refuses first', async () => {
    const r = await as(namespaceAdmin, [
      'delete',
      'd8podsecurity.constraints.gatekeeper.sh',
      'd8-pod-security-baseline-deny-default',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('forbidden');
    expect(r.stderr).toContain(namespaceAdmin.username);
  });

  test('gatewright itself still applies and prunes, and system:masters may break glass', async () => {
    const policy = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'SecurityPolicy',
      metadata: { name: `faults-${RUN}` },
      spec: {
        enforcementAction: 'Deny',
        policies: { allowHostNetwork: false },
        match: { namespaceSelector: { matchNames: [BASELINE_NS] } },
      },
    } as unknown as KubeObject;
    await client.apply(policy);
    await converge();
    const path = `/apis/constraints.gatekeeper.sh/v1beta1/d8hostnetwork/faults-${RUN}`;
    expect((await client.request('GET', path)).status).toBe(200);
    await client.delete(policy);
    const outcome = await converge();
    expect(outcome.pruned).toBeGreaterThan(0);
    expect((await client.request('GET', path)).status).toBe(404);
    // Break glass: the test's admin (system:masters) may edit; gatewright repairs the edit on its next pass.
    const patched = await client.request(
      'PATCH',
      constraintPath,
      { metadata: { annotations: { 'break-glass': 'yes' } } },
      'application/merge-patch+json',
    );
    expect(patched.status).toBe(200);
  });
});

describe('drift by another field manager is repaired on the real API server', () => {
  // system:masters may edit (break glass, or an admin's own tooling): the protection lets it through, so the
  // repair must come from gatewright. A restricted-only control is used, which the backstop does not cover: while
  // the edit to the restricted standard's constraint holds, the bypass is real.
  const escalationPath =
    '/apis/constraints.gatekeeper.sh/v1beta1/d8podsecurity/d8-pod-security-restricted-deny-default';
  const privilegedPath = '/apis/constraints.gatekeeper.sh/v1beta1/d8podsecurity/d8-pod-security-baseline-deny-default';
  const escalation = () =>
    pod(`esc-${Date.now().toString(36)}`, RESTRICTED_NS, {
      // Restricted in every other respect: only the edited constraint can deny it.
      containers: [
        container('app', {
          allowPrivilegeEscalation: true,
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
          capabilities: { drop: ['ALL'] },
        }),
      ],
    });
  type Constraint = { metadata: { labels?: Record<string, string> }; spec: { match: Record<string, unknown> } };
  const read = async (path: string) => (await client.request('GET', path)).json as Constraint;

  test('spec.match.namespaces added and the managed-by label removed by a hand edit are undone; Pods denied again', async () => {
    await converge();
    const before = await dryRun(escalation());
    expect(before.status).toBe(403);
    expect(before.message).toContain('validation.gatekeeper.sh');
    expect(before.message).toContain('allowPrivilegeEscalation');
    const edit = (path: string, body: unknown, type: string) =>
      client.request('PATCH', `${path}?fieldManager=hand-edit`, body, type);
    expect(
      (await edit(escalationPath, { spec: { match: { namespaces: ['nowhere'] } } }, 'application/merge-patch+json'))
        .status,
    ).toBe(200);
    const unlabel = { metadata: { labels: { 'app.kubernetes.io/managed-by': null } } };
    expect((await edit(privilegedPath, unlabel, 'application/merge-patch+json')).status).toBe(200);
    expect((await read(privilegedPath)).metadata.labels?.['app.kubernetes.io/managed-by']).toBeUndefined();
    // The edit took effect in Gatekeeper: the restricted control is off.
    await waitFor('Gatekeeper to drop the edited constraint', async () =>
      (await dryRun(escalation())).status === 201 ? true : undefined,
      { timeoutMs: 60_000, intervalMs: 500 },
    ); // prettier-ignore
    const started = Date.now();
    await converge();
    expect((await read(escalationPath)).spec.match.namespaces).toBeUndefined();
    expect((await read(privilegedPath)).metadata.labels?.['app.kubernetes.io/managed-by']).toBe('gatewright');
    const denied = await waitFor(
      'the repaired constraint to be enforced',
      async () => {
        const r = await dryRun(escalation());
        return r.status === 403 ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(denied.message).toContain('validation.gatekeeper.sh');
    console.log(`drift by another field manager repaired and enforced again in ${Date.now() - started} ms`);
    // Repaired for good: the next pass has nothing to do.
    expect((await converge()).applied).toBe(0);
  });
});

describe('/metrics needs an authenticated, authorized caller; probes stay open', () => {
  let ops: OpsServer;
  let base: string;

  beforeAll(async () => {
    ops = new OpsServer({
      metrics: new OperatorMetrics(),
      port: 0,
      host: '127.0.0.1',
      metricsAuthorizer: kubeRequestAuthorizer(operatorClient),
    });
    ops.addHealthzCheck('ping', () => true);
    base = `http://127.0.0.1:${await ops.start()}`;
    await client.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: METRICS_ROLE },
      rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
    } as unknown as KubeObject);
  });
  afterAll(async () => ops?.stop());

  const get = (path: string, token?: string) =>
    httpCall(base + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

  test('no token → 401, a forged one → 401, a real one without the right → 403, with it → 200', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', 'not-a-token')).status).toBe(401);
    const stranger = await serviceAccountIdentity(
      client,
      USERS_NS,
      'stranger',
      join(tmp, `faults-stranger-${RUN}.kubeconfig`),
    );
    const denied = await get('/metrics', stranger.token);
    expect(denied.status).toBe(403);
    expect(denied.body).toContain(stranger.username);
    const scraper = await serviceAccountIdentity(
      client,
      USERS_NS,
      'prometheus',
      join(tmp, `faults-scraper-${RUN}.kubeconfig`),
    );
    await bindRole(client, METRICS_ROLE, scraper.username);
    const ok = await waitFor(
      'RBAC to admit the scraper',
      async () => {
        const r = await get('/metrics', scraper.token);
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(ok.body).toContain('gatewright_');
    expect((await get('/healthz')).status).toBe(200);
    expect(e2eEnvironment().apiServerUrl).toMatch(/^https:\/\/127\.0\.0\.1:/);
  });
});

describe('fuzz: what the compiler emits for random policies, the API server and Gatekeeper accept', () => {
  test('every constraint compiled from random (valid and invalid) policies passes a dry-run apply', async () => {
    const library = loadLibrary(join(repoRoot(), 'templates'));
    // Every template of the library, so that every constraint kind is served.
    const all = compile({ policies: examples, namespaces: [], library });
    for (const t of all.objects.filter((o) => o.kind === 'ConstraintTemplate')) await client.apply(t as KubeObject);
    for (const t of all.objects.filter((o) => o.kind === 'ConstraintTemplate'))
      await waitForTemplateIngested(client, t.metadata.name);
    const started = Date.now();
    const samples = fc.sample(fc.array(fc.oneof(editedPolicy, namespaceEdit), { minLength: 1, maxLength: 3 }), {
      numRuns: 60,
      seed: 14,
    });
    const rejected: string[] = [];
    let applied = 0;
    for (const policies of samples) {
      const result = compile({ policies: policies.map((p) => p.edited), namespaces: [], library });
      // The policies' own constraints: templates, the standards and the admission policies are the same each time.
      const owned = result.objects.filter(
        (o) =>
          o.apiVersion.startsWith('constraints.gatekeeper.sh/') &&
          o.metadata.labels?.['gatewright.dev/owner-kind'] !== 'PodSecurityStandard',
      );
      for (const object of owned) {
        const path = `${await client.objectPath(object as KubeObject)}?fieldManager=gatewright-fuzz&dryRun=All&force=true`;
        const res = await client.request('PATCH', path, object, 'application/apply-patch+yaml');
        applied++;
        if (res.status >= 300)
          rejected.push(
            `${object.kind}/${object.metadata.name}: HTTP ${res.status} ${(res.json as { message?: string })?.message}`,
          );
      }
    }
    console.log(
      `fuzz: ${applied} constraints from ${samples.length} random policy sets dry-run applied in ${Date.now() - started} ms`,
    );
    expect(rejected).toEqual([]);
    // A floor that the random edits reach dry-run applies at all; validation at the door now refuses more of them
    // (47 constraints in the last run, against more than 100 before).
    expect(applied).toBeGreaterThan(30);
  });
});
