// The compiler: policies + module config + namespace labels + template library → the complete desired set of
// Gatekeeper objects. A pure function: no I/O, no clock, no randomness; the same input gives the same output.
import { createHash } from 'node:crypto';
import { formatError, isRecord, validateObject } from '../api/validate.js';
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
import {
  CHECK_ANNOTATION,
  CONSTRAINT_API_VERSION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  OWNER_KIND_LABEL,
  OWNER_NAME_LABEL,
  SPEC_HASH_ANNOTATION,
  policyKey,
  type CheckInForce,
  type CompileResult,
  type K8sObject,
  type OwnerKind,
  type PolicyResult,
} from './model.js';
import { planOperationChecks } from './operation-rules.js';
import { PSS_OBJECT_SELECTOR, actionsInUse, standardChecks, standardSets } from './pss.js';
import { planSecurityChecks, unsupportedSecurityFields, type PlannedCheck } from './security-rules.js';
import { providerObject, type ImageSignatureProvider } from './image-signatures.js';

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
  /** The SecurityPolicyExceptions in the cluster (only their names are read, for the backstop). */
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
  };
}

export function compile(input: CompilerInput): CompileResult {
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
    byKey.set(key, [...(byKey.get(key) ?? []), doc]);
  }
  const security: SecurityPolicy[] = [];
  const operation: OperationPolicy[] = [];
  for (const [key, docs] of byKey) {
    const errors = docs.flatMap((doc) => validateObject(doc).map(formatError));
    if (docs.length > 1) {
      const [kind, name] = key.split('/');
      errors.push(`${kind} "${name}": metadata.name: Duplicate value: "${name}" (more than one object with this name)`);
    }
    const doc = docs[0] as Record<string, unknown>;
    if (errors.length > 0) invalid.set(key, errors);
    else if (doc.kind === 'SecurityPolicy') security.push(doc as unknown as SecurityPolicy);
    else operation.push(doc as unknown as OperationPolicy);
  }

  const constraints: K8sObject[] = [];
  const policies = new Map<string, PolicyResult>();
  const podKinds = workloadKinds(settings.controllerValidation);

  const emit = (
    owner: OwnerKind,
    ownerName: string,
    constraintName: string,
    action: GatekeeperAction,
    check: PlannedCheck,
    match: Record<string, unknown>,
  ): CheckInForce => {
    constraints.push(
      withHash({
        apiVersion: CONSTRAINT_API_VERSION,
        kind: check.kind,
        metadata: {
          name: constraintName,
          labels: ownerLabels(owner, ownerName),
          annotations: { [CHECK_ANNOTATION]: check.name },
        },
        spec: { enforcementAction: action, match, ...(check.parameters ? { parameters: check.parameters } : {}) },
      }),
    );
    return { name: check.name, kind: check.kind, constraint: constraintName, implicit: check.implicit === true };
  };

  // SecurityPolicy constraints are scoped to namespaced objects (DVP); OperationPolicy ones are not.
  const compilePolicy = (
    ownerKind: 'SecurityPolicy' | 'OperationPolicy',
    policy: SecurityPolicy | OperationPolicy,
    planned: PlannedCheck[],
    unsupported: PolicyResult['unsupported'],
  ): void => {
    const name = policy.metadata.name;
    const action = lower(policy.spec.enforcementAction);
    const namespaced = ownerKind === 'SecurityPolicy';
    const checks = planned.map((check) =>
      emit(
        ownerKind,
        name,
        name,
        action,
        check,
        constraintMatch(policy.spec.match, check.matchKinds ?? podKinds, settings.exemptNamespaces, namespaced),
      ),
    );
    policies.set(policyKey(ownerKind, name), { ownerKind, name, enforcementAction: action, checks, unsupported });
  };
  for (const p of sortByName(security)) {
    compilePolicy(
      'SecurityPolicy',
      p,
      planSecurityChecks(p.spec.policies),
      unsupportedSecurityFields(p.spec.policies, input.imageSignatureProvider),
    );
  }
  for (const p of sortByName(operation)) compilePolicy('OperationPolicy', p, planOperationChecks(p.spec.policies), []);

  const actions = actionsInUse(settings.defaultAction, input.namespaces);
  for (const set of standardSets(settings.defaultPolicy, settings.defaultAction, actions)) {
    const ownerName = `${set.standard}-${set.action}`;
    const match = {
      kinds: podKinds,
      scope: 'Namespaced',
      excludedNamespaces: [...settings.exemptNamespaces].sort(),
      namespaceSelector: set.namespaceSelector,
      labelSelector: PSS_OBJECT_SELECTOR,
    };
    const checks = standardChecks(set.standard, { knownHostPortRanges: settings.knownHostPortRanges }).map((check) =>
      emit('PodSecurityStandard', ownerName, set.name, set.action, check, match),
    );
    policies.set(policyKey('PodSecurityStandard', ownerName), {
      ownerKind: 'PodSecurityStandard',
      name: ownerName,
      enforcementAction: set.action,
      checks,
      unsupported: [],
    });
  }

  const templates = templatesFor(constraints, input.library);
  const syncSet = syncSetFor(templates);
  const provider = providerObject(
    constraints,
    input.imageSignatureProvider,
    ownerLabels('Library', 'image-signatures'),
  );
  const guard = skipCheckGuard(settings.skipCheckAllowedGroups).map((o) =>
    withHash({ ...o, metadata: { ...o.metadata, labels: ownerLabels('PodSecurityStandard', SKIP_CHECK_GUARD) } }),
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
  const objects = [
    ...templates,
    ...constraints,
    ...(syncSet ? [syncSet] : []),
    ...(provider ? [withHash(provider)] : []),
    ...guard,
    ...admission,
  ].sort(byIdentity);
  return { objects, policies, invalid };
}

