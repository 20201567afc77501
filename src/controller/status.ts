// The status gatewright writes on every policy: metav1.Condition-shaped conditions, the checks in force with what
// Gatekeeper reports about them, and DVP's status.deckhouse fields. Pure: the same inputs give the same status, and
// timestamps move only when something changed, so an idle cluster gets no status writes.
import { specHash } from '../compiler/compile.js';
import type { PolicyResult } from '../compiler/model.js';
import type { ObservedObject } from './plan.js';
import { RESOURCES } from '../api/resources.js';
import { MODULE_CONFIG_NAME, type CheckStatus, type Condition, type PolicyStatus } from '../api/types.js';

// The status shapes are the API's (src/api: generated from the status schema of the CRDs).
export type { CheckStatus, Condition, PolicyStatus };

/** What Gatekeeper reports, as the controller last read it. */
export interface GatekeeperView {
  /** The ConstraintTemplate API is served. */
  installed: boolean;
  /** Observed ConstraintTemplates by constraint kind. */
  templates: ReadonlyMap<string, ObservedObject>;
  /** Observed constraints by `Kind/name`. */
  constraints: ReadonlyMap<string, ObservedObject>;
}

interface ByPod {
  id?: string;
  observedGeneration?: number;
  enforced?: boolean;
  errors?: { code?: string; message?: string }[];
}

/**
 * The key GatekeeperView.constraints is looked up by (`Kind/name`), made once per object: the compiled checks and
 * desired objects are not changed once made, and a pass looks up thousands of them (a fresh string is hashed anew on
 * every lookup).
 */
const viewKeys = new WeakMap<object, string>();
function viewKey(of: object, kind: string, name: string): string {
  let key = viewKeys.get(of);
  if (key === undefined) viewKeys.set(of, (key = `${kind}/${name}`));
  return key;
}
export const constraintViewKey = (o: { kind: string; metadata: { name: string } }): string =>
  viewKey(o, o.kind, o.metadata.name);

/** specHash of a policy's spec, once per spec object (the caches hand back the same one until the policy changes). */
const specHashes = new WeakMap<object, string>();
function policySpecHash(spec: unknown): string {
  if (typeof spec !== 'object' || spec === null) return specHash(spec);
  let hash = specHashes.get(spec);
  if (hash === undefined) specHashes.set(spec, (hash = specHash(spec)));
  return hash;
}

const byPod = (o: ObservedObject | undefined): ByPod[] =>
  ((o?.status as { byPod?: ByPod[] } | undefined)?.byPod ?? []) as ByPod[];

/** Gatekeeper's errors for a template (Rego that does not compile, …), as it words them. */
export function templateErrors(t: ObservedObject | undefined): string[] {
  return byPod(t).flatMap((p) => (p.errors ?? []).map((e) => `${e.code ? `${e.code}: ` : ''}${e.message ?? ''}`));
}

/** Every Gatekeeper pod has ingested this generation, without errors. */
export function templateIngested(t: ObservedObject | undefined): boolean {
  const pods = byPod(t);
  return (
    t !== undefined &&
    pods.length > 0 &&
    pods.every((p) => p.observedGeneration === t.metadata.generation && (p.errors ?? []).length === 0)
  );
}

/** Every Gatekeeper pod enforces this generation of the constraint. */
export function constraintEnforced(c: ObservedObject | undefined): boolean {
  const pods = byPod(c);
  return (
    c !== undefined &&
    pods.length > 0 &&
    pods.every(
      (p) => p.enforced === true && p.observedGeneration === c.metadata.generation && (p.errors ?? []).length === 0,
    )
  );
}

export const violationsOf = (c: ObservedObject | undefined): number =>
  Number((c?.status as { totalViolations?: number } | undefined)?.totalViolations ?? 0);

export interface StatusInput {
  generation: number;
  spec: unknown;
  /** The compiled policy; undefined when the spec is invalid. */
  result?: PolicyResult;
  invalidErrors?: string[];
  conflicts: string[];
  /** The API server's answers to this policy's objects it rejected (a webhook, the constraint CRD's schema). */
  rejected?: string[];
  gatekeeper: GatekeeperView;
  previous?: Partial<PolicyStatus>;
  now: string;
  /**
   * The module settings (ModuleConfig admission-policy-engine) are invalid. That is the ModuleConfig's own problem,
   * reported on its status: a policy stays Valid by its own spec, and its Ready message only says which settings are
   * in force (the last valid ones, or, with none known, what is in force left unchanged). No condition changes
   * status or reason, so no policy gets an Event for it.
   */
  moduleSettingsInvalid?: 'lastValidInForce' | 'noneValidKnown';
  /**
   * Templates Gatekeeper has not ingested for longer than GATEKEEPER_STALL_MS, by constraint kind, each with what
   * Gatekeeper reported (see templateStallMessage): the policies that need them say so instead of waiting silently.
   */
  stalledTemplates?: ReadonlyMap<string, string>;
}

