import { describe, expect, it } from '@jest/globals';
import { compile } from '../../../src/compiler/compile.js';
import type { K8sObject } from '../../../src/compiler/model.js';
import { fieldOwners } from '../../../src/controller/cache.js';
import {
  TEMPLATE_PRUNE_GRACE_MS,
  containsAll,
  decide,
  foreignFieldsPatch,
  planChanges,
  type ObservedObject,
} from '../../../src/controller/plan.js';
import {
  buildPolicyStatus,
  constraintEnforced,
  templateIngested,
  type GatekeeperView,
} from '../../../src/controller/status.js';
import { operationPolicy, securityPolicy } from '../../support/bad-objects.js';
import { stubLibrary } from '../../support/stub-library.js';

const library = stubLibrary();
const good = operationPolicy('repos', { allowedRepos: ['registry.example.com'] });
const desiredOf = (policies: unknown[]) => compile({ policies, namespaces: [], library });
const observe = (objects: K8sObject[]): ObservedObject[] => objects.map((o) => structuredClone(o) as ObservedObject);
const repos = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'D8AllowedRepos').map((o) => o.metadata.name);

describe('plan', () => {
  it('a fresh cluster: templates, the sync set and the skip-label guard first, then constraints; nothing to prune', () => {
    const plan = planChanges(desiredOf([good]), []);
    expect([...new Set(plan.applyFirst.map((o) => o.kind))]).toEqual([
      'ConstraintTemplate',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'SyncSet',
    ]);
    expect(plan.applyConstraints.every((o) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1')).toBe(true);
    expect(repos(plan.applyConstraints)).toEqual(['repos']);
    expect(plan.prune).toEqual([]);
  });

  it('a converged cluster needs no write, even with fields the API server added', () => {
    const desired = desiredOf([good]);
    const observed = observe(desired.objects).map((o) => ({
      ...o,
      metadata: { ...o.metadata, generation: 3, resourceVersion: '42', managedFields: [] },
      spec: { ...o.spec, defaultedByServer: true },
      status: { byPod: [] },
    }));
    const plan = planChanges(desired, observed);
    expect([plan.applyFirst, plan.applyConstraints, plan.prune, plan.conflicts]).toEqual([[], [], [], []]);
  });

  it('drift: a changed parameter is applied again', () => {
    const desired = desiredOf([good]);
    const observed = observe(desired.objects);
    const constraint = observed.find((o) => o.kind === 'D8AllowedRepos') as ObservedObject;
    (constraint.spec as { parameters: { repos: string[] } }).parameters.repos = ['docker.io'];
    expect(repos(planChanges(desired, observed).applyConstraints)).toEqual(['repos']);
  });

  it('a deleted policy: its constraints are pruned; their template only once none of its kind is left', () => {
    const before = observe(desiredOf([good]).objects);
    const plan = planChanges(desiredOf([]), before);
    expect(repos(plan.prune)).toEqual(['repos']);
    const isReposTemplate = (o: K8sObject) => o.kind === 'ConstraintTemplate' && o.metadata.name === 'd8allowedrepos';
    expect(plan.prune.some(isReposTemplate)).toBe(false);
    expect(plan.pruneLater.filter(isReposTemplate)).toHaveLength(1);
    // The next pass: the constraint is gone.
    const after = planChanges(
      desiredOf([]),
      before.filter((o) => o.kind !== 'D8AllowedRepos'),
    );
    expect(after.prune.some(isReposTemplate)).toBe(true);
    expect(after.pruneLater).toEqual([]);
  });

  it('a template whose kind has no constraint left is pruned after the grace, counted from the first such pass', () => {
    const before = observe(desiredOf([good]).objects).filter((o) => o.kind !== 'D8AllowedRepos');
    const gatekeeper = {
      installed: true,
      servedKinds: new Set<string>(),
      ingestedKinds: new Set<string>(),
      templateErrors: false,
      notEnforced: false,
    };
    const isReposTemplate = (o: K8sObject) => o.kind === 'ConstraintTemplate' && o.metadata.name === 'd8allowedrepos';
    const first = decide(desiredOf([]), before, gatekeeper, { nowMs: 1_000 });
    expect(first.prune.some(isReposTemplate)).toBe(false);
    expect(first.constraintFreeSince.get('D8AllowedRepos')).toBe(1_000);
    expect(first.requeueAfterMs).toBe(TEMPLATE_PRUNE_GRACE_MS);
    const early = decide(desiredOf([]), before, gatekeeper, {
      nowMs: 1_000 + TEMPLATE_PRUNE_GRACE_MS - 1,
      constraintFreeSince: first.constraintFreeSince,
    });
    expect([early.prune.some(isReposTemplate), early.requeueAfterMs]).toEqual([false, 1]);
    const due = decide(desiredOf([]), before, gatekeeper, {
      nowMs: 1_000 + TEMPLATE_PRUNE_GRACE_MS,
      constraintFreeSince: early.constraintFreeSince,
    });
    expect(due.prune.some(isReposTemplate)).toBe(true);
    expect(due.constraintFreeSince.size).toBe(0);
    // Wanted again within the grace: it stays, and nothing is remembered.
    const back = decide(desiredOf([good]), before, gatekeeper, {
      nowMs: 1_000 + TEMPLATE_PRUNE_GRACE_MS,
      constraintFreeSince: first.constraintFreeSince,
    });
    expect([back.prune.some(isReposTemplate), back.constraintFreeSince.size]).toEqual([false, 0]);
  });

  it('fail safe: an invalid edit freezes the policy’s constraints and the templates they need', () => {
    const before = observe(desiredOf([good]).objects);
    const broken = operationPolicy('repos', { allowedRepos: ['https://nope'] });
    const plan = planChanges(desiredOf([broken]), before);
    expect(plan.frozen.has('OperationPolicy/repos')).toBe(true);
    expect(plan.prune.filter((o) => o.kind === 'D8AllowedRepos' || o.metadata.name === 'd8allowedrepos')).toEqual([]);
  });

  const invalidModuleConfig = {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name: 'admission-policy-engine' },
    spec: { settings: { podSecurityStandards: { defaultPolicy: 'Strict' } } },
  };

  it('invalid module settings with none valid before: nothing in force is changed or pruned', () => {
    const before = observe(desiredOf([good]).objects);
    const drifted = before.map((o) =>
      o.kind === 'D8AllowedRepos' ? { ...o, spec: { ...(o.spec as object), enforcementAction: 'dryrun' } } : o,
    );
    const plan = planChanges(
      compile({ policies: [], moduleConfig: invalidModuleConfig, namespaces: [], library }),
      drifted,
    );
    expect([plan.applyFirst, plan.applyConstraints, plan.prune]).toEqual([[], [], []]);
    expect(plan.frozen.has('ModuleConfig/admission-policy-engine')).toBe(true);
  });

  it('invalid module settings with none valid before: a hand-deleted constraint and a new policy are still created', () => {
    const all = desiredOf([good]).objects;
    const deleted = all.find((o) => o.kind === 'D8AllowedRepos')!;
    const before = observe(all.filter((o) => o !== deleted));
    const fresh = operationPolicy('fresh', { allowedRepos: ['registry.example.org'] });
    const plan = planChanges(
      compile({ policies: [good, fresh], moduleConfig: invalidModuleConfig, namespaces: [], library }),
      before,
    );
    expect(repos(plan.applyConstraints).sort()).toEqual(['fresh', 'repos']);
    expect(plan.applyFirst).toEqual([]);
    expect(plan.prune).toEqual([]);
  });

  it('a foreign object holding a desired name is reported, never overwritten', () => {
    const desired = desiredOf([good]);
    const foreign = observe(desired.objects.filter((o) => o.kind === 'D8AllowedRepos')).map((o) => ({
      ...o,
      metadata: { name: o.metadata.name, labels: { team: 'platform' } },
    }));
    const plan = planChanges(desired, foreign);
    expect(repos(plan.applyConstraints)).toEqual([]);
    expect(plan.conflicts.map((c) => c.reason)).toEqual([
      'D8AllowedRepos "repos" exists and is not managed by gatewright',
    ]);
    expect(plan.prune).toEqual([]);
  });

  it('containsAll compares lists exactly and objects by the desired keys', () => {
    expect(containsAll({ a: 1, b: [1, 2], extra: true }, { a: 1, b: [1, 2] })).toBe(true);
    expect(containsAll({ b: [1, 2, 3] }, { b: [1, 2] })).toBe(false);
    expect(containsAll({ a: { x: 1 } }, { a: { x: 2 } })).toBe(false);
  });
});

const byPod = (generation: number, extra: Record<string, unknown> = {}) => ({
  status: { byPod: [{ id: 'gk', observedGeneration: generation, ...extra }] },
});
const obs = (kind: string, name: string, generation: number, status: unknown): ObservedObject =>
  ({ apiVersion: 'x/v1', kind, metadata: { name, generation }, ...(status as object) }) as ObservedObject;

describe('Gatekeeper readiness signals', () => {
  it('a template is ingested when every pod saw this generation without errors', () => {
    expect(templateIngested(obs('ConstraintTemplate', 't', 2, byPod(2)))).toBe(true);
    expect(templateIngested(obs('ConstraintTemplate', 't', 2, byPod(1)))).toBe(false);
    expect(templateIngested(obs('ConstraintTemplate', 't', 2, byPod(2, { errors: [{ message: 'x' }] })))).toBe(false);
    expect(templateIngested(obs('ConstraintTemplate', 't', 2, {}))).toBe(false);
  });

  it('a constraint is enforced when every pod enforces this generation', () => {
    expect(constraintEnforced(obs('K', 'c', 1, byPod(1, { enforced: true })))).toBe(true);
    expect(constraintEnforced(obs('K', 'c', 1, byPod(1, { enforced: false })))).toBe(false);
    expect(constraintEnforced(undefined)).toBe(false);
  });
});

describe('policy status', () => {
  const policy = securityPolicy('sp', { allowHostPID: false });
  const result = desiredOf([policy]).policies.get('SecurityPolicy/sp');
  const checks = result?.checks ?? [];
  const enforcedView = (): GatekeeperView => ({
    installed: true,
    templates: new Map(checks.map((c) => [c.kind, obs('ConstraintTemplate', c.kind.toLowerCase(), 1, byPod(1))])),
    constraints: new Map(
      checks.map((c) => [
        `${c.kind}/${c.constraint}`,
        obs(c.kind, c.constraint, 1, {
          status: { byPod: [{ observedGeneration: 1, enforced: true }], totalViolations: 2 },
        }),
      ]),
    ),
  });
  const base = { generation: 4, spec: (policy as { spec: unknown }).spec, conflicts: [], now: '2026-11-27T00:00:00Z' };
  const cond = (s: ReturnType<typeof buildPolicyStatus>, type: string) => s.conditions.find((c) => c.type === type);

  it('enforced: Ready, the checks with their constraints, violations from the audit, implicit marked', () => {
    const s = buildPolicyStatus({ ...base, result, gatekeeper: enforcedView() });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Enforced', observedGeneration: 4 });
    expect(s.checkCount).toBe(3);
    expect(s.violations).toBe(6);
    expect(s.checks.find((c) => c.kind === 'D8PrivilegedContainer')).toMatchObject({
      implicit: true,
      enforced: true,
      constraint: 'sp',
    });
    expect(s.deckhouse.synced).toBe('True');
  });

  it('a status computed twice is identical, so an idle pass writes nothing', () => {
    const first = buildPolicyStatus({ ...base, result, gatekeeper: enforcedView() });
    const second = buildPolicyStatus({
      ...base,
      result,
      gatekeeper: enforcedView(),
      previous: first,
      now: '2026-11-28T00:00:00Z',
    });
    expect(second).toEqual(first);
  });

  it('waiting for Gatekeeper: Progressing names what it waits for', () => {
    const s = buildPolicyStatus({ ...base, result, gatekeeper: { ...enforcedView(), constraints: new Map() } });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'Progressing' });
    expect(cond(s, 'Progressing')?.message).toMatch(/waiting for .*D8PrivilegedContainer\/sp/);
  });

  it('Gatekeeper missing and template errors: Degraded with Gatekeeper’s text', () => {
    const missing = buildPolicyStatus({
      ...base,
      result,
      gatekeeper: { installed: false, templates: new Map(), constraints: new Map() },
    });
    expect(cond(missing, 'Degraded')).toMatchObject({ status: 'True', reason: 'GatekeeperMissing' });
    const view = enforcedView();
    (view.templates as Map<string, ObservedObject>).set(
      'D8HostProcesses',
      obs(
        'ConstraintTemplate',
        'd8hostprocesses',
        1,
        byPod(1, { errors: [{ code: 'ingest_error', message: 'rego_parse_error: unexpected }' }] }),
      ),
    );
    const broken = buildPolicyStatus({ ...base, result, gatekeeper: view });
    expect(cond(broken, 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'TemplateError',
      message: 'D8HostProcesses: ingest_error: rego_parse_error: unexpected }',
    });
    expect(cond(broken, 'Ready')?.status).toBe('False');
  });

  it('invalid: Valid=False with the errors, the previous checks kept and Ready=False', () => {
    const before = buildPolicyStatus({ ...base, result, gatekeeper: enforcedView() });
    const s = buildPolicyStatus({
      ...base,
      generation: 5,
      invalidErrors: ['SecurityPolicy "sp": spec.policies.x: Unknown field'],
      gatekeeper: enforcedView(),
      previous: before,
      now: '2026-11-27T01:00:00Z',
    });
    expect(cond(s, 'Valid')).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      message: 'SecurityPolicy "sp": spec.policies.x: Unknown field',
      lastTransitionTime: '2026-11-27T01:00:00Z',
    });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(s.checks).toEqual(before.checks);
  });

  it('invalid module settings: the policy stays Valid and Ready (same reasons, so no Event); only a note says so', () => {
    const before = buildPolicyStatus({ ...base, result, gatekeeper: enforcedView() });
    for (const state of ['lastValidInForce', 'noneValidKnown'] as const) {
      const s = buildPolicyStatus({
        ...base,
        result,
        gatekeeper: enforcedView(),
        previous: before,
        moduleSettingsInvalid: state,
        now: '2026-11-27T01:00:00Z',
      });
      expect(cond(s, 'Valid')).toEqual(cond(before, 'Valid'));
      expect(cond(s, 'Ready')).toMatchObject({
        status: 'True',
        reason: 'Enforced',
        lastTransitionTime: cond(before, 'Ready')?.lastTransitionTime,
      });
      expect(cond(s, 'Ready')?.message).toBe(
        `3 check(s) enforced by Gatekeeper; the ModuleConfig admission-policy-engine is invalid: ${
          state === 'lastValidInForce'
            ? 'the last valid module settings stay in force'
            : 'no valid module settings are known, so nothing in force is changed (only missing objects are created)'
        } until it is fixed (see its status.message)`,
      );
      expect([s.checks, cond(s, 'Degraded')]).toEqual([before.checks, cond(before, 'Degraded')]);
    }
  });

  it('a name conflict makes the policy Degraded', () => {
    const s = buildPolicyStatus({
      ...base,
      result,
      conflicts: ['D8HostProcesses "sp" exists and is not managed by gatewright'],
      gatekeeper: enforcedView(),
    });
    expect(cond(s, 'Degraded')).toMatchObject({ status: 'True', reason: 'NameConflict' });
  });
});

