// The reconcile loop on the real control plane with Gatekeeper: the DVP documentation examples become enforced
// constraints, statuses tell the truth, edits, deletes, relabels and settings changes converge, drift is restored,
// an invalid edit keeps the previous enforcement, and an idle pass writes nothing.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/controller/kube-client.js';
import type { ReconcileOutcome } from '../../src/controller/reconcile.js';
import { cachedReconciler, type CachedReconciler } from '../support/cached-reconciler.js';
import { loadLibrary } from '../../src/library/load.js';
import { e2eClient, e2eEnvironment } from '../harness/e2e-env.js';
import {
  kubectl,
  waitFor,
  waitForConstraintEnforced,
  waitForTemplateIngested,
  type KubeObject,
  type KubeTestClient,
} from '../harness/kube.js';
import { repoRoot } from '../harness/paths.js';
import { installCrds, removeManagedObjects } from '../support/crds.js';
import { docExamples, policyExamples, SLIPPED_EXAMPLE } from '../support/doc-examples.js';

jest.setTimeout(300_000);

let client: KubeTestClient;
let driven: CachedReconciler | undefined;
const writes: string[] = [];
const k = (args: string[], stdin?: string) => kubectl(e2eEnvironment().kubeconfigPath, args, stdin);

const OPS_NS = 'gw-op-common';
const RESTRICTED_NS = 'gw-op-restricted';
const PRIVILEGED_NS = 'gw-op-privileged';
const PLAIN_NS = 'gw-op-plain';
const NAMESPACES: Record<string, Record<string, string>> = {
  [OPS_NS]: { 'operation-policy.deckhouse.io/enabled': 'true', 'security.deckhouse.io/pod-policy': 'privileged' },
  [RESTRICTED_NS]: { 'security.deckhouse.io/pod-policy': 'restricted' },
  [PRIVILEGED_NS]: { 'security.deckhouse.io/pod-policy': 'privileged' },
  [PLAIN_NS]: {},
};

const settle = (): Promise<void> => driven!.settle();
const converge = (maxMs?: number): Promise<ReconcileOutcome> => driven!.converge(maxMs);
const reconcileOnce = (): Promise<ReconcileOutcome> => driven!.reconciler.reconcile();

const pod = (name: string, namespace: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.0' }], ...spec },
});

async function dryRunCreate(obj: KubeObject): Promise<{ status: number; message: string; warnings: string[] }> {
  const res = await client.createRaw(obj, { dryRun: true });
  return {
    status: res.status,
    message: (res.json as { message?: string } | undefined)?.message ?? '',
    warnings: res.warnings,
  };
}

async function policyStatus(kind: string, name: string) {
  const plural = kind === 'SecurityPolicy' ? 'securitypolicies' : 'operationpolicies';
  const res = await client.request('GET', `/apis/deckhouse.io/v1alpha1/${plural}/${name}`);
  return (res.json as { status?: Record<string, unknown> }).status as {
    conditions: { type: string; status: string; reason: string; message: string }[];
    checkCount: number;
    checks: { kind: string; constraint: string; enforced: boolean; implicit: boolean }[];
  };
}
const condition = (s: Awaited<ReturnType<typeof policyStatus>>, type: string) =>
  s.conditions.find((c) => c.type === type);

beforeAll(async () => {
  client = e2eClient();
  const kc = new KubeConfig();
  kc.loadFromFile(e2eEnvironment().kubeconfigPath);
  driven = cachedReconciler(kc, {
    client: new KubeClient(kc, (verb, kind) => writes.push(`${verb} ${kind}`)),
    library: loadLibrary(join(repoRoot(), 'templates')),
  });
  await installCrds(client);
  // The Priority admission plugin needs the classes the policies and Pods name.
  for (const name of ['production-high', 'production-low', 'a', 'b']) {
    await client.apply({
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name },
      value: 1000,
    } as KubeObject);
  }
  for (const [name, labels] of Object.entries(NAMESPACES))
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  for (const e of policyExamples().filter((x) => x.name !== SLIPPED_EXAMPLE))
    await client.apply(e.object as unknown as KubeObject);
  await converge();
});

