// What to change in the cluster to reach the desired set: pure, so the controller's decisions can be unit-tested.
import { isConstraintApiVersion } from '../api/resources.js';
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
  /** The field managers that wrote it (from managedFields; kept for the objects gatewright manages). */
  fieldManagers?: string[];
  /** Paths of spec, labels and annotations another field manager set (see fieldOwners in cache.ts). */
  foreignFields?: string[];
}

/**
 * Ours: labelled as managed by gatewright, or written by its field manager (a hand edit that removed the label does
 * not make an object someone else's; it is drift, and repaired).
 */
export const isOurs = (o: ObservedObject): boolean => isManaged(o) || (o.fieldManagers ?? []).includes(MANAGED_BY);

/** A merge patch that removes what other managers added to an object of ours, or undefined when there is none. */
export function foreignFieldsPatch(desired: K8sObject, observed: ObservedObject): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  let any = false;
  for (const path of observed.foreignFields ?? []) {
    const keys = path.split('.');
    // Label and annotation keys contain dots: everything after metadata.labels. is one key.
    const parts = keys[0] === 'metadata' ? [keys[0], keys[1] ?? '', keys.slice(2).join('.')] : keys;
    const want = valueAt(desired, parts);
    const have = valueAt(observed, parts);
    if (want !== undefined && containsAll(have, want) && containsAll(want, have)) continue; // same value: harmless
    if (want !== undefined && !Array.isArray(want)) continue; // a differing value: the apply sets it back
    setAt(patch, parts, want === undefined ? null : want);
    any = true;
  }
  return any ? patch : undefined;
}

