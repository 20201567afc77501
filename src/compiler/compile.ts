// The compiler: policies + module config + namespace labels + template library → the complete desired set of
// Gatekeeper objects. A pure function: no I/O, no clock, no randomness; the same input gives the same output.
import { hash } from 'node:crypto';
import { canonicalJson, compareStrings, jsonEqual } from './json-order.js';
import { derivedName } from '../api/names.js';
import { RESOURCES, apiVersionOf, isConstraintApiVersion, type ResourceType } from '../api/resources.js';
import { checkObject, formatError, formatWarning, isRecord, validateObject } from '../api/validate.js';
import { DEFAULT_EXEMPT_NAMESPACES, DEFAULT_SKIP_CHECK_ALLOWED_GROUPS } from '../api/schemas.js';
import { SKIP_CHECK_GUARD, skipCheckGuard } from './skip-check-guard.js';
import { backstopPolicies, exceptionRefs } from './backstop.js';
import { protectionPolicy, type OperatorIdentity } from './protection.js';
import {
  MODULE_CONFIG_NAME,
  type GatekeeperAction,
  type ModuleSettings,
  type NamespaceInfo,
  type OperationPolicy,
  type PodPolicyLevel,
  type SecurityPolicy,
} from '../api/types.js';
import { constraintMatch, workloadKinds } from './match.js';
import { forEngine } from '../library/engine.js';
import {
  CHECK_ANNOTATION,
  CONSTRAINT_API_VERSION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  OWNER_KIND_LABEL,
  OWNER_NAME_ANNOTATION,
  OWNER_NAME_LABEL,
  SPEC_HASH_ANNOTATION,
  policyKey,
  type CheckInForce,
  type CompileResult,
  type K8sObject,
  type OwnerKind,
  type PolicyResult,
} from './model.js';
import { OPERATION_FIELDS, SECURITY_FIELDS } from '../fields/index.js';
import type { FieldModule } from '../fields/module.js';
import { planOperationChecks } from './operation-rules.js';
import { POD_SECURITY_KIND, PSS_OBJECT_SELECTOR, actionsInUse, profileChecks, standardSets } from './pss.js';
import { planSecurityChecks, unsupportedSecurityFields, type PlannedCheck } from './security-rules.js';
import { providerObject, type ImageSignatureProvider } from './image-signatures.js';

// The controller and the CLI import these from here.
export { canonicalJson, compareStrings, jsonEqual };

/** Constraint kind → its ConstraintTemplate. */
export type TemplateLibrary = ReadonlyMap<string, K8sObject>;

export interface CompilerInput {
  /** OperationPolicy and SecurityPolicy objects as read (they are validated here). */
  policies: unknown[];
  /** The `admission-policy-engine` ModuleConfig, if any. */
  moduleConfig?: unknown;
  namespaces: NamespaceInfo[];
  library: TemplateLibrary;
  /** gatewright's image signature provider, for verifyImageSignatures; without it those images are denied. */
  imageSignatureProvider?: ImageSignatureProvider;
  /** The SecurityPolicyExceptions in the cluster (the backstop writes what they grant into its policies). */
  exceptions?: unknown[];
  /** Who may change the objects gatewright manages; without it, they are not protected by a policy. */
  operatorIdentity?: OperatorIdentity;
}

export interface EffectiveSettings {
  defaultPolicy: PodPolicyLevel;
  defaultAction: GatekeeperAction;
  controllerValidation: boolean;
  knownHostPortRanges: { min: number; max: number }[];
  exemptNamespaces: string[];
  skipCheckAllowedGroups: string[];
  /** Gatekeeper engine for the checks that have CEL code, and whether Gatekeeper generates VAPs from it. */
  engine: 'Rego' | 'CEL';
  validatingAdmissionPolicies: boolean;
}

export const MODULE_CONFIG_KEY = `ModuleConfig/${MODULE_CONFIG_NAME}`;

