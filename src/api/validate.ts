// Validation of policy objects, one rule set with two outcomes: errors (the object is refused: by the CRD schema and
// its CEL rules, or by gatewright's validating webhook) and warnings (the object is accepted and enforced as Deckhouse
// enforces it, but something in it is redundant or surprising). First the OpenAPI schema the API server also applies
// (ajv, with the CRD's CEL rules run through their JavaScript twins), then the rules OpenAPI cannot say (RE2 regexes,
// globs, image references, duplicates, contradictions). Every finding names the object, the field path and the rule,
// worded the way the API server words its own. All of it is linear in the input, and the output is capped.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { MAX_OBJECT_NAME } from './names.js';
import { NAMESPACE_GLOB_HINT, NAMESPACE_GLOB_PATTERN, globMatches, regexProblem } from './patterns.js';
import { OPERATION_FIELDS, SECURITY_FIELDS } from '../fields/index.js';
import { duplicateRules, isRecord, show, strings, type Report } from './rule-helpers.js';

import { GROUP, VERSION } from './schemas.js';
import { MODULE_SETTINGS, validatorFor } from './validators.js';
import { MODULE_CONFIG_NAME } from './types.js';

export interface ValidationError {
  /** `SecurityPolicy "mypolicy"` */
  object: string;
  /** Dotted field path, `spec.policies.runAsUser.ranges[0]`. */
  path: string;
  /** A short rule id: schema, cel, regex, glob, image-reference, duplicate, contradiction, … */
  rule: string;
  message: string;
  /** Warnings do not refuse the object: it is enforced as Deckhouse enforces it. Errors when unset. */
  severity?: 'warning';
}

export interface Findings {
  errors: ValidationError[];
  warnings: ValidationError[];
  /** The field path of every error, uncapped (the compiler's fallback needs to know which fields are sound). */
  errorPaths: string[];
}