afterAll(async () => {
  await driven?.stop();
  if (!client) return;
  for (const e of policyExamples()) await client.delete(e.object as unknown as KubeObject);
  await client.delete({
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name: 'admission-policy-engine' },
  });
  for (const name of ['production-high', 'production-low', 'a', 'b']) {
    await client.delete({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name } });
  }
  await removeManagedObjects(client);
});

describe('the DVP examples, reconciled', () => {
  test('every policy is Ready, but the image-signature one without a provider, which says why', async () => {
    for (const e of policyExamples().filter((x) => x.name !== SLIPPED_EXAMPLE)) {
      const s = await policyStatus(e.kind, e.name);
      if (e.name === 'verify-image-test') {
        expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'NotImplemented' });
        expect(condition(s, 'Ready')?.message).toMatch(
          /verifyImageSignatures: no image signature provider is configured .* every image a reference covers is denied/,
        );
      } else {
        expect([e.name, condition(s, 'Ready')?.status, condition(s, 'Ready')?.message]).toEqual([
          e.name,
          'True',
          expect.stringMatching(/check\(s\) enforced by Gatekeeper/),
        ]);
      }
      expect(condition(s, 'Valid')?.status).toBe('True');
      expect(s.checkCount).toBe(s.checks.length);
      expect(s.checks.every((c) => c.enforced)).toBe(true);
    }
  });

  test('kubectl get shows READY, CHECKS and VIOLATIONS filled in', async () => {
    const r = await k(['get', 'securitypolicies']);
    const mypolicy = r.stdout.split('\n').find((l) => l.startsWith('mypolicy '));
    expect(mypolicy).toMatch(/^mypolicy\s+True\s+Deny\s+12\s+0\s+\S+$/);
  });

  test('common denies nginx:latest with Gatekeeper’s message and admits a compliant Pod', async () => {
    const bad = await dryRunCreate(pod('nginx', OPS_NS, { containers: [{ name: 'nginx', image: 'nginx:latest' }] }));
    expect(bad.status).toBe(403);
    expect(bad.message).toContain('admission webhook "validation.gatekeeper.sh" denied the request');
    expect(bad.message).toMatch(/\[common\] Pod gw-op-common\/nginx, container "nginx": .*nginx:latest/);
    const good = await dryRunCreate(
      pod('app', OPS_NS, {
        priorityClassName: 'production-high',
        containers: [
          {
            name: 'app',
            image: 'myrepo.example.com/team/app:1.2.3',
            imagePullPolicy: 'Always',
            resources: { limits: { memory: '64Mi' }, requests: { cpu: '10m', memory: '64Mi' } },
            livenessProbe: { tcpSocket: { port: 8080 } },
            readinessProbe: { tcpSocket: { port: 8080 } },
          },
        ],
      }),
    );
    expect([good.status, good.message]).toEqual([201, '']);
  });

  test('a restricted namespace denies a root Pod and a Deployment of one; a privileged namespace admits it', async () => {
    const root = pod('root', RESTRICTED_NS, { securityContext: { runAsUser: 0 } });
    const denied = await dryRunCreate(root);
    expect(denied.status).toBe(403);
    expect(denied.message).toContain('[d8-pod-security-restricted-deny-default]');
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'root', namespace: RESTRICTED_NS },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: root.spec } },
    };
    expect((await dryRunCreate(deployment)).status).toBe(403);
    expect((await dryRunCreate(pod('root', PRIVILEGED_NS, { securityContext: { runAsUser: 0 } }))).status).toBe(201);
  });
});

