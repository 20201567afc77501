// verifyImageSignatures → the D8VerifyImageSignatures check and the Gatekeeper Provider it calls. The check's Rego
// sends each covered image, with its reference's keys, to gatewright's image signature provider through Gatekeeper
// external data (DVP does the same with Ratify, reference deckhouse.md §10).
import type { SecurityPolicies } from '../api/types.js';
import { decodeDockerCfg, parseSealingKeys, seal, type SealingKey } from '../provider/sealed-credentials.js';
import type { K8sObject } from './model.js';
import type { PlannedCheck } from './security-rules.js';

export const IMAGE_SIGNATURES_KIND = 'D8VerifyImageSignatures';
/** The Provider name the template's Rego calls (templates/verify-image-signatures/src.rego). */
export const PROVIDER_NAME = 'gatewright-image-signatures';
export const PROVIDER_API_VERSION = 'externaldata.gatekeeper.sh/v1beta1';
/** Seconds Gatekeeper waits for the provider; below the webhook's 3 s, so a slow registry denies instead of timing out the webhook (which fails open). */
export const PROVIDER_TIMEOUT_SECONDS = 2;

/** Where Gatekeeper reaches the provider: its HTTPS URL and the CA (PEM) that signed its serving certificate. */
export interface ImageSignatureProvider {
  url: string;
  caPem: string;
  /**
   * The text of the key file shared with the provider (`--credentials-key` there): entries' inline `dockerCfg` are
   * sealed with its first key into the constraint, never copied in clear. Without it, `dockerCfg` is not used.
   */
  credentialsKey?: string;
}

const sealingKeys = new Map<string, SealingKey>();
function sealingKey(text: string): SealingKey {
  let key = sealingKeys.get(text);
  if (!key) {
    key = parseSealingKeys(text)[0] as SealingKey;
    sealingKeys.clear();
    sealingKeys.set(text, key);
  }
  return key;
}

/** The entry's `dockerCfg` sealed for the provider, when it is usable and a key is configured. */
function sealedCredentials(dockerCfg: string | undefined, provider: ImageSignatureProvider | undefined) {
  if (!dockerCfg || !provider?.credentialsKey) return undefined;
  try {
    return seal(sealingKey(provider.credentialsKey), decodeDockerCfg(dockerCfg).text);
  } catch {
    return undefined; // reported by imageSignatureGaps
  }
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

/**
 * The planned check with each entry's inline `dockerCfg` sealed into its reference (`credentials`), which the Rego
 * forwards to the provider. The field module renders without the provider's settings, so this is a second step.
 */
export function withSealedCredentials(
  check: PlannedCheck,
  p: SecurityPolicies,
  provider: ImageSignatureProvider | undefined,
): PlannedCheck {
  const entries = p.verifyImageSignatures ?? [];
  const references = check.parameters?.references;
  if (check.kind !== IMAGE_SIGNATURES_KIND || !Array.isArray(references)) return check;
  return {
    ...check,
    parameters: {
      ...check.parameters,
      references: references.map((ref: Record<string, unknown>, i) => {
        const credentials = sealedCredentials(entries[i]?.dockerCfg, provider);
        return credentials ? { ...ref, credentials } : ref;
      }),
    },
  };
}

/** What gatewright cannot honour of a policy's verifyImageSignatures; the check is in force regardless (fail closed). */
export function imageSignatureGaps(
  p: SecurityPolicies,
  providerConfigured: boolean,
  credentialsKeyConfigured = false,
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
    if (!e.dockerCfg) return;
    const field = `verifyImageSignatures[${i}].dockerCfg`;
    try {
      decodeDockerCfg(e.dockerCfg);
    } catch (err) {
      gaps.push({
        field,
        reason: `${(err as Error).message}; the reference's images are verified without these credentials (denied where the registry requires them)`,
      });
      return;
    }
    if (providerConfigured && !credentialsKeyConfigured)
      gaps.push({
        field,
        reason:
          'inline registry credentials are not used: the operator has no --image-signature-credentials-key to seal ' +
          "them for the provider (they are never copied into a constraint in clear), so the reference's images are " +
          'verified without them (denied where the registry requires them)',
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
