// The ValidatingWebhookConfiguration that sends policy objects to gatewright's webhook.
//
// failurePolicy Fail: the webhook sees only gatewright's own policy objects (never Pods or workloads), so while it is
// down only policy edits wait; Ignore would let an invalid policy in unseen. Deletes and the status subresource are
// not sent, so the operator's status writes and cleanups never depend on it.
import { POLICY_RESOURCES, RESOURCES, apiVersionOf } from '../api/resources.js';
import { WEBHOOK_PATH } from './server.js';

export const WEBHOOK_CONFIGURATION_NAME = 'gatewright-policies';
export const WEBHOOK_NAME = 'policies.gatewright.dev';

export type WebhookClientConfig =
  | { url: string; caBundle: string }
  | { service: { namespace: string; name: string; port?: number; path?: string }; caBundle: string };

export function webhookConfiguration(clientConfig: WebhookClientConfig): Record<string, unknown> {
  const config =
    'url' in clientConfig
      ? clientConfig
      : { ...clientConfig, service: { path: WEBHOOK_PATH, ...clientConfig.service } };
  return {
    apiVersion: apiVersionOf(RESOURCES.ValidatingWebhookConfiguration),
    kind: RESOURCES.ValidatingWebhookConfiguration.kind,
    metadata: { name: WEBHOOK_CONFIGURATION_NAME, labels: { 'app.kubernetes.io/part-of': 'gatewright' } },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        clientConfig: config,
        rules: [
          {
            apiGroups: [...new Set(POLICY_RESOURCES.map((r) => r.group))],
            apiVersions: [...new Set(POLICY_RESOURCES.map((r) => r.version))],
            operations: ['CREATE', 'UPDATE'],
            resources: POLICY_RESOURCES.map((r) => r.plural),
            scope: '*',
          },
        ],
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 5,
        // Of the ModuleConfigs only gatewright's own; the other modules' settings are not its business.
        matchConditions: [
          {
            name: 'only-admission-policy-engine-module-config',
            expression: "request.kind.kind != 'ModuleConfig' || request.name == 'admission-policy-engine'",
          },
        ],
      },
    ],
  };
}
