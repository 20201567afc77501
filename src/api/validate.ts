// Validation of policy objects, one rule set with two outcomes: errors (the object is refused: by the CRD schema and
// its CEL rules, or by gatewright's validating webhook) and warnings (the object is accepted and enforced as Deckhouse
// enforces it, but something in it is redundant or surprising). First the OpenAPI schema the API server also applies
// (ajv, with the CRD's CEL rules run through their JavaScript twins), then the rules OpenAPI cannot say (RE2 regexes,
// globs, image references, duplicates, contradictions). Every finding names the object, the field path and the rule,
// worded the way the API server words its own. All of it is linear in the input, and the output is capped.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { KINDS } from './crds.js';
import { MAX_OBJECT_NAME, reservedNameRule } from './names.js';
import { NAMESPACE_GLOB_HINT, NAMESPACE_GLOB_PATTERN, globMatcher, globMatches, regexProblem } from './patterns.js';
import {
  CAPS,
  KUBERNETES_KEYWORDS,
  celTwin,
  obj,
  str,
  withCaps,
  type CelRule,
  type Schema,
} from './schema-builders.js';
import { GROUP, VERSION, moduleSettings } from './schemas.js';
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

// The CRD's CEL rules, run offline through their twins. Errors carry the rule's fieldPath and reason in params.
const celKeyword = {
  keyword: 'x-kubernetes-validations',
  errors: true,
  validate: function celRules(rules: CelRule[], data: unknown): boolean {
    const failed = rules.filter((r) => {
      const twin = celTwin(r.rule);
      if (!twin) throw new Error(`CEL rule without a JavaScript twin: ${r.rule}`);
      return !twin(data);
    });
    (celRules as unknown as { errors: Partial<ErrorObject>[] }).errors = failed.map((r) => ({
      keyword: 'x-kubernetes-validations',
      message: r.message,
      params: { fieldPath: r.fieldPath ?? '', reason: r.reason ?? 'FieldValueInvalid' },
    }));
    return failed.length === 0;
  },
};

// strictRequired is off: anyOf branches name required fields declared by the parent, as Kubernetes schemas do.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
for (const keyword of KUBERNETES_KEYWORDS) if (keyword !== 'x-kubernetes-validations') ajv.addKeyword(keyword);
ajv.addKeyword(celKeyword);
ajv.addFormat('date-time', true);

const metadataSchema = obj(
  {
    name: str('Name.'),
    namespace: str('Namespace.'),
  },
  'Object metadata.',
  { required: ['name'], additionalProperties: true },
);

function rootSchema(spec: Schema, requiredSpec: boolean, reservedNames: boolean): Schema {
  return obj(
    { apiVersion: str('apiVersion'), kind: str('kind'), metadata: metadataSchema, spec, status: { type: 'object' } },
    'root',
    {
      required: requiredSpec ? ['apiVersion', 'kind', 'metadata', 'spec'] : ['apiVersion', 'kind', 'metadata'],
      ...(reservedNames ? { 'x-kubernetes-validations': [reservedNameRule] } : {}),
    },
  );
}

const validators = new Map<string, ValidateFunction>(
  KINDS.map((k) => [k.kind, ajv.compile(rootSchema(k.spec, true, k.reservedNames))] as const),
);
const settingsValidator = ajv.compile(withCaps(moduleSettings));

/** The errors of one parsed document (warnings left out). Objects of other kinds are not this tool's business. */
export function validateObject(doc: unknown): ValidationError[] {
  return checkObject(doc).errors;
}

