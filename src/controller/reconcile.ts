// One reconcile pass, level-triggered: read the policies, the module config and the namespaces; compile the desired
// set; converge the cluster to it (templates first, a constraint only once Gatekeeper ingested its template, then
// prune); write the status of every policy. The pure parts live in the compiler, plan.ts and status.ts.
import type { Logger } from 'winston';
import {
  compile,
  compareStrings,
  canonicalJson,
  MODULE_CONFIG_KEY,
  type TemplateLibrary,
} from '../compiler/compile.js';
import {
  OWNER_KIND_LABEL,
  OWNER_NAME_LABEL,
  policyKey,
  type CompileResult,
  type K8sObject,
} from '../compiler/model.js';
import { MODULE_CONFIG_NAME, type NamespaceInfo } from '../api/types.js';
import type { ImageSignatureProvider } from '../compiler/image-signatures.js';
import type { OperatorIdentity } from '../compiler/protection.js';
import { KubeClient, resourcePath } from './kube-client.js';
import { isManaged, objectId, planChanges, type ObservedObject, type Plan } from './plan.js';
import {
  buildPolicyStatus,
  templateErrors,
  templateIngested,
  type GatekeeperView,
  type PolicyStatus,
} from './status.js';

export const FIELD_MANAGER = 'gatewright';
export const MANAGED_SELECTOR = 'app.kubernetes.io/managed-by=gatewright';
const TEMPLATES_PATH = '/apis/templates.gatekeeper.sh/v1/constrainttemplates';
const CONSTRAINTS_API = 'constraints.gatekeeper.sh/v1beta1';
const SYNCSET_PATH = '/apis/syncset.gatekeeper.sh/v1alpha1/syncsets';
const ADMISSION_API = 'admissionregistration.k8s.io/v1';
const PROVIDER_API = 'externaldata.gatekeeper.sh/v1beta1';

interface PolicyObject extends ObservedObject {
  spec: Record<string, unknown>;
}

export interface ReconcileOutcome {
  /** Ask to be run again after this long (waiting for Gatekeeper), or undefined when converged. */
  requeueAfterMs?: number;
  applied: number;
  pruned: number;
  statusWrites: number;
}

/** Objects gatewright manages after a pass, by kind (ConstraintTemplate, SyncSet, each constraint kind). */
export type ManagedCounts = Map<string, number>;

export interface ReconcilerOptions {
  client: KubeClient;
  library: TemplateLibrary;
  log: Logger;
  now?: () => Date;
  /** Told how many objects gatewright manages after each pass (for the managed-objects metric). */
  onManaged?: (counts: ManagedCounts) => void;
  /** Namespace for Events about cluster-scoped policies. */
  eventNamespace?: string;
  /** gatewright's image signature provider, passed to the compiler (verifyImageSignatures). */
  imageSignatureProvider?: ImageSignatureProvider;
  /** Who may change managed objects (gatewright's own user); without it they are not protected by a policy. */
  operatorIdentity?: OperatorIdentity;
}

export class Reconciler {
  private readonly client: KubeClient;
  private readonly now: () => Date;

  constructor(private readonly opts: ReconcilerOptions) {
    this.client = opts.client;
    this.now = opts.now ?? (() => new Date());
  }

  private kindsInUse: string[] = [];

  /** Constraint kinds the last pass wanted or still owned: the ones worth watching for drift and audit results. */
  constraintKindsInUse(): string[] {
    return this.kindsInUse;
  }