function moduleSettingsOf(moduleConfig: unknown): ModuleSettings | undefined {
  if (!isRecord(moduleConfig) || !isRecord(moduleConfig.spec) || !isRecord(moduleConfig.spec.settings))
    return undefined;
  return moduleConfig.spec.settings as ModuleSettings;
}

const lower = (action: string | undefined): GatekeeperAction => (action ?? 'Deny').toLowerCase() as GatekeeperAction;

function sortByName<T extends { metadata: { name: string } }>(list: T[]): T[] {
  return [...list].sort((a, b) => compareStrings(a.metadata.name, b.metadata.name));
}

/** Code-point order, independent of the locale the process runs in. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Templates first, then the sync set, then constraints (the order they must be applied in); by name within. */
function byIdentity(a: K8sObject, b: K8sObject): number {
  const rank = (o: K8sObject): number =>
    o.kind === 'ConstraintTemplate' ? 0 : o.apiVersion.startsWith('constraints.gatekeeper.sh/') ? 2 : 1;
  return (
    rank(a) - rank(b) ||
    compareStrings(a.apiVersion, b.apiVersion) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.metadata.name, b.metadata.name)
  );
}

export function ownerLabels(owner: OwnerKind | 'Library', ownerName: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_KIND_LABEL]: owner, [OWNER_NAME_LABEL]: ownerName };
}

/** JSON with object keys sorted, so equal specs hash equally whatever order their keys were built in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort(compareStrings)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function specHash(spec: unknown): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
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
function templatesFor(constraints: K8sObject[], library: TemplateLibrary): K8sObject[] {
  const kinds = [...new Set(constraints.map((c) => c.kind))].sort(compareStrings);
  return kinds.map((kind) => {
    const template = library.get(kind);
    if (!template) throw new Error(`the template library has no ConstraintTemplate for kind ${kind}`);
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

/** The kinds templates read from Gatekeeper's inventory: SecurityPolicyExceptions, and Namespaces for label checks. */
function syncSetFor(templates: K8sObject[]): K8sObject | undefined {
  const gvks: { group: string; version: string; kind: string }[] = [];
  const text = templates.map((t) => JSON.stringify(t.spec)).join('\n');
  if (text.includes('data.inventory.cluster') && text.includes('Namespace'))
    gvks.push({ group: '', version: 'v1', kind: 'Namespace' });
  // A template that reads ServiceAccounts from the inventory (the automount check, for workload templates).
  if (text.includes('.ServiceAccount')) gvks.push({ group: '', version: 'v1', kind: 'ServiceAccount' });
  if (text.includes('SecurityPolicyException'))
    gvks.push({ group: 'deckhouse.io', version: 'v1alpha1', kind: 'SecurityPolicyException' });
  if (gvks.length === 0) return undefined;
  return withHash({
    apiVersion: 'syncset.gatekeeper.sh/v1alpha1',
    kind: 'SyncSet',
    metadata: { name: SYNC_SET_NAME, labels: ownerLabels('Library', SYNC_SET_NAME) },
    spec: { gvks },
  });
}
