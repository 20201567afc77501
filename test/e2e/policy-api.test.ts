// The policy API on a real API server: the CRDs install, the DVP documentation examples apply unchanged (but the one
// whose indentation slipped), bad objects are rejected with the API server's message, `kubectl explain` teaches the
// fields, and `kubectl get` shows the printer columns.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { e2eClient, e2eEnvironment } from '../harness/e2e-env.js';
import { kubectl, type KubeObject, type KubeTestClient } from '../harness/kube.js';
import { installCrds } from '../support/crds.js';
import { BAD_OBJECTS, securityPolicy } from '../support/bad-objects.js';
import { docExamples, SLIPPED_EXAMPLE } from '../support/doc-examples.js';

jest.setTimeout(120_000);

let client: KubeTestClient;
let kubeconfig: string;
const k = (args: string[], stdin?: string) => kubectl(kubeconfig, args, stdin);
const created: KubeObject[] = [];

beforeAll(async () => {
  client = e2eClient();
  kubeconfig = e2eEnvironment().kubeconfigPath;
  await installCrds(client);
});

afterAll(async () => {
  for (const o of created.reverse()) await client.delete(o);
});

describe('the DVP documentation examples', () => {
  const examples = docExamples().filter((e) => e.objects.some((o) => o.apiVersion === 'deckhouse.io/v1alpha1'));

  test.each(
    examples
      .filter((e) => !e.yaml.includes(`name: ${SLIPPED_EXAMPLE}`))
      .map((e) => [e.objects.map((o) => (o.metadata as { name: string }).name).join(','), e] as const),
  )('%s applies unchanged', async (_name, example) => {
    const r = await k(['apply', '-f', '-'], example.yaml);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    created.push(...(example.objects as unknown as KubeObject[]));
  });

  test('the example whose indentation slipped is rejected, naming the stray label', async () => {
    const slipped = examples.find((e) => e.yaml.includes(`name: ${SLIPPED_EXAMPLE}`));
    const r = await k(['apply', '-f', '-'], slipped?.yaml);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'unknown field "spec.match.namespaceSelector.labelSelector.operation-policy.deckhouse.io/enabled"',
    );
  });

  test('even when the client drops unknown fields, the empty selector left behind is rejected', async () => {
    const slipped = examples.find((e) => e.yaml.includes(`name: ${SLIPPED_EXAMPLE}`));
    const r = await k(['apply', '--validate=false', '-f', '-'], slipped?.yaml);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.match\.namespaceSelector\.labelSelector/);
  });
});

describe('bad objects the CRD refuses by itself (no webhook registered in this file)', () => {
  const schemaCases = BAD_OBJECTS.filter((b) => b.door === 'schema');

  test('there are enough of them', () => {
    expect(schemaCases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(schemaCases.map((b) => [b.name, b] as const))('%s', async (_name, bad) => {
    const r = await k(['create', '--dry-run=server', '-f', '-'], JSON.stringify(bad.object));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(bad.apiServer ?? bad.validate);
  });
});

describe('what only the webhook refuses, the CRD alone admits (so the webhook is needed)', () => {
  const webhookCases = BAD_OBJECTS.filter(
    (b) =>
      b.door === 'webhook' &&
      b.object.kind !== 'ModuleConfig' &&
      b.name !== '1 MiB object: justification notes of 1 MiB',
  );

  test.each(webhookCases.map((b) => [b.name, b] as const))('%s', async (_name, bad) => {
    const r = await k(['create', '--dry-run=server', '-f', '-'], JSON.stringify(bad.object));
    expect([r.code, r.stderr]).toEqual([0, '']);
  });
});

describe('kubectl', () => {
  test('explain teaches a nested field', async () => {
    const r = await k(['explain', 'securitypolicy.spec.policies.runAsUser']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('KIND:       SecurityPolicy');
    expect(r.stdout).toContain('FIELD: runAsUser <Object>');
    expect(r.stdout).toMatch(/Allowed runAsUser values\.\s+Checks securityContext\.runAsUser of each\s+container/);
    expect(r.stdout).toMatch(/Leaving this out means\s+no check of runAsUser\./);
    expect(r.stdout).toMatch(/rule\s+<string> -required-/);
    expect(r.stdout).toMatch(/MustRunAsNonRoot: containers must not run as root/);
  });

  test('get shows READY, ACTION, CHECKS, VIOLATIONS and AGE', async () => {
    const policy = securityPolicy('columns-demo', { allowHostPID: false }) as unknown as KubeObject;
    await client.apply(policy);
    created.push(policy);
    const status = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'SecurityPolicy',
      metadata: { name: 'columns-demo' },
      status: {
        observedGeneration: 1,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Enforced',
            message: 'all checks enforced',
            lastTransitionTime: '2026-11-27T00:00:00Z',
          },
        ],
        checkCount: 3,
        violations: 2,
      },
    };
    const path = `/apis/deckhouse.io/v1alpha1/securitypolicies/columns-demo/status?fieldManager=e2e&force=true`;
    const res = await client.request('PATCH', path, status, 'application/apply-patch+yaml');
    expect(res.status).toBe(200);
    const r = await k(['get', 'securitypolicies,operationpolicies']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+ACTION\s+CHECKS\s+VIOLATIONS\s+AGE$/);
    expect(lines.find((l) => l.startsWith('securitypolicy.deckhouse.io/columns-demo'))).toMatch(
      /^securitypolicy\.deckhouse\.io\/columns-demo\s+True\s+Deny\s+3\s+2\s+\d+[sm]$/,
    );
    expect(lines.some((l) => l.startsWith('operationpolicy.deckhouse.io/common'))).toBe(true);
  });
});