describe('Gatekeeper’s own features keep working beside gatewright', () => {
  const EXT_NS = 'gw-op-extension';
  const compliant = {
    containers: [
      {
        name: 'app',
        image: 'mycompany.registry.com/app:1.0',
        securityContext: {
          allowPrivilegeEscalation: false,
          seccompProfile: { type: 'RuntimeDefault' },
          capabilities: { drop: ['ALL'] },
        },
      },
    ],
  };
  const assign = {
    apiVersion: 'mutations.gatekeeper.sh/v1',
    kind: 'Assign',
    metadata: { name: 'gw-op-run-as-non-root' },
    spec: {
      applyTo: [{ groups: [''], kinds: ['Pod'], versions: ['v1'] }],
      match: { scope: 'Namespaced', kinds: [{ apiGroups: ['*'], kinds: ['Pod'] }], namespaces: [EXT_NS] },
      location: 'spec.securityContext.runAsNonRoot',
      parameters: { assign: { value: true } },
    },
  };

  beforeAll(async () => {
    await client.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: EXT_NS, labels: { 'security.deckhouse.io/pod-policy': 'restricted' } },
    });
    // The extension example of the DVP documentation, applied as written: a Rego v0 template and its constraint.
    const extension = docExamples()
      .slice(0, 2)
      .flatMap((e) => e.objects) as unknown as KubeObject[];
    expect(extension.map((o) => o.kind)).toEqual(['ConstraintTemplate', 'K8sAllowedRepos']);
    for (const o of extension) {
      if (o.kind === 'ConstraintTemplate') {
        await client.apply(o);
        await waitForTemplateIngested(client, o.metadata.name);
      } else {
        await client.apply(o);
        await waitForConstraintEnforced(client, 'K8sAllowedRepos', o.metadata.name);
      }
    }
  });

  afterAll(async () => {
    await client.delete(assign);
    await client.delete({
      apiVersion: 'constraints.gatekeeper.sh/v1beta1',
      kind: 'K8sAllowedRepos',
      metadata: { name: 'prod-repo' },
    });
    await client.delete({
      apiVersion: 'templates.gatekeeper.sh/v1',
      kind: 'ConstraintTemplate',
      metadata: { name: 'k8sallowedrepos' },
    });
  });

  test('the extension template is enforced together with the restricted set', async () => {
    const foreign = await dryRunCreate(
      pod('foreign', EXT_NS, {
        securityContext: { runAsNonRoot: true },
        containers: [{ ...compliant.containers[0], image: 'docker.io/app:1.0' }],
      }),
    );
    expect(foreign.status).toBe(403);
    expect(foreign.message).toContain('[prod-repo] container <app> has an invalid image repo <docker.io/app:1.0>');
    const root = await dryRunCreate(pod('root', EXT_NS, { ...compliant, securityContext: { runAsUser: 0 } }));
    expect(root.status).toBe(403);
    expect(root.message).toContain('[d8-pod-security-restricted-deny-default]');
    expect(
      (await dryRunCreate(pod('ok', EXT_NS, { ...compliant, securityContext: { runAsNonRoot: true } }))).status,
    ).toBe(201);
  });

  test('an Assign mutation that sets runAsNonRoot lets an otherwise-denied Pod pass (mutation runs first)', async () => {
    const withoutRunAsNonRoot = pod('mutated', EXT_NS, compliant);
    const before = await dryRunCreate(withoutRunAsNonRoot);
    expect(before.status).toBe(403);
    expect(before.message).toContain('runAsNonRoot');
    await client.apply(assign as unknown as KubeObject);
    const after = await waitFor(
      'the mutation to be applied before validation',
      async () => {
        const r = await client.createRaw(withoutRunAsNonRoot as unknown as KubeObject, { dryRun: true });
        return r.status === 201 ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(
      (after.json as { spec: { securityContext: { runAsNonRoot?: boolean } } }).spec.securityContext.runAsNonRoot,
    ).toBe(true);
  });
});

