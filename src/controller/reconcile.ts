// One reconcile pass, level-triggered, in four steps: gather (the watch caches, never a LIST; the compiler's memo
// recompiles only what changed) → decide (pure: plan.ts) → act (server-side apply, bounded concurrency, templates
// before their constraints, then prune) → report (each policy's status as soon as its own constraints are applied).
import type { Logger } from 'winston';
import {
  CompileMemo,
  compile,
  canonicalJson,
  compareStrings,
  jsonEqual,
  MODULE_CONFIG_KEY,
  type TemplateLibrary,
} from '../compiler/compile.js';
import {
  CONSTRAINT_API_VERSION,
  TEMPLATE_API_VERSION,
  policyKey,
  type CompileResult,
  type K8sObject,
} from '../compiler/model.js';
import { CONSTRAINT_GROUP, POLICY_API_VERSION, RESOURCES, apiVersionOf } from '../api/resources.js';
import { MODULE_CONFIG_NAME, type NamespaceInfo } from '../api/types.js';
import { formatError, validateObject } from '../api/validate.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import { gatekeeperStatus, strip, type CacheChange, type CacheReader, type ResourceSpec } from './cache.js';
import type { ImageSignatureProvider } from '../compiler/image-signatures.js';
import type { OperatorIdentity } from '../compiler/protection.js';
import type { ClusterWriter } from './kube-client.js';
import { KubeApiError } from './kube-http.js';
import {
  decide,
  foreignFieldsPatch,
  isConstraint,
  isManaged,
  isOurs,
  objectId,
  ownerKey,
  templateKind,
  type Decision,
  type ObservedObject,
} from './plan.js';
import {
  buildPolicyStatus,
  GATEKEEPER_STALL_MS,
  capList,
  constraintEnforced,
  constraintViewKey,
  templateStallMessage,
  templateErrors,
  templateIngested,
  type GatekeeperView,
  withoutProgress,
  type PolicyStatus,
} from './status.js';

export const FIELD_MANAGER = 'gatewright';
export const MANAGED_SELECTOR = 'app.kubernetes.io/managed-by=gatewright';
const POLICY_API = POLICY_API_VERSION;
const ADMISSION_API = apiVersionOf(RESOURCES.ValidatingAdmissionPolicy);
const SYNCSET_API = apiVersionOf(RESOURCES.SyncSet);
const PROVIDER_API = apiVersionOf(RESOURCES.Provider);

/** Keeps the whole status of a policy: the previous status is an input of the next one. */
const wholeStatus = (s: Record<string, unknown>) => s;
/** The module config's status: its message, and the last valid settings (what is in force while the spec is invalid). */
const moduleConfigStatus = (s: Record<string, unknown>) => ({
  ...(s.message !== undefined ? { message: s.message } : {}),
  ...(s.appliedSettings !== undefined ? { appliedSettings: s.appliedSettings } : {}),
});

/** The inputs: policies, the module config, namespaces (labels only). */
const INPUTS: ResourceSpec[] = [
  { apiVersion: POLICY_API, kind: 'SecurityPolicy', status: wholeStatus },
  { apiVersion: POLICY_API, kind: 'OperationPolicy', status: wholeStatus },
  { apiVersion: POLICY_API, kind: 'ModuleConfig', status: moduleConfigStatus },
  { apiVersion: 'v1', kind: 'Namespace', spec: false },
  // Their specs are read: the backstop's policies carry what each exception grants.
  { apiVersion: POLICY_API, kind: 'SecurityPolicyException', optional: true },
];
/**
 * The objects gatewright owns, apart from constraints (one resource per kind, declared as the kinds in use change).
 * Watched without a label selector: an object of someone else's that holds a desired name must be seen to be reported
 * as a conflict rather than taken over.
 */
const OWNED: ResourceSpec[] = [
  { apiVersion: TEMPLATE_API_VERSION, kind: 'ConstraintTemplate', status: gatekeeperStatus, fieldOwners: true },
  { apiVersion: SYNCSET_API, kind: 'SyncSet', optional: true, fieldOwners: true },
  { apiVersion: ADMISSION_API, kind: 'ValidatingAdmissionPolicy', fieldOwners: true },
  { apiVersion: ADMISSION_API, kind: 'ValidatingAdmissionPolicyBinding', fieldOwners: true },
  { apiVersion: PROVIDER_API, kind: 'Provider', optional: true, fieldOwners: true },
];

export interface ReconcileOutcome {
  /** Ask to be run again after this long (waiting for Gatekeeper), or undefined when converged. */
  requeueAfterMs?: number;
  applied: number;
  pruned: number;
  statusWrites: number;
}

/** A rejected object is sent again after this long even if unchanged (the cause may have been fixed meanwhile). */
export const REJECTED_RETRY_MS = 5 * 60_000;

/**
 * A policy's status that only counts progress (checks enforced, audit violations; no condition changes status or
 * reason) is written at most this often: one write per check as Gatekeeper enforces them was half of the writes of
 * a convergence. Ready turning True or False, a new generation or a new problem is written at once.
 */
export const PROGRESS_REPORT_INTERVAL_MS = 5000;

/**
 * A new policy's constraints wait for every template it needs at most this long (see decide()): a template that is
 * slow to be ingested holds back the policy's other checks no longer than that.
 */
export const HOLD_MAX_MS = 30_000;

