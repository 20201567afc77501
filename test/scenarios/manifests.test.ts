// The kustomize tree renders as the README says: the webhook component's ValidatingWebhookConfiguration is the one
// src/webhook/configuration.ts describes (said once, checked here), every overlay builds, and the full overlay wires
// the serving certificates of hack/serving-certs.sh into the webhook's caBundle and the operator's flags.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { load, loadAll } from 'js-yaml';
import { webhookConfiguration } from '../../src/webhook/configuration.js';
import { repoRoot } from '../support/doc-examples.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function kustomize(dir: string): Obj[] {
  const r = spawnSync(join(repoRoot, 'hack', '.bin', 'kubectl'), ['kustomize', join(repoRoot, dir)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr}`);
  return (loadAll(r.stdout) as Obj[]).filter(Boolean);
}
const find = (objects: Obj[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name)) as Obj;

describe('manifests/', () => {
  it("the webhook component's ValidatingWebhookConfiguration is src/webhook/configuration.ts's", () => {
    const file = load(
      readFileSync(join(repoRoot, 'manifests', 'components', 'webhook', 'validatingwebhookconfiguration.yaml'), 'utf8'),
    );
    expect(file).toEqual(
      webhookConfiguration({
        service: { namespace: 'gatewright-system', name: 'gatewright-webhook', port: 443 },
        caBundle: '',
      }),
    );
  });

  it('the ServiceMonitor overlay builds on the base and lets Prometheus read /metrics', () => {
    const objects = kustomize('manifests/overlays/servicemonitor');
    expect(find(objects, 'ServiceMonitor', 'gatewright').spec.endpoints[0].bearerTokenFile).toBeDefined();
    expect(find(objects, 'ClusterRoleBinding', 'gatewright-metrics-reader').roleRef.name).toBe(
      'gatewright-metrics-reader',
    );
    const args = find(objects, 'Deployment', 'gatewright').spec.template.spec.containers[0].args as string[];
    expect(args).toContain('--metrics-auth');
  });

  it("the full overlay puts hack/serving-certs.sh's CA in the caBundle and the certificates in the Pods", () => {
    const certs = join(repoRoot, 'manifests', 'overlays', 'full', 'certs');
    const made = spawnSync('bash', [join(repoRoot, 'hack', 'serving-certs.sh'), certs], { encoding: 'utf8' });
    expect([made.status, made.stderr]).toEqual([0, '']);
    const ca = readFileSync(join(certs, 'ca.crt'), 'utf8');
    for (const component of ['webhook', 'provider']) {
      const verify = spawnSync(
        'openssl',
        ['verify', '-CAfile', join(certs, 'ca.crt'), join(certs, component, 'tls.crt')],
        {
          encoding: 'utf8',
        },
      );
      expect(verify.stdout.trim()).toBe(`${join(certs, component, 'tls.crt')}: OK`);
    }

    const objects = kustomize('manifests/overlays/full');
    const vwc = find(objects, 'ValidatingWebhookConfiguration', 'gatewright-policies');
    expect(Buffer.from(vwc.webhooks[0].clientConfig.caBundle, 'base64').toString()).toBe(ca);
    expect(vwc.webhooks[0].clientConfig.service).toEqual({
      namespace: 'gatewright-system',
      name: 'gatewright-webhook',
      port: 443,
      path: '/validate',
    });

    const webhookSecret = find(objects, 'Secret', 'gatewright-webhook-tls-');
    const providerSecret = find(objects, 'Secret', 'gatewright-provider-tls-');
    const operator = find(objects, 'Deployment', 'gatewright').spec.template.spec;
    expect(operator.containers[0].args).toEqual(
      expect.arrayContaining([
        '--metrics-auth',
        '--webhook-port=9443',
        '--image-signature-provider-url=https://gatewright-provider.gatewright-system.svc:8443/validate',
        '--image-signature-provider-ca=/etc/gatewright/provider-ca/ca.crt',
      ]),
    );
    expect(operator.volumes.map((v: Obj) => v.secret.secretName).sort()).toEqual(
      [providerSecret.metadata.name, webhookSecret.metadata.name].sort(),
    );
    const provider = find(objects, 'Deployment', 'gatewright-provider').spec.template.spec;
    expect(provider.automountServiceAccountToken).toBe(false);
    expect(provider.containers[0].image).toBe(operator.containers[0].image);
    expect(provider.volumes[0].secret.secretName).toBe(providerSecret.metadata.name);
  });
});