describe('drift another field manager made', () => {
  const managedFields = [
    {
      manager: 'gatewright',
      operation: 'Apply',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/managed-by': {} } },
        'f:spec': { 'f:parameters': { 'f:repos': {} } },
      },
    },
    {
      manager: 'kubectl-edit',
      operation: 'Update',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:extra.example.com/team': {} } },
        'f:spec': { 'f:match': { 'f:namespaces': {} }, 'f:parameters': { 'f:repos': {} } },
      },
    },
    { manager: 'gatekeeper', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:byPod': {} } } },
  ];

  it('fieldOwners: the paths other managers set, not Gatekeeper’s status, not gatewright’s own', () => {
    // Gatekeeper wrote only the status subresource: it is not among the object's writers.
    expect(fieldOwners(managedFields)).toEqual({
      managers: ['gatewright', 'kubectl-edit'],
      foreign: ['metadata.labels.extra.example.com/team', 'spec.match.namespaces', 'spec.parameters.repos'],
    });
  });

  it('a label gatewright does not set is removed; a list another manager changed is set back whole', () => {
    const desired = desiredOf([good]).objects.find((o) => o.kind === 'D8AllowedRepos') as K8sObject;
    const observed = {
      ...(structuredClone(desired) as ObservedObject),
      fieldManagers: ['gatewright', 'kubectl-edit'],
      foreignFields: ['metadata.labels.extra.example.com/team', 'spec.match.namespaces', 'spec.parameters.repos'],
    };
    (observed.spec as { match: Record<string, unknown> }).match.namespaces = ['nowhere'];
    observed.metadata.labels = { ...observed.metadata.labels, 'extra.example.com/team': 'x' };
    expect(foreignFieldsPatch(desired, observed)).toEqual({
      metadata: { labels: { 'extra.example.com/team': null } },
      // The policy's own matchNames: the edit's "nowhere" replaced them, the patch restores them.
      spec: { match: { namespaces: ['team-*'] } },
    });
    // Unchanged values other managers also set are harmless: nothing to patch.
    const same = { ...(structuredClone(desired) as ObservedObject), foreignFields: ['spec.parameters.repos'] };
    expect(foreignFieldsPatch(desired, same)).toBeUndefined();
    expect(repos(planChanges(desiredOf([good]), [observed]).applyConstraints)).toEqual(['repos']);
  });

  it('an object of ours whose managed-by label was removed is drift to repair, not someone else’s', () => {
    const desired = desiredOf([good]);
    const observed = observe(desired.objects).map((o) => ({ ...o, fieldManagers: ['gatewright'] }));
    const constraint = observed.find((o) => o.kind === 'D8AllowedRepos') as ObservedObject;
    delete constraint.metadata.labels?.['app.kubernetes.io/managed-by'];
    const plan = planChanges(desired, observed);
    expect(plan.conflicts).toEqual([]);
    expect(repos(plan.applyConstraints)).toEqual(['repos']);
  });
});