describe('SecurityPolicyExceptions reach Gatekeeper through the SyncSet', () => {
  const NS = 'gw-op-exception';
  const privilegedPod = (name: string, labels: Record<string, string>) =>
    pod(
      name,
      NS,
      { containers: [{ name: 'agent', image: 'r/agent:1', securityContext: { privileged: true } }] },
      labels,
    );

  test('a Pod that names an exception allowing privileged is admitted; without it, denied', async () => {
    await client.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS, labels: { 'security.deckhouse.io/pod-policy': 'baseline' } },
    });
    const syncSet = await client.get<KubeObject>('syncset.gatekeeper.sh/v1alpha1', 'SyncSet', 'gatewright');
    expect((syncSet?.spec as { gvks: unknown[] }).gvks).toContainEqual({
      group: 'deckhouse.io',
      version: 'v1alpha1',
      kind: 'SecurityPolicyException',
    });
    await client.apply({
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'SecurityPolicyException',
      metadata: { name: 'node-agent', namespace: NS },
      spec: {
        securityContext: { privileged: { allowedValue: true, metadata: { description: 'manages host devices' } } },
      },
    } as unknown as KubeObject);
    // The operator's watch on exceptions runs a pass; the backstop policies learn of the new exception in it.
    await converge();
    const denied = await dryRunCreate(privilegedPod('plain', {}));
    expect(denied.status).toBe(403);
    expect(denied.message).toContain('[d8-pod-security-baseline-deny-default]');
    // Gatekeeper syncs the exception into its inventory shortly after it is created.
    const admitted = await waitFor(
      'the exception to be synced',
      async () => {
        const r = await dryRunCreate(
          privilegedPod('agent', { 'security.deckhouse.io/security-policy-exception': 'node-agent' }),
        );
        return r.status === 201 ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(admitted.message).toBe('');
    // An exception that does not allow the value found admits nothing.
    const other = await dryRunCreate(
      privilegedPod('other', { 'security.deckhouse.io/security-policy-exception': 'missing' }),
    );
    expect(other.status).toBe(403);
  });
});

describe('the skip-pss-check label is guarded, as in DVP', () => {
  const NS = 'gw-op-guard';
  const labelled = (name: string) =>
    pod(
      name,
      NS,
      { containers: [{ name: 'app', image: 'r/app:1', securityContext: { privileged: true } }] },
      { 'security.deckhouse.io/skip-pss-check': 'true' },
    );
  const as = (user: string, groups: string[] = []) => ['--as', user, ...groups.flatMap((g) => ['--as-group', g])];
  const create = (obj: unknown, identity: string[] = []) =>
    k(['create', '--dry-run=server', '-f', '-', ...identity], JSON.stringify(obj));

  beforeAll(async () => {
    await client.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS, labels: { 'security.deckhouse.io/pod-policy': 'baseline' } },
    });
    // No controller-manager runs, so the aggregated `edit` role is empty: grant what the test needs directly.
    await client.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'workload-creator', namespace: NS },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['create'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] },
      ],
    } as unknown as KubeObject);
    await client.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'workload-creators', namespace: NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'workload-creator' },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:serviceaccounts:d8-virtualization' },
      ],
    } as unknown as KubeObject);
  });

  test('a user outside the allowed groups cannot set the label', async () => {
    const r = await waitFor(
      'the guard to deny',
      async () => {
        const res = await create(labelled('skip'), as('alice'));
        return res.code !== 0 && res.stderr.includes('gatewright-skip-pss-check') ? res : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(r.stderr).toContain(
      'the label security.deckhouse.io/skip-pss-check=true leaves this object out of the Pod Security Standards',
    );
    // …nor hide it in a Deployment's pod template.
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'skip', namespace: NS },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: {
          metadata: { labels: { a: 'b', 'security.deckhouse.io/skip-pss-check': 'true' } },
          spec: { containers: [{ name: 'app', image: 'r/app:1' }] },
        },
      },
    };
    expect((await create(deployment, as('alice'))).stderr).toContain('gatewright-skip-pss-check');
    // Without the label, the standards apply to alice as to anyone.
    const plain = await create({ ...labelled('plain'), metadata: { name: 'plain', namespace: NS } }, as('alice'));
    expect(plain.stderr).toContain('[d8-pod-security-baseline-deny-default]');
  });

  test('an allowed group may set it, and the object is then left out of the standards', async () => {
    const virt = await create(
      labelled('virt'),
      as('system:serviceaccount:d8-virtualization:handler', [
        'system:serviceaccounts:d8-virtualization',
        'system:authenticated',
      ]),
    );
    expect([virt.code, virt.stderr]).toEqual([0, '']);
    const admin = await create(labelled('admin'));
    expect([admin.code, admin.stderr]).toEqual([0, '']);
  });
});