/** Module settings with every default applied (Baseline, Deny, controller validation on, system namespaces exempt). */
export function effectiveSettings(settings: ModuleSettings | undefined): EffectiveSettings {
  const pss = settings?.podSecurityStandards ?? {};
  return {
    defaultPolicy: pss.defaultPolicy ?? 'Baseline',
    defaultAction: (pss.enforcementAction ?? 'Deny').toLowerCase() as GatekeeperAction,
    controllerValidation: pss.controllerValidation ?? true,
    knownHostPortRanges: pss.policies?.hostPorts?.knownRanges ?? [],
    exemptNamespaces: settings?.exemptNamespaces ?? DEFAULT_EXEMPT_NAMESPACES,
    skipCheckAllowedGroups: pss.skipCheckAllowedGroups ?? DEFAULT_SKIP_CHECK_ALLOWED_GROUPS,
    engine: settings?.admission?.engine ?? 'Rego',
    validatingAdmissionPolicies: settings?.admission?.validatingAdmissionPolicies ?? false,
  };
}

export function compile(input: CompilerInput, memo?: CompileMemo): CompileResult {
  const invalid = new Map<string, string[]>();
  const settingsErrors = input.moduleConfig === undefined ? [] : validateObject(input.moduleConfig);
  if (settingsErrors.length > 0) invalid.set(MODULE_CONFIG_KEY, settingsErrors.map(formatError));
  // Invalid settings are reported; the defaults stand in, and the controller keeps what is in force (fail safe).
  const settings = effectiveSettings(settingsErrors.length > 0 ? undefined : moduleSettingsOf(input.moduleConfig));

  // Group by kind and name first: a name given twice is an error for every copy, found in one pass.
  const byKey = new Map<string, Record<string, unknown>[]>();
  for (const doc of input.policies) {
    if (!isRecord(doc) || (doc.kind !== 'SecurityPolicy' && doc.kind !== 'OperationPolicy')) continue;
    const key = policyKey(doc.kind, isRecord(doc.metadata) ? String(doc.metadata.name) : '');
    const docs = byKey.get(key);
    if (docs) docs.push(doc);
    else byKey.set(key, [doc]);
  }

  const constraints: K8sObject[] = [];
  const policies = new Map<string, PolicyResult>();
  // Invalid policies' sound checks, applied by the controller only where the policy has nothing in force yet.
  const fallback = new Map<string, K8sObject[]>();
  const podKinds = workloadKinds(settings.controllerValidation);
  const settingsKey = memo
    ? canonicalJson([settings.exemptNamespaces, podKinds, input.imageSignatureProvider ?? null])
    : '';
  // SecurityPolicies first, then OperationPolicies, by name within: the order the result lists them in.
  const ordered = [...byKey].sort(
    ([a], [b]) =>
      Number(a.startsWith('OperationPolicy/')) - Number(b.startsWith('OperationPolicy/')) || compareStrings(a, b),
  );
  for (const [key, docs] of ordered) {
    let compiled: CompiledPolicy;
    if (docs.length > 1) {
      const [kind, name] = key.split('/');
      const errors = docs.flatMap((doc) => checkObject(doc).errors.map(formatError));
      errors.push(`${kind} "${name}": metadata.name: Duplicate value: "${name}" (more than one object with this name)`);
      compiled = { errors };
    } else {
      const doc = docs[0] as Record<string, unknown>;
      compiled = memo
        ? memo.get(doc, settingsKey, () => compilePolicyDoc(doc, settings, podKinds, input.imageSignatureProvider))
        : compilePolicyDoc(doc, settings, podKinds, input.imageSignatureProvider);
    }
    if (compiled.errors) {
      invalid.set(key, compiled.errors);
      if (compiled.fallback && compiled.fallback.length > 0) fallback.set(key, compiled.fallback);
    } else if (compiled.result) {
      constraints.push(...(compiled.constraints ?? []));
      policies.set(key, compiled.result);
    }
  }
  memo?.retain(byKey.keys());

  const actions = actionsInUse(settings.defaultAction, input.namespaces);
  for (const set of standardSets(settings.defaultPolicy, settings.defaultAction, actions)) {
    const ownerName = `${set.standard}-${set.action}`;
    const matchFor = (namespaceSelector: unknown) => ({
      kinds: podKinds,
      scope: 'Namespaced',
      excludedNamespaces: [...settings.exemptNamespaces].sort(),
      namespaceSelector,
      labelSelector: PSS_OBJECT_SELECTOR,
    });
    // One constraint holds the namespace's whole standard: a baseline set covers only the namespaces its restricted
    // counterpart does not, and the restricted one runs the baseline controls it does not subsume besides its own.
    const owner = ownerMetadata('PodSecurityStandard', ownerName);
    const controls = profileChecks(set.standard, { knownHostPortRanges: settings.knownHostPortRanges });
    const { constraint, inForce } = constraintFor(
      owner,
      set.name,
      set.action,
      {
        name: controls.map((c) => c.name).join(','),
        kind: POD_SECURITY_KIND,
        parameters: Object.fromEntries(controls.map((c) => [c.kind, c.parameters ?? {}])),
      },
      matchFor(set.withoutRestricted ?? set.namespaceSelector),
    );
    constraints.push(constraint);
    const checks = controls.map((c) => ({ ...inForce, name: c.name }));
    policies.set(policyKey('PodSecurityStandard', ownerName), {
      ownerKind: 'PodSecurityStandard',
      name: ownerName,
      enforcementAction: set.action,
      checks,
      unsupported: [],
      warnings: [],
    });
  }

  const templates = templatesFor([...constraints, ...[...fallback.values()].flat()], input.library, settings);
  const syncSet = syncSetFor(templates);
  const guard = skipCheckGuard(settings.skipCheckAllowedGroups).map((o) =>
    withHash({ ...o, metadata: { ...o.metadata, labels: ownerLabels('PodSecurityStandard', SKIP_CHECK_GUARD) } }),
  );
  const provider = providerObject(
    constraints,
    input.imageSignatureProvider,
    ownerLabels('Library', 'image-signatures'),
  );
  const backstop = backstopPolicies({
    baselineSets: standardSets(settings.defaultPolicy, settings.defaultAction, actions).filter(
      (set) => set.standard === 'baseline',
    ),
    controllerValidation: settings.controllerValidation,
    exemptNamespaces: settings.exemptNamespaces,
    exceptions: exceptionRefs(input.exceptions),
  });
  const protection = input.operatorIdentity ? protectionPolicy(input.operatorIdentity) : [];
  const admission = [...backstop, ...protection].map((o) =>
    withHash({ ...o, metadata: { ...o.metadata, labels: ownerLabels('PodSecurityStandard', o.metadata.name) } }),
  );
  const objects = sortByIdentity([
    ...templates,
    ...constraints,
    ...(syncSet ? [syncSet] : []),
    ...(provider ? [withHash(provider)] : []),
    ...guard,
    ...admission,
  ]);
  return { objects, policies, invalid, fallback };
}

