// End-to-end smoke test of the harness, not of gatewright: a ConstraintTemplate and a constraint applied to the real
// API server are enforced by the real Gatekeeper webhook, in each enforcement action.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { e2eClient, e2eEnvironment } from '../harness/e2e-env.js';
import {
  kubectl,
  waitFor,
  waitForConstraintEnforced,
  waitForTemplateIngested,
  type KubeObject,
  type KubeTestClient,
} from '../harness/kube.js';

// Waits below have their own deadlines; this only has to be longer than the longest (audit, up to 60 s).
jest.setTimeout(120_000);

const TEMPLATE = 'gwsmokeprivileged';
const KIND = 'GwSmokePrivileged';
const CONSTRAINT = 'smoke-no-privileged';
const NAMESPACE = `gw-smoke-${randomBytes(3).toString('hex')}`;
const VIOLATION = `[${CONSTRAINT}] privileged container app is not allowed`;

const template: KubeObject = {
  apiVersion: 'templates.gatekeeper.sh/v1',
  kind: 'ConstraintTemplate',
  metadata: { name: TEMPLATE },
  spec: {
    crd: { spec: { names: { kind: KIND } } },
    targets: [
      {
        target: 'admission.k8s.gatekeeper.sh',
        code: [
          {
            engine: 'Rego',
            source: {
              version: 'v1',
              rego: [
                'package gwsmokeprivileged',
                '',
                'violation contains {"msg": msg} if {',
                '\tsome container in input.review.object.spec.containers',
                '\tcontainer.securityContext.privileged == true',
                '\tmsg := sprintf("privileged container %v is not allowed", [container.name])',
                '}',
                '',
              ].join('\n'),
            },
          },
        ],
      },
    ],
  },
};

function constraint(enforcementAction: 'deny' | 'warn' | 'dryrun'): KubeObject {
  return {
    apiVersion: 'constraints.gatekeeper.sh/v1beta1',
    kind: KIND,
    metadata: { name: CONSTRAINT },
    spec: {
      enforcementAction,
      match: { kinds: [{ apiGroups: [''], kinds: ['Pod'] }], namespaces: [NAMESPACE] },
    },
  };
}

// Otherwise valid: no ServiceAccount admission and no scheduler run here, so it is simply stored and stays Pending.
function pod(name: string, privileged: boolean): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0', securityContext: { privileged } }] },
  };
}

/** `kubectl create -f -`: what a user sees (exit code, `Warning:` and `Error from server` lines on stderr). */
async function kubectlCreate(obj: KubeObject) {
  return kubectl(e2eEnvironment().kubeconfigPath, ['create', '-f', '-'], JSON.stringify(obj));
}

async function switchEnforcementAction(client: KubeTestClient, action: 'deny' | 'warn' | 'dryrun') {
  await client.apply(constraint(action));
  await waitForConstraintEnforced(client, KIND, CONSTRAINT);
}

describe('local control plane: Gatekeeper admission end to end', () => {
  let client: KubeTestClient;

  beforeAll(async () => {
    client = e2eClient();
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    await client.apply(template);
    await waitForTemplateIngested(client, TEMPLATE);
    await switchEnforcementAction(client, 'deny');
  });

  afterAll(async () => {
    if (client === undefined) return;
    // No controller-manager runs, so a deleted namespace would stay Terminating: delete its pods explicitly instead.
    for (const name of ['denied', 'compliant', 'warned', 'dryrun']) await client.delete(pod(name, false));
    await client.delete(constraint('deny'));
    await client.delete(template);
  });

  test('the template is ingested and the constraint enforced, as Gatekeeper reports it', async () => {
    const ct = await client.get<KubeObject>('templates.gatekeeper.sh/v1', 'ConstraintTemplate', TEMPLATE);
    expect(ct?.status?.created).toBe(true);
    const crd = await client.get(
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      `${TEMPLATE}.constraints.gatekeeper.sh`,
    );
    expect(crd).toBeDefined();
  });

  test('deny: the API server rejects a violating Pod with Gatekeeper’s message', async () => {
    const res = await client.createRaw(pod('denied', true));
    expect(res.status).toBe(403);
    expect((res.json as { message?: string }).message).toBe(
      `admission webhook "validation.gatekeeper.sh" denied the request: ${VIOLATION}`,
    );
    const cli = await kubectlCreate(pod('denied', true));
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain(`admission webhook "validation.gatekeeper.sh" denied the request: ${VIOLATION}`);
    expect(await client.get('v1', 'Pod', 'denied', NAMESPACE)).toBeUndefined();
  });

  test('deny: a compliant Pod is admitted', async () => {
    const res = await client.createRaw(pod('compliant', false));
    expect(res.status).toBe(201);
    expect(res.warnings).toEqual([]);
  });

  test('warn: a violating Pod is admitted and the user sees Gatekeeper’s warning', async () => {
    await switchEnforcementAction(client, 'warn');
    const cli = await kubectlCreate(pod('warned', true));
    expect(cli.stderr.trim().split('\n')).toContain(`Warning: ${VIOLATION}`);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('pod/warned created');
    expect(await client.get('v1', 'Pod', 'warned', NAMESPACE)).toBeDefined();
    // The same warning on the wire, for tests that talk to the API directly.
    const dryRun = await client.createRaw(pod('warned-dry-run', true), { dryRun: true });
    expect(dryRun.status).toBe(201);
    expect(dryRun.warnings).toEqual([VIOLATION]);
  });

  test('dryrun: a violating Pod is admitted silently, and audit records the violation', async () => {
    await switchEnforcementAction(client, 'dryrun');
    const cli = await kubectlCreate(pod('dryrun', true));
    expect(cli.code).toBe(0);
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toContain('pod/dryrun created');
    // Audit (every 10 s here) lists the stored violating pods on the constraint's status.
    const audited = await waitFor(
      'audit to report the dryrun violation',
      async () => {
        const c = await client.get<KubeObject>('constraints.gatekeeper.sh/v1beta1', KIND, CONSTRAINT);
        const violations = (c?.status?.violations ?? []) as {
          name?: string;
          enforcementAction?: string;
          message?: string;
        }[];
        return violations.find((v) => v.name === 'dryrun');
      },
      { timeoutMs: 60000, intervalMs: 1000 },
    );
    expect(audited).toMatchObject({ enforcementAction: 'dryrun', message: 'privileged container app is not allowed' });
  });
});