describe('changes converge', () => {
  test('relabelling a namespace changes what is enforced there', async () => {
    const privileged = pod('priv', PLAIN_NS, {
      containers: [{ name: 'app', image: 'r/app:1', securityContext: { privileged: true } }],
    });
    expect((await dryRunCreate(privileged)).status).toBe(403);
    await client.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: PLAIN_NS, labels: { 'security.deckhouse.io/pod-policy-action': 'warn' } },
    });
    await converge();
    await waitFor(
      'the warn set to be enforced',
      async () => {
        const r = await dryRunCreate(privileged);
        return r.status === 201 && r.warnings.some((w) => w.includes('[d8-pod-security-baseline-warn]'))
          ? r
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  test('changing the module config’s default policy changes the standards', async () => {
    const root = pod('root', PLAIN_NS, { securityContext: { runAsUser: 0 } }, {});
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: PLAIN_NS, labels: {} } });
    await client.apply({
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'admission-policy-engine' },
      spec: { version: 1, settings: { podSecurityStandards: { defaultPolicy: 'Restricted' } } },
    });
    await converge();
    await waitFor(
      'restricted to apply to the unlabelled namespace',
      async () => ((await dryRunCreate(root)).status === 403 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await client.apply({
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'admission-policy-engine' },
      spec: { version: 1, settings: { podSecurityStandards: { defaultPolicy: 'Baseline' } } },
    });
    await converge();
    await waitFor('baseline again', async () => ((await dryRunCreate(root)).status === 201 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
  });

  test('editing a policy updates its constraint; deleting it prunes them', async () => {
    const policy = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'OperationPolicy',
      metadata: { name: 'gw-op-edit' },
      spec: { policies: { priorityClassNames: ['a'] }, match: { namespaceSelector: { matchNames: [PRIVILEGED_NS] } } },
    };
    await client.apply(policy);
    await converge();
    const p = pod('prio', PRIVILEGED_NS, { priorityClassName: 'b' });
    const denied = await dryRunCreate(p);
    expect(denied.status).toBe(403);
    expect(denied.message).toContain('[gw-op-edit]');
    await client.apply({ ...policy, spec: { ...policy.spec, policies: { priorityClassNames: ['a', 'b'] } } });
    await converge();
    await waitFor('the edit to take effect', async () => ((await dryRunCreate(p)).status === 201 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    await client.delete(policy);
    await converge();
    expect(await client.get('constraints.gatekeeper.sh/v1beta1', 'D8PriorityClass', 'gw-op-edit')).toBeUndefined();
  });

  test('Gatekeeper’s audit findings show up as VIOLATIONS on the policy', async () => {
    const policy = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'OperationPolicy',
      metadata: { name: 'gw-op-audit' },
      spec: {
        enforcementAction: 'Dryrun',
        policies: { priorityClassNames: ['a'] },
        match: { namespaceSelector: { matchNames: [PRIVILEGED_NS] } },
      },
    };
    await client.apply(policy as unknown as KubeObject);
    await converge();
    // Dryrun admits the Pod; the audit (every 10 s here) finds it afterwards.
    const created = await client.createRaw(
      pod('audited', PRIVILEGED_NS, { priorityClassName: 'b' }) as unknown as KubeObject,
    );
    expect(created.status).toBe(201);
    await waitFor(
      'the audit to count the violation',
      async () => {
        const c = await client.get<KubeObject>('constraints.gatekeeper.sh/v1beta1', 'D8PriorityClass', 'gw-op-audit');
        return Number((c?.status as { totalViolations?: number } | undefined)?.totalViolations ?? 0) >= 1;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    await converge();
    const s = await policyStatus('OperationPolicy', 'gw-op-audit');
    expect((s as unknown as { violations: number }).violations).toBe(1);
    const r = await k(['get', 'operationpolicy', 'gw-op-audit', '--no-headers']);
    expect(r.stdout).toMatch(/^gw-op-audit\s+True\s+Dryrun\s+1\s+1\s+/);
    await client.delete(pod('audited', PRIVILEGED_NS, {}) as unknown as KubeObject);
    await client.delete(policy as unknown as KubeObject);
    await converge();
  });

  test('a foreign object holding a constraint’s name is reported, never overwritten', async () => {
    // Someone's own D8PriorityClass constraint, named like the policy that follows.
    const foreign = {
      apiVersion: 'constraints.gatekeeper.sh/v1beta1',
      kind: 'D8PriorityClass',
      metadata: { name: 'gw-op-clash', labels: { owner: 'platform-team' } },
      spec: { enforcementAction: 'dryrun', parameters: { priorityClassNames: ['theirs'] } },
    };
    await client.apply(foreign as unknown as KubeObject);
    const policy = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'OperationPolicy',
      metadata: { name: 'gw-op-clash' },
      spec: {
        policies: { priorityClassNames: ['ours'] },
        match: { namespaceSelector: { matchNames: [PRIVILEGED_NS] } },
      },
    };
    await client.apply(policy as unknown as KubeObject);
    await settle();
    await reconcileOnce();
    const s = await policyStatus('OperationPolicy', 'gw-op-clash');
    expect(condition(s, 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'NameConflict',
      message: 'D8PriorityClass "gw-op-clash" exists and is not managed by gatewright',
    });
    expect(condition(s, 'Ready')?.status).toBe('False');
    const still = await client.get<KubeObject>('constraints.gatekeeper.sh/v1beta1', 'D8PriorityClass', 'gw-op-clash');
    expect(still?.spec).toMatchObject({ enforcementAction: 'dryrun', parameters: { priorityClassNames: ['theirs'] } });
    // Deleting the policy does not prune the foreign object either: it was never gatewright's.
    await client.delete(policy as unknown as KubeObject);
    await converge();
    expect(await client.get('constraints.gatekeeper.sh/v1beta1', 'D8PriorityClass', 'gw-op-clash')).toBeDefined();
    await client.delete(foreign as unknown as KubeObject);
  });

  test('drift: a constraint deleted or edited by hand is restored', async () => {
    await client.delete({
      apiVersion: 'constraints.gatekeeper.sh/v1beta1',
      kind: 'D8AllowedRepos',
      metadata: { name: 'common' },
    });
    await converge();
    const restored = await client.get<KubeObject>('constraints.gatekeeper.sh/v1beta1', 'D8AllowedRepos', 'common');
    expect((restored?.spec as { parameters?: unknown })?.parameters).toEqual({
      repos: ['myrepo.example.com', 'registry.deckhouse.io'],
    });
    const edited = await client.request(
      'PATCH',
      '/apis/constraints.gatekeeper.sh/v1beta1/d8allowedrepos/common',
      { spec: { parameters: { repos: ['docker.io'] } } },
      'application/merge-patch+json',
    );
    expect(edited.status).toBe(200);
    await converge();
    const again = await client.get<KubeObject>('constraints.gatekeeper.sh/v1beta1', 'D8AllowedRepos', 'common');
    expect((again?.spec as { parameters?: unknown })?.parameters).toEqual({
      repos: ['myrepo.example.com', 'registry.deckhouse.io'],
    });
  });

  test('an invalid edit is refused at the door with the field path, and the previous enforcement stays', async () => {
    // min > max is a CEL rule of the CRD: the API server refuses the edit itself (an invalid object that is already
    // stored keeps its enforcement in the operator: test/unit/api/fallback.test.ts and the plan tests).
    const res = await client.request(
      'PATCH',
      '/apis/deckhouse.io/v1alpha1/securitypolicies/mypolicy',
      { spec: { policies: { allowedHostPorts: [{ min: 4000, max: 2000 }] } } },
      'application/merge-patch+json',
    );
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.json)).toContain('spec.policies.allowedHostPorts[0]');
    await converge();
    const s = await policyStatus('SecurityPolicy', 'mypolicy');
    expect(condition(s, 'Valid')).toMatchObject({ status: 'True' });
    // The constraints from before the edit stay, and still deny.
    const hostNet = await client.get<KubeObject>('constraints.gatekeeper.sh/v1beta1', 'D8HostNetwork', 'mypolicy');
    expect((hostNet?.spec as { parameters?: unknown }).parameters).toEqual({
      allowHostNetwork: true,
      ranges: [{ min: 2000, max: 4000 }],
    });
    const ns = 'gw-op-mypolicy';
    await client.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { enforce: 'mypolicy', 'security.deckhouse.io/pod-policy': 'privileged' } },
    });
    const denied = await dryRunCreate(pod('hostpid', ns, { hostPID: true }));
    expect(denied.status).toBe(403);
    expect(denied.message).toContain('[mypolicy]');
    await client.request(
      'PATCH',
      '/apis/deckhouse.io/v1alpha1/securitypolicies/mypolicy',
      { spec: { policies: { allowedHostPorts: [{ min: 2000, max: 4000 }] } } },
      'application/merge-patch+json',
    );
    await converge();
    expect(condition(await policyStatus('SecurityPolicy', 'mypolicy'), 'Valid')?.status).toBe('True');
  });

  test('invalid module settings are reported on the ModuleConfig; the last valid ones stay in force, the rest goes on', async () => {
    const countBefore = (
      await client.request(
        'GET',
        '/apis/templates.gatekeeper.sh/v1/constrainttemplates?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dgatewright',
      )
    ).json as { items: unknown[] };
    const mc = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'admission-policy-engine' },
      spec: { version: 1, settings: { podSecurityStandards: { defaultPolicy: 'Strict' } } },
    };
    await client.apply(mc as unknown as KubeObject);
    await settle();
    const outcome = await reconcileOnce();
    expect([outcome.applied, outcome.pruned]).toEqual([0, 0]);
    const stored = await client.get<KubeObject>('deckhouse.io/v1alpha1', 'ModuleConfig', 'admission-policy-engine');
    expect((stored?.status as { message?: string }).message).toMatch(
      /^invalid settings; the last valid settings stay in force until they are fixed: .*spec\.settings\.podSecurityStandards\.defaultPolicy: Unsupported value: "Strict"/,
    );
    const root = pod('root', RESTRICTED_NS, { securityContext: { runAsUser: 0 } });
    expect((await dryRunCreate(root)).status).toBe(403);
    // Other policies stay valid, and a new one is enforced meanwhile.
    expect(condition(await policyStatus('SecurityPolicy', 'mypolicy'), 'Valid')?.status).toBe('True');
    const fresh = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'OperationPolicy',
      metadata: { name: 'gw-op-while-mc-invalid' },
      spec: { policies: { priorityClassNames: ['a'] }, match: { namespaceSelector: { matchNames: [PRIVILEGED_NS] } } },
    };
    await client.apply(fresh as unknown as KubeObject);
    await converge();
    expect(condition(await policyStatus('OperationPolicy', 'gw-op-while-mc-invalid'), 'Ready')?.status).toBe('True');
    expect((await dryRunCreate(pod('prio-mc', PRIVILEGED_NS, { priorityClassName: 'b' }))).status).toBe(403);
    await client.delete(fresh as unknown as KubeObject);
    await client.apply({ ...mc, spec: { version: 1, settings: {} } } as unknown as KubeObject);
    await converge();
    const fixed = await client.get<KubeObject>('deckhouse.io/v1alpha1', 'ModuleConfig', 'admission-policy-engine');
    expect((fixed?.status as { message?: string }).message).toBe('');
    const countAfter = (
      await client.request(
        'GET',
        '/apis/templates.gatekeeper.sh/v1/constrainttemplates?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dgatewright',
      )
    ).json as { items: unknown[] };
    expect(countAfter.items.length).toBe(countBefore.items.length);
  });

  test('transitions are recorded as Events on the policy', async () => {
    const res = await client.request(
      'GET',
      '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dmypolicy',
    );
    const events = (
      res.json as { items: { reason: string; type: string; message: string; involvedObject: { kind: string } }[] }
    ).items;
    expect(
      events.some((e) => e.reason === 'Enforced' && e.type === 'Normal' && e.message.startsWith('Ready=True')),
    ).toBe(true);
  });

  test('idle: after convergence a full pass writes nothing', async () => {
    await converge();
    writes.length = 0;
    await settle();
    const outcome = await reconcileOnce();
    expect(outcome).toEqual({ applied: 0, pruned: 0, statusWrites: 0 });
    expect(writes).toEqual([]);
  });
});
