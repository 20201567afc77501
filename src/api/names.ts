// Rules for the names of policy objects, and the names derived from them. A policy may be named like any cluster
// object (an RFC 1123 subdomain of up to 253 characters, as in Deckhouse); its constraints carry a name of at most 63
// characters (Gatekeeper's constraint CRDs cap metadata.name at 63) and so does the owner label (label values are
// capped at 63): names that do not fit are shortened and suffixed with a hash of the full name.
import { createHash } from 'node:crypto';
import { cel, type CelRule } from './schema-builders.js';

export const MAX_OBJECT_NAME = 253;
export const MAX_DERIVED_NAME = 63;

/**
 * Prefixes of the names gatewright (d8-pod-security-…, gatewright-…) and Deckhouse (d8-system-…) give the constraints
 * they generate; a policy named so would share a constraint with them.
 */
export const RESERVED_PREFIXES = [
  'd8-pod-security-',
  'd8-system-warn-',
  'd8-system-enforce-',
  'd8-system-default-',
  'd8-system-excluded-',
  'gatewright-',
];

/** `name` if it fits 63 characters, else its first 52 characters, a dash and 10 hex digits of its SHA-256. */
export function derivedName(name: string): string {
  if (name.length <= MAX_DERIVED_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, MAX_DERIVED_NAME - 11).replace(/[-.]+$/, '')}-${hash}`;
}

export const reservedPrefixOf = (name: string): string | undefined => RESERVED_PREFIXES.find((p) => name.startsWith(p));

/** The CEL rule of the policy CRDs' root that refuses reserved names at `kubectl apply`. */
export const reservedNameRule: CelRule = cel(
  `!(${RESERVED_PREFIXES.map((p) => `self.metadata.name.startsWith('${p}')`).join(' || ')})`,
  // The API server accepts no fieldPath into metadata, so the message names the field itself.
  `metadata.name: the name must not start with a prefix reserved for generated constraints (${RESERVED_PREFIXES.join(', ')})`,
  (s) => {
    const meta = s.metadata as { name?: unknown } | undefined;
    return typeof meta?.name !== 'string' || reservedPrefixOf(meta.name) === undefined;
  },
  { reason: 'FieldValueForbidden' },
);