  async reconcile(): Promise<ReconcileOutcome> {
    const outcome: ReconcileOutcome = { applied: 0, pruned: 0, statusWrites: 0 };
    const [security, operation, moduleConfig, namespaces, exceptions] = await Promise.all([
      this.client.list<PolicyObject>(resourcePath('deckhouse.io/v1alpha1', 'SecurityPolicy')),
      this.client.list<PolicyObject>(resourcePath('deckhouse.io/v1alpha1', 'OperationPolicy')),
      this.client.get<ObservedObject>(resourcePath('deckhouse.io/v1alpha1', 'ModuleConfig', MODULE_CONFIG_NAME)),
      this.client.list<ObservedObject>(resourcePath('v1', 'Namespace')),
      this.client.list<ObservedObject>(resourcePath('deckhouse.io/v1alpha1', 'SecurityPolicyException')),
    ]);
    const policies = [...(security ?? []), ...(operation ?? [])];
    const result = compile({
      policies,
      moduleConfig: moduleConfig ?? undefined,
      namespaces: (namespaces ?? []).map((n): NamespaceInfo => ({
        name: n.metadata.name,
        labels: n.metadata.labels ?? {},
      })),
      library: this.opts.library,
      ...(this.opts.imageSignatureProvider ? { imageSignatureProvider: this.opts.imageSignatureProvider } : {}),
      exceptions: exceptions ?? [],
      ...(this.opts.operatorIdentity ? { operatorIdentity: this.opts.operatorIdentity } : {}),
    });

    const observedTemplates = await this.client.list<ObservedObject>(TEMPLATES_PATH);
    const installed = observedTemplates !== undefined;
    let plan: Plan | undefined;
    const templatesByKind = new Map<string, ObservedObject>();
    const constraints = new Map<string, ObservedObject>();
    let waiting = !installed;

    if (installed) {
      for (const t of observedTemplates) templatesByKind.set(kindOf(t), t);
      const observed: ObservedObject[] = [...observedTemplates];
      const kinds = new Set<string>([
        ...result.objects.filter((o) => o.apiVersion === CONSTRAINTS_API).map((o) => o.kind),
        ...observedTemplates
          .filter((t) => t.metadata.labels?.['app.kubernetes.io/managed-by'] === 'gatewright')
          .map(kindOf),
      ]);
      this.kindsInUse = [...kinds].sort(compareStrings);
      const served = new Set<string>();
      for (const kind of [...kinds].sort(compareStrings)) {
        const items = await this.client.list<ObservedObject>(resourcePath(CONSTRAINTS_API, kind));
        if (items === undefined) continue;
        served.add(kind);
        for (const c of items) {
          const withKind = { ...c, apiVersion: CONSTRAINTS_API, kind };
          observed.push(withKind);
          constraints.set(`${kind}/${c.metadata.name}`, withKind);
        }
      }
      const syncSets = await this.client.list<ObservedObject>(SYNCSET_PATH);
      for (const s of syncSets ?? [])
        observed.push({ ...s, apiVersion: 'syncset.gatekeeper.sh/v1alpha1', kind: 'SyncSet' });
      for (const kind of ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']) {
        const items = await this.client.list<ObservedObject>(resourcePath(ADMISSION_API, kind));
        for (const o of items ?? []) observed.push({ ...o, apiVersion: ADMISSION_API, kind });
      }
      const providers = await this.client.list<ObservedObject>(resourcePath(PROVIDER_API, 'Provider'));
      for (const o of providers ?? []) observed.push({ ...o, apiVersion: PROVIDER_API, kind: 'Provider' });

      plan = planChanges(result, observed);
      for (const object of plan.applyFirst) {
        const applied = await this.client.apply<ObservedObject>(object, FIELD_MANAGER);
        outcome.applied++;
        if (object.kind === 'ConstraintTemplate') templatesByKind.set(kindOf(applied), applied);
        this.opts.log.info('applied', { object: ref(object) });
      }
      for (const object of plan.applyConstraints) {
        // A constraint only once Gatekeeper serves its kind and every Gatekeeper pod ingested the current template.
        if (!served.has(object.kind) || !templateIngested(templatesByKind.get(object.kind))) {
          waiting = true;
          continue;
        }
        const applied = await this.client.apply<ObservedObject>(object, FIELD_MANAGER);
        constraints.set(`${object.kind}/${object.metadata.name}`, {
          ...applied,
          apiVersion: CONSTRAINTS_API,
          kind: object.kind,
        });
        outcome.applied++;
        this.opts.log.info('applied', { object: ref(object) });
      }
      for (const object of plan.prune) {
        await this.client.delete(object.apiVersion, object.kind, object.metadata.name, object.metadata.namespace);
        constraints.delete(`${object.kind}/${object.metadata.name}`);
        outcome.pruned++;
        this.opts.log.info('pruned', { object: ref(object) });
      }
      for (const c of plan.conflicts) this.opts.log.warn('name conflict', { object: ref(c.object), reason: c.reason });
    }

    if (plan && this.opts.onManaged) {
      const counts: ManagedCounts = new Map();
      for (const o of result.objects)
        if (!plan.conflicts.some((c) => c.object === o)) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
      this.opts.onManaged(counts);
    }
    const view: GatekeeperView = { installed, templates: templatesByKind, constraints };
    for (const policy of policies) {
      const status = await this.writePolicyStatus(policy, result, plan, view);
      if (status.written) outcome.statusWrites++;
      if (status.notEnforced) waiting = true;
    }
    if (moduleConfig) outcome.statusWrites += await this.writeModuleConfigStatus(moduleConfig, result);
    // Gatekeeper usually ingests a template within seconds; a template it rejected, or no Gatekeeper at all, will not
    // change by itself soon, so poll slowly then (watches still trigger a pass at once when something changes).
    const stuck = !installed || [...templatesByKind.values()].some((t) => isManaged(t) && templateErrors(t).length > 0);
    return { ...outcome, ...(waiting ? { requeueAfterMs: stuck ? 30_000 : 2000 } : {}) };
  }

