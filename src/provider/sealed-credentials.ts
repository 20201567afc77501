// A SecurityPolicy's inline `dockerCfg` (DVP: base64 of a docker config.json for the entry's registry) travels from
// the operator to the provider inside the external-data key, so it must not be readable there: Gatekeeper constraints
// are read by far more clients than Secrets. The operator seals it with a key that only it and the provider hold (a
// Secret mounted in both), the constraint carries `gwsealed.v1.<key id>.<base64url(nonce | ciphertext | tag)>`, and
// the provider opens it. AES-256-GCM with a synthetic nonce (HMAC of the plaintext, as in RFC 5297's SIV idea): the
// same credentials always seal to the same text, so a re-compile never rewrites a constraint; the only thing it
// reveals is that two entries carry equal credentials. Pure: text and keys in, text out.
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { parseDockerConfig } from './docker-config.js';
import type { Credentials } from './registry.js';

const PREFIX = 'gwsealed.v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** The shortest key text accepted: 32 bytes of base64 (`openssl rand -base64 32`). */
const MIN_KEY_CHARS = 32;

export class SealError extends Error {}

export interface SealingKey {
  /** Short public name of the key (hash of its text), so a refusal can say which key sealed a value. */
  id: string;
  encryption: Buffer;
  nonce: Buffer;
}

/**
 * The keys in a key file: one per line, blank lines and `#` comments ignored. The operator seals with the first; the
 * provider opens with any, so a rotation adds the new key on top, then drops the old one once everything is resealed.
 */
export function parseSealingKeys(text: string): SealingKey[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new SealError('the credentials key file has no key');
  return lines.map((line, i) => {
    if (line.length < MIN_KEY_CHARS)
      throw new SealError(
        `key ${i + 1} of the credentials key file is shorter than ${MIN_KEY_CHARS} characters (use openssl rand -base64 32)`,
      );
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', line, 'gatewright', info, 32));
    return {
      id: createHash('sha256').update(derive('id')).digest('hex').slice(0, 12),
      encryption: derive('encryption'),
      nonce: derive('nonce'),
    };
  });
}

export function seal(key: SealingKey, plaintext: string): string {
  const data = Buffer.from(plaintext, 'utf8');
  const nonce = createHmac('sha256', key.nonce).update(data).digest().subarray(0, NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.encryption, nonce);
  cipher.setAAD(Buffer.from(`${PREFIX}.${key.id}`));
  const body = Buffer.concat([nonce, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}.${key.id}.${body.toString('base64url')}`;
}

export const isSealed = (text: string): boolean => text.startsWith(`${PREFIX}.`);

export function open(keys: SealingKey[], sealed: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 4 || `${parts[0]}.${parts[1]}` !== PREFIX)
    throw new SealError('the sealed credentials are not in the gwsealed.v1 format');
  const [, , id, body] = parts as [string, string, string, string];
  const key = keys.find((k) => k.id === id);
  if (!key)
    throw new SealError(
      `the credentials were sealed with key ${id}, which this provider does not hold (--credentials-key must list the operator's key)`,
    );
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new SealError('the sealed credentials are truncated');
  const decipher = createDecipheriv('aes-256-gcm', key.encryption, bytes.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(`${PREFIX}.${key.id}`));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new SealError(`the sealed credentials do not open with key ${id} (altered or sealed with another key)`);
  }
}

/** DVP's `dockerCfg`: base64 of a docker config JSON. Returns the config text, or throws with what is wrong. */
export function decodeDockerCfg(dockerCfg: string): { text: string; credentials: Map<string, Credentials> } {
  const compact = dockerCfg.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1)
    throw new SealError('is not base64 (DVP expects base64 of a docker config.json)');
  const text = Buffer.from(compact, 'base64').toString('utf8');
  let credentials: Map<string, Credentials>;
  try {
    credentials = parseDockerConfig(text);
  } catch (err) {
    throw new SealError(`is base64 but ${(err as Error).message.replace(/^the /, 'its ')}`);
  }
  if (credentials.size === 0) throw new SealError('holds no registry credentials (no "auths" entry with a login)');
  return { text, credentials };
}
