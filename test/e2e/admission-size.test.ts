// Issue 12, "no fail-open by size": Gatekeeper's webhook fails open (failurePolicy Ignore, 3 s timeout), so a Pod
// whose review outruns the timeout would be admitted unchecked. With the CEL engine (module setting
// admission.engine: CEL) a privileged Pod with 2,400 containers in a restricted namespace is still denied by the
// webhook answering in time. Prints the time per size. (Under the Rego engine, on the loaded 2-core reference
// machine, 400 containers already outran the timeout: see README, "Admission cost and engines".)
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { e2eClient } from '../harness/e2e-env.js';
import { applyCompiled, compiledFor, deleteCompiled, type CompiledSet } from '../harness/apply-compiled.js';
import type { KubeObject, KubeTestClient } from '../harness/kube.js';

jest.setTimeout(300_000);

const NAMESPACE = `gw-size-${randomBytes(3).toString('hex')}`;
const LABELS = { 'security.deckhouse.io/pod-policy': 'restricted' };

function privilegedPod(n: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `privileged-${n}`, namespace: NAMESPACE },
    spec: {
      containers: Array.from({ length: n }, (_, i) => ({
        name: `c${i}`,
        image: 'registry.example/app:1.0',
        securityContext: { privileged: true },
      })),
    },
  };
}

describe('a privileged Pod is denied at restricted whatever its size', () => {
  let client: KubeTestClient;
  let set: CompiledSet;

  beforeAll(async () => {
    client = e2eClient();
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: LABELS } });
    set = compiledFor([{ name: NAMESPACE, labels: LABELS }], { admission: { engine: 'CEL' } });
    await applyCompiled(client, set);
  });

  afterAll(async () => {
    if (client === undefined) return;
    for (const n of [1, 400, 2400]) await client.delete(privilegedPod(n));
    if (set) await deleteCompiled(client, set);
  });

  for (const n of [1, 400, 2400]) {
    test(`${n} container(s): denied`, async () => {
      const started = Date.now();
      const res = await client.createRaw(privilegedPod(n));
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(
        `admission-size: ${n} containers answered in ${seconds.toFixed(2)} s (HTTP ${res.status})\n`,
      );
      expect(res.status).toBe(403);
      const message = (res.json as { message?: string }).message ?? '';
      // Whichever answers first: gatewright's backstop ValidatingAdmissionPolicy (the API server itself, so no
      // timeout can open it) or Gatekeeper's webhook. Both name the constraint and the field.
      const by = message.includes('ValidatingAdmissionPolicy')
        ? 'the backstop ValidatingAdmissionPolicy'
        : 'the webhook';
      process.stderr.write(`admission-size: ${n} containers denied by ${by}\n`);
      expect(message).toMatch(
        /ValidatingAdmissionPolicy 'gatewright-backstop-deny'|admission webhook "validation.gatekeeper.sh" denied the request/,
      );
      expect(message).toContain('[d8-pod-security-');
      // The backstop's message names the field; past the API server's CEL cost budget for the message expression (as
      // at 2,400 containers) it falls back to its static message, which names the control. Gatekeeper gives a
      // constraint's CEL code one cost budget per review (1,000,000, cel's PerCallLimit), which a standard's controls
      // share: past about 1,600 containers its webhook still denies, under the constraint's name, but with the
      // budget's message instead of the field (fail closed; templates/README.md, "One template per standard").
      expect(message).toMatch(
        /spec\.containers\[0\]\.securityContext\.privileged is true; allowed: false|securityContext\.privileged is true in container\(s\) c0|privileged: not allowed by the baseline Pod Security Standard|\[d8-pod-security-restricted-deny-default\] failed messageExpression: validation failed due to running out of cost budget/,
      );
      expect(await client.get('v1', 'Pod', `privileged-${n}`, NAMESPACE)).toBeUndefined();
    });
  }
});
