// The operator's RBAC is minimal: with the manifests' ServiceAccount as its only credential (a token of
// gatewright-system/gatewright), every scenario below passes with the full rules, and for each rule of the
// ClusterRole and the Lease Role, some scenario fails once that rule alone is removed. The operator runs as a
// process on the node's host with that token (the in-cluster Deployment is scaled to zero meanwhile), so that each
// rule set takes one process start, not a rollout.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load, loadAll } from 'js-yaml';
import {
  condition,
  eventually,
  StopWaiting,
  getJson,
  httpGet,
  inclusterEnv,
  kubectl,
  kubectlOk,
  metricsReaderToken,
  repo,
  type Obj,
} from './support.js';

jest.setTimeout(900000);

const NS = 'gatewright-system';
/** Any ECDSA P-256 key: the scenario only needs the Provider to exist, not a signature to verify. */
const COSIGN_PUBLIC_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
// Long enough for a cold start (Gatekeeper ingests every template); a rule set that lacks a right ends sooner: the
// operator logs the API server's 403, and the scenario waiting on it fails at once.
const SCENARIO_TIMEOUT_MS = 150000;
const docs = (file: string) =>
  (loadAll(readFileSync(join(repo, 'manifests', 'base', file), 'utf8')) as Obj[]).filter(Boolean);
const clusterRole = docs('rbac.yaml').find((d) => d.kind === 'ClusterRole') as Obj;
const leaseRole = docs('leader-election.yaml').find((d) => d.kind === 'Role') as Obj;
const eventsRole = docs('events.yaml').find((d) => d.kind === 'Role') as Obj;

const describeRule = (r: Obj) =>
  `${r.apiGroups.map((g: string) => g || 'core').join(',')} ${r.resources.join(',')}` +
  `${r.resourceNames ? ` [${r.resourceNames.join(',')}]` : ''}: ${r.verbs.join(',')}`;
const ruleSets = [clusterRole, leaseRole, eventsRole].flatMap((role) =>
  (role.rules as Obj[]).map((r, index) => ({
    role,
    index,
    label: `${role.kind} ${role.metadata.name}: ${describeRule(r)}`,
  })),
);

function applyRole(role: Obj, without?: number): void {
  const rules = role.rules.filter((_r: Obj, i: number) => i !== without);
  kubectlOk(['apply', '-f', '-'], JSON.stringify({ ...role, rules }));
}

let tokenKubeconfig = '';
let operator: ChildProcess | undefined;
let operatorLog = '';
let lastFailure = '';
let readerToken = '';
/** The policy webhook's configuration, set aside while the Deployment (which serves it) is scaled to zero. */
let webhookConfiguration: Obj | undefined;