/** One policy's share of the output: its validation errors (and fallback), or its constraints and what they put in force. */
export interface CompiledPolicy {
  errors?: string[];
  constraints?: K8sObject[];
  result?: PolicyResult;
  /** For an invalid policy: the constraints of its sound fields (see fallbackConstraints). */
  fallback?: K8sObject[];
}

/**
 * One OperationPolicy or SecurityPolicy on its own: validated, then turned into its constraints. The output depends
 * only on the document and the settings' exempt namespaces and workload kinds, which is what makes CompileMemo sound.
 */
export function compilePolicyDoc(
  doc: Record<string, unknown>,
  settings: EffectiveSettings,
  podKinds: ReturnType<typeof workloadKinds>,
  imageSignatureProvider?: ImageSignatureProvider,
): CompiledPolicy & { constraints: K8sObject[] } {
  const findings = checkObject(doc);
  const ownerKind = doc.kind as 'SecurityPolicy' | 'OperationPolicy';
  const policy = doc as unknown as SecurityPolicy | OperationPolicy;
  if (findings.errors.length > 0) {
    return {
      errors: findings.errors.map(formatError),
      constraints: [],
      fallback: fallbackConstraints(ownerKind, policy, findings.errorPaths, settings, podKinds),
    };
  }
  const planned =
    ownerKind === 'SecurityPolicy'
      ? planSecurityChecks((policy as SecurityPolicy).spec.policies, imageSignatureProvider)
      : planOperationChecks((policy as OperationPolicy).spec.policies);
  const unsupported =
    ownerKind === 'SecurityPolicy'
      ? unsupportedSecurityFields((policy as SecurityPolicy).spec.policies, imageSignatureProvider)
      : [];
  const name = policy.metadata.name;
  const action = lower(policy.spec.enforcementAction);
  const constraints: K8sObject[] = [];
  const constraintOf = policyConstraints(ownerKind, policy, settings, podKinds);
  const checks = planned.map((check) => {
    const { constraint, inForce } = constraintOf(action, check);
    constraints.push(constraint);
    return inForce;
  });
  const warnings = findings.warnings.map(formatWarning);
  return { constraints, result: { ownerKind, name, enforcementAction: action, checks, unsupported, warnings } };
}

