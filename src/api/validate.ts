// Validation of policy objects: first the OpenAPI schema the API server also applies (ajv), then the rules OpenAPI
// cannot say (ranges, regexes, globs, image references, duplicates, contradictions). Every error names the object,
// the field path and the rule, worded the way the API server words its own.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { KINDS } from './crds.js';
import { KUBERNETES_KEYWORDS, obj, str, type Schema } from './schema-builders.js';
import { GROUP, VERSION, moduleSettings } from './schemas.js';
import { MODULE_CONFIG_NAME, type IdRange } from './types.js';

export interface ValidationError {
  /** `SecurityPolicy "mypolicy"` */
  object: string;
  /** Dotted field path, `spec.policies.runAsUser.ranges[0]`. */
  path: string;
  /** A short rule id: schema, min-le-max, regex, glob, image-reference, duplicate, contradiction, … */
  rule: string;
  message: string;
}

export function formatError(e: ValidationError): string {
  return `${e.object}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

export const API_VERSION = `${GROUP}/${VERSION}`;
export const POLICY_KINDS = ['OperationPolicy', 'SecurityPolicy', 'SecurityPolicyException', 'ModuleConfig'] as const;

// strictRequired is off: anyOf branches name required fields declared by the parent, as Kubernetes schemas do.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
for (const keyword of KUBERNETES_KEYWORDS) ajv.addKeyword(keyword);
ajv.addFormat('date-time', true);

const metadataSchema = obj(
  {
    name: str('Name.'),
    namespace: str('Namespace.'),
  },
  'Object metadata.',
  { required: ['name'], additionalProperties: true },
);

function rootSchema(spec: Schema, requiredSpec: boolean): Schema {
  return obj(
    { apiVersion: str('apiVersion'), kind: str('kind'), metadata: metadataSchema, spec, status: { type: 'object' } },
    'root',
    { required: requiredSpec ? ['apiVersion', 'kind', 'metadata', 'spec'] : ['apiVersion', 'kind', 'metadata'] },
  );
}

const validators = new Map<string, ValidateFunction>(
  KINDS.map((k) => [k.kind, ajv.compile(rootSchema(k.spec, true))] as const),
);
const settingsValidator = ajv.compile(moduleSettings);

/** Validates one parsed document. Objects of other kinds are not this tool's business: they return []. */
export function validateObject(doc: unknown): ValidationError[] {
  if (!isRecord(doc))
    return [{ object: 'document', path: '', rule: 'schema', message: 'Invalid value: not an object' }];
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const object = `${kind || 'object'} "${name}"`;
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
  errors.push(...nameErrors(object, name, kind));
  if (!validate(doc)) errors.push(...schemaErrors(object, validate.errors ?? [], ''));
  // Semantic rules run on what the schema let through; a field of the wrong type is skipped by them.
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const policies = isRecord(spec.policies) ? spec.policies : {};
  const at = (path: string, rule: string, message: string): void => {
    errors.push({ object, path, rule, message });
  };
  if (kind === 'SecurityPolicy') securityRules(policies, at);
  if (kind === 'OperationPolicy') operationRules(policies, at);
  if (isRecord(spec.match)) matchRules(spec.match, at);
  return dedupe(errors);
}

function isPolicyKind(kind: string): boolean {
  return (POLICY_KINDS as readonly string[]).includes(kind);
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RESERVED_PREFIXES = ['d8-pod-security-', 'gatewright-'];

function nameErrors(object: string, name: string, kind: string): ValidationError[] {
  if (name === '') return [];
  const errors: ValidationError[] = [];
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    errors.push({
      object,
      path: 'metadata.name',
      rule: 'name',
      message: `Invalid value: "${name}": must be a lowercase RFC 1123 subdomain`,
    });
  }
  if (kind !== 'SecurityPolicyException') {
    // Constraints are named after their policy, and Gatekeeper keeps its object names to 63 characters.
    if (name.length > 63) {
      errors.push({
        object,
        path: 'metadata.name',
        rule: 'name',
        message: `Invalid value: "${name}": must be no more than 63 characters (the constraints are named after the policy)`,
      });
    }
    const reserved = RESERVED_PREFIXES.find((p) => name.startsWith(p));
    if (reserved) {
      errors.push({
        object,
        path: 'metadata.name',
        rule: 'reserved-name',
        message: `Invalid value: "${name}": the prefix "${reserved}" is reserved for the constraints gatewright generates`,
      });
    }
  }
  return errors;
}

function validateModuleConfig(doc: Record<string, unknown>, object: string, name: string): ValidationError[] {
  if (name !== MODULE_CONFIG_NAME) return [];
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const settings = spec.settings ?? {};
  const errors: ValidationError[] = [];
  if (!settingsValidator(settings))
    errors.push(...schemaErrors(object, settingsValidator.errors ?? [], 'spec.settings'));
  const at = (path: string, rule: string, message: string): void => {
    errors.push({ object, path, rule, message });
  };
  const pss = isRecord(settings) && isRecord(settings.podSecurityStandards) ? settings.podSecurityStandards : {};
  const knownRanges = pathGet(pss, ['policies', 'hostPorts', 'knownRanges']);
  rangeRules(knownRanges, 'spec.settings.podSecurityStandards.policies.hostPorts.knownRanges', at, 'port');
  if (isRecord(settings))
    globListRules(
      settings.exemptNamespaces,
      'spec.settings.exemptNamespaces',
      NAMESPACE_GLOB,
      'a namespace name, * as a wildcard',
      at,
    );
  return dedupe(errors);
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
          message: `Invalid value: ${show(e.data)}: must match the pattern ${String(params.pattern)}`,
        });
        break;
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

type Report = (path: string, rule: string, message: string) => void;

const NAMESPACE_GLOB = /^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/;
const SYSCTL_GLOB = /^([a-z0-9_*][a-z0-9_*-]*)([./][a-z0-9_*][a-z0-9_*-]*)*$/;
// Globs are matched with OPA's glob.match: only `*` is meant as a wildcard, so ? [ ] { } and \ are refused.
const APPARMOR_PROFILE = /^(runtime\/default|unconfined|localhost\/[^\s?[\]{}\\]+|\*)$/;
const FILE_GLOB = /^[^\s?[\]{}\\]+$/;
const NAME_GLOB = /^[a-zA-Z0-9*:._-]+$/;
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*\/?$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function securityRules(p: Record<string, unknown>, at: Report): void {
  const base = 'spec.policies';
  rangeRules(p.allowedHostPorts, `${base}.allowedHostPorts`, at, 'port');
  for (const field of ['fsGroup', 'runAsUser', 'runAsGroup', 'supplementalGroups']) {
    const strategy = p[field];
    if (!isRecord(strategy)) continue;
    rangeRules(strategy.ranges, `${base}.${field}.ranges`, at, 'id');
    const rule = strategy.rule;
    if (
      (rule === 'MustRunAs' || rule === 'MayRunAs') &&
      !(Array.isArray(strategy.ranges) && strategy.ranges.length > 0)
    ) {
      at(
        `${base}.${field}.ranges`,
        'ranges-required',
        `Required value: rule ${String(rule)} needs at least one range of allowed IDs`,
      );
    }
  }
  duplicateRules(p, base, at, [
    'allowedCapabilities',
    'requiredDropCapabilities',
    'allowedAppArmor',
    'allowedUnsafeSysctls',
    'forbiddenSysctls',
    'allowedClusterRoles',
    'allowedVolumes',
    'allowedServiceTypes',
  ]);
  if (isRecord(p.seccompProfiles)) {
    const files = p.seccompProfiles.allowedLocalhostFiles;
    globListRules(
      files,
      `${base}.seccompProfiles.allowedLocalhostFiles`,
      FILE_GLOB,
      'a profile file path, * as a wildcard (no ? [ ] { } or \\)',
      at,
    );
  }
  if (isRecord(p.seccompProfiles))
    duplicateRules(p.seccompProfiles, `${base}.seccompProfiles`, at, ['allowedProfiles', 'allowedLocalhostFiles']);

  // A capability that must be dropped cannot also be allowed to be added.
  const allowedCaps = strings(p.allowedCapabilities);
  const dropCaps = strings(p.requiredDropCapabilities);
  allowedCaps.forEach((cap, i) => {
    const j = dropCaps.indexOf(cap);
    if (cap !== 'ALL' && j >= 0) {
      at(
        `${base}.allowedCapabilities[${i}]`,
        'contradiction',
        `Invalid value: "${cap}": also listed in requiredDropCapabilities[${j}]; a capability cannot be both allowed and required to be dropped`,
      );
    }
  });

  globListRules(
    p.allowedUnsafeSysctls,
    `${base}.allowedUnsafeSysctls`,
    SYSCTL_GLOB,
    'a sysctl name such as kernel.shm_rmid_forced, * as a wildcard',
    at,
  );
  globListRules(
    p.forbiddenSysctls,
    `${base}.forbiddenSysctls`,
    SYSCTL_GLOB,
    'a sysctl name such as kernel.shm_rmid_forced, * as a wildcard',
    at,
  );
  const forbidden = strings(p.forbiddenSysctls);
  strings(p.allowedUnsafeSysctls).forEach((sysctl, i) => {
    const j = forbidden.findIndex((f) => globMatches(f, sysctl));
    if (j >= 0) {
      at(
        `${base}.allowedUnsafeSysctls[${i}]`,
        'contradiction',
        `Invalid value: "${sysctl}": also forbidden by forbiddenSysctls[${j}] ("${forbidden[j]}"), which takes precedence`,
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
    p.allowedHostPaths.forEach((hp, i) => {
      if (isRecord(hp) && typeof hp.pathPrefix === 'string' && !hp.pathPrefix.startsWith('/')) {
        at(
          `${base}.allowedHostPaths[${i}].pathPrefix`,
          'absolute-path',
          `Invalid value: "${hp.pathPrefix}": must be an absolute path (start with /); no wildcards`,
        );
      }
    });
    const prefixes = p.allowedHostPaths.map((hp) => (isRecord(hp) ? hp.pathPrefix : undefined));
    reportDuplicates(prefixes, (i) => `${base}.allowedHostPaths[${i}].pathPrefix`, at);
  }
  const volumes = strings(p.allowedVolumes);
  if (volumes.includes('none') && volumes.length > 1) {
    at(
      `${base}.allowedVolumes`,
      'contradiction',
      `Invalid value: ${show(volumes)}: "none" forbids every volume and cannot be combined with other types`,
    );
  }
  if (Array.isArray(p.verifyImageSignatures)) {
    p.verifyImageSignatures.forEach((v, i) => {
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
    const refs = p.verifyImageSignatures.map((v) => (isRecord(v) ? v.reference : undefined));
    reportDuplicates(refs, (i) => `${base}.verifyImageSignatures[${i}].reference`, at);
  }
  if (Array.isArray(p.seLinux)) {
    reportDuplicates(
      p.seLinux.map((s) => JSON.stringify(s)),
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
      rule[list].forEach((entry, i) => {
        if (isRecord(entry) && typeof entry.allowedRegex === 'string')
          regexRule(entry.allowedRegex, `${base}.${field}.${list}[${i}].allowedRegex`, at);
      });
      reportDuplicates(
        rule[list].map((e) => (isRecord(e) ? e.key : undefined)),
        (i) => `${base}.${field}.${list}[${i}].key`,
        at,
      );
    }
    duplicateRules(rule, `${base}.${field}`, at, ['watchKinds']);
  }
  if (isRecord(p.replicaLimits)) {
    const { minReplicas, maxReplicas } = p.replicaLimits;
    if (typeof minReplicas === 'number' && typeof maxReplicas === 'number' && minReplicas > maxReplicas) {
      at(
        `${base}.replicaLimits`,
        'min-le-max',
        `Invalid value: {"minReplicas":${minReplicas},"maxReplicas":${maxReplicas}}: minReplicas must not be greater than maxReplicas`,
      );
    }
  }
  if (isRecord(p.gpuResourceRestriction))
    regexListRules(
      p.gpuResourceRestriction.gpuResourcePatterns,
      `${base}.gpuResourceRestriction.gpuResourcePatterns`,
      at,
    );
  if (Array.isArray(p.disallowedTolerations)) {
    p.disallowedTolerations.forEach((t, i) => {
      if (isRecord(t) && t.operator === 'Exists' && t.value !== undefined) {
        at(
          `${base}.disallowedTolerations[${i}].value`,
          'contradiction',
          'Invalid value: a toleration with operator Exists has no value; remove value or use Equal',
        );
      }
    });
  }
}

function matchRules(m: Record<string, unknown>, at: Report): void {
  const ns = isRecord(m.namespaceSelector) ? m.namespaceSelector : {};
  globListRules(
    ns.matchNames,
    'spec.match.namespaceSelector.matchNames',
    NAMESPACE_GLOB,
    'a namespace name, * as a wildcard',
    at,
  );
  globListRules(
    ns.excludeNames,
    'spec.match.namespaceSelector.excludeNames',
    NAMESPACE_GLOB,
    'a namespace name, * as a wildcard',
    at,
  );
  duplicateRules(ns, 'spec.match.namespaceSelector', at, ['matchNames', 'excludeNames']);
  const names = strings(ns.matchNames);
  strings(ns.excludeNames).forEach((n, i) => {
    if (names.includes(n))
      at(
        `spec.match.namespaceSelector.excludeNames[${i}]`,
        'contradiction',
        `Invalid value: "${n}": also listed in matchNames`,
      );
  });
  for (const [selector, path] of [
    [ns.labelSelector, 'spec.match.namespaceSelector.labelSelector'],
    [m.labelSelector, 'spec.match.labelSelector'],
  ] as const) {
    if (!isRecord(selector) || !Array.isArray(selector.matchExpressions)) continue;
    selector.matchExpressions.forEach((req, i) => {
      if (!isRecord(req)) return;
      const values = Array.isArray(req.values) ? req.values : [];
      if ((req.operator === 'In' || req.operator === 'NotIn') && values.length === 0) {
        at(
          `${path}.matchExpressions[${i}].values`,
          'selector',
          `Required value: operator ${String(req.operator)} needs at least one value`,
        );
      }
      if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && values.length > 0) {
        at(
          `${path}.matchExpressions[${i}].values`,
          'selector',
          `Invalid value: operator ${String(req.operator)} takes no values`,
        );
      }
    });
  }
}

function rangeRules(ranges: unknown, path: string, at: Report, what: 'port' | 'id'): void {
  if (!Array.isArray(ranges)) return;
  ranges.forEach((r, i) => {
    if (!isRecord(r) || typeof r.min !== 'number' || typeof r.max !== 'number') return;
    const range = r as unknown as IdRange;
    if (range.min > range.max)
      at(
        `${path}[${i}]`,
        'min-le-max',
        `Invalid value: {"min":${range.min},"max":${range.max}}: min must not be greater than max`,
      );
    const limit = what === 'port' ? 65535 : 2147483647;
    for (const bound of ['min', 'max'] as const) {
      if (range[bound] < 0 || range[bound] > limit)
        at(`${path}[${i}].${bound}`, 'range', `Invalid value: ${range[bound]}: must be between 0 and ${limit}`);
    }
  });
}

function duplicateRules(parent: Record<string, unknown>, base: string, at: Report, fields: string[]): void {
  for (const field of fields) {
    const list = parent[field];
    if (Array.isArray(list)) reportDuplicates(list, (i) => `${base}.${field}[${i}]`, at);
  }
}

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
        `Duplicate value: ${typeof value === 'string' ? show(value) : key} (already at index ${j})`,
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

/** Rego runs Go's RE2: JavaScript must compile the pattern, and it must not use what RE2 lacks. */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'u');
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: /, '');
  }
  if (/\(\?<?[=!]/.test(pattern)) return 'lookahead and lookbehind are not supported (Gatekeeper evaluates RE2 syntax)';
  if (/\\[1-9]/.test(pattern)) return 'backreferences are not supported (Gatekeeper evaluates RE2 syntax)';
  return undefined;
}

function regexRule(pattern: string, path: string, at: Report): void {
  const problem = regexProblem(pattern);
  if (problem) at(path, 'regex', `Invalid value: ${show(pattern)}: not a valid regular expression: ${problem}`);
}

/** `*` matches any run of characters, as the Rego side's glob.match with no delimiters. */
export function globMatches(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(value);
}

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

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function pathGet(o: unknown, path: string[]): unknown {
  let cur = o;
  for (const p of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}