export function formatError(e: ValidationError): string {
  return `${e.object}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

/** A warning as the API server returns it to kubectl (which prints `Warning: ` before it). */
export function formatWarning(e: ValidationError): string {
  return `${e.object}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

export const API_VERSION = `${GROUP}/${VERSION}`;
export const POLICY_KINDS = ['OperationPolicy', 'SecurityPolicy', 'SecurityPolicyException', 'ModuleConfig'] as const;

/** At most this many findings of each severity are listed; the rest are counted (a status must stay writable). */
export const MAX_FINDINGS = 20;

/** A policy spec larger than this is refused whole (the lists and strings in it are capped one by one as well). */
export const MAX_SPEC_BYTES = 256 * 1024;

/** The errors of one parsed document (warnings left out). Objects of other kinds are not this tool's business. */
export function validateObject(doc: unknown): ValidationError[] {
  return checkObject(doc).errors;
}

/** Errors and warnings of one parsed document; each list capped at MAX_FINDINGS entries plus one that counts the rest. */
export function checkObject(doc: unknown): Findings {
  const all = dedupe(findings(doc));
  const errors = all.filter((e) => e.severity !== 'warning');
  const warnings = all.filter((e) => e.severity === 'warning');
  return { errors: capped(errors), warnings: capped(warnings), errorPaths: errors.map((e) => e.path) };
}

function capped(list: ValidationError[]): ValidationError[] {
  if (list.length <= MAX_FINDINGS) return list;
  const first = list[0] as ValidationError;
  const rest = list.length - MAX_FINDINGS;
  return [
    ...list.slice(0, MAX_FINDINGS),
    { ...first, path: '', rule: 'more', message: `and ${rest} more ${first.severity ? 'warning' : 'error'}(s)` },
  ];
}

function findings(doc: unknown): ValidationError[] {
  if (!isRecord(doc))
    return [{ object: 'document', path: '', rule: 'schema', message: 'Invalid value: not an object' }];
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const object = `${kind || 'object'} "${name.length > MAX_OBJECT_NAME ? `${name.slice(0, 64)}…` : name}"`;
  if (doc.apiVersion !== API_VERSION) {
    if (typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith(`${GROUP}/`) && isPolicyKind(kind)) {
      return [
        {
          object,
          path: 'apiVersion',
          rule: 'schema',
          message: `Unsupported value: "${doc.apiVersion}": supported values: "${API_VERSION}"`,
        },
      ];
    }
    return [];
  }
  if (kind === 'ModuleConfig') return validateModuleConfig(doc, object, name);
  const validate = validatorFor(kind);
  if (!validate) {
    return [
      {
        object,
        path: 'kind',
        rule: 'schema',
        message: `Unsupported value: "${kind}": supported values: ${POLICY_KINDS.map((k) => `"${k}"`).join(', ')}`,
      },
    ];
  }
  const errors: ValidationError[] = [];
  errors.push(...nameErrors(object, name));
  const specBytes = Buffer.byteLength(JSON.stringify(doc.spec ?? null));
  // Free-form parts (an exception's justification notes) have no schema caps; the whole spec has this one.
  if (specBytes > MAX_SPEC_BYTES)
    errors.push({
      object,
      path: 'spec',
      rule: 'size',
      message: `Too long: ${specBytes} bytes: must have at most ${MAX_SPEC_BYTES} bytes`,
    });
  if (!validate(doc)) errors.push(...schemaErrors(object, validate.errors ?? [], ''));
  // Semantic rules run on what the schema let through; a field of the wrong type is skipped by them.
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const policies = isRecord(spec.policies) ? spec.policies : {};
  const at: Report = (path, rule, message, severity) => {
    errors.push({ object, path, rule, message, ...(severity ? { severity } : {}) });
  };
  if (kind === 'SecurityPolicy') securityRules(policies, at);
  if (kind === 'OperationPolicy') operationRules(policies, at);
  if (isRecord(spec.match)) matchRules(spec.match, at);
  return errors;
}

function isPolicyKind(kind: string): boolean {
  return (POLICY_KINDS as readonly string[]).includes(kind);
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function nameErrors(object: string, name: string): ValidationError[] {
  if (name === '') return [];
  if (name.length > MAX_OBJECT_NAME || !DNS_SUBDOMAIN.test(name)) {
    return [
      {
        object,
        path: 'metadata.name',
        rule: 'name',
        message: `Invalid value: "${name.length > MAX_OBJECT_NAME ? `${name.slice(0, 64)}…` : name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character, at most ${MAX_OBJECT_NAME} characters`,
      },
    ];
  }
  return [];
}

function validateModuleConfig(doc: Record<string, unknown>, object: string, name: string): ValidationError[] {
  if (name !== MODULE_CONFIG_NAME) return [];
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const settings = spec.settings ?? {};
  const errors: ValidationError[] = [];
  const validateSettings = validatorFor(MODULE_SETTINGS) as ValidateFunction;
  if (!validateSettings(settings)) errors.push(...schemaErrors(object, validateSettings.errors ?? [], 'spec.settings'));
  const at: Report = (path, rule, message, severity) => {
    errors.push({ object, path, rule, message, ...(severity ? { severity } : {}) });
  };
  if (isRecord(settings)) {
    duplicateRules(settings, 'spec.settings', at, ['exemptNamespaces']);
    if (isRecord(settings.podSecurityStandards))
      duplicateRules(settings.podSecurityStandards, 'spec.settings.podSecurityStandards', at, [
        'skipCheckAllowedGroups',
      ]);
  }
  return errors;
}

// ------------------------------------------------------------------------------------------- schema errors

/** `/spec/policies/allowedHostPorts/0` → `spec.policies.allowedHostPorts[0]` */
function dotted(instancePath: string, base: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = base;
  for (const p of parts) out = /^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p;
  return out;
}

function schemaErrors(object: string, errors: ErrorObject[], base: string): ValidationError[] {
  const out: ValidationError[] = [];
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.schemaPath));
  const insideAnyOf = (e: ErrorObject): boolean =>
    [...anyOfPaths].some((p) => e.schemaPath.startsWith(`${p}/`)) && e.keyword === 'required';
  // A huge invalid list gives one ajv error per entry; the first few hundred say all there is to say.
  for (const e of errors.slice(0, 500)) {
    if (insideAnyOf(e)) continue;
    const path = dotted(e.instancePath, base);
    const params = e.params as Record<string, unknown>;
    const child = (field: string): string => (path ? `${path}.${field}` : field);
    switch (e.keyword) {
      case 'required':
        out.push({ object, path: child(String(params.missingProperty)), rule: 'schema', message: 'Required value' });
        break;
      case 'additionalProperties': {
        const field = String(params.additionalProperty);
        out.push({ object, path: child(field), rule: 'schema', message: unknownFieldMessage(path, field) });
        break;
      }
      case 'enum': {
        const allowed = (params.allowedValues as unknown[]).map(show).join(', ');
        out.push({
          object,
          path,
          rule: 'schema',
          message: `Unsupported value: ${show(e.data)}: supported values: ${allowed}${enumHint(e.data, params.allowedValues as unknown[])}`,
        });
        break;
      }
      case 'type':
        out.push({
          object,
          path,
          rule: 'schema',
          message: `Invalid value: ${show(e.data)}: must be of type ${String(params.type)}${e.data === null ? ' (the field is present but empty)' : ''}`,
        });
        break;
      case 'anyOf': {
        const branches = anyOfBranches(e);
        out.push({
          object,
          path,
          rule: 'schema',
          message:
            branches.length > 0
              ? `Required value: set at least one of ${branches.join(', ')}`
              : `Invalid value: ${e.message ?? 'does not match'}`,
        });
        break;
      }
      case 'pattern':
        out.push({
          object,
          path,
          rule: 'schema',
          message: `Invalid value: ${show(e.data)}: ${PATTERN_HINTS[String(params.pattern)] ?? `must match the pattern ${String(params.pattern)}`}`,
        });
        break;
      case 'maxLength':
        out.push({
          object,
          path,
          rule: 'size',
          message: `Too long: may not be more than ${String(params.limit)} bytes`,
        });
        break;
      case 'maxItems':
      case 'maxProperties':
        out.push({
          object,
          path,
          rule: 'size',
          message: `Too many: ${Array.isArray(e.data) ? e.data.length : isRecord(e.data) ? Object.keys(e.data).length : '?'}: must have at most ${String(params.limit)} ${e.keyword === 'maxItems' ? 'items' : 'entries'}`,
        });
        break;
      case 'x-kubernetes-validations': {
        // A rule on the root names its field in the message (`metadata.name: …`): the API server takes no fieldPath there.
        const named = /^(metadata\.name): (.*)$/.exec(String(e.message));
        const fieldPath = named ? named[1] : String(params.fieldPath ?? '').replace(/^\./, '');
        const at = fieldPath ? (path ? `${path}.${fieldPath}` : fieldPath) : path;
        const message = named ? String(named[2]) : String(e.message);
        const reason = String(params.reason);
        out.push({
          object,
          path: at,
          rule: 'cel',
          message:
            reason === 'FieldValueRequired'
              ? `Required value: ${message}`
              : reason === 'FieldValueForbidden'
                ? `Forbidden: ${message}`
                : `Invalid value: ${message}`,
        });
        break;
      }
      case 'minItems':
        out.push({
          object,
          path,
          rule: 'schema',
          message: `Invalid value: must have at least ${String(params.limit)} item(s)`,
        });
        break;
      case 'minimum':
      case 'maximum':
        out.push({
          object,
          path,
          rule: 'schema',
          message: `Invalid value: ${show(e.data)}: must be ${e.keyword === 'minimum' ? 'greater than or equal to' : 'less than or equal to'} ${String(params.limit)}`,
        });
        break;
      default:
        out.push({
          object,
          path,
          rule: 'schema',
          message: `Invalid value: ${show(e.data)}: ${e.message ?? e.keyword}`,
        });
    }
  }
  return out;
}