function valueAt(o: unknown, path: string[]): unknown {
  let cur = o;
  for (const key of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function setAt(o: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = o;
  path.slice(0, -1).forEach((key) => {
    if (!isRecord(cur[key])) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  });
  cur[path[path.length - 1] as string] = value;
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
  /** Owned objects no longer desired: constraints first, then templates whose kind has no constraint left. */
  prune: ObservedObject[];
  /**
   * Templates no longer desired whose kind still has constraints in the cluster: pruned in a later pass, once those
   * are gone (see TEMPLATE_PRUNE_GRACE_MS).
   */
  pruneLater: ObservedObject[];
  /** Desired objects whose name a foreign object holds: reported, never overwritten. */
  conflicts: Conflict[];
  /** Owners whose objects are kept as they are, because their new spec is invalid. */
  frozen: Set<string>;
}

export const objectId = (o: {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}): string => {
  const slash = o.apiVersion.indexOf('/');
  const group = slash < 0 ? o.apiVersion : o.apiVersion.slice(0, slash);
  return `${group}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
};

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
    foreignFieldsPatch(desired, observed) === undefined &&
    containsAll(observed.spec, desired.spec) &&
    containsAll(observed.metadata.labels ?? {}, desired.metadata.labels ?? {}) &&
    containsAll(observed.metadata.annotations ?? {}, desired.metadata.annotations ?? {})
  );
}

/**
 * inSync's last answer for each desired object, with the observed object it was about. Neither is changed once made:
 * the compiler's memo hands back the same desired objects while their policy is unchanged, and the caches the same
 * observed object until a watch event replaces it. So a pass compares again only the pairs that changed since the
 * last; comparing every pair was most of a pass at thousands of constraints.
 */
const lastInSync = new WeakMap<K8sObject, { observed: ObservedObject; inSync: boolean }>();

function inSyncMemo(desired: K8sObject, observed: ObservedObject): boolean {
  const last = lastInSync.get(desired);
  if (last?.observed === observed) return last.inSync;
  const answer = inSync(desired, observed);
  lastInSync.set(desired, { observed, inSync: answer });
  return answer;
}

const isTemplate = (o: K8sObject): boolean => o.kind === 'ConstraintTemplate';
export const isConstraint = (o: K8sObject): boolean => isConstraintApiVersion(o.apiVersion);
export const templateKind = (t: K8sObject): string =>
  String((t.spec as { crd?: { spec?: { names?: { kind?: string } } } } | undefined)?.crd?.spec?.names?.kind ?? '');

/**
 * Desired objects missing or drifted are applied; owned objects no longer desired are pruned, except those of owners
 * whose spec is invalid (fail safe: a broken policy never removes enforcement that was in force). With invalid module
 * settings and no last valid ones to stand in (the compile then used the defaults), only missing objects are created:
 * a hand-deleted constraint or a new policy is still enforced, while nothing in force is changed or pruned, since
 * every constraint depends on settings whose intent is unknown.
 */
export function planChanges(desired: CompileResult, observed: ObservedObject[]): Plan {
  const plan = emptyPlan(desired);
  const frozen = plan.frozen;
  const settingsUnknown = frozen.has(MODULE_CONFIG_KEY);

  const byId = new Map(observed.map((o) => [objectId(o), o]));
  const desiredIds = new Set<string>();
  // An invalid policy with nothing in force gets the checks of its sound fields (never less than Deckhouse would
  // enforce); one with constraints in the cluster keeps those, untouched.
  const fallbacks = [...(desired.fallback ?? [])];
  const owners = fallbacks.length > 0 ? new Set(observed.filter(isManaged).map(ownerKey)) : new Set<string>();
  const consider = (d: K8sObject) => {
    const id = objectId(d);
    desiredIds.add(id);
    const o = byId.get(id);
    if (o && !isOurs(o)) {
      plan.conflicts.push({
        object: d,
        reason: `${d.kind} "${d.metadata.name}" exists and is not managed by gatewright`,
      });
      return;
    }
    if (o && (settingsUnknown || inSyncMemo(d, o))) return;
    (isConstraint(d) ? plan.applyConstraints : plan.applyFirst).push(d);
  };
  for (const d of desired.objects) consider(d);
  for (const [owner, objects] of fallbacks) if (!owners.has(owner)) for (const d of objects) consider(d);
  if (settingsUnknown) return plan;

  // Observed objects not desired: kept (their owner's spec is invalid) or stale.
  const kept: ObservedObject[] = [];
  const undesired: ObservedObject[] = [];
  const kindsWithConstraints = new Set<string>();
  for (const [id, o] of byId) {
    if (isConstraint(o)) kindsWithConstraints.add(o.kind);
    if (desiredIds.has(id)) continue;
    if (frozen.size > 0 && frozen.has(ownerKey(o))) {
      if (isOurs(o)) kept.push(o);
    } else if (isManaged(o)) undesired.push(o);
  }
  const keptKinds = new Set(kept.filter(isConstraint).map((c) => c.kind));
  // A template stays while a kept constraint of an invalid policy still needs it.
  const stale = undesired.filter((o) => !(isTemplate(o) && keptKinds.has(templateKind(o))));
  // A template goes only after every constraint of its kind (Gatekeeper deletes the kind's CRD with it).
  const waits = (o: ObservedObject) => isTemplate(o) && kindsWithConstraints.has(templateKind(o));
  plan.prune = [...stale.filter(isConstraint), ...stale.filter((o) => !isConstraint(o) && !waits(o))];
  plan.pruneLater = stale.filter(waits);
  return plan;
}

/** Nothing to do; the invalid owners frozen. */
function emptyPlan(desired: CompileResult): Plan {
  const frozen = new Set(desired.invalid.keys());
  return { applyFirst: [], applyConstraints: [], prune: [], pruneLater: [], conflicts: [], frozen };
}

/** What Gatekeeper's side looks like to a decision: which constraint kinds are served and which templates ingested. */
export interface GatekeeperReadiness {
  /** The ConstraintTemplate API is served. */
  installed: boolean;
  /** Constraint kinds whose API is served and whose cache has synced (their objects are known). */
  servedKinds: ReadonlySet<string>;
  /** Constraint kinds whose current template every Gatekeeper pod has ingested without errors. */
  ingestedKinds: ReadonlySet<string>;
  /** Some managed template has errors Gatekeeper reported: that will not change by itself soon. */
  templateErrors: boolean;
  /** Some desired constraint is not enforced yet by every Gatekeeper pod. */
  notEnforced: boolean;
  /**
   * Constraint kinds whose template will not be ingested by itself (Gatekeeper reported errors, or the API server
   * rejected it): nothing waits for them.
   */
  stuckKinds?: ReadonlySet<string>;
}

export interface Decision extends Plan {
  /**
   * The constraints to apply in this pass, by owner (`SecurityPolicy/name`, …): only those whose kind is served and
   * whose template is ingested (a constraint before its template is ingested is rejected or not enforced).
   */
  constraintsByOwner: Map<string, K8sObject[]>;
  /** Constraints held back until Gatekeeper has ingested their template. */
  blocked: K8sObject[];
  /** Owners with nothing in force whose constraints wait to go out together (see DecideOptions.release). */
  held: string[];
  /** Look again after this long (waiting for Gatekeeper), or undefined when converged (watches wake us anyway). */
  requeueAfterMs?: number;
  /**
   * Since when each stale template's kind has had no constraint (ms), for the next pass's DecideOptions: a template
   * is pruned TEMPLATE_PRUNE_GRACE_MS after that.
   */
  constraintFreeSince: Map<string, number>;
}

/**
 * How long a template no longer desired stays after the last constraint of its kind is gone. Gatekeeper v3.23.1's
 * audit Pod can deadlock for good when a constraint kind's CRD disappears while it still handles that kind's
 * constraint statuses: its constraint status controller waits, holding the watch registrar's read lock, for an
 * informer that can never sync (pkg/watch/registrar.go IfWatching, constraintstatus_controller.go), and the
 * template controller then blocks in RemoveWatch, so no template is ingested again until the Pod restarts. Those
 * statuses are gone within a second or two of their constraints; the grace keeps the CRD until then.
 */
export const TEMPLATE_PRUNE_GRACE_MS = 10_000;

/** Waiting for Gatekeeper to ingest or enforce: look again soon. */
export const REQUEUE_WAITING_MS = 2000;
/** A template Gatekeeper rejected, or no Gatekeeper at all: poll slowly. */
export const REQUEUE_STUCK_MS = 30_000;

/** Requeue at once: the pass left work for the next one (its apply budget ran out). */
export const REQUEUE_NOW_MS = 1;

export interface DecideOptions {
  /**
   * At most this many constraints applied per pass (whole policies at a time; at least one policy): a pass stays
   * short, so every policy's status reflects Gatekeeper's progress within seconds rather than after one long pass.
   */
  constraintBudget?: number;
  /** Owners not to hold back any longer: their ingested constraints are applied even if others still wait. */
  release?: ReadonlySet<string>;
  /** The clock, for the template prune grace. Default Date.now(). */
  nowMs?: number;
  /** The last decision's constraintFreeSince. */
  constraintFreeSince?: ReadonlyMap<string, number>;
}

/** The whole decision of a pass, from the desired set and what the caches hold: pure. */
export function decide(
  desired: CompileResult,
  observed: ObservedObject[],
  gatekeeper: GatekeeperReadiness,
  opts: DecideOptions = {},
): Decision {
  const plan = gatekeeper.installed ? planChanges(desired, observed) : emptyPlan(desired);
  const constraintsByOwner = new Map<string, K8sObject[]>();
  const blocked: K8sObject[] = [];
  for (const c of plan.applyConstraints) {
    if (!gatekeeper.servedKinds.has(c.kind) || !gatekeeper.ingestedKinds.has(c.kind)) {
      blocked.push(c);
      continue;
    }
    const owner = ownerKey(c);
    const list = constraintsByOwner.get(owner);
    if (list) list.push(c);
    else constraintsByOwner.set(owner, [c]);
  }
  // Templates and the sync set applied in this pass change what Gatekeeper serves: their constraints wait.
  const changedKinds = new Set(plan.applyFirst.filter(isTemplate).map(templateKind));
  for (const [owner, list] of constraintsByOwner) {
    const ready = list.filter((c) => !changedKinds.has(c.kind));
    blocked.push(...list.filter((c) => changedKinds.has(c.kind)));
    if (ready.length > 0) constraintsByOwner.set(owner, ready);
    else constraintsByOwner.delete(owner);
  }
  // An owner with nothing in force yet goes out whole, once every template it needs is ingested: Gatekeeper takes
  // constraints first come, first served, so one policy's constraints queued together are enforced together and it
  // is Ready as soon as they are, instead of after every other policy's constraints of its first ingested kinds.
  const inForce =
    constraintsByOwner.size > 0
      ? new Set(observed.filter((o) => isConstraint(o) && isOurs(o)).map(ownerKey))
      : new Set<string>();
  const waitingFor = new Set(blocked.filter((c) => !gatekeeper.stuckKinds?.has(c.kind)).map(ownerKey));
  const held: string[] = [];
  for (const [owner, list] of constraintsByOwner) {
    if (inForce.has(owner) || !waitingFor.has(owner) || opts.release?.has(owner)) continue;
    blocked.push(...list);
    constraintsByOwner.delete(owner);
    held.push(owner);
  }
  // Over budget: the remaining policies go to the next pass, which runs at once.
  const budget = opts.constraintBudget ?? Infinity;
  let taken = 0;
  let deferred = false;
  for (const [owner, list] of constraintsByOwner) {
    if (taken > 0 && taken + list.length > budget) {
      constraintsByOwner.delete(owner);
      deferred = true;
    } else taken += list.length;
  }
  // Stale templates whose kind has no constraint left go once it has had none for the grace period.
  const nowMs = opts.nowMs ?? Date.now();
  const constraintFreeSince = new Map<string, number>();
  let pruneDueMs: number | undefined;
  const prune = plan.prune.filter((o) => {
    if (!isTemplate(o)) return true;
    const kind = templateKind(o);
    const since = opts.constraintFreeSince?.get(kind) ?? nowMs;
    const left = since + TEMPLATE_PRUNE_GRACE_MS - nowMs;
    if (left <= 0) return true;
    constraintFreeSince.set(kind, since);
    pruneDueMs = Math.min(pruneDueMs ?? Infinity, left);
    return false;
  });
  if (plan.pruneLater.length > 0) pruneDueMs = Math.min(pruneDueMs ?? Infinity, REQUEUE_WAITING_MS);
  const waiting = !gatekeeper.installed || blocked.length > 0 || gatekeeper.notEnforced;
  const stuck = !gatekeeper.installed || gatekeeper.templateErrors;
  const waitingAfterMs = deferred
    ? REQUEUE_NOW_MS
    : waiting
      ? stuck
        ? REQUEUE_STUCK_MS
        : REQUEUE_WAITING_MS
      : undefined;
  const requeueAfterMs = pruneDueMs === undefined ? waitingAfterMs : Math.min(waitingAfterMs ?? Infinity, pruneDueMs);
  return {
    ...plan,
    prune,
    constraintsByOwner,
    blocked,
    held,
    constraintFreeSince,
    ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
  };
}