function startOperator(identity: string): void {
  operatorLog = '';
  operator = spawn(
    process.execPath,
    [
      join(repo, 'dist', 'cli', 'main.js'),
      'run',
      '--ops-port=0',
      '--ops-host=127.0.0.1',
      `--lease-namespace=${NS}`,
      `--identity=${identity}`,
      '--metrics-auth',
      // As manifests/components/image-signatures configures the Deployment, so the Provider rules are exercised.
      '--image-signature-provider-url=https://gatewright-provider.gatewright-system.svc:8443/validate',
      `--image-signature-provider-ca=${join(repo, 'manifests', 'overlays', 'full', 'certs', 'provider', 'ca.crt')}`,
    ],
    { env: { ...process.env, KUBECONFIG: tokenKubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  operator.stdout?.on('data', (d: Buffer) => (operatorLog += d.toString()));
  operator.stderr?.on('data', (d: Buffer) => (operatorLog += d.toString()));
  operator.on('error', (err) => (operatorLog += `spawn failed: ${err.message}\n`));
  operator.on('exit', (code, signal) => (operatorLog += `exited: ${code ?? signal}\n`));
}

async function stopOperator(): Promise<void> {
  const p = operator;
  operator = undefined;
  if (!p || p.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => p.kill('SIGKILL'), 10000);
    p.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** Removes, as the admin, everything a scenario run leaves (so each rule set starts from the same empty state). */
async function cleanUp(run: string): Promise<void> {
  kubectl(['delete', 'securitypolicy', `rbac-${run}`, `rbac-${run}-signed`, '--ignore-not-found', '--wait=false']);
  kubectl(['delete', 'moduleconfig', 'admission-policy-engine', '--ignore-not-found']);
  // Every start begins without a Lease, as on a new cluster, so the first replica must be allowed to create it (no
  // replica runs meanwhile: the Deployment is scaled to zero).
  kubectl(['-n', NS, 'delete', 'lease', 'gatewright', '--ignore-not-found']);
  kubectl(['delete', 'namespace', `rbac-${run}-a`, `rbac-${run}-b`, '--ignore-not-found', '--wait=false']);
  // The admission policies first: gatewright-protect-managed refuses the admin's deletes of managed objects.
  kubectl([
    'delete',
    'validatingadmissionpolicies,validatingadmissionpolicybindings',
    '-l',
    'app.kubernetes.io/managed-by=gatewright',
    '--ignore-not-found',
  ]);
  // Constraints before their templates, as the operator prunes: Gatekeeper's audit Pod can deadlock when a
  // constraint kind's CRD goes while it still handles that kind's constraint statuses (see TEMPLATE_PRUNE_GRACE_MS
  // in src/controller/plan.ts). Those statuses go with the constraints.
  // Retried: the API server drops the protection a moment after its policy is deleted.
  await eventually(
    'the managed constraints to go',
    () => {
      const r = kubectl([
        'delete',
        'constraints',
        '-l',
        'app.kubernetes.io/managed-by=gatewright',
        '--ignore-not-found',
        '--wait=false',
      ]);
      if (r.code !== 0 && !/doesn't have a resource type/.test(r.stderr)) throw new Error(r.stderr.trim());
      return managedConstraints() === 0;
    },
    120000,
    1000,
  );
  // Best effort: Gatekeeper deletes its statuses of a constraint a moment after the constraint.
  await eventually(
    "Gatekeeper's constraint statuses to go",
    () => (getJson(['-n', 'gatekeeper-system', 'get', 'constraintpodstatuses']).items as Obj[]).length === 0,
    20000,
    500,
    false,
  ).catch(() => undefined);
  kubectl([
    'delete',
    'constrainttemplates,syncsets',
    '-l',
    'app.kubernetes.io/managed-by=gatewright',
    '--ignore-not-found',
    '--wait=false',
  ]);
  await eventually('managed templates to go', () => managed('constrainttemplates').length === 0, 120000);
}

/** The managed constraints of every kind; none when no constraint kind is served at all. */
function managedConstraints(): number {
  const r = kubectl(['get', 'constraints', '-l', 'app.kubernetes.io/managed-by=gatewright', '-o', 'name']);
  if (r.code !== 0 && /doesn't have a resource type/.test(r.stderr)) return 0;
  if (r.code !== 0) throw new Error(`kubectl get constraints: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean).length;
}

const managed = (resource: string) =>
  getJson(['get', resource, '-l', 'app.kubernetes.io/managed-by=gatewright']).items as Obj[];

interface Scenario {
  name: string;
  run(id: string): Promise<unknown>;
}

// Not privileged: the backstop ValidatingAdmissionPolicy would answer before Gatekeeper's webhook, and the scenarios
// are about what the operator applied to Gatekeeper.
const rootPod = (namespace: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'root', namespace },
  spec: {
    containers: [
      { name: 'app', image: 'example.com/app:1', securityContext: { runAsUser: 0, allowPrivilegeEscalation: true } },
    ],
  },
});
const deniedByGatekeeper = (namespace: string) => {
  const r = kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify(rootPod(namespace)));
  return r.code !== 0 && /validation\.gatekeeper\.sh/.test(r.stderr);
};
/** The operator was refused something: the first 403 it logged. */
const forbidden = () => operatorLog.split('\n').find((l) => /forbidden|HTTP 403/i.test(l));
const soon = (what: string, probe: () => unknown) =>
  eventually(
    what,
    () => {
      const refused = forbidden();
      if (refused) throw new StopWaiting(`the operator was refused: ${refused}`);
      return probe() as true;
    },
    SCENARIO_TIMEOUT_MS,
  );

/** In order: each builds on the ones before it. */
const SCENARIOS: Scenario[] = [
  {
    name: 'a SecurityPolicy becomes Ready and its Pod is denied',
    async run(id) {
      kubectlOk(['create', 'namespace', `rbac-${id}-a`]);
      kubectlOk(['label', 'namespace', `rbac-${id}-a`, `rbac-probe=${id}`]);
      kubectlOk(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'SecurityPolicy',
          metadata: { name: `rbac-${id}` },
          spec: {
            enforcementAction: 'Deny',
            policies: { allowPrivilegeEscalation: false },
            match: { namespaceSelector: { labelSelector: { matchLabels: { 'rbac-probe': id } } } },
          },
        }),
      );
      await soon(
        'the policy to be Ready',
        () => condition(getJson(['get', 'securitypolicy', `rbac-${id}`]), 'Ready')?.status === 'True',
      );
      await soon('the escalating Pod to be denied', () => deniedByGatekeeper(`rbac-${id}-a`));
    },
  },
  {
    name: 'an Event is recorded on the policy',
    run: (id) =>
      soon(
        'an Event',
        () =>
          (
            getJson([
              'get',
              'events',
              '-A',
              '--field-selector',
              `involvedObject.kind=SecurityPolicy,involvedObject.name=rbac-${id}`,
            ]).items as Obj[]
          ).length > 0,
      ),
  },
  {
    name: 'the skip-pss-check guard is in place',
    run: () =>
      soon(
        'the ValidatingAdmissionPolicy and its binding',
        () =>
          kubectl(['get', 'validatingadmissionpolicy,validatingadmissionpolicybinding', 'gatewright-skip-pss-check'])
            .code === 0,
      ),
  },
  {
    name: 'a namespace labelled restricted later is enforced, through the SyncSet inventory',
    async run(id) {
      kubectlOk(['create', 'namespace', `rbac-${id}-b`]);
      kubectlOk(['label', 'namespace', `rbac-${id}-b`, 'security.deckhouse.io/pod-policy=restricted']);
      await soon('a root Pod to be denied there', () => deniedByGatekeeper(`rbac-${id}-b`));
      await soon('the SyncSet', () => managed('syncsets').length > 0);
    },
  },
  {
    name: "deleting the policy prunes its constraints (the namespace standards' stay)",
    async run(id) {
      const owned = () =>
        getJson(['get', 'constraints', '-l', `gatewright.dev/owner-name=rbac-${id}`]).items as Obj[] | undefined;
      await soon('constraints owned by the policy', () => (owned() ?? []).length > 0);
      kubectlOk(['delete', 'securitypolicy', `rbac-${id}`]);
      await soon('its constraints to be pruned', () => (owned() ?? []).length === 0);
    },
  },
  {
    name: 'a policy verifying image signatures gets its Gatekeeper Provider, pruned with the policy',
    async run(id) {
      const provider = () => kubectl(['get', 'providers.externaldata.gatekeeper.sh', 'gatewright-image-signatures']);
      kubectlOk(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'SecurityPolicy',
          metadata: { name: `rbac-${id}-signed` },
          spec: {
            enforcementAction: 'Deny',
            policies: {
              verifyImageSignatures: [{ reference: 'registry.example.com/signed/*', publicKeys: [COSIGN_PUBLIC_KEY] }],
            },
            match: { namespaceSelector: { labelSelector: { matchLabels: { 'rbac-probe': id } } } },
          },
        }),
      );
      await soon('the Provider', () => provider().code === 0);
      kubectlOk(['delete', 'securitypolicy', `rbac-${id}-signed`]);
      await soon('the Provider to be pruned', () => provider().code !== 0);
    },
  },
  {
    name: 'valid module settings are recorded on the ModuleConfig as the ones in force',
    async run() {
      kubectlOk(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'ModuleConfig',
          metadata: { name: 'admission-policy-engine' },
          spec: { version: 1, enabled: true, settings: { podSecurityStandards: { enforcementAction: 'Warn' } } },
        }),
      );
      await soon(
        'status.appliedSettings',
        () => typeof getJson(['get', 'moduleconfig', 'admission-policy-engine']).status?.appliedSettings === 'string',
      );
    },
  },
  {
    name: '/metrics answers a token allowed to read it (--metrics-auth: TokenReview, SubjectAccessReview)',
    async run() {
      const port = await soon('the ops port in the log', () => /"port":(\d+)/.exec(operatorLog)?.[1]);
      const answer = await httpGet(`http://127.0.0.1:${port}/metrics`, readerToken);
      if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    },
  },
];

/** Runs the scenarios in order; the name of the first that fails, or undefined when all pass. */
async function firstFailing(id: string): Promise<string | undefined> {
  lastFailure = '';
  startOperator(`rbac-test-${id}`);
  try {
    for (const s of SCENARIOS) {
      try {
        await s.run(id);
      } catch (err) {
        lastFailure = (err as Error).message.slice(0, 300);
        return s.name;
      }
    }
    return undefined;
  } finally {
    await stopOperator();
    await cleanUp(id);
  }
}

const findings: string[] = [];

beforeAll(async () => {
  const admin = load(readFileSync(inclusterEnv().kubeconfig, 'utf8')) as Obj;
  // The webhook's failurePolicy is Fail: with no replica serving it, no policy could be written.
  const vwc = kubectl(['get', 'validatingwebhookconfiguration', 'gatewright-policies', '-o', 'json']);
  if (vwc.code === 0) {
    webhookConfiguration = JSON.parse(vwc.stdout) as Obj;
    kubectlOk(['delete', 'validatingwebhookconfiguration', 'gatewright-policies']);
  }
  kubectlOk(['-n', NS, 'scale', 'deployment/gatewright', '--replicas=0']);
  await eventually(
    'the in-cluster replicas to stop',
    () => (getJson(['-n', NS, 'get', 'pods', '-l', 'app.kubernetes.io/name=gatewright']).items as Obj[]).length === 0,
    120000,
  );
  const token = kubectlOk(['-n', NS, 'create', 'token', 'gatewright', '--duration=2h']).trim();
  tokenKubeconfig = join(inclusterEnv().stateDir, 'rbac-test.kubeconfig');
  writeFileSync(
    tokenKubeconfig,
    dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'node', cluster: admin.clusters[0].cluster }],
      users: [{ name: 'gatewright', user: { token } }],
      contexts: [{ name: 'node', context: { cluster: 'node', user: 'gatewright' } }],
      'current-context': 'node',
    }),
    { mode: 0o600 },
  );
  readerToken = metricsReaderToken();
  await cleanUp('0');
});

afterAll(async () => {
  await stopOperator();
  for (const role of [clusterRole, leaseRole, eventsRole]) applyRole(role);
  kubectl(['-n', NS, 'scale', 'deployment/gatewright', '--replicas=2']);
  kubectl(['-n', NS, 'rollout', 'status', 'deployment/gatewright', '--timeout=180s']);
  if (webhookConfiguration) {
    const {
      resourceVersion: _rv,
      uid: _uid,
      creationTimestamp: _ct,
      managedFields: _mf,
      ...metadata
    } = webhookConfiguration.metadata as Obj;
    kubectl(['create', '-f', '-'], JSON.stringify({ ...webhookConfiguration, metadata }));
  }
  console.log(`RBAC: the scenario each rule is needed for\n${findings.join('\n')}`);
});

describe('the RBAC of manifests/', () => {
  it('with every rule, every scenario passes as the ServiceAccount', async () => {
    const failing = await firstFailing('all');
    if (failing) console.log(`${lastFailure}\n${operatorLog.split('\n').slice(-30).join('\n')}`);
    expect(failing).toBeUndefined();
  });

  // Each rule removed in turn: one operator start per rule, about 3 minutes for all 18 on two cores, so it is part of
  // the default run. GATEWRIGHT_RBAC_PER_RULE=0 skips it.
  const perRule = process.env.GATEWRIGHT_RBAC_PER_RULE === '0' ? it.skip.each : it.each;
  perRule(ruleSets.map((r, i) => [r.label, r, i] as const))('without %s, a scenario fails', async (label, r, i) => {
    applyRole(r.role, r.index);
    try {
      const failing = await firstFailing(String(i + 1));
      findings.push(`  ${label}\n      → ${failing ?? 'NOTHING FAILS'} (${lastFailure.slice(0, 160)})`);
      expect(failing).toBeDefined();
    } finally {
      applyRole(r.role);
    }
  });
});
