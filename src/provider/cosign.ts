// The Cosign (v2 and earlier) signature format, read without Cosign: for an image with digest `sha256:<hex>`, the
// signatures are an OCI image manifest under the tag `sha256-<hex>.sig` in the same repository. Each layer is a
// "simple signing" payload (media type application/vnd.dev.cosign.simplesigning.v1+json) whose base64 signature is in
// the layer annotation `dev.cosignproject.cosign/signature` (sigstore/cosign `pkg/oci/static`, `pkg/types`; payload
// shape from containers/image `docs/containers-signature.5.md`). This module is pure: bytes in, verdict out.
import { createHash } from 'node:crypto';
import { sameRepository, type ImageReference } from './reference.js';
import { verifySignature, type TrustedKey } from './keys.js';

export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_PAYLOAD_TYPE = 'cosign container image signature';
/** Bounds on what a registry may hand us: a signature manifest lists a handful of layers of a few hundred bytes. */
export const MAX_SIGNATURE_LAYERS = 32;
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** `sha256:<hex>` → the tag Cosign stores the signatures of that digest under. */
export function signatureTag(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `${algorithm}-${hex}.sig`;
}

export interface SignatureLayer {
  digest: string;
  size: number;
  /** Base64 as stored in the annotation. */
  signature: string;
}

export class FormatError extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The signature layers of a `.sig` manifest; layers of other media types (attachments) are skipped. */
export function parseSignatureManifest(body: Buffer): SignatureLayer[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(body.toString('utf8'));
  } catch {
    throw new FormatError('the signature manifest is not JSON');
  }
  if (!isRecord(manifest) || !Array.isArray(manifest.layers))
    throw new FormatError('the signature manifest has no layers list');
  if (manifest.layers.length > MAX_SIGNATURE_LAYERS)
    throw new FormatError(`the signature manifest has more than ${MAX_SIGNATURE_LAYERS} layers`);
  const layers: SignatureLayer[] = [];
  for (const layer of manifest.layers) {
    if (!isRecord(layer) || layer.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) continue;
    const signature = isRecord(layer.annotations) ? layer.annotations[SIGNATURE_ANNOTATION] : undefined;
    if (typeof signature !== 'string' || signature === '') continue;
    if (typeof layer.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(layer.digest))
      throw new FormatError('a signature layer has no valid sha256 digest');
    if (typeof layer.size !== 'number' || layer.size < 0 || layer.size > MAX_PAYLOAD_BYTES)
      throw new FormatError(`a signature layer is larger than ${MAX_PAYLOAD_BYTES} bytes or has no size`);
    layers.push({ digest: layer.digest, size: layer.size, signature });
  }
  return layers;
}

export interface SimpleSigningPayload {
  dockerReference: string;
  manifestDigest: string;
  type: string;
}

export function parsePayload(bytes: Buffer): SimpleSigningPayload {
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new FormatError('the signed payload is not JSON');
  }
  const critical = isRecord(payload) ? payload.critical : undefined;
  if (!isRecord(critical)) throw new FormatError('the signed payload has no "critical" section');
  const identity = critical.identity;
  const image = critical.image;
  const dockerReference = isRecord(identity) ? identity['docker-reference'] : undefined;
  const manifestDigest = isRecord(image) ? image['docker-manifest-digest'] : undefined;
  if (typeof dockerReference !== 'string')
    throw new FormatError('the signed payload has no critical.identity.docker-reference');
  if (typeof manifestDigest !== 'string')
    throw new FormatError('the signed payload has no critical.image.docker-manifest-digest');
  if (typeof critical.type !== 'string') throw new FormatError('the signed payload has no critical.type');
  return { dockerReference, manifestDigest, type: critical.type };
}

/** Why an image is refused; `registry` and `credentials` say nothing about the image itself. */
export type Refusal =
  'unsigned' | 'wrong-key' | 'digest-mismatch' | 'reference-mismatch' | 'malformed' | 'registry' | 'credentials';

export type Verdict =
  | { verified: true; digest: string; keyId: string; keyType: string }
  | { verified: false; refusal: Refusal; reason: string };

/** A signature layer with its payload bytes as fetched. */
export interface FetchedSignature {
  layer: SignatureLayer;
  payload: Buffer;
}

/**
 * The verdict on an image with digest `digest`: verified when some layer's payload hashes to the layer digest, its
 * signature verifies with one of the keys, and the payload names this digest and this repository. When none does, the
 * refusal names the step closest to success (a good signature over the wrong digest says more than a wrong key).
 */
export function evaluateSignatures(
  image: ImageReference,
  digest: string,
  signatures: FetchedSignature[],
  keys: TrustedKey[],
): Verdict {
  if (signatures.length === 0)
    return { verified: false, refusal: 'unsigned', reason: `unsigned: no Cosign signature for ${digest}` };
  let best: Verdict | undefined;
  let bestRank = -1;
  const consider = (rank: number, v: Verdict) => {
    if (rank > bestRank) [best, bestRank] = [v, rank];
  };
  for (const { layer, payload } of signatures) {
    const actual = `sha256:${createHash('sha256').update(payload).digest('hex')}`;
    if (actual !== layer.digest) {
      consider(0, {
        verified: false,
        refusal: 'malformed',
        reason: `malformed signature: the payload blob hashes to ${actual}, the manifest says ${layer.digest}`,
      });
      continue;
    }
    const signature = Buffer.from(layer.signature, 'base64');
    const key = keys.find((k) => verifySignature(k, payload, signature));
    if (!key) {
      consider(1, {
        verified: false,
        refusal: 'wrong-key',
        reason: `wrong key or tampered payload: no signature verifies with the ${keys.length} trusted public key(s)`,
      });
      continue;
    }
    let claims: SimpleSigningPayload;
    try {
      claims = parsePayload(payload);
    } catch (err) {
      consider(2, { verified: false, refusal: 'malformed', reason: `malformed signature: ${(err as Error).message}` });
      continue;
    }
    if (claims.type !== COSIGN_PAYLOAD_TYPE) {
      consider(2, {
        verified: false,
        refusal: 'malformed',
        reason: `malformed signature: the payload type is "${claims.type}", not "${COSIGN_PAYLOAD_TYPE}"`,
      });
      continue;
    }
    if (claims.manifestDigest !== digest) {
      consider(3, {
        verified: false,
        refusal: 'digest-mismatch',
        reason: `digest mismatch: the signature is for ${claims.manifestDigest}, the image is ${digest}`,
      });
      continue;
    }
    if (!sameRepository(claims.dockerReference, image)) {
      consider(3, {
        verified: false,
        refusal: 'reference-mismatch',
        reason: `reference mismatch: the signature is for ${claims.dockerReference}, the image is ${image.registry}/${image.repository}`,
      });
      continue;
    }
    return { verified: true, digest, keyId: key.id, keyType: key.type };
  }
  return best as unknown as Verdict;
}