/**
 * A policy's checks as constraints, named after the policy (shortened to fit a label where needed). The checks of one
 * policy share their owner labels and, per set of kinds, one match object: the spec hash, `render` and the controller
 * then serialise each shared part once instead of once per check (compiled objects are never mutated).
 */
function policyConstraints(
  ownerKind: 'SecurityPolicy' | 'OperationPolicy',
  policy: SecurityPolicy | OperationPolicy,
  settings: EffectiveSettings,
  podKinds: ReturnType<typeof workloadKinds>,
): (action: GatekeeperAction, check: PlannedCheck) => { constraint: K8sObject; inForce: CheckInForce } {
  const name = policy.metadata.name;
  const owner = ownerMetadata(ownerKind, name);
  const constraintName = derivedName(name);
  const matches = new Map<ReturnType<typeof workloadKinds>, Record<string, unknown>>();
  const matchOf = (kinds: ReturnType<typeof workloadKinds>): Record<string, unknown> => {
    let match = matches.get(kinds);
    if (match === undefined) {
      // SecurityPolicy constraints are scoped to namespaced objects (DVP); OperationPolicy ones are not.
      match = constraintMatch(policy.spec.match, kinds, settings.exemptNamespaces, ownerKind === 'SecurityPolicy');
      matches.set(kinds, match);
    }
    return match;
  };
  return (action, check) => constraintFor(owner, constraintName, action, check, matchOf(check.matchKinds ?? podKinds));
}

/**
 * An invalid policy that has nothing in force yet (stored while the webhook was down, or before a rule existed) still
 * gets every check whose fields are sound, and the implicit ones, as long as its match and name are sound: never less
 * than what Deckhouse would enforce for those fields. The controller applies these only for a policy with no
 * constraints in the cluster; one that had some keeps them as they were.
 */
