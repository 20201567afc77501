// Issue 12, enforcement without the webhook hop: with the module setting admission {engine: CEL,
// validatingAdmissionPolicies: true}, Gatekeeper generates a ValidatingAdmissionPolicy and binding from each
// template's CEL code, so the API server itself denies a violating Pod even while Gatekeeper's webhook is down.
// Stopping Gatekeeper would break the other e2e tests, so this test starts a control plane of its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import { stopRecordedProcess } from '../harness/process.js';
import { applyCompiled, compiledFor, type CompiledSet } from '../harness/apply-compiled.js';
import { waitFor, type KubeObject, type KubeTestClient } from '../harness/kube.js';

jest.setTimeout(420_000);

const NAMESPACE = 'gw-vap';
const LABELS = { 'security.deckhouse.io/pod-policy': 'baseline' };
const VAP = 'admissionregistration.k8s.io/v1';

const privilegedPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'privileged', namespace: NAMESPACE },
  spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0', securityContext: { privileged: true } }] },
};

describe('VAP mode: the API server denies a violating Pod with the Gatekeeper webhook stopped', () => {
  let plane: ControlPlane;
  let client: KubeTestClient;
  let set: CompiledSet;
  let stateRoot: string;

  beforeAll(async () => {
    stateRoot = mkdtempSync(join(tmpdir(), 'gatewright-vap-'));
    plane = await startControlPlane({ stateRoot });
    client = plane.client();
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: LABELS } });
    set = compiledFor([{ name: NAMESPACE, labels: LABELS }], {
      admission: { engine: 'CEL', validatingAdmissionPolicies: true },
    });
    // Gatekeeper's generated policies alone: gatewright's own backstop would deny the same Pods first.
    set.objects = set.objects.filter((o) => !String(o.metadata?.name).startsWith('gatewright-backstop'));
    await applyCompiled(client, set);
  });

  const privilegedBinding = (): string =>
    `gatekeeper-d8podsecurity-${set.constraints.find((c) => c.kind === 'D8PodSecurity')?.metadata?.name as string}`;

  afterAll(async () => {
    await plane?.stop();
    if (stateRoot) rmSync(stateRoot, { recursive: true, force: true });
  });

  test('Gatekeeper generates a policy and a binding for the Pod Security Standards template', async () => {
    const template = set.templates.find((t) => t.metadata?.name === 'd8podsecurity');
    expect(template).toBeDefined();
    const policy = await waitFor(
      'ValidatingAdmissionPolicy gatekeeper-d8podsecurity',
      () => client.get<KubeObject>(VAP, 'ValidatingAdmissionPolicy', 'gatekeeper-d8podsecurity'),
      { timeoutMs: 120_000 },
    );
    expect(policy.metadata?.name).toBe('gatekeeper-d8podsecurity');
    const binding = privilegedBinding();
    const found = await waitFor(
      `ValidatingAdmissionPolicyBinding ${binding}`,
      () => client.get<KubeObject>(VAP, 'ValidatingAdmissionPolicyBinding', binding),
      { timeoutMs: 120_000 },
    );
    // The constraint's enforcementAction (deny) becomes the binding's action, its parameters the paramRef.
    expect((found.spec as { validationActions?: string[] }).validationActions).toEqual(['Deny']);
    expect((found.spec as { paramRef?: { name?: string } }).paramRef?.name).toBe(
      set.constraints.find((c) => c.kind === 'D8PodSecurity')?.metadata?.name,
    );
  });

  // A ValidatingAdmissionPolicy's denial is answered 422 (reason Invalid: the generated validations set no reason),
  // not 403 as a webhook's. The namespace is at baseline so that the privileged-container check is the only one a
  // privileged Pod fails (at restricted, the API server names the first failing policy, allow-privilege-escalation).
  test('with the webhook stopped, the Pod is denied by the ValidatingAdmissionPolicy', async () => {
    const gatekeeper = plane.state.processes.find((p) => p.name === 'gatekeeper');
    expect(gatekeeper).toBeDefined();
    await stopRecordedProcess(gatekeeper as NonNullable<typeof gatekeeper>);
    // The webhook is registered with failurePolicy Ignore, so with the manager gone only the API server answers.
    // The binding takes effect once the API server's policy informer has it: retry until the denial shows up,
    // deleting anything a fail-open call let through before.
    const denial = await waitFor(
      'the API server to deny the privileged Pod',
      async () => {
        const res = await client.createRaw(privilegedPod);
        if (res.status === 201) await client.delete(privilegedPod);
        return res.status === 422 ? res : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 2000 },
    );
    const message = (denial.json as { message?: string }).message ?? '';
    expect(message).toContain(
      `ValidatingAdmissionPolicy 'gatekeeper-d8podsecurity' with binding '${privilegedBinding()}' denied request`,
    );
    expect(message).toContain(
      `Pod ${NAMESPACE}/privileged, container "app": spec.containers[0].securityContext.privileged is true; allowed: false`,
    );
    expect(message).not.toContain('admission webhook');
    // A compliant Pod is still admitted: the denial is the check, not an outage.
    const plain = await client.createRaw({
      ...privilegedPod,
      metadata: { name: 'plain', namespace: NAMESPACE },
      spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0' }] },
    });
    expect(plain.status).toBe(201);
  });

  test('with the webhook stopped, a privileged Pod of 2,400 containers is denied by the API server too', async () => {
    const big: KubeObject = {
      ...privilegedPod,
      metadata: { name: 'privileged-2400', namespace: NAMESPACE },
      spec: {
        containers: Array.from({ length: 2400 }, (_, i) => ({
          name: `c${i}`,
          image: 'registry.example/app:1.0',
          securityContext: { privileged: true },
        })),
      },
    };
    const started = Date.now();
    const res = await client.createRaw(big);
    process.stderr.write(
      `admission-vap: 2400 containers answered ${res.status} in ${((Date.now() - started) / 1000).toFixed(2)} s\n`,
    );
    expect(res.status).toBe(422);
    const message = (res.json as { message?: string }).message ?? '';
    expect(message).toContain(`ValidatingAdmissionPolicy 'gatekeeper-d8podsecurity'`);
    // The API server reports the first failing validation only, so the count of the others does not show.
    expect(message).toContain('spec.containers[0].securityContext.privileged is true; allowed: false');
    expect(await client.get('v1', 'Pod', 'privileged-2400', NAMESPACE)).toBeUndefined();
  });
});