/**
 * A template whose current generation Gatekeeper has not ingested on every Pod for this long is reported on the
 * policies that need it (Degraded, reason GatekeeperStalled). Gatekeeper ingests a template in seconds even while it
 * works through thousands of constraints; minutes mean a Gatekeeper Pod is down or stuck (see the README's
 * Troubleshooting: v3.23.1's audit Pod can deadlock and then never makes a constraint CRD again).
 */
export const GATEKEEPER_STALL_MS = 5 * 60_000;

/**
 * What a stalled template's policies say: which Gatekeeper Pods did report on it, and whether its CRD exists (a Pod
 * that never reports has no byPod entry at all: in v3.23.1's audit deadlock only the webhook Pods are listed).
 */
export function templateStallMessage(t: ObservedObject): string {
  const generation = t.metadata.generation;
  const current = byPod(t)
    .filter((p) => p.observedGeneration === generation)
    .map((p) => p.id ?? '?')
    .sort();
  const created = (t.status as { created?: boolean } | undefined)?.created === true;
  const reports =
    current.length === 0
      ? 'no Gatekeeper Pod has reported on it'
      : `only ${current.join(', ')} reported on it${created ? '' : ', and its constraint CRD is not created'}`;
  return `ConstraintTemplate ${t.metadata.name} (generation ${generation ?? '?'}) has waited over ${GATEKEEPER_STALL_MS / 60_000} minutes for Gatekeeper to ingest it: ${reports}; see "Policies stay Progressing" in gatewright's Troubleshooting`;
}

/** What a policy's Ready message adds while the module settings are invalid. */
export function moduleSettingsNote(state: StatusInput['moduleSettingsInvalid']): string {
  if (state === undefined) return '';
  const which =
    state === 'lastValidInForce'
      ? 'the last valid module settings stay in force'
      : 'no valid module settings are known, so nothing in force is changed (only missing objects are created)';
  return `; the ModuleConfig ${MODULE_CONFIG_NAME} is invalid: ${which} until it is fixed (see its status.message)`;
}

function condition(
  type: Condition['type'],
  ok: boolean,
  reason: string,
  message: string,
  generation: number,
  previous: Condition[] | undefined,
  now: string,
): Condition {
  const status = ok ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  const lastTransitionTime = before && before.status === status ? before.lastTransitionTime : now;
  return { type, status, observedGeneration: generation, lastTransitionTime, reason, message };
}

/** Items shown in a condition message at most; the rest are counted. */
export const MESSAGE_ITEMS = 20;
/** A condition message's length at most (metav1.Condition allows 32 KiB; a status must stay writable). */
export const MESSAGE_MAX_CHARS = 4096;

/** The first items joined, then how many more there are, within MESSAGE_MAX_CHARS. */
export function capList(items: string[], separator: string): string {
  const shown: string[] = [];
  let length = 0;
  for (const item of items.slice(0, MESSAGE_ITEMS)) {
    const piece = item.length > 1024 ? `${item.slice(0, 1021)}...` : item;
    if (length + piece.length + separator.length > MESSAGE_MAX_CHARS - 40) break;
    shown.push(piece);
    length += piece.length + separator.length;
  }
  const rest = items.length - shown.length;
  return rest > 0 ? `${shown.join(separator)}${separator}and ${rest} more` : shown.join(separator);
}

