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

/**
 * A CEL rule of the CRD (x-kubernetes-validations) with its JavaScript twin, which `gatewright validate` runs
 * offline on the same node. The twin returns true when the rule holds, and also when the node does not have the shape
 * the rule reads (the API server only runs a rule on a node that passed the schema).
 */
export interface CelRule {
  rule: string;
  message: string;
  /** Where the API server reports the error, relative to the node (`.ranges`). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden';
}

const celTwins = new Map<string, (self: unknown) => boolean>();

export function cel(
  rule: string,
  message: string,
  twin: (self: Record<string, unknown>) => boolean,
  extra: Pick<CelRule, 'fieldPath' | 'reason'> = {},
): CelRule {
  celTwins.set(
    rule,
    (self) => typeof self !== 'object' || self === null || Array.isArray(self) || twin(self as Record<string, unknown>),
  );
  return { rule, message, ...extra };
}

/** The JavaScript twin of a CEL rule; every rule written with cel() has one. */
export function celTwin(rule: string): ((self: unknown) => boolean) | undefined {
  return celTwins.get(rule);
}

/** Adds CEL rules to a schema. */
export const withRules = (schema: Schema, ...rules: CelRule[]): Schema => ({
  ...schema,
  'x-kubernetes-validations': [...((schema['x-kubernetes-validations'] as CelRule[] | undefined) ?? []), ...rules],
});

/** Size caps every spec string and list gets unless its schema says otherwise, so no input is unbounded. */
export const CAPS = { maxLength: 1024, maxItems: 256, maxProperties: 64 } as const;

/**
 * The schema with the size caps filled in where a node has none: strings (but enums) get maxLength, lists maxItems,
 * string maps maxProperties. The API server refuses an oversized object with the field path, and the CEL cost
 * estimates stay bounded.
 */
export function withCaps(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (out.type === 'string' && out.enum === undefined && out.maxLength === undefined) out.maxLength = CAPS.maxLength;
  if (out.type === 'array' && out.maxItems === undefined) out.maxItems = CAPS.maxItems;
  if (out.type === 'object' && isSchema(out.additionalProperties) && out.maxProperties === undefined)
    out.maxProperties = CAPS.maxProperties;
  if (isSchema(out.items)) out.items = withCaps(out.items);
  if (isSchema(out.additionalProperties)) out.additionalProperties = withCaps(out.additionalProperties);
  if (isSchema(out.properties))
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([k, v]) => [k, isSchema(v) ? withCaps(v) : v]),
    );
  return out;
}