  private async writePolicyStatus(
    policy: PolicyObject,
    result: CompileResult,
    plan: Plan | undefined,
    gatekeeper: GatekeeperView,
  ): Promise<{ written: boolean; notEnforced: boolean }> {
    const kind = policy.kind as 'SecurityPolicy' | 'OperationPolicy';
    const key = policyKey(kind, policy.metadata.name);
    const previous = policy.status as Partial<PolicyStatus> | undefined;
    const conflicts = (plan?.conflicts ?? [])
      .filter(
        (c) =>
          c.object.metadata.labels?.[OWNER_KIND_LABEL] === kind &&
          c.object.metadata.labels?.[OWNER_NAME_LABEL] === policy.metadata.name,
      )
      .map((c) => c.reason);
    const invalidErrors = result.invalid.get(key) ?? result.invalid.get(MODULE_CONFIG_KEY);
    const status = buildPolicyStatus({
      generation: policy.metadata.generation ?? 0,
      spec: policy.spec,
      result: invalidErrors ? undefined : result.policies.get(key),
      ...(invalidErrors ? { invalidErrors } : {}),
      conflicts,
      gatekeeper,
      ...(previous ? { previous } : {}),
      now: this.now()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z'),
    });
    const notEnforced = status.checks.some((c) => !c.enforced);
    if (previous && canonicalJson(previous) === canonicalJson(status)) return { written: false, notEnforced };
    await this.client.mergePatchStatus(policy.apiVersion, kind, policy.metadata.name, status);
    await this.emitTransitionEvents(policy, previous, status);
    return { written: true, notEnforced };
  }

  private async emitTransitionEvents(
    policy: PolicyObject,
    previous: Partial<PolicyStatus> | undefined,
    status: PolicyStatus,
  ) {
    for (const type of ['Ready', 'Valid'] as const) {
      const before = previous?.conditions?.find((c) => c.type === type);
      const after = status.conditions.find((c) => c.type === type);
      if (!after || (before && before.status === after.status && before.reason === after.reason)) continue;
      const now = this.now().toISOString();
      await this.client
        .create({
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { namespace: this.opts.eventNamespace ?? 'default', generateName: `${policy.metadata.name}.` },
          involvedObject: {
            apiVersion: policy.apiVersion,
            kind: policy.kind,
            name: policy.metadata.name,
            uid: policy.metadata.uid,
          },
          reason: after.reason,
          message: `${type}=${after.status}: ${after.message}`,
          type: after.status === 'True' ? 'Normal' : 'Warning',
          source: { component: 'gatewright' },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        } as { apiVersion: string; kind: string; metadata: { namespace?: string } })
        .catch((err: unknown) => this.opts.log.warn('could not record an event', { error: String(err) }));
    }
  }

  private async writeModuleConfigStatus(moduleConfig: ObservedObject, result: CompileResult): Promise<number> {
    const errors = result.invalid.get(MODULE_CONFIG_KEY);
    const message = errors ? `invalid settings, nothing changed until they are fixed: ${errors.join('; ')}` : '';
    const current = (moduleConfig.status as { message?: string } | undefined)?.message ?? '';
    if (current === message) return 0;
    await this.client.mergePatchStatus(moduleConfig.apiVersion, 'ModuleConfig', moduleConfig.metadata.name, {
      message,
    });
    return 1;
  }
}

function kindOf(template: K8sObject): string {
  return String(
    (template.spec as { crd?: { spec?: { names?: { kind?: string } } } } | undefined)?.crd?.spec?.names?.kind ?? '',
  );
}

function ref(o: K8sObject): { kind: string; name: string; id: string } {
  return { kind: o.kind, name: o.metadata.name, id: objectId(o) };
}