export function buildPolicyStatus(input: StatusInput): PolicyStatus {
  const { generation, result, gatekeeper, previous, now } = input;
  const prevConditions = previous?.conditions;
  const valid = result !== undefined && (input.invalidErrors ?? []).length === 0;
  // An invalid spec keeps the checks that were in force: they are still enforced.
  const checks: CheckStatus[] = valid
    ? result.checks.map((c) => {
        const constraint = gatekeeper.constraints.get(viewKey(c, c.kind, c.constraint));
        return {
          name: c.name,
          kind: c.kind,
          constraint: c.constraint,
          enforced: constraintEnforced(constraint),
          violations: violationsOf(constraint),
          implicit: c.implicit,
        };
      })
    : (previous?.checks ?? []);

  const templateProblems = valid
    ? [...new Set(result.checks.map((c) => c.kind))].flatMap((kind) =>
        templateErrors(gatekeeper.templates.get(kind)).map((e) => `${kind}: ${e}`),
      )
    : [];
  const stalled = valid
    ? [...new Set(result.checks.map((c) => c.kind))].flatMap((kind) => input.stalledTemplates?.get(kind) ?? [])
    : [];
  const unsupported = valid ? result.unsupported.map((u) => `${u.field}: ${u.reason}`) : [];
  const waiting = checks.filter((c) => !c.enforced).map((c) => `${c.kind}/${c.constraint}`);
  const progress = progressText(checks.length - waiting.length, checks.length);

  let degradedReason = '';
  let degradedMessage = 'no problem found';
  if (!gatekeeper.installed) {
    degradedReason = 'GatekeeperMissing';
    degradedMessage = `the ConstraintTemplate API (${RESOURCES.ConstraintTemplate.group}) is not served: is Gatekeeper installed?`;
  } else if (templateProblems.length > 0) {
    degradedReason = 'TemplateError';
    degradedMessage = capList(templateProblems, '; ');
  } else if (stalled.length > 0) {
    degradedReason = 'GatekeeperStalled';
    degradedMessage = capList(stalled, '; ');
  } else if ((input.rejected ?? []).length > 0) {
    degradedReason = 'Rejected';
    degradedMessage = capList(input.rejected ?? [], '; ');
  } else if (input.conflicts.length > 0) {
    degradedReason = 'NameConflict';
    degradedMessage = capList(input.conflicts, '; ');
  } else if (unsupported.length > 0) {
    degradedReason = 'NotImplemented';
    degradedMessage = capList(unsupported, '; ');
  }
  const degraded = degradedReason !== '';
  const progressing = valid && gatekeeper.installed && templateProblems.length === 0 && waiting.length > 0;

  let readyReason = 'Enforced';
  let readyMessage = `${checks.length} check(s) enforced by Gatekeeper`;
  if (!valid) {
    readyReason = 'InvalidSpec';
    readyMessage = `the new spec is invalid; the previous enforcement stays in force (${checks.length} check(s))`;
  } else if (degraded) {
    readyReason = degradedReason;
    readyMessage = degradedMessage;
  } else if (waiting.length > 0) {
    readyReason = 'Progressing';
    readyMessage = `${progress}; waiting for Gatekeeper to enforce ${capList(waiting, ', ')}`;
  }
  const ready = readyReason === 'Enforced';

  const checkSum = policySpecHash(input.spec).slice(0, 16);
  const observedBefore = previous?.deckhouse?.observed;
  const processedBefore = previous?.deckhouse?.processed;
  const observed =
    observedBefore && observedBefore.checkSum === checkSum ? observedBefore : { lastTimestamp: now, checkSum };
  const processed = ready
    ? processedBefore && processedBefore.checkSum === checkSum
      ? processedBefore
      : { lastTimestamp: now, checkSum }
    : processedBefore;

  return {
    observedGeneration: generation,
    conditions: [
      condition(
        'Ready',
        ready,
        readyReason,
        `${readyMessage}${moduleSettingsNote(input.moduleSettingsInvalid)}`,
        generation,
        prevConditions,
        now,
      ),
      condition(
        'Valid',
        valid,
        !valid ? 'InvalidSpec' : (result.warnings ?? []).length > 0 ? 'ValidWithWarnings' : 'ValidSpec',
        !valid
          ? capList(input.invalidErrors ?? [], '; ')
          : (result.warnings ?? []).length > 0
            ? `accepted and enforced as Deckhouse enforces it, with warnings: ${capList(result.warnings ?? [], '; ')}`
            : 'the spec is valid',
        generation,
        prevConditions,
        now,
      ),
      condition(
        'Progressing',
        progressing,
        progressing ? 'WaitingForGatekeeper' : 'Converged',
        progressing ? `${progress}; waiting for ${capList(waiting, ', ')}` : 'nothing to wait for',
        generation,
        prevConditions,
        now,
      ),
      condition(
        'Degraded',
        degraded,
        degraded ? degradedReason : 'AsExpected',
        degradedMessage,
        generation,
        prevConditions,
        now,
      ),
    ],
    ...(valid
      ? { enforcementAction: result.enforcementAction }
      : previous?.enforcementAction
        ? { enforcementAction: previous.enforcementAction }
        : {}),
    checkCount: checks.length,
    checks,
    violations: checks.reduce((n, c) => n + c.violations, 0),
    deckhouse: {
      synced: processed?.checkSum === checkSum ? 'True' : 'False',
      observed,
      ...(processed ? { processed } : {}),
    },
  };
}

const progressText = (enforced: number, total: number): string => `${enforced}/${total} check(s) enforced`;

/**
 * A condition message without the progress part buildPolicyStatus writes into Ready and Progressing while checks
 * wait for Gatekeeper (`3/7 check(s) enforced; waiting for …`): what is left must be equal for a write to be only
 * progress.
 */
export const withoutProgress = (message: string | undefined): string =>
  (message ?? '').replace(/^\d+\/\d+ check\(s\) enforced; waiting for (Gatekeeper to enforce )?[^;]*/, '');
