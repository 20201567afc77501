// verifyImageSignatures: Cosign signatures of images, verified through Gatekeeper's external data.
import { bounded, isRecord, reportDuplicates, strings, type Report } from '../../api/rule-helpers.js';
import { arr, obj, str } from '../../api/schema-builders.js';
import type { SecurityPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { imageSignaturesRule } from '../../compiler/image-signatures.js';
import type { FieldModule } from '../module.js';

type Render = (p: SecurityPolicies) => PlannedCheck | undefined;

const fields = {
  verifyImageSignatures: arr(
    obj(
      {
        reference: str(
          'The images to verify: an exact image, or a prefix ending in a single * (registry.example.com/team/*).',
          { pattern: '^[a-z0-9\\.\\-:@\\/]*\\*?$' },
        ),
        publicKeys: arr(
          str('A PEM public key.', { maxLength: 16384 }),
          'PEM public keys (cosign); a signature by any one of them is accepted.',
          { minItems: 1, maxItems: 64 },
        ),
        dockerCfg: str(
          'Base64 of a docker config.json with credentials for the registry. Not passed to the provider (it would ' +
            "be copied into a cluster-wide constraint): the policy reports Degraded=True; use the provider's " +
            'dockerconfigjson Secret instead.',
          { maxLength: 65536 },
        ),
        ca: str('PEM CA bundle of the registry.', { maxLength: 65536 }),
      },
      'Images whose Cosign signature is verified.',
      { required: ['reference', 'publicKeys'] },
    ),
    'Cosign signature verification of container images: a Pod is admitted only when every image a reference ' +
      "covers is signed by one of the reference's keys, as gatewright's image signature provider (Gatekeeper " +
      'external data, gatewright provider) verifies it. Without a provider configured (gatewright run ' +
      '--image-signature-provider-url) every covered image is denied and the policy reports Degraded=True. Leaving ' +
      'it out means no signature check.',
  ),
};

// The check itself (Gatekeeper's external data with gatewright's signature provider) is in compiler/image-signatures.ts;
// what it cannot honour (no provider configured, inline dockerCfg) unsupportedSecurityFields() reports in status.
export const verifyImageSignaturesRule: Render = imageSignaturesRule;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  if (!Array.isArray(p.verifyImageSignatures)) return;
  bounded(p.verifyImageSignatures).forEach((v, i) => {
    if (!isRecord(v)) return;
    strings(v.publicKeys).forEach((key, k) => {
      if (!/-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/.test(key)) {
        at(
          `${base}.verifyImageSignatures[${i}].publicKeys[${k}]`,
          'pem',
          'Invalid value: must be a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)',
        );
      }
    });
  });
  const refs = bounded(p.verifyImageSignatures).map((v) => (isRecord(v) ? v.reference : undefined));
  reportDuplicates(refs, (i) => `${base}.verifyImageSignatures[${i}].reference`, at);
}

export const verifyImageSignatures: FieldModule<SecurityPolicies> = {
  check: 'verify-image-signatures',
  fields,
  kinds: ['D8VerifyImageSignatures'],
  validate,
  render: verifyImageSignaturesRule,
};