/** Friendlier words for the schema's own patterns. */
const PATTERN_HINTS: Record<string, string> = {
  [NAMESPACE_GLOB_PATTERN]: `must be ${NAMESPACE_GLOB_HINT}`,
  '^/': 'must be an absolute path (start with /); no wildcards',
};

function anyOfBranches(e: ErrorObject): string[] {
  const schema = e.schema as unknown;
  if (!Array.isArray(schema)) return [];
  return schema.flatMap((b: unknown) => (isRecord(b) && Array.isArray(b.required) ? (b.required as string[]) : []));
}

const LABELLIKE = /[./]/;

function unknownFieldMessage(parentPath: string, field: string): string {
  if (/(^|\.)(labelSelector|namespaceSelector)$/.test(parentPath) && LABELLIKE.test(field)) {
    return (
      `Unknown field: "${field}" is not a field of ${parentPath.split('.').pop()} but looks like a label: ` +
      'it is indented one level too little; indent it under matchLabels'
    );
  }
  return 'Unknown field';
}

function enumHint(value: unknown, allowed: unknown[]): string {
  if (typeof value !== 'string') return '';
  if (value.startsWith('CAP_') && allowed.includes(value.slice(4)))
    return ` (write capabilities without the CAP_ prefix: "${value.slice(4)}")`;
  const sameLetters = allowed.find((a) => typeof a === 'string' && a.toLowerCase() === value.toLowerCase());
  if (sameLetters !== undefined) return ` (values are case-sensitive: did you mean ${show(sameLetters)}?)`;
  return '';
}

// ------------------------------------------------------------------------------------------- semantic rules

// The rules of each policy field live in its field module (src/fields); the match rules are shared by both kinds.
function securityRules(p: Record<string, unknown>, at: Report): void {
  for (const m of SECURITY_FIELDS) m.validate?.(p, at, 'spec.policies');
}

function operationRules(p: Record<string, unknown>, at: Report): void {
  for (const m of OPERATION_FIELDS) m.validate?.(p, at, 'spec.policies');
}

function matchRules(m: Record<string, unknown>, at: Report): void {
  const ns = isRecord(m.namespaceSelector) ? m.namespaceSelector : {};
  duplicateRules(ns, 'spec.match.namespaceSelector', at, ['matchNames', 'excludeNames']);
  const names = strings(ns.matchNames);
  strings(ns.excludeNames).forEach((n, i) => {
    if (names.includes(n))
      at(
        `spec.match.namespaceSelector.excludeNames[${i}]`,
        'contradiction',
        `"${n}" is also listed in matchNames; the exclusion wins (as in Gatekeeper), so the policy does not apply there`,
        'warning',
      );
  });
}

export { globMatches, regexProblem };

// ------------------------------------------------------------------------------------------- helpers

function dedupe(errors: ValidationError[]): ValidationError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = formatError(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export { isRecord };
