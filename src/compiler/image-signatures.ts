// verifyImageSignatures → the D8VerifyImageSignatures check and the Gatekeeper Provider it calls. The check's Rego
// sends each covered image, with its reference's keys, to gatewright's image signature provider through Gatekeeper
// external data (DVP does the same with Ratify, reference deckhouse.md §10).
import type { SecurityPolicies } from '../api/types.js';
import { RESOURCES, apiVersionOf } from '../api/resources.js';
import type { K8sObject } from './model.js';
import type { PlannedCheck } from './security-rules.js';

export const IMAGE_SIGNATURES_KIND = 'D8VerifyImageSignatures';
/** The Provider name the template's Rego calls (templates/verify-image-signatures/src.rego). */
export const PROVIDER_NAME = 'gatewright-image-signatures';
export const PROVIDER_API_VERSION = apiVersionOf(RESOURCES.Provider);
/** Seconds Gatekeeper waits for the provider; below the webhook's 3 s, so a slow registry denies instead of timing out the webhook (which fails open). */
export const PROVIDER_TIMEOUT_SECONDS = 2;

/** Where Gatekeeper reaches the provider: its HTTPS URL and the CA (PEM) that signed its serving certificate. */
export interface ImageSignatureProvider {
  url: string;
  caPem: string;
}

export function imageSignaturesRule(p: SecurityPolicies): PlannedCheck | undefined {
  const entries = p.verifyImageSignatures;
  if (!entries || entries.length === 0) return undefined;
  return {
    name: 'verifyImageSignatures',
    kind: IMAGE_SIGNATURES_KIND,
    parameters: {
      references: entries.map((e) => ({
        reference: e.reference,
        publicKeys: e.publicKeys,
        ...(e.ca ? { ca: e.ca } : {}),
      })),
    },
  };
}

/** What gatewright cannot honour of a policy's verifyImageSignatures; the check is in force regardless (fail closed). */
export function imageSignatureGaps(
  p: SecurityPolicies,
  providerConfigured: boolean,
): { field: string; reason: string }[] {
  const entries = p.verifyImageSignatures ?? [];
  if (entries.length === 0) return [];
  const gaps: { field: string; reason: string }[] = [];
  if (!providerConfigured)
    gaps.push({
      field: 'verifyImageSignatures',
      reason:
        'no image signature provider is configured (gatewright run --image-signature-provider-url), so every image ' +
        'a reference covers is denied',
    });
  entries.forEach((e, i) => {
    if (e.dockerCfg)
      gaps.push({
        field: `verifyImageSignatures[${i}].dockerCfg`,
        reason:
          'inline registry credentials are not passed to the provider (they would be copied into a cluster-wide ' +
          "constraint); put them in the provider's dockerconfigjson Secret",
      });
  });
  return gaps;
}

/** The Provider object, when some emitted constraint calls it. */
export function providerObject(
  constraints: K8sObject[],
  provider: ImageSignatureProvider | undefined,
  labels: Record<string, string>,
): K8sObject | undefined {
  if (!provider || !constraints.some((c) => c.kind === IMAGE_SIGNATURES_KIND)) return undefined;
  return {
    apiVersion: PROVIDER_API_VERSION,
    kind: 'Provider',
    metadata: { name: PROVIDER_NAME, labels },
    spec: {
      url: provider.url,
      timeout: PROVIDER_TIMEOUT_SECONDS,
      caBundle: Buffer.from(provider.caPem).toString('base64'),
    },
  };
}
