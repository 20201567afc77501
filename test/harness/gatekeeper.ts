import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import type { KubeObject } from './kube.js';

export const GATEKEEPER_NAMESPACE = 'gatekeeper-system';
export const VALIDATING_WEBHOOK_CONFIGURATION = 'gatekeeper-validating-webhook-configuration';
export const MUTATING_WEBHOOK_CONFIGURATION = 'gatekeeper-mutating-webhook-configuration';
const IGNORE_LABEL = 'admission.gatekeeper.sh/ignore';

/** Every CRD in Gatekeeper's chart CRD folder (hack/.bin/gatekeeper-crds, same tag as the manager binary). */
export function loadGatekeeperCrds(crdDir: string): KubeObject[] {
  const crds: KubeObject[] = [];
  for (const file of readdirSync(crdDir).sort()) {
    if (!/\.ya?ml$/.test(file)) continue;
    for (const doc of loadAll(readFileSync(join(crdDir, file), 'utf8'))) {
      const obj = doc as KubeObject | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  if (crds.length === 0) throw new Error(`no CRDs found in ${crdDir}`);
  return crds;
}

// Namespaces Gatekeeper never judges: its own, plus any carrying the ignore label (as its shipped manifest does).
const namespaceSelectorExcludingGatekeeper = {
  matchExpressions: [
    { key: IGNORE_LABEL, operator: 'DoesNotExist' },
    { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [GATEKEEPER_NAMESPACE] },
  ],
};

// Subresources Gatekeeper's own manifest adds to its `*` rule, so that exec, scale and friends are reviewed too.
const reviewedSubresources = [
  'pods/ephemeralcontainers',
  'pods/exec',
  'pods/log',
  'pods/eviction',
  'pods/portforward',
  'pods/proxy',
  'pods/attach',
  'pods/binding',
  'pods/resize',
  'deployments/scale',
  'replicasets/scale',
  'statefulsets/scale',
  'replicationcontrollers/scale',
  'services/proxy',
  'nodes/proxy',
  'services/status',
];

/** One rule of a webhook: which resources of which API groups it is sent. */
export interface WebhookRule {
  apiGroups: string[];
  resources: string[];
}

/**
 * Gatekeeper's webhook configurations as its release manifest ships them, except that `clientConfig` is a URL on
 * loopback (the manager runs as a local process, not behind a Service) with the harness CA as `caBundle`, and that
 * `reviewed`, when given, replaces the validating webhook's "every resource" rule.
 */
export function webhookConfigurations(webhookBaseUrl: string, caPem: string, reviewed?: WebhookRule[]): KubeObject[] {
  const caBundle = Buffer.from(caPem).toString('base64');
  const clientConfig = (path: string) => ({ url: `${webhookBaseUrl}${path}`, caBundle });
  const common = { admissionReviewVersions: ['v1', 'v1beta1'], matchPolicy: 'Exact', sideEffects: 'None' };
  const labels = { 'gatekeeper.sh/system': 'yes' };
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: VALIDATING_WEBHOOK_CONFIGURATION, labels },
      webhooks: [
        {
          ...common,
          name: 'validation.gatekeeper.sh',
          clientConfig: clientConfig('/v1/admit'),
          failurePolicy: 'Ignore',
          timeoutSeconds: 3,
          namespaceSelector: namespaceSelectorExcludingGatekeeper,
          rules: (reviewed ?? [{ apiGroups: ['*'], resources: ['*', ...reviewedSubresources] }]).map((rule) => ({
            apiGroups: rule.apiGroups,
            apiVersions: ['*'],
            operations: ['CREATE', 'UPDATE'],
            resources: rule.resources,
          })),
        },
        {
          ...common,
          name: 'check-ignore-label.gatekeeper.sh',
          clientConfig: clientConfig('/v1/admitlabel'),
          failurePolicy: 'Fail',
          timeoutSeconds: 3,
          namespaceSelector: {
            matchExpressions: [
              { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [GATEKEEPER_NAMESPACE] },
            ],
          },
          rules: [{ apiGroups: [''], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['namespaces'] }],
        },
      ],
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: MUTATING_WEBHOOK_CONFIGURATION, labels },
      webhooks: [
        {
          ...common,
          name: 'mutation.gatekeeper.sh',
          clientConfig: clientConfig('/v1/mutate'),
          failurePolicy: 'Ignore',
          timeoutSeconds: 1,
          namespaceSelector: namespaceSelectorExcludingGatekeeper,
          rules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['*'] }],
        },
      ],
    },
  ];
}

/**
 * A namespace Gatekeeper's `/v1/admitlabel` webhook must reject (the ignore label on a non-exempt namespace). Creating
 * it with dryRun shows that the API server really reaches the webhook: without an answer the request would either pass
 * (webhook not registered yet) or fail with a call error, never with Gatekeeper's own denial.
 */
export function webhookProbeNamespace(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'gatewright-webhook-probe', labels: { [IGNORE_LABEL]: 'yes' } },
  };
}