/**
 * The first pass that applies constraints takes at most this many, and each pass after it that applies constraints
 * twice as many, up to the budget (TCP's slow start): a policy's Ready needs a pass after Gatekeeper enforced its
 * constraints, and a first pass of the whole budget (about 6 s at 200) kept every policy from it. At 200 + 200 the
 * first Ready came 11 s after the apply with the whole budget at once.
 */
export const SLOW_START_BUDGET = 25;

/** Work left after a pass. */
export interface Backlog {
  /** Desired objects not applied in this pass: deferred by the budget, or waiting for their template. */
  toApply: number;
  /** Desired constraints Gatekeeper does not report enforced yet. */
  notEnforced: number;
  /** Policies whose status is not Ready=True. */
  notReady: number;
}

/** Objects gatewright manages after a pass, by kind (ConstraintTemplate, SyncSet, each constraint kind). */
export type ManagedCounts = Map<string, number>;

export interface ReconcilerOptions {
  /** The writes; reads come from `cache`. */
  client: ClusterWriter;
  /** The watch caches of the resources `watches()` declares. */
  cache: CacheReader;
  library: TemplateLibrary;
  log: Logger;
  now?: () => Date;
  /** Told how many objects gatewright manages after each pass (for the managed-objects metric). */
  onManaged?: (counts: ManagedCounts) => void;
  /** Told what is left to do after each pass (for the backlog metric). */
  onBacklog?: (backlog: Backlog) => void;
  /** Namespace for Events about cluster-scoped policies. */
  eventNamespace?: string;
  /** gatewright's image signature provider, passed to the compiler (verifyImageSignatures). */
  imageSignatureProvider?: ImageSignatureProvider;
  /** Who may change managed objects (gatewright's own user); without it they are not protected by a policy. */
  operatorIdentity?: OperatorIdentity;
  /** Requests in flight at once while acting (the client's QPS limit applies on top). Default 8 (measured). */
  maxInFlight?: number;
  /** Constraints applied per pass at most (see decide()). Default 200. */
  constraintBudget?: number;
  /** See PROGRESS_REPORT_INTERVAL_MS (the default). */
  progressReportIntervalMs?: number;
}

interface PolicyObject extends ObservedObject {
  spec: Record<string, unknown>;
}

/** What one pass read: the compiled desired set and the cluster as the caches (and this pass's writes) show it. */
interface Gathered {
  policies: PolicyObject[];
  moduleConfig: ObservedObject | undefined;
  /** The module config's own validation errors (the settings in force may be the last valid ones instead). */
  settingsErrors: string[];
  desired: CompileResult;
  observed: ObservedObject[];
  view: GatekeeperView & { templates: Map<string, ObservedObject>; constraints: Map<string, ObservedObject> };
  served: Set<string>;
}

export class Reconciler {
  private readonly client: ClusterWriter;
  private readonly cache: CacheReader;
  private readonly now: () => Date;
  private readonly memo = new CompileMemo();
  private readonly maxInFlight: number;
  private kindsInUse: string[] = [];
  /**
   * Objects this process wrote, as the API server answered, until the caches catch up with them: a pass that starts
   * before the watch delivered our own write must not write it again. Bounded: an entry goes once the cache has it.
   */
  private readonly written = new WriteLog();
  private readonly deleted = new Set<string>();
  private writtenIndex: Map<string, ObservedObject[]> | undefined;
  /** Objects the API server rejected (4xx), by id: what was sent, the answer, when. */
  private readonly rejected = new Map<string, { fingerprint: string; message: string; at: number }>();
  /** When this process last wrote each policy's status (ms, by policy key): paces progress-only writes. */
  private readonly statusWrittenAt = new Map<string, number>();
  /** Since when each owner's constraints have been held back to go out together (ms, by owner key). */
  private readonly heldSince = new Map<string, number>();
  /** Since when each desired template's current generation has waited for Gatekeeper to ingest it (by kind). */
  private readonly templateWaitingSince = new Map<string, { generation: number | undefined; since: number }>();
  /** Passes in a row that applied constraints (see SLOW_START_BUDGET). */
  private applyingStreak = 0;

  constructor(private readonly opts: ReconcilerOptions) {
    this.client = opts.client;
    this.cache = opts.cache;
    this.now = opts.now ?? (() => new Date());
    this.maxInFlight = opts.maxInFlight ?? 8;
  }

  /** The resources to watch: the inputs, the owned kinds, and one resource per constraint kind in use. */
  watches(): ResourceSpec[] {
    return [
      ...INPUTS,
      ...OWNED,
      ...this.kindsInUse.map((kind): ResourceSpec => ({
        apiVersion: CONSTRAINT_API_VERSION,
        kind,
        labelSelector: MANAGED_SELECTOR,
        status: gatekeeperStatus,
        optional: true,
        // Who set which fields: what another manager added (spec.match.namespaces, …) is drift to remove.
        fieldOwners: true,
      })),
    ];
  }

  /**
   * The change is the watch delivering this process's own write (or delete) that a pass already took into account:
   * it needs no pass of its own. During a convergence most events are such echoes, and each woke a whole pass.
   */
  isEcho(change: CacheChange): boolean {
    const o = change.object;
    if (o === undefined) return false;
    const id = objectId(o);
    if (change.type === 'DELETED') return this.deleted.has(id);
    const w = this.written.get(id);
    return (
      w !== undefined &&
      o.metadata.resourceVersion !== undefined &&
      w.metadata.resourceVersion === o.metadata.resourceVersion
    );
  }

