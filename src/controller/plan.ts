// What to change in the cluster to reach the desired set: pure, so the controller's decisions can be unit-tested.
import { isRecord } from '../api/validate.js';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  OWNER_KIND_LABEL,
  OWNER_NAME_ANNOTATION,
  OWNER_NAME_LABEL,
  type CompileResult,
  type K8sObject,
} from '../compiler/model.js';
import { MODULE_CONFIG_KEY } from '../compiler/compile.js';

/** An object as read from the API server. */
export interface ObservedObject extends K8sObject {
  metadata: K8sObject['metadata'] & { generation?: number; resourceVersion?: string; uid?: string };
  status?: Record<string, unknown>;
}

export interface Conflict {
  object: K8sObject;
  /** Who holds the name: a field manager or "not managed by gatewright". */
  reason: string;
}

export interface Plan {
  /** ConstraintTemplates and the SyncSet to apply (missing or drifted), before any constraint. */
  applyFirst: K8sObject[];
  /** Constraints to apply (missing or drifted); the controller applies one only once its template is ingested. */
  applyConstraints: K8sObject[];
  /** Owned objects no longer desired: constraints first, then templates. */
  prune: ObservedObject[];
  /** Desired objects whose name a foreign object holds: reported, never overwritten. */
  conflicts: Conflict[];
  /** Owners whose objects are kept as they are, because their new spec is invalid. */
  frozen: Set<string>;
}

export const objectId = (o: {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}): string => `${o.apiVersion.split('/')[0]}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export const isManaged = (o: K8sObject): boolean => o.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;

export const ownerKey = (o: K8sObject): string =>
  `${o.metadata.labels?.[OWNER_KIND_LABEL] ?? ''}/${o.metadata.annotations?.[OWNER_NAME_ANNOTATION] ?? o.metadata.labels?.[OWNER_NAME_LABEL] ?? ''}`;

/**
 * True when every field of `want` is present and equal in `have`. Fields the API server or Gatekeeper add (defaults,
 * status, managedFields) do not count as drift, so an idle cluster needs no write.
 */
export function containsAll(have: unknown, want: unknown): boolean {
  if (Array.isArray(want)) {
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => containsAll(have[i], w));
  }
  if (isRecord(want)) {
    return isRecord(have) && Object.entries(want).every(([k, v]) => containsAll(have[k], v));
  }
  return have === want;
}

function inSync(desired: K8sObject, observed: ObservedObject): boolean {
  return (
    containsAll(observed.spec, desired.spec) &&
    containsAll(observed.metadata.labels ?? {}, desired.metadata.labels ?? {}) &&
    containsAll(observed.metadata.annotations ?? {}, desired.metadata.annotations ?? {})
  );
}

const isTemplate = (o: K8sObject): boolean => o.kind === 'ConstraintTemplate';
const isConstraint = (o: K8sObject): boolean => o.apiVersion.startsWith('constraints.gatekeeper.sh/');
const templateKind = (t: K8sObject): string =>
  String((t.spec as { crd?: { spec?: { names?: { kind?: string } } } } | undefined)?.crd?.spec?.names?.kind ?? '');

/**
 * Desired objects missing or drifted are applied; owned objects no longer desired are pruned, except those of owners
 * whose spec is invalid (fail safe: a broken policy never removes enforcement that was in force). With invalid module
 * settings nothing is changed at all, since every constraint depends on them.
 */
export function planChanges(desired: CompileResult, observed: ObservedObject[]): Plan {
  const frozen = new Set(desired.invalid.keys());
  const plan: Plan = { applyFirst: [], applyConstraints: [], prune: [], conflicts: [], frozen };
  if (frozen.has(MODULE_CONFIG_KEY)) return plan;

  const byId = new Map(observed.map((o) => [objectId(o), o]));
  const desiredIds = new Set<string>();
  // An invalid policy with nothing in force gets the checks of its sound fields (never less than Deckhouse would
  // enforce); one with constraints in the cluster keeps those, untouched.
  const owners = new Set(observed.filter(isManaged).map(ownerKey));
  const fallback = [...(desired.fallback ?? [])].flatMap(([owner, objects]) => (owners.has(owner) ? [] : objects));
  for (const d of [...desired.objects, ...fallback]) {
    const id = objectId(d);
    desiredIds.add(id);
    const o = byId.get(id);
    if (o && !isManaged(o)) {
      plan.conflicts.push({
        object: d,
        reason: `${d.kind} "${d.metadata.name}" exists and is not managed by gatewright`,
      });
      continue;
    }
    if (o && inSync(d, o)) continue;
    (isConstraint(d) ? plan.applyConstraints : plan.applyFirst).push(d);
  }

  const kept = observed.filter((o) => isManaged(o) && !desiredIds.has(objectId(o)) && frozen.has(ownerKey(o)));
  const keptKinds = new Set(kept.filter(isConstraint).map((c) => c.kind));
  const stale = observed.filter(
    (o) =>
      isManaged(o) &&
      !desiredIds.has(objectId(o)) &&
      !frozen.has(ownerKey(o)) &&
      // A template stays while a kept constraint of an invalid policy still needs it.
      !(isTemplate(o) && keptKinds.has(templateKind(o))),
  );
  plan.prune = [...stale.filter(isConstraint), ...stale.filter((o) => !isConstraint(o))];
  return plan;
}
