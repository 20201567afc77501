// One image, one verdict: resolve the digest, fetch the Cosign signatures of that digest, check them against the
// trusted keys. Definitive verdicts are cached by repository, digest and key set for a TTL; registry failures are
// never cached and always refuse (fail closed). The clock and the registry client are injected, for the tests.
import {
  evaluateSignatures,
  FormatError,
  MAX_PAYLOAD_BYTES,
  parseSignatureManifest,
  signatureTag,
  type Verdict,
} from './cosign.js';
import { KeyError, parsePublicKey, type TrustedKey } from './keys.js';
import { parseImageReference, ReferenceError, repositoryName, type ImageReference } from './reference.js';
import type { Credentials, RegistryClient } from './registry.js';
import { parseDockerConfig } from './docker-config.js';
import { open, SealError, type SealingKey } from './sealed-credentials.js';

/** What the Rego template sends as one external-data key (JSON), so the provider needs no state of its own. */
export interface VerificationRequest {
  image: string;
  /** PEM public keys of the matching `verifyImageSignatures` entry. */
  publicKeys: string[];
  /** Extra PEM CA certificates for the registry (the entry's `ca`). */
  ca?: string;
  /** The entry's `dockerCfg`, sealed by the operator (sealed-credentials.ts). */
  credentials?: string;
}

export class RequestError extends Error {}

export function parseRequestKey(key: string): VerificationRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(key);
  } catch {
    throw new RequestError('the key is not a JSON verification request ({"image", "publicKeys"})');
  }
  const r = doc as Partial<VerificationRequest> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new RequestError('the key is not a JSON object');
  if (typeof r.image !== 'string' || r.image === '') throw new RequestError('the key has no "image"');
  if (!Array.isArray(r.publicKeys) || r.publicKeys.length === 0 || !r.publicKeys.every((k) => typeof k === 'string'))
    throw new RequestError('the key has no "publicKeys" list of PEM strings');
  if (r.ca !== undefined && typeof r.ca !== 'string') throw new RequestError('the key has a "ca" that is not a string');
  if (r.credentials !== undefined && typeof r.credentials !== 'string')
    throw new RequestError('the key has "credentials" that are not a string');
  return {
    image: r.image,
    publicKeys: r.publicKeys,
    ...(r.ca ? { ca: r.ca } : {}),
    ...(r.credentials ? { credentials: r.credentials } : {}),
  };
}

export interface VerifierOptions {
  registry: RegistryClient;
  /** How long a verified verdict is reused. */
  cacheTtlMs: number;
  /**
   * How long a refusal for a reason in the image (unsigned, wrong key, …) is reused; short by default, since the
   * usual fix — signing the image — should take effect at once. Default: 30 s or cacheTtlMs if shorter.
   */
  refusalTtlMs?: number;
  /** Entries kept at most; the oldest go first. */
  cacheSize?: number;
  /** CA certificates trusted for every registry (the provider's --registry-ca), in addition to a request's `ca`. */
  ca?: string[];
  /** The keys that open a request's sealed `credentials` (the provider's --credentials-key; read when needed). */
  sealingKeys?: () => SealingKey[];
  now?: () => number;
}

export interface Outcome {
  verdict: Verdict;
  cached: boolean;
}

const splitPems = (text: string): string[] =>
  text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

export class Verifier {
  private readonly cache = new Map<string, { verdict: Verdict; expiresAt: number }>();
  private readonly keys = new Map<string, TrustedKey | KeyError>();
  private readonly now: () => number;

  constructor(private readonly opts: VerifierOptions) {
    this.now = opts.now ?? Date.now;
  }