  /** Constraint kinds the last pass wanted or still owned: the ones worth watching for drift and audit results. */
  constraintKindsInUse(): string[] {
    return this.kindsInUse;
  }

  /** See Decision.constraintFreeSince. */
  private constraintFreeSince: ReadonlyMap<string, number> = new Map();

  /** How long the last pass spent in each step, in ms (logged with the pass: where a slow pass spends its time). */
  lastTimings: { gatherMs: number; decideMs: number; actMs: number } = { gatherMs: 0, decideMs: 0, actMs: 0 };

  async reconcile(): Promise<ReconcileOutcome> {
    const t0 = performance.now();
    const gathered = this.gather();
    const t1 = performance.now();
    const nowMs = this.now().getTime();
    const release = new Set([...this.heldSince].filter(([, since]) => nowMs - since >= HOLD_MAX_MS).map(([o]) => o));
    const budget = this.opts.constraintBudget ?? 200;
    const decision = decide(gathered.desired, gathered.observed, this.readiness(gathered), {
      constraintBudget: Math.min(budget, SLOW_START_BUDGET * 2 ** Math.min(this.applyingStreak, 20)),
      release,
      nowMs,
      constraintFreeSince: this.constraintFreeSince,
    });
    this.constraintFreeSince = decision.constraintFreeSince;
    this.applyingStreak = decision.constraintsByOwner.size > 0 ? this.applyingStreak + 1 : 0;
    const held = new Set(decision.held);
    for (const owner of this.heldSince.keys()) if (!held.has(owner)) this.heldSince.delete(owner);
    for (const owner of held) if (!this.heldSince.has(owner)) this.heldSince.set(owner, nowMs);
    const stall = this.templateStalls(gathered, nowMs);
    const t2 = performance.now();
    const outcome = await this.act(gathered, decision, stall.stalled);
    const ms = (a: number, b: number) => Math.round(b - a);
    this.lastTimings = { gatherMs: ms(t0, t1), decideMs: ms(t1, t2), actMs: ms(t2, performance.now()) };
    this.opts.onManaged?.(managedCounts(gathered.desired, decision));
    if (this.opts.onBacklog) {
      const applying = [...decision.constraintsByOwner.values()].reduce((n, l) => n + l.length, 0);
      const view = this.viewWithWrites(gathered.view);
      this.opts.onBacklog({
        toApply: decision.applyConstraints.length - applying,
        notEnforced: gathered.desired.objects.filter(
          (o) => isConstraint(o) && !constraintEnforced(view.constraints.get(constraintViewKey(o))),
        ).length,
        notReady: outcome.notReady,
      });
    }
    const { notReady: _notReady, progressDueMs, ...rest } = outcome;
    // A progress report held back, or a template about to count as stalled, is due later: look again then.
    const dueMs = Math.min(progressDueMs ?? Infinity, stall.dueMs ?? Infinity);
    const requeueAfterMs =
      dueMs === Infinity ? decision.requeueAfterMs : Math.min(decision.requeueAfterMs ?? Infinity, dueMs);
    return { ...rest, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
  }

  private gather(): Gathered {
    this.forgetCaughtUp();
    this.writtenIndex = undefined;
    const read = (apiVersion: string, kind: string) =>
      this.fresh(this.cache.list({ apiVersion, kind }), apiVersion, kind);
    const security = read(POLICY_API, 'SecurityPolicy') ?? [];
    const operation = read(POLICY_API, 'OperationPolicy') ?? [];
    const policies = [...security, ...operation] as PolicyObject[];
    const moduleConfig = (read(POLICY_API, 'ModuleConfig') ?? []).find((m) => m.metadata.name === MODULE_CONFIG_NAME);
    const namespaces = (read('v1', 'Namespace') ?? []).map((n): NamespaceInfo => ({
      name: n.metadata.name,
      labels: n.metadata.labels ?? {},
    }));
    // Invalid module settings: the last valid ones stay in force (kept in the ModuleConfig's status, so a restart
    // knows them too), and everything else — new policies, drift repair — goes on. Never valid: nothing changes.
    const settingsErrors = moduleConfig ? validateObject(moduleConfig).map(formatError) : [];
    const lastValid = parseSettings(
      (moduleConfig?.status as { appliedSettings?: unknown } | undefined)?.appliedSettings,
    );
    const inForce =
      moduleConfig && settingsErrors.length > 0 && lastValid !== undefined
        ? { ...moduleConfig, spec: { ...moduleConfig.spec, settings: lastValid } }
        : moduleConfig;
    const desired = compile(
      {
        policies,
        moduleConfig: inForce,
        namespaces,
        library: this.opts.library,
        ...(this.opts.imageSignatureProvider ? { imageSignatureProvider: this.opts.imageSignatureProvider } : {}),
        exceptions: read(POLICY_API, 'SecurityPolicyException') ?? [],
        ...(this.opts.operatorIdentity ? { operatorIdentity: this.opts.operatorIdentity } : {}),
      },
      this.memo,
    );

    const templateList = read(TEMPLATE_API_VERSION, 'ConstraintTemplate');
    const installed = templateList !== undefined;
    const templates = new Map((templateList ?? []).map((t) => [templateKind(t), t]));
    const kinds = new Set<string>([
      ...desired.objects.filter(isConstraint).map((o) => o.kind),
      ...[...templates.values()].filter(isManaged).map(templateKind),
    ]);
    this.kindsInUse = [...kinds].sort(compareStrings);
    const observed: ObservedObject[] = [...(templateList ?? [])];
    const constraints = new Map<string, ObservedObject>();
    const served = new Set<string>();
    for (const kind of this.kindsInUse) {
      const items = read(CONSTRAINT_API_VERSION, kind);
      if (items === undefined) continue;
      served.add(kind);
      for (const c of items) {
        observed.push(c);
        constraints.set(constraintViewKey(c), c);
      }
    }
    for (const r of OWNED.slice(1)) observed.push(...(read(r.apiVersion, r.kind) ?? []));
    return {
      policies,
      moduleConfig,
      settingsErrors,
      desired,
      observed,
      view: { installed, templates, constraints },
      served,
    };
  }

  /**
   * The desired templates Gatekeeper has not ingested for GATEKEEPER_STALL_MS, by kind, with what to say about each;
   * and when the next one waiting would count as stalled.
   */
  private templateStalls(g: Gathered, nowMs: number): { stalled: Map<string, string>; dueMs?: number } {
    const stalled = new Map<string, string>();
    let dueMs: number | undefined;
    const wanted = new Set<string>();
    if (!g.view.installed) {
      this.templateWaitingSince.clear();
      return { stalled };
    }
    for (const d of g.desired.objects) {
      if (d.kind !== 'ConstraintTemplate') continue;
      const kind = templateKind(d);
      wanted.add(kind);
      const observed = g.view.templates.get(kind);
      // Ingested by every Pod that reported, and its constraint kind served: constraints can go. (A Pod that never
      // reports is missing from byPod altogether, so the served kind is what shows the CRD was made.) Someone else's
      // object under the name is reported as a conflict instead.
      if (observed && ((templateIngested(observed) && g.served.has(kind)) || !isOurs(observed))) {
        this.templateWaitingSince.delete(kind);
        continue;
      }
      const generation = observed?.metadata.generation;
      let waiting = this.templateWaitingSince.get(kind);
      if (!waiting || waiting.generation !== generation) {
        waiting = { generation, since: nowMs };
        this.templateWaitingSince.set(kind, waiting);
      }
      const left = waiting.since + GATEKEEPER_STALL_MS - nowMs;
      // Not applied yet (rejected, or a conflict): the policy reports that instead.
      if (left <= 0 && observed) stalled.set(kind, templateStallMessage(observed));
      else if (left > 0) dueMs = Math.min(dueMs ?? Infinity, left);
    }
    for (const kind of this.templateWaitingSince.keys()) if (!wanted.has(kind)) this.templateWaitingSince.delete(kind);
    return { stalled, ...(dueMs !== undefined ? { dueMs } : {}) };
  }

  private readiness(g: Gathered) {
    const ingestedKinds = new Set([...g.view.templates].filter(([, t]) => templateIngested(t)).map(([k]) => k));
    const stuckKinds = new Set([
      ...[...g.view.templates].filter(([, t]) => isManaged(t) && templateErrors(t).length > 0).map(([k]) => k),
      ...g.desired.objects
        .filter((o) => o.kind === 'ConstraintTemplate' && this.rejected.has(objectId(o)))
        .map(templateKind),
    ]);
    return {
      stuckKinds,
      installed: g.view.installed,
      servedKinds: g.served,
      ingestedKinds,
      templateErrors: [...g.view.templates.values()].some((t) => isManaged(t) && templateErrors(t).length > 0),
      notEnforced: g.desired.objects.some(
        (o) => isConstraint(o) && !constraintEnforced(g.view.constraints.get(constraintViewKey(o))),
      ),
    };
  }

  /**
   * Templates, the sync set and the admission policies first (all at once, bounded); then the constraints, policy
   * by policy, each policy's status written as soon as its own constraints are in; then pruning. Policies with
   * nothing to apply are reported first: their status is known already.
   */
  private async act(
    g: Gathered,
    d: Decision,
    stalledTemplates: ReadonlyMap<string, string>,
  ): Promise<Omit<ReconcileOutcome, 'requeueAfterMs'> & { notReady: number; progressDueMs?: number }> {
    const outcome: { applied: number; pruned: number; statusWrites: number; notReady: number; progressDueMs?: number } =
      { applied: 0, pruned: 0, statusWrites: 0, notReady: 0 };
    const limit = limiter(this.maxInFlight);
    // Built at the first apply: most passes apply nothing.
    let observedById: Map<string, ObservedObject> | undefined;
    const lateConflicts = new Map<string, string[]>();
    // Objects that failed with a server error in this pass, by id: unlike rejections, sent again on the next pass.
    const serverErrors = new Map<string, string>();
    const applyOne = async (object: K8sObject) => {
      const id = objectId(object);
      const fingerprint = canonicalJson(object);
      const known = this.rejected.get(id);
      // The same content the API server rejected a moment ago: it would be rejected again. An edit or the periodic
      // retry (REJECTED_RETRY_MS) sends it again.
      if (known && known.fingerprint === fingerprint && this.now().getTime() - known.at < REJECTED_RETRY_MS) return;
      try {
        // Fields another manager added stay through a server-side apply: remove them first (drift repair).
        observedById ??= new Map(g.observed.map((o) => [objectId(o), o]));
        const observed = observedById.get(id);
        const removal = observed ? foreignFieldsPatch(object, observed) : undefined;
        if (removal) {
          await limit(() => this.client.mergePatch(object, removal, FIELD_MANAGER));
          this.opts.log.info('removed fields another manager set', {
            object: ref(object),
            fields: observed?.foreignFields,
          });
        }
        // Not in the cache: a create. Without force, so that an object someone made a moment ago (the watch has not
        // told us yet) answers 409 and is reported as a conflict instead of being taken over.
        const applied = await limit(() => this.client.apply(object, FIELD_MANAGER, observed !== undefined));
        this.rejected.delete(id);
        this.remember(object, applied);
        outcome.applied++;
        this.opts.log.info('applied', { object: ref(object) });
      } catch (err) {
        if (!(err instanceof KubeApiError) || err.code < 400) throw err;
        // A server error that outlasted the client's retries (an overloaded etcd, a webhook timing out): only the
        // policy it came from waits for it; the pass ends in an error afterwards, so the work queue backs off.
        if (err.code >= 500 || err.code === 429) {
          serverErrors.set(id, `${object.kind} "${object.metadata.name}": ${err.message} (a server error; retrying)`);
          this.opts.log.warn('server error', { object: ref(object), error: err.message });
          return;
        }
        // Rejected (webhook, CRD schema, quota): only the policy it came from is affected; it reports the reason.
        if (err.code === 409) {
          const owner = ownerKey(object);
          const reason = `${object.kind} "${object.metadata.name}" exists and is not managed by gatewright`;
          lateConflicts.set(owner, [...(lateConflicts.get(owner) ?? []), reason]);
          this.opts.log.warn('name conflict', { object: ref(object), reason });
          return;
        }
        this.rejected.set(id, {
          fingerprint,
          message: `${object.kind} "${object.metadata.name}": ${err.message}`,
          at: this.now().getTime(),
        });
        this.opts.log.warn('rejected', { object: ref(object), error: err.message });
      }
    };
    for (const c of d.conflicts) this.opts.log.warn('name conflict', { object: ref(c.object), reason: c.reason });
    await Promise.all(d.applyFirst.map(applyOne));

    const report = async (policy: PolicyObject) => {
      const { written, ready, dueMs } = await this.writePolicyStatus(policy, g, d, limit, {
        lateConflicts,
        serverErrors,
        stalledTemplates,
      });
      if (written) outcome.statusWrites++;
      if (!ready) outcome.notReady++;
      if (dueMs !== undefined) outcome.progressDueMs = Math.min(outcome.progressDueMs ?? Infinity, dueMs);
    };
    const byOwner = new Map(g.policies.map((p) => [policyKey(p.kind as 'SecurityPolicy', p.metadata.name), p]));
    const idle = g.policies.filter((p) => !d.constraintsByOwner.has(`${p.kind}/${p.metadata.name}`));
    await Promise.all([
      ...idle.map(report),
      ...[...d.constraintsByOwner].map(async ([owner, list]) => {
        await Promise.all(list.map(applyOne));
        const policy = byOwner.get(owner);
        if (policy) await report(policy);
      }),
    ]);
    await Promise.all(
      d.prune.filter(isConstraint).map((o) => limit(() => this.pruneOne(o)).then(() => outcome.pruned++)),
    );
    await Promise.all(
      d.prune.filter((o) => !isConstraint(o)).map((o) => limit(() => this.pruneOne(o)).then(() => outcome.pruned++)),
    );
    if (g.moduleConfig) {
      // The ModuleConfig's status is a report (and a record of the last valid settings): a write the API server
      // refuses (RBAC, a deleted object) must not fail the pass that enforced everything else.
      outcome.statusWrites += await this.writeModuleConfigStatus(g.moduleConfig, g).catch((err: unknown) => {
        if (!(err instanceof KubeApiError) || err.code < 400 || err.code >= 500 || err.code === 429) throw err;
        this.opts.log.warn('could not write the ModuleConfig status', { error: err.message });
        return 0;
      });
    }
    const policyKeys = new Set(byOwner.keys());
    for (const key of this.statusWrittenAt.keys()) if (!policyKeys.has(key)) this.statusWrittenAt.delete(key);
    // Forget rejections of objects no longer desired.
    if (this.rejected.size > 0) {
      const desiredIds = new Set(g.desired.objects.map(objectId));
      for (const id of this.rejected.keys()) if (!desiredIds.has(id)) this.rejected.delete(id);
    }
    if (serverErrors.size > 0) {
      const [first] = serverErrors.values();
      throw new Error(`${serverErrors.size} object(s) failed with a server error, first ${first}`);
    }
    return outcome;
  }

  /**
   * The API server's refusals (rejections, and this pass's server errors) of this policy's objects, and of the
   * templates its checks use.
   */
  private rejectionsOf(key: string, g: Gathered, serverErrors: ReadonlyMap<string, string>): string[] {
    if (this.rejected.size === 0 && serverErrors.size === 0) return [];
    const kinds = new Set((g.desired.policies.get(key)?.checks ?? []).map((c) => c.kind));
    const concerns = (id: string) => {
      const [group, kind, , name] = id.split('/');
      return (
        (group === CONSTRAINT_GROUP && key === this.ownerOfConstraint(g, kind ?? '', name ?? '')) ||
        (kind === 'ConstraintTemplate' && [...kinds].some((k) => k.toLowerCase() === name))
      );
    };
    const out: string[] = [];
    for (const [id, r] of this.rejected) if (concerns(id)) out.push(r.message);
    for (const [id, message] of serverErrors) if (concerns(id)) out.push(message);
    return out;
  }

  private ownerOfConstraint(g: Gathered, kind: string, name: string): string | undefined {
    const o = g.desired.objects.find((d) => d.kind === kind && d.metadata.name === name);
    return o ? ownerKey(o) : undefined;
  }

  private async pruneOne(object: ObservedObject): Promise<void> {
    await this.client.delete(object.apiVersion, object.kind, object.metadata.name, object.metadata.namespace);
    this.written.delete(objectId(object));
    this.deleted.add(objectId(object));
    this.opts.log.info('pruned', { object: ref(object) });
  }

  private async writePolicyStatus(
    policy: PolicyObject,
    g: Gathered,
    d: Decision,
    limit: Limiter,
    found: {
      lateConflicts: ReadonlyMap<string, string[]>;
      serverErrors: ReadonlyMap<string, string>;
      stalledTemplates: ReadonlyMap<string, string>;
    },
  ): Promise<{ written: boolean; ready: boolean; dueMs?: number }> {
    const { lateConflicts, serverErrors, stalledTemplates } = found;
    const kind = policy.kind as 'SecurityPolicy' | 'OperationPolicy';
    const key = policyKey(kind, policy.metadata.name);
    const previous = policy.status as Partial<PolicyStatus> | undefined;
    const conflicts = [
      ...d.conflicts.filter((c) => ownerKey(c.object) === key).map((c) => c.reason),
      ...(lateConflicts.get(key) ?? []),
    ];
    // Only the policy's own spec decides Valid: invalid module settings are the ModuleConfig's problem (its status).
    const invalidErrors = g.desired.invalid.get(key);
    const status = buildPolicyStatus({
      generation: policy.metadata.generation ?? 0,
      spec: policy.spec,
      result: invalidErrors ? undefined : g.desired.policies.get(key),
      ...(invalidErrors ? { invalidErrors } : {}),
      conflicts,
      rejected: this.rejectionsOf(key, g, serverErrors),
      gatekeeper: this.viewWithWrites(g.view),
      ...(stalledTemplates.size > 0 ? { stalledTemplates } : {}),
      ...(previous ? { previous } : {}),
      ...(g.settingsErrors.length > 0
        ? {
            moduleSettingsInvalid: g.desired.invalid.has(MODULE_CONFIG_KEY)
              ? ('noneValidKnown' as const)
              : ('lastValidInForce' as const),
          }
        : {}),
      now: this.now()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z'),
    });
    const ready = status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
    if (previous && jsonEqual(previous, status)) return { written: false, ready };
    const nowMs = this.now().getTime();
    const last = this.statusWrittenAt.get(key);
    const interval = this.opts.progressReportIntervalMs ?? PROGRESS_REPORT_INTERVAL_MS;
    if (previous && last !== undefined && nowMs - last < interval && progressOnly(previous, status))
      return { written: false, ready, dueMs: Math.max(1, last + interval - nowMs) };
    this.statusWrittenAt.set(key, nowMs);
    let stored;
    try {
      stored = await limit(() => this.client.mergePatchStatus(policy.apiVersion, kind, policy.metadata.name, status));
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return { written: false, ready }; // deleted meanwhile
      // A status the API server will not store must not leave the old one saying Ready=True for an old generation.
      this.opts.log.warn('status write failed; writing a minimal one', { policy: key, error: String(err) });
      const minimal = {
        observedGeneration: policy.metadata.generation ?? 0,
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            observedGeneration: policy.metadata.generation ?? 0,
            lastTransitionTime: this.now()
              .toISOString()
              .replace(/\.\d+Z$/, 'Z'),
            reason: 'StatusWriteFailed',
            message: capList([String(err)], ''),
          },
        ],
      };
      await limit(() => this.client.mergePatchStatus(policy.apiVersion, kind, policy.metadata.name, minimal));
      return { written: true, ready: false };
    }
    this.remember(policy, {
      ...policy,
      metadata: { ...policy.metadata, resourceVersion: stored.metadata.resourceVersion },
      status,
    } as K8sObject);
    await this.emitTransitionEvents(policy, previous, status, limit);
    return { written: true, ready };
  }

  /** Constraints as this pass left them: what the caches hold, with this pass's applies on top. */
  private viewWithWrites(view: Gathered['view']): GatekeeperView {
    // A lookup, not a copy: statuses are built per policy, and copying every constraint each time is quadratic.
    const written = this.written;
    const constraints = {
      get(key: string): ObservedObject | undefined {
        const cached = view.constraints.get(key);
        const w = written.constraint(key);
        return w && (!cached || newer(w, cached)) ? w : cached;
      },
    } as ReadonlyMap<string, ObservedObject>;
    return { ...view, constraints };
  }

  private async emitTransitionEvents(
    policy: PolicyObject,
    previous: Partial<PolicyStatus> | undefined,
    status: PolicyStatus,
    limit: Limiter,
  ) {
    for (const type of ['Ready', 'Valid'] as const) {
      const before = previous?.conditions?.find((c) => c.type === type);
      const after = status.conditions.find((c) => c.type === type);
      if (!after || (before && before.status === after.status && before.reason === after.reason)) continue;
      // A first status is not a transition: a new policy that is valid and waiting for Gatekeeper is not news (at
      // scale those Events would cost as many writes as the constraints); its Ready=True, or an invalid spec, is.
      if (!before && after.status === 'True' && type === 'Valid') continue;
      if (!before && type === 'Ready' && after.reason === 'Progressing') continue;
      await limit(() =>
        this.recordEvent(
          policy,
          after.reason,
          `${type}=${after.status}: ${after.message}`,
          after.status === 'True' ? 'Normal' : 'Warning',
        ),
      );
    }
  }

  /** One Event about a (cluster-scoped) object, in the event namespace; a failure is logged, never fatal. */
  private async recordEvent(
    object: ObservedObject,
    reason: string,
    message: string,
    type: 'Normal' | 'Warning',
  ): Promise<void> {
    const now = this.now().toISOString();
    await this.client
      .create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { namespace: this.opts.eventNamespace ?? 'default', generateName: `${object.metadata.name}.` },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name,
          uid: object.metadata.uid,
        },
        reason,
        message,
        type,
        source: { component: 'gatewright' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      } as { apiVersion: string; kind: string; metadata: { namespace?: string } })
      .then(
        () => undefined,
        (err: unknown) => this.opts.log.warn('could not record an event', { error: String(err) }),
      );
  }

  private async writeModuleConfigStatus(moduleConfig: ObservedObject, g: Gathered): Promise<number> {
    const errors = g.settingsErrors;
    const previous = (moduleConfig.status ?? {}) as { message?: string; appliedSettings?: unknown };
    const frozen = g.desired.invalid.has(MODULE_CONFIG_KEY);
    const message =
      errors.length === 0
        ? ''
        : frozen
          ? `invalid settings, nothing in force is changed (only missing objects are created) until they are fixed: ${capList(errors, '; ')}`
          : `invalid settings; the last valid settings stay in force until they are fixed: ${capList(errors, '; ')}`;
    // As one JSON string: a merge patch would merge an object into the old one, keeping settings since removed.
    const settings = canonicalJson((moduleConfig.spec as { settings?: unknown } | undefined)?.settings ?? {});
    const status = {
      message,
      ...(errors.length === 0
        ? { appliedSettings: settings }
        : previous.appliedSettings !== undefined
          ? { appliedSettings: previous.appliedSettings }
          : {}),
    };
    if (
      jsonEqual(
        { message: previous.message ?? '', appliedSettings: previous.appliedSettings },
        { appliedSettings: undefined, ...status },
      )
    )
      return 0;
    const stored = await this.client.mergePatchStatus(
      moduleConfig.apiVersion,
      'ModuleConfig',
      moduleConfig.metadata.name,
      status,
    );
    this.remember(moduleConfig, {
      ...moduleConfig,
      metadata: { ...moduleConfig.metadata, resourceVersion: stored.metadata.resourceVersion },
      status,
    } as K8sObject);
    // One Event for the module settings turning invalid or valid again: on the ModuleConfig, not on every policy.
    if ((previous.message ?? '') === '' && message !== '')
      await this.recordEvent(moduleConfig, 'InvalidSettings', message, 'Warning');
    else if ((previous.message ?? '') !== '' && message === '')
      await this.recordEvent(moduleConfig, 'ValidSettings', 'the settings are valid and in force', 'Normal');
    return 1;
  }

  /** Notes an object as the API server stored it, until the cache shows that version (or a later one). */
  private remember(desired: K8sObject, stored: K8sObject): void {
    const id = objectId(desired);
    this.deleted.delete(id);
    const spec = [...INPUTS, ...OWNED].find((r) => r.kind === desired.kind) ?? {
      apiVersion: desired.apiVersion,
      kind: desired.kind,
      status: gatekeeperStatus,
    };
    this.written.set(id, strip({ ...spec, apiVersion: desired.apiVersion }, stored as KubernetesObject));
  }

  /** The cached list with this process's own later writes and deletes applied. */
  private fresh(items: ObservedObject[] | undefined, apiVersion: string, kind: string): ObservedObject[] | undefined {
    if (items === undefined) return undefined;
    if (this.written.size === 0 && this.deleted.size === 0) return items;
    const out: ObservedObject[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const id = objectId(item);
      seen.add(id);
      if (this.deleted.has(id)) continue;
      const w = this.written.get(id);
      out.push(w && newer(w, item) ? w : item);
    }
    for (const w of this.writtenOf(apiVersion, kind)) if (!seen.has(objectId(w))) out.push(w);
    return out;
  }

  /** Remembered writes of one resource (indexed once per pass). */
  private writtenOf(apiVersion: string, kind: string): ObservedObject[] {
    if (this.writtenIndex === undefined) {
      this.writtenIndex = new Map();
      for (const w of this.written.values()) {
        const key = `${w.apiVersion}/${w.kind}`;
        const list = this.writtenIndex.get(key);
        if (list) list.push(w);
        else this.writtenIndex.set(key, [w]);
      }
    }
    return this.writtenIndex.get(`${apiVersion}/${kind}`) ?? [];
  }

  /** Drops remembered writes the caches have caught up with. */
  private forgetCaughtUp(): void {
    // One index per resource and pass: thousands of writes or deletes are checked against thousands of cached objects.
    const byResource = new Map<string, Map<string, ObservedObject>>();
    const cachedIndex = (resource: { apiVersion: string; kind: string }): Map<string, ObservedObject> => {
      const key = `${resource.apiVersion}/${resource.kind}`;
      let index = byResource.get(key);
      if (!index) {
        index = new Map((this.cache.list(resource) ?? []).map((c) => [objectId(c), c]));
        byResource.set(key, index);
      }
      return index;
    };
    const cachedOf = (o: ObservedObject): ObservedObject | undefined => cachedIndex(o).get(objectId(o));
    for (const [id, w] of this.written) {
      const cached = cachedOf(w);
      if (cached && !newer(w, cached)) this.written.delete(id);
      else if (!cached) {
        // Not in the cache although its watch has seen our write's version: deleted since. Forget it.
        const seen = this.cache.resourceVersion?.(w);
        if (seen !== undefined && !newer(w, { ...w, metadata: { ...w.metadata, resourceVersion: seen } }))
          this.written.delete(id);
      }
    }
    for (const id of this.deleted) {
      const [, kind] = id.split('/');
      const group = id.split('/')[0] ?? '';
      const apiVersion = [TEMPLATE_API_VERSION, CONSTRAINT_API_VERSION, SYNCSET_API, ADMISSION_API, PROVIDER_API].find(
        (v) => v.split('/')[0] === group,
      );
      if (!apiVersion || !kind) {
        this.deleted.delete(id);
        continue;
      }
      if (!cachedIndex({ apiVersion, kind }).has(id)) this.deleted.delete(id);
    }
  }
}