function fallbackConstraints(
  ownerKind: 'SecurityPolicy' | 'OperationPolicy',
  policy: SecurityPolicy | OperationPolicy,
  errorPaths: string[],
  settings: EffectiveSettings,
  podKinds: ReturnType<typeof workloadKinds>,
): K8sObject[] {
  const base = 'spec.policies.';
  if (errorPaths.some((p) => !p.startsWith(base))) return [];
  const broken = new Set(errorPaths.map((p) => p.slice(base.length).split(/[.[]/)[0]));
  const modules: readonly FieldModule<never>[] = ownerKind === 'SecurityPolicy' ? SECURITY_FIELDS : OPERATION_FIELDS;
  const action = lower(policy.spec.enforcementAction);
  const constraintOf = policyConstraints(ownerKind, policy, settings, podKinds);
  return modules
    .filter((m) => !Object.keys(m.fields).some((f) => broken.has(f)))
    .map((m) => (m.render as (p: unknown) => PlannedCheck | undefined)(policy.spec.policies))
    .filter((c): c is PlannedCheck => c !== undefined)
    .map((check) => constraintOf(action, check).constraint);
}

/** What every constraint of one owner carries: its labels, and its full name where the label had to shorten it. */
interface OwnerMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function ownerMetadata(owner: OwnerKind, ownerName: string): OwnerMetadata {
  return { labels: ownerLabels(owner, ownerName), annotations: ownerAnnotations(ownerName) };
}

function constraintFor(
  owner: OwnerMetadata,
  constraintName: string,
  action: GatekeeperAction,
  check: PlannedCheck,
  match: Record<string, unknown>,
): { constraint: K8sObject; inForce: CheckInForce } {
  const spec = { enforcementAction: action, match, ...(check.parameters ? { parameters: check.parameters } : {}) };
  // The spec's canonical JSON, written from its parts: its keys are already in code-point order, and the shared
  // match is serialised once per policy (the hash equals specHash(spec): a unit test checks it).
  const specText = `{"enforcementAction":${JSON.stringify(action)},"match":${sharedCanonicalJson(match)}${
    check.parameters ? `,"parameters":${canonicalJson(check.parameters)}` : ''
  }}`;
  return {
    constraint: {
      apiVersion: CONSTRAINT_API_VERSION,
      kind: check.kind,
      // Keys in code-point order, as in constraintMatch.
      metadata: {
        annotations: {
          [CHECK_ANNOTATION]: check.name,
          ...owner.annotations,
          [SPEC_HASH_ANNOTATION]: hash('sha256', specText, 'hex'),
        },
        labels: owner.labels,
        name: constraintName,
      },
      spec,
    },
    inForce: { name: check.name, kind: check.kind, constraint: constraintName, implicit: check.implicit === true },
  };
}

/** canonicalJson of an object the compiler shares between constraints and never mutates, computed once per object. */
const sharedTexts = new WeakMap<object, string>();
function sharedCanonicalJson(value: Record<string, unknown>): string {
  let text = sharedTexts.get(value);
  if (text === undefined) sharedTexts.set(value, (text = canonicalJson(value)));
  return text;
}

/**
 * Compiled policies kept between calls of compile(), keyed by the document's content (status and server-set metadata
 * left out) and the settings it depends on: an event that touches one policy recompiles that one policy. The output
 * is the same as without a memo (the property test in test/unit/compiler checks it).
 */
export class CompileMemo {
  private readonly entries = new Map<string, { fingerprint: string; compiled: CompiledPolicy }>();
  // The controller's caches hand the same object back until it changes: skip re-serialising it then.
  private readonly fingerprints = new WeakMap<object, string>();

  get(doc: Record<string, unknown>, settingsKey: string, build: () => CompiledPolicy): CompiledPolicy {
    const metadata = isRecord(doc.metadata) ? doc.metadata : {};
    const key = `${String(doc.kind)}/${String(metadata.name)}`;
    let content = this.fingerprints.get(doc);
    if (content === undefined) {
      content = canonicalJson({
        ...doc,
        status: null,
        metadata: { ...metadata, resourceVersion: null, generation: null, uid: null, managedFields: null },
      });
      this.fingerprints.set(doc, content);
    }
    const fingerprint = `${settingsKey}\n${content}`;
    const hit = this.entries.get(key);
    if (hit && hit.fingerprint === fingerprint) return hit.compiled;
    const compiled = build();
    this.entries.set(key, { fingerprint, compiled });
    return compiled;
  }

  /** Forgets policies that are gone, so the memo holds at most one entry per live policy. */
  retain(keys: Iterable<string>): void {
    const live = new Set(keys);
    for (const key of this.entries.keys()) if (!live.has(key)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

function moduleSettingsOf(moduleConfig: unknown): ModuleSettings | undefined {
  if (!isRecord(moduleConfig) || !isRecord(moduleConfig.spec) || !isRecord(moduleConfig.spec.settings))
    return undefined;
  return moduleConfig.spec.settings as ModuleSettings;
}

const lower = (action: string | undefined): GatekeeperAction => (action ?? 'Deny').toLowerCase() as GatekeeperAction;

/** Templates first, then the sync set, then constraints (the order they must be applied in); by name within. */
function sortByIdentity(objects: K8sObject[]): K8sObject[] {
  // One key string per object, compared once per comparison: tens of thousands of objects are sorted on every pass.
  // A NUL cannot occur in an apiVersion, kind or name, so the key orders as the fields do one after another.
  const rank = (o: K8sObject): number =>
    o.kind === 'ConstraintTemplate' ? 0 : isConstraintApiVersion(o.apiVersion) ? 2 : 1;
  return objects
    .map((o) => ({ o, key: `${rank(o)}\0${o.apiVersion}\0${o.kind}\0${o.metadata.name}` }))
    .sort((a, b) => compareStrings(a.key, b.key))
    .map(({ o }) => o);
}

/** Label values are capped at 63 characters: a longer owner name is shortened, and kept whole in an annotation. */
export function ownerLabels(owner: OwnerKind | 'Library', ownerName: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_KIND_LABEL]: owner, [OWNER_NAME_LABEL]: derivedName(ownerName) };
}

const ownerAnnotations = (ownerName: string): Record<string, string> =>
  derivedName(ownerName) === ownerName ? {} : { [OWNER_NAME_ANNOTATION]: ownerName };

export function specHash(spec: unknown): string {
  // crypto.hash: one call, without a Hash object per spec (thousands per pass).
  return hash('sha256', canonicalJson(spec), 'hex');
}

function withHash(object: K8sObject): K8sObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      annotations: { ...object.metadata.annotations, [SPEC_HASH_ANNOTATION]: specHash(object.spec) },
    },
  };
}