  async verify(request: VerificationRequest, signal?: AbortSignal): Promise<Outcome> {
    let image: ImageReference;
    try {
      image = parseImageReference(request.image);
    } catch (err) {
      if (err instanceof ReferenceError) return refused('malformed', err.message);
      throw err;
    }
    const keys: TrustedKey[] = [];
    const keyErrors: string[] = [];
    for (const pem of request.publicKeys) {
      const k = this.trustedKey(pem);
      if (k instanceof KeyError) keyErrors.push(k.message);
      else keys.push(k);
    }
    if (keys.length === 0) return refused('malformed', `no usable public key: ${keyErrors.join('; ')}`);
    const ca = [...(this.opts.ca ?? []), ...splitPems(request.ca ?? '')];
    let credentials: Map<string, Credentials> | undefined;
    if (request.credentials) {
      try {
        credentials = this.openCredentials(request.credentials);
      } catch (err) {
        return refused('credentials', `credentials error: ${(err as Error).message}`);
      }
    }
    const reqOpts = {
      ...(signal ? { signal } : {}),
      ...(ca.length > 0 ? { ca } : {}),
      ...(credentials ? { credentials } : {}),
    };

    try {
      let digest = image.digest;
      if (!digest) {
        const tag = image.tag ?? 'latest';
        const manifest = await this.opts.registry.manifest(image, tag, reqOpts);
        if (!manifest) return refused('registry', `registry error: ${repositoryName(image)}:${tag} not found`);
        digest = manifest.digest;
      }
      // The credentials are part of the key: a verdict read with one entry's login is not lent to another's.
      const cacheKey = `${repositoryName(image)}@${digest}|${keys
        .map((k) => k.id)
        .sort()
        .join(',')}|${request.credentials ?? ''}`;
      const hit = this.cache.get(cacheKey);
      if (hit && hit.expiresAt > this.now()) return { verdict: hit.verdict, cached: true };

      const verdict = await this.verifyDigest(image, digest, keys, reqOpts);
      this.remember(cacheKey, verdict);
      return { verdict, cached: false };
    } catch (err) {
      if (err instanceof FormatError) return refused('malformed', `malformed signature: ${err.message}`);
      return refused('registry', `registry error: ${describeFailure(err, image)}`);
    }
  }

  private async verifyDigest(
    image: ImageReference,
    digest: string,
    keys: TrustedKey[],
    reqOpts: { signal?: AbortSignal; ca?: string[]; credentials?: ReadonlyMap<string, Credentials> },
  ): Promise<Verdict> {
    const sigTag = signatureTag(digest);
    const manifest = await this.opts.registry.manifest(image, sigTag, reqOpts);
    if (!manifest)
      return {
        verified: false,
        refusal: 'unsigned',
        reason: `unsigned: no Cosign signature (${repositoryName(image)}:${sigTag})`,
      };
    const layers = parseSignatureManifest(manifest.body);
    const signatures = await Promise.all(
      layers.map(async (layer) => ({
        layer,
        payload: await this.opts.registry.blob(image, layer.digest, MAX_PAYLOAD_BYTES, reqOpts),
      })),
    );
    return evaluateSignatures(image, digest, signatures, keys);
  }

  private openCredentials(sealed: string): Map<string, Credentials> {
    const keys = this.opts.sealingKeys?.() ?? [];
    if (keys.length === 0)
      throw new SealError(
        "the policy's dockerCfg was sealed by the operator, but this provider has no --credentials-key to open it",
      );
    return parseDockerConfig(open(keys, sealed));
  }

  private trustedKey(pem: string): TrustedKey | KeyError {
    let k = this.keys.get(pem);
    if (!k) {
      try {
        k = parsePublicKey(pem);
      } catch (err) {
        k = err instanceof KeyError ? err : new KeyError(String(err));
      }
      if (this.keys.size > 1000) this.keys.clear();
      this.keys.set(pem, k);
    }
    return k;
  }

  private remember(key: string, verdict: Verdict): void {
    if (!verdict.verified && verdict.refusal === 'registry') return;
    const max = this.opts.cacheSize ?? 10_000;
    while (this.cache.size >= max) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    this.cache.delete(key);
    const ttl = verdict.verified
      ? this.opts.cacheTtlMs
      : (this.opts.refusalTtlMs ?? Math.min(this.opts.cacheTtlMs, 30_000));
    this.cache.set(key, { verdict, expiresAt: this.now() + ttl });
  }
}

function refused(refusal: Extract<Verdict, { verified: false }>['refusal'], reason: string): Outcome {
  return { verdict: { verified: false, refusal, reason }, cached: false };
}

function describeFailure(err: unknown, image: ImageReference): string {
  const e = err as NodeJS.ErrnoException & { cause?: unknown };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return `no answer from ${image.registry} in time (the provider gives up before Gatekeeper's timeout)`;
  if (e?.code === 'ECONNREFUSED') return `${image.registry} refused the connection (is the registry running?)`;
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return `cannot resolve ${image.registry}`;
  if (e?.code === 'ECONNRESET') return `${image.registry} closed the connection`;
  // OpenSSL's verification codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, SELF_SIGNED_CERT_IN_CHAIN, CERT_HAS_EXPIRED, …)
  // and Node's (ERR_TLS_CERT_ALTNAME_INVALID); Node's hint about --use-system-ca does not apply to the provider.
  if (typeof e?.code === 'string' && /CERT|^ERR_TLS|^ERR_SSL|^UNABLE_TO_|SELF_SIGNED/.test(e.code))
    return `TLS with ${image.registry} failed: ${e.message.replace(/; if the root CA is installed locally.*$/, '')} (is its CA in the policy's "ca" or the provider's --registry-ca?)`;
  return e instanceof Error ? e.message : String(err);
}