/**
 * The objects this process wrote (see Reconciler.written), by id; constraints are also found by GatekeeperView's
 * `Kind/name` key, which statuses look them up by thousands of times a pass.
 */
class WriteLog {
  private readonly byId = new Map<string, ObservedObject>();
  private readonly constraints = new Map<string, ObservedObject>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): ObservedObject | undefined {
    return this.byId.get(id);
  }

  constraint(viewKey: string): ObservedObject | undefined {
    return this.constraints.get(viewKey);
  }

  set(id: string, o: ObservedObject): void {
    this.byId.set(id, o);
    if (isConstraint(o)) this.constraints.set(constraintViewKey(o), o);
  }

  delete(id: string): void {
    const o = this.byId.get(id);
    if (o === undefined) return;
    this.byId.delete(id);
    if (isConstraint(o)) this.constraints.delete(constraintViewKey(o));
  }

  values(): IterableIterator<ObservedObject> {
    return this.byId.values();
  }

  [Symbol.iterator](): IterableIterator<[string, ObservedObject]> {
    return this.byId[Symbol.iterator]();
  }
}

type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** At most `n` tasks run at once; the others wait in order. */
export function limiter(n: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * The new status differs from the previous one only in progress: checks enforced, audit violations and the messages
 * that count them. Same generation; every condition keeps its status and reason, Valid and Degraded their message.
 */
export function progressOnly(previous: Partial<PolicyStatus>, next: PolicyStatus): boolean {
  if (previous.observedGeneration !== next.observedGeneration) return false;
  if (previous.enforcementAction !== next.enforcementAction || previous.checkCount !== next.checkCount) return false;
  if (!jsonEqual(previous.deckhouse, next.deckhouse)) return false;
  const before = previous.conditions ?? [];
  if (before.length !== next.conditions.length) return false;
  for (const c of next.conditions) {
    const b = before.find((x) => x.type === c.type);
    if (!b || b.status !== c.status || b.reason !== c.reason) return false;
    if (withoutProgress(b.message) !== withoutProgress(c.message)) return false;
  }
  const checks = previous.checks ?? [];
  return (
    checks.length === next.checks.length &&
    next.checks.every((c, i) => {
      const b = checks[i];
      return (
        b !== undefined &&
        b.name === c.name &&
        b.kind === c.kind &&
        b.constraint === c.constraint &&
        b.implicit === c.implicit
      );
    })
  );
}

/** `a` is a later version than `b` (resourceVersions of one etcd are increasing integers; anything else: no). */
function newer(a: ObservedObject, b: ObservedObject): boolean {
  const ra = a.metadata.resourceVersion;
  const rb = b.metadata.resourceVersion;
  if (!ra || !rb || !/^\d+$/.test(ra) || !/^\d+$/.test(rb)) return false;
  return BigInt(ra) > BigInt(rb);
}

/** The last valid settings as stored in the ModuleConfig's status (a JSON string), or undefined. */
function parseSettings(stored: unknown): unknown {
  if (typeof stored !== 'string') return undefined;
  try {
    return JSON.parse(stored) as unknown;
  } catch {
    return undefined;
  }
}

function managedCounts(desired: CompileResult, d: Decision): ManagedCounts {
  const conflicting = new Set(d.conflicts.map((c) => c.object));
  const counts: ManagedCounts = new Map();
  for (const o of desired.objects) if (!conflicting.has(o)) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
  return counts;
}

function ref(o: K8sObject): { kind: string; name: string; id: string; owner: string } {
  return { kind: o.kind, name: o.metadata.name, id: objectId(o), owner: ownerKey(o) };
}
