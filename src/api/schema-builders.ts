// Small builders for structural OpenAPI v3 schemas, so the CRDs read as a list of documented fields.
export type Schema = { [key: string]: unknown };

export const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
export const bool = (description: string, extra: Schema = {}): Schema => ({ type: 'boolean', description, ...extra });
export const int = (description: string, extra: Schema = {}): Schema => ({ type: 'integer', description, ...extra });
export const arr = (items: Schema, description: string, extra: Schema = {}): Schema => ({
  type: 'array',
  description,
  items,
  ...extra,
});
export const obj = (properties: Record<string, Schema>, description: string, extra: Schema = {}): Schema => ({
  type: 'object',
  description,
  properties,
  additionalProperties: false,
  ...extra,
});
export const stringList = (description: string, itemDescription = '', extra: Schema = {}): Schema =>
  arr(itemDescription ? str(itemDescription) : { type: 'string' }, description, extra);
export const enumOf = (values: readonly string[], description: string, extra: Schema = {}): Schema =>
  str(description, { enum: [...values], ...extra });

/** A free-form object (labels, justification metadata): any keys, kept as written. */
export const freeForm = (description: string): Schema => ({
  type: 'object',
  description,
  'x-kubernetes-preserve-unknown-fields': true,
});

export const stringMap = (description: string): Schema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string' },
});

/** Kubernetes keys that ajv does not know; the API server reads them, ajv ignores them. */
export const KUBERNETES_KEYWORDS = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-int-or-string',
];

/**
 * Removes `additionalProperties: false`, which the API server does not accept in a CRD (it prunes unknown fields
 * instead, and kubectl's strict field validation reports them). ajv keeps it, to name unknown fields offline.
 */
export function forCrd(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'additionalProperties' && value === false) continue;
    if (Array.isArray(value)) out[key] = value.map((v) => (isSchema(v) ? forCrd(v) : v));
    else if (isSchema(value)) out[key] = key === 'default' || key === 'example' ? value : forCrd(value);
    else out[key] = value;
  }
  return out;
}

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
