// Public keys a policy trusts, and signature verification with Node's crypto. Cosign (sigstore/sigstore
// `pkg/signature`, LoadVerifier) verifies ECDSA (P-256, P-384, P-521) and RSA PKCS#1 v1.5 keys over the SHA-256 digest
// of the payload, and Ed25519 over the payload itself. `cosign generate-key-pair` makes ECDSA P-256 keys.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

export interface TrustedKey {
  key: KeyObject;
  /** `ecdsa-p256`, `rsa-3072`, `ed25519`, … for messages and logs. */
  type: string;
  /** First 16 hex digits of the SHA-256 of the DER SubjectPublicKeyInfo, to name a key in logs. */
  id: string;
}

export class KeyError extends Error {}

const CURVES: Record<string, string> = { prime256v1: 'p256', secp384r1: 'p384', secp521r1: 'p521' };

export function parsePublicKey(pem: string): TrustedKey {
  const text = pem.trim();
  if (!/^-----BEGIN PUBLIC KEY-----\s[\s\S]+\s-----END PUBLIC KEY-----$/.test(text))
    throw new KeyError('not a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch (err) {
    throw new KeyError(`unreadable public key: ${(err as Error).message}`);
  }
  const details = key.asymmetricKeyDetails ?? {};
  let type: string;
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = CURVES[details.namedCurve ?? ''];
      if (!curve) throw new KeyError(`unsupported elliptic curve ${details.namedCurve ?? '(unknown)'}`);
      type = `ecdsa-${curve}`;
      break;
    }
    case 'rsa':
      if ((details.modulusLength ?? 0) < 2048) throw new KeyError('RSA keys shorter than 2048 bits are not accepted');
      type = `rsa-${details.modulusLength}`;
      break;
    case 'ed25519':
      type = 'ed25519';
      break;
    default:
      throw new KeyError(`unsupported key type ${key.asymmetricKeyType ?? '(unknown)'}`);
  }
  const der = key.export({ format: 'der', type: 'spki' });
  return { key, type, id: createHash('sha256').update(der).digest('hex').slice(0, 16) };
}

/** True when `signature` (raw bytes: DER for ECDSA, as Cosign stores it) signs `payload` with `trusted`. */
export function verifySignature(trusted: TrustedKey, payload: Buffer, signature: Buffer): boolean {
  try {
    if (trusted.type === 'ed25519') return verify(null, payload, trusted.key, signature);
    return verify('sha256', payload, trusted.key, signature);
  } catch {
    // A malformed signature (bad DER, wrong length) is a signature that does not verify.
    return false;
  }
}