/** Errors and warnings of one parsed document; each list capped at MAX_FINDINGS entries plus one that counts the rest. */
export function checkObject(doc: unknown): Findings {
  const all = dedupe(findings(doc));
  const errors = all.filter((e) => e.severity !== 'warning');
  const warnings = all.filter((e) => e.severity === 'warning');
  return { errors: capped(errors), warnings: capped(warnings) };
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
  const validate = validators.get(kind);
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
  if (!settingsValidator(settings))
    errors.push(...schemaErrors(object, settingsValidator.errors ?? [], 'spec.settings'));
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

function show(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

function schemaErrors(object: string, errors: ErrorObject[], base: string): ValidationError[] {
  const out: ValidationError[] = [];
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.schemaPath));
  const insideAnyOf = (e: ErrorObject): boolean =>
    [...anyOfPaths].some((p) => e.schemaPath.startsWith(`${p}/`)) && e.keyword === 'required';
  for (const e of errors) {
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
        const fieldPath = String(params.fieldPath ?? '').replace(/^\./, '');
        const at = fieldPath ? (path ? `${path}.${fieldPath}` : fieldPath) : path;
        const message = String(e.message);
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
                : `Invalid value: "object": ${message}`,
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

type Report = (path: string, rule: string, message: string, severity?: 'warning') => void;

// Linear patterns only (no nested or adjacent ambiguous quantifiers), and every string is length-capped before it
// gets here (strings()).
const SYSCTL_GLOB = /^([a-z0-9_*][a-z0-9_*-]*)([./][a-z0-9_*][a-z0-9_*-]*)*$/;
// Globs are matched with OPA's glob.match: only `*` is meant as a wildcard, so ? [ ] { } and \ are refused.
const APPARMOR_PROFILE = /^(runtime\/default|unconfined|localhost\/[^\s?[\]{}\\]+|\*)$/;
const FILE_GLOB = /^[^\s?[\]{}\\]+$/;
const NAME_GLOB = /^[a-zA-Z0-9*:._-]+$/;
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*\/?$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function securityRules(p: Record<string, unknown>, at: Report): void {
  const base = 'spec.policies';
  duplicateRules(p, base, at, [
    'allowedCapabilities',
    'requiredDropCapabilities',
    'allowedAppArmor',
    'allowedUnsafeSysctls',
    'forbiddenSysctls',
    'allowedClusterRoles',
    'allowedVolumes',
    'allowedServiceTypes',
    'allowedHostPorts',
  ]);
  for (const field of ['fsGroup', 'runAsUser', 'runAsGroup', 'supplementalGroups']) {
    const strategy = p[field];
    if (isRecord(strategy)) duplicateRules(strategy, `${base}.${field}`, at, ['ranges']);
  }
  if (isRecord(p.seccompProfiles)) {
    const files = p.seccompProfiles.allowedLocalhostFiles;
    globListRules(
      files,
      `${base}.seccompProfiles.allowedLocalhostFiles`,
      FILE_GLOB,
      'a profile file path, * as a wildcard (no ? [ ] { } or \\)',
      at,
    );
    duplicateRules(p.seccompProfiles, `${base}.seccompProfiles`, at, ['allowedProfiles', 'allowedLocalhostFiles']);
  }

  // Deckhouse accepts a capability both allowed and required to be dropped: it must be dropped, so allowing it to be
  // added grants nothing. Enforced as written; the admin is told.
  const allowedCaps = strings(p.allowedCapabilities);
  const dropCaps = strings(p.requiredDropCapabilities);
  allowedCaps.forEach((cap, i) => {
    const j = dropCaps.indexOf(cap);
    if (cap !== 'ALL' && j >= 0) {
      at(
        `${base}.allowedCapabilities[${i}]`,
        'contradiction',
        `"${cap}" is also listed in requiredDropCapabilities[${j}]: every container must drop it, so allowing it to be added grants nothing`,
        'warning',
      );
    }
  });

  for (const field of ['allowedUnsafeSysctls', 'forbiddenSysctls']) {
    globListRules(
      p[field],
      `${base}.${field}`,
      SYSCTL_GLOB,
      'a sysctl name such as kernel.shm_rmid_forced, * as a wildcard',
      at,
    );
  }
  // Forbidden wins (Deckhouse's D8AllowedSysctls checks forbiddenSysctls first); a covered entry allows nothing.
  const forbidden = strings(p.forbiddenSysctls);
  const forbiddenMatchers = forbidden.map(globMatcher);
  strings(p.allowedUnsafeSysctls).forEach((sysctl, i) => {
    const j = forbiddenMatchers.findIndex((matches) => matches !== undefined && matches(sysctl));
    if (j >= 0) {
      at(
        `${base}.allowedUnsafeSysctls[${i}]`,
        'contradiction',
        `"${sysctl}" is also forbidden by forbiddenSysctls[${j}] ("${forbidden[j]}"), which takes precedence, as in Deckhouse: ${sysctl === '*' && forbidden[j] === '*' ? 'no sysctl may be set' : 'it may not be set'}`,
        'warning',
      );
    }
  });

  globListRules(
    p.allowedAppArmor,
    `${base}.allowedAppArmor`,
    APPARMOR_PROFILE,
    'runtime/default, unconfined or localhost/<profile>',
    at,
  );
  globListRules(
    p.allowedClusterRoles,
    `${base}.allowedClusterRoles`,
    NAME_GLOB,
    'a ClusterRole name, * as a wildcard',
    at,
  );

  if (Array.isArray(p.allowedHostPaths)) {
    const prefixes = bounded(p.allowedHostPaths).map((hp) => (isRecord(hp) ? hp.pathPrefix : undefined));
    reportDuplicates(prefixes, (i) => `${base}.allowedHostPaths[${i}].pathPrefix`, at);
  }
  const volumes = strings(p.allowedVolumes).filter(() => true);
  if (volumes.includes('none') && volumes.length > 1) {
    at(
      `${base}.allowedVolumes`,
      'contradiction',
      `"none" beside other volume types means nothing: only ${show(volumes.filter((v) => v !== 'none'))} are allowed, as in Deckhouse`,
      'warning',
    );
  }
  if (Array.isArray(p.verifyImageSignatures)) {
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
  if (Array.isArray(p.seLinux)) {
    reportDuplicates(
      bounded(p.seLinux).map((s) => JSON.stringify(s)),
      (i) => `${base}.seLinux[${i}]`,
      at,
    );
  }
}

function operationRules(p: Record<string, unknown>, at: Report): void {
  const base = 'spec.policies';
  duplicateRules(p, base, at, [
    'allowedRepos',
    'disallowedImageTags',
    'disallowedCustomResources',
    'requiredProbes',
    'priorityClassNames',
    'ingressClassNames',
    'storageClassNames',
  ]);
  strings(p.allowedRepos).forEach((repo, i) => {
    const path = `${base}.allowedRepos[${i}]`;
    if (/^[a-z]+:\/\//i.test(repo))
      at(
        path,
        'image-reference',
        `Invalid value: "${repo}": an image repository has no URL scheme; write "${repo.replace(/^[a-z]+:\/\//i, '')}"`,
      );
    else if (repo.includes('*'))
      at(
        path,
        'image-reference',
        `Invalid value: "${repo}": wildcards are not supported; an entry already admits everything below it (registry.example.com admits registry.example.com/team/app)`,
      );
    else if (!IMAGE_REPOSITORY.test(repo))
      at(
        path,
        'image-reference',
        `Invalid value: "${repo}": must be a registry host or repository path, lower case, such as registry.example.com or registry.example.com:5000/team`,
      );
  });
  strings(p.disallowedImageTags).forEach((tag, i) => {
    if (!IMAGE_TAG.test(tag))
      at(
        `${base}.disallowedImageTags[${i}]`,
        'image-reference',
        `Invalid value: "${tag}": must be an image tag (letters, digits, _ . -; up to 128 characters; no leading . or -)`,
      );
  });
  regexListRules(p.disallowedCustomResources, `${base}.disallowedCustomResources`, at);
  for (const [field, list] of [
    ['requiredLabels', 'labels'],
    ['requiredAnnotations', 'annotations'],
  ] as const) {
    const rule = p[field];
    if (!isRecord(rule)) continue;
    if (Array.isArray(rule[list])) {
      bounded(rule[list]).forEach((entry, i) => {
        if (isRecord(entry) && typeof entry.allowedRegex === 'string')
          regexRule(entry.allowedRegex, `${base}.${field}.${list}[${i}].allowedRegex`, at);
      });
      reportDuplicates(
        bounded(rule[list]).map((e) => (isRecord(e) ? e.key : undefined)),
        (i) => `${base}.${field}.${list}[${i}].key`,
        at,
      );
    }
    duplicateRules(rule, `${base}.${field}`, at, ['watchKinds']);
  }
  if (isRecord(p.gpuResourceRestriction))
    regexListRules(
      p.gpuResourceRestriction.gpuResourcePatterns,
      `${base}.gpuResourceRestriction.gpuResourcePatterns`,
      at,
    );
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

function duplicateRules(parent: Record<string, unknown>, base: string, at: Report, fields: string[]): void {
  for (const field of fields) {
    const list = parent[field];
    if (Array.isArray(list)) reportDuplicates(bounded(list), (i) => `${base}.${field}[${i}]`, at);
  }
}

/** Deckhouse accepts duplicates and they mean nothing more: a warning, never a refusal. */
function reportDuplicates(list: unknown[], pathOf: (i: number) => string, at: Report): void {
  const first = new Map<string, number>();
  list.forEach((value, i) => {
    if (value === undefined) return;
    const key = typeof value === 'string' ? value : JSON.stringify(value);
    const j = first.get(key);
    if (j === undefined) first.set(key, i);
    else
      at(
        pathOf(i),
        'duplicate',
        `Duplicate value: ${typeof value === 'string' ? show(value) : key} (already at index ${j}); it counts once`,
        'warning',
      );
  });
}

function globListRules(list: unknown, path: string, pattern: RegExp, what: string, at: Report): void {
  strings(list).forEach((v, i) => {
    if (!pattern.test(v)) at(`${path}[${i}]`, 'glob', `Invalid value: "${v}": must be ${what}`);
  });
}

function regexListRules(list: unknown, path: string, at: Report): void {
  strings(list).forEach((v, i) => regexRule(v, `${path}[${i}]`, at));
}

function regexRule(pattern: string, path: string, at: Report): void {
  const problem = regexProblem(pattern);
  if (problem)
    at(
      path,
      'regex',
      `Invalid value: ${show(pattern)}: not a valid RE2 regular expression (Gatekeeper evaluates RE2): ${problem}`,
    );
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

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first CAPS.maxItems entries: the schema already refuses longer lists, so the rest need no more work. */
function bounded(list: unknown[]): unknown[] {
  return list.length > CAPS.maxItems ? list.slice(0, CAPS.maxItems) : list;
}

/**
 * The strings of a list at their own indexes (a sparse array: forEach skips the rest), up to the caps; an over-long
 * string or a non-string is already an error of the schema.
 */
function strings(v: unknown): string[] {
  const out: string[] = [];
  if (Array.isArray(v))
    bounded(v).forEach((x, i) => {
      if (typeof x === 'string' && x.length <= CAPS.maxLength) out[i] = x;
    });
  return out;
}