/** Only templates some constraint uses are emitted. */
function templatesFor(constraints: K8sObject[], library: TemplateLibrary, settings: EffectiveSettings): K8sObject[] {
  const kinds = [...new Set(constraints.map((c) => c.kind))].sort(compareStrings);
  return kinds.map((kind) => {
    const found = library.get(kind);
    if (!found) throw new Error(`the template library has no ConstraintTemplate for kind ${kind}`);
    const template = forEngine(found, settings.engine, settings.validatingAdmissionPolicies);
    return withHash({
      ...template,
      metadata: {
        ...template.metadata,
        labels: { ...template.metadata.labels, ...ownerLabels('Library', template.metadata.name) },
      },
    });
  });
}

export const SYNC_SET_NAME = 'gatewright';

const gvk = (t: ResourceType) => ({ group: t.group, version: t.version, kind: t.kind });

/** The kinds templates read from Gatekeeper's inventory: SecurityPolicyExceptions, and Namespaces for label checks. */
function syncSetFor(templates: K8sObject[]): K8sObject | undefined {
  const gvks: { group: string; version: string; kind: string }[] = [];
  const text = templates.map((t) => JSON.stringify(t.spec)).join('\n');
  if (text.includes('data.inventory.cluster') && text.includes('Namespace')) gvks.push(gvk(RESOURCES.Namespace));
  // A template that reads ServiceAccounts from the inventory (the automount check, for workload templates).
  if (text.includes('.ServiceAccount')) gvks.push(gvk(RESOURCES.ServiceAccount));
  if (text.includes('SecurityPolicyException')) gvks.push(gvk(RESOURCES.SecurityPolicyException));
  if (gvks.length === 0) return undefined;
  return withHash({
    apiVersion: apiVersionOf(RESOURCES.SyncSet),
    kind: 'SyncSet',
    metadata: { name: SYNC_SET_NAME, labels: ownerLabels('Library', SYNC_SET_NAME) },
    spec: { gvks },
  });
}
