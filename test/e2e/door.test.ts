// Validation at the door, on the real API server with gatewright's validating webhook registered (served in this
// process on 127.0.0.1, as `gatewright run --webhook-port` serves it): every case of the bad-input table is either
// refused by `kubectl apply` with its field path (by the CRD's schema and CEL rules, or by the webhook), or accepted
// with the warning kubectl prints and then enforced by Gatekeeper as Deckhouse enforces it (a violating Pod denied, a
// compliant one admitted). Also: the rendered constraints against the schemas Gatekeeper itself installs.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { derivedName } from '../../src/api/names.js';
import { NAMESPACE_GLOB } from '../../src/api/patterns.js';
import { POLICY_API_VERSION, resourcePath } from '../../src/api/resources.js';
import { KubeClient } from '../../src/controller/kube-client.js';
import type { ReconcileOutcome } from '../../src/controller/reconcile.js';
import { cachedReconciler, type CachedReconciler } from '../support/cached-reconciler.js';
import { loadLibrary } from '../../src/library/load.js';
import { webhookConfiguration, WEBHOOK_NAME } from '../../src/webhook/configuration.js';
import { startWebhook, type RunningWebhook } from '../../src/webhook/server.js';
import { e2eClient, e2eEnvironment } from '../harness/e2e-env.js';
import { kubectl, waitFor, type KubeObject, type KubeTestClient } from '../harness/kube.js';
import { repoRoot } from '../harness/paths.js';
import { BAD_OBJECTS, securityPolicy, type BadObject, type PodCase } from '../support/bad-objects.js';
import { installCrds, removeManagedObjects } from '../support/crds.js';
import { servingCertificate } from '../support/webhook-cert.js';

jest.setTimeout(300_000);

let client: KubeTestClient;
let driver: CachedReconciler;
let webhook: RunningWebhook;
const k = (args: string[], stdin?: string) => kubectl(e2eEnvironment().kubeconfigPath, args, stdin);

const rejectedCases = BAD_OBJECTS.filter((b) => b.outcome === 'rejected');
const warnedCases = BAD_OBJECTS.filter((b) => b.outcome === 'warned');
const tally = { rejectedAtApply: 0, warnedAndEnforced: 0, acceptedSilently: 0, enforcementLost: 0 };

/** A long policy name: accepted (DVP allows 253), its constraints named to fit Gatekeeper's 63. */
const LONG_NAME = `team-payments-${'x'.repeat(90)}`;
const LONG_NAME_NS = 'gw-warn-long';

const converge = (maxMs?: number): Promise<ReconcileOutcome> => driver.converge(maxMs);

const podObject = (name: string, p: PodCase): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: p.namespace }, spec: p.spec }) as KubeObject;

async function tryPod(name: string, p: PodCase): Promise<{ status: number; message: string }> {
  const res = await client.createRaw(podObject(name, p), { dryRun: true });
  return { status: res.status, message: (res.json as { message?: string } | undefined)?.message ?? '' };
}

const nameOf = (b: BadObject): string => (b.object.metadata as { name: string }).name;
const warnNamespaces = (): string[] =>
  [
    ...new Set(warnedCases.flatMap((b) => [b.deniedPod?.namespace, b.admittedPod?.namespace]).filter((n) => n)),
    LONG_NAME_NS,
  ] as string[];

beforeAll(async () => {
  client = e2eClient();
  const kc = new KubeConfig();
  kc.loadFromFile(e2eEnvironment().kubeconfigPath);
  driver = cachedReconciler(kc, {
    client: new KubeClient(kc),
    library: loadLibrary(join(repoRoot(), 'templates')),
  });
  await installCrds(client);
  const tls = servingCertificate();
  webhook = await startWebhook({ port: 0, host: '127.0.0.1', cert: tls.cert, key: tls.key });
  await client.apply(
    webhookConfiguration({
      url: `https://127.0.0.1:${webhook.port}/validate`,
      caBundle: Buffer.from(tls.ca).toString('base64'),
    }) as unknown as KubeObject,
  );
  // The API server picks the configuration up asynchronously: wait until a webhook-only error is refused.
  const probe = rejectedCases.find((b) => b.door === 'webhook' && b.object.kind === 'OperationPolicy') as BadObject;
  let last = '';
  await waitFor('the webhook to answer', async () => {
    const r = await k(['create', '--dry-run=server', '-f', '-'], JSON.stringify(probe.object));
    last = r.stderr;
    return r.stderr.includes('not a valid RE2 regular expression');
  }).catch((e: Error) => {
    throw new Error(`${e.message}; kubectl said: ${last}`);
  });
  for (const name of warnNamespaces())
    await client.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'security.deckhouse.io/pod-policy': 'privileged' } },
    });
});

afterAll(async () => {
  await driver?.stop();
  console.log(
    `bad-input table on the API server: ${tally.rejectedAtApply} rejected at apply / ${tally.warnedAndEnforced} ` +
      `accepted with a warning and enforced / ${tally.acceptedSilently} accepted silently / ` +
      `${tally.enforcementLost} enforcement lost (of ${BAD_OBJECTS.length})`,
  );
  if (!client) return;
  await client.delete({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'gatewright-policies' },
  });
  for (const b of warnedCases) await client.delete(b.object as unknown as KubeObject);
  await client.delete(securityPolicy(LONG_NAME, {}) as unknown as KubeObject);
  await removeManagedObjects(client);
  for (const name of warnNamespaces()) await client.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await webhook?.close();
});

describe('refused at kubectl apply, with the field path', () => {
  test.each(rejectedCases.map((b) => [`${b.door}: ${b.name}`, b] as const))('%s', async (_name, bad) => {
    // create (not apply): client-side apply would store a 1 MiB last-applied annotation before the server sees it.
    const r = await k(['create', '--dry-run=server', '-f', '-'], JSON.stringify(bad.object));
    if (r.code === 0) tally.acceptedSilently++;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(bad.apiServer ?? bad.validate);
    tally.rejectedAtApply++;
  });

  test('fsGroup MustRunAs without ranges, applied as YAML', async () => {
    const r = await k(
      ['apply', '-f', '-'],
      [
        'apiVersion: deckhouse.io/v1alpha1',
        'kind: SecurityPolicy',
        'metadata: {name: fsgroup-no-ranges}',
        'spec:',
        '  policies: {fsGroup: {rule: MustRunAs}}',
        '  match: {namespaceSelector: {matchNames: [team-a]}}',
      ].join('\n'),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'spec.policies.fsGroup.ranges: Required value: rules MustRunAs and MayRunAs need at least one range of allowed IDs',
    );
  });
});

describe('accepted with a warning, enforced as Deckhouse enforces it', () => {
  beforeAll(async () => {
    for (const b of warnedCases) {
      const r = await k(['apply', '--server-side', '--field-manager=e2e', '-f', '-'], JSON.stringify(b.object));
      warnings.set(b.name, r);
    }
    await client.apply(securityPolicy(LONG_NAME, { allowHostPID: false }, {
      match: { namespaceSelector: { matchNames: [LONG_NAME_NS] } },
    }) as unknown as KubeObject); // prettier-ignore
    await converge();
  });
  const warnings = new Map<string, { code: number | null; stderr: string }>();

  test.each(warnedCases.map((b) => [b.name, b] as const))('%s', async (_name, bad) => {
    const applied = warnings.get(bad.name);
    expect(applied?.code).toBe(0);
    const warningLines = (applied?.stderr ?? '').split('\n').filter((l) => l.startsWith('Warning: '));
    if (warningLines.length === 0) tally.acceptedSilently++;
    expect(warningLines.filter((l) => bad.validate.test(l))).not.toEqual([]);

    const status = (await client.request('GET', resourcePath(POLICY_API_VERSION, String(bad.object.kind), nameOf(bad))))
      .json as {
      status: { conditions: { type: string; status: string; reason: string; message: string }[] };
    };
    expect(status.status.conditions.find((c) => c.type === 'Valid')).toMatchObject({
      status: 'True',
      reason: 'ValidWithWarnings',
    });
    expect(status.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');

    const denied = await tryPod(`denied-${nameOf(bad)}`.slice(0, 60), bad.deniedPod as PodCase);
    const admitted = await tryPod(`admitted-${nameOf(bad)}`.slice(0, 60), bad.admittedPod as PodCase);
    if (denied.status < 400) tally.enforcementLost++;
    expect([denied.status, denied.message]).toEqual([expect.any(Number), expect.stringContaining(`[${nameOf(bad)}]`)]);
    expect(denied.status).toBeGreaterThanOrEqual(400);
    expect([admitted.status, admitted.message]).toEqual([201, '']);
    tally.warnedAndEnforced++;
  });

  test('a policy named with 104 characters is accepted and enforced through a constraint named to fit 63', async () => {
    const constraint = derivedName(LONG_NAME);
    expect(constraint).toHaveLength(63);
    const denied = await tryPod('host-pid', { namespace: LONG_NAME_NS, spec: { hostPID: true, containers: [{ name: 'a', image: 'registry.example.com/a:1' }] } }); // prettier-ignore
    expect(denied.status).toBe(403);
    expect(denied.message).toContain(`[${constraint}]`);
  });
});

describe("the rendered constraints against Gatekeeper's own schemas", () => {
  test("every namespace glob gatewright accepts, Gatekeeper's constraint CRD accepts too; team-*-prod neither", async () => {
    const res = await client.request(
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/d8hostprocesses.constraints.gatekeeper.sh',
    );
    type Node = { properties?: Record<string, Node>; items?: Node; pattern?: string };
    const crd = res.json as { spec: { versions: { name: string; schema: { openAPIV3Schema: Node } }[] } };
    const schema = crd.spec.versions.find((v) => v.name === 'v1beta1')?.schema.openAPIV3Schema;
    const gatekeeperPattern = schema?.properties?.spec?.properties?.match?.properties?.namespaces?.items?.pattern;
    expect(gatekeeperPattern).toEqual(expect.any(String));
    const pattern = new RegExp(gatekeeperPattern as string);
    const samples = [
      '*',
      'kube-*',
      '*-system',
      '*sys*',
      'team-a',
      'd8-*',
      'team-*-prod',
      'a*b',
      'Team',
      'team.a',
      '**x',
    ];
    for (const glob of samples) if (NAMESPACE_GLOB.test(glob)) expect([glob, pattern.test(glob)]).toEqual([glob, true]);
    expect(NAMESPACE_GLOB.test('team-*-prod')).toBe(false);
    expect(pattern.test('team-*-prod')).toBe(false);

    // And the API server, with the CRD Gatekeeper generated, says the same about a constraint as rendered.
    const rendered = (await client.request('GET', `/apis/constraints.gatekeeper.sh/v1beta1/d8hostprocesses/${derivedName(LONG_NAME)}`)).json as KubeObject & { spec: { match: Record<string, unknown> } }; // prettier-ignore
    const base = { apiVersion: rendered.apiVersion, kind: rendered.kind, metadata: { name: 'gw-glob-probe' } };
    const withNamespaces = (namespaces: string[]) =>
      JSON.stringify({ ...base, spec: { ...rendered.spec, match: { ...rendered.spec.match, namespaces } } });
    const ok = await k(['create', '--dry-run=server', '-f', '-'], withNamespaces(['kube-*', '*-system', 'team-a']));
    expect(ok.stderr).toBe('');
    const refused = await k(['create', '--dry-run=server', '-f', '-'], withNamespaces(['team-*-prod']));
    expect(refused.stderr).toMatch(/spec\.match\.namespaces\[0\]: Invalid value: "team-\*-prod"/);
    const long = await k(['create', '--dry-run=server', '-f', '-'], JSON.stringify({ ...base, metadata: { name: LONG_NAME }, spec: rendered.spec })); // prettier-ignore
    expect(long.stderr).toMatch(/metadata\.name: Too long|must be no more than 63|may not be (more|longer) than 63/);
  });
});

describe('the webhook is down', () => {
  test('policy writes wait (failurePolicy Fail), and come through once it answers again', async () => {
    const port = webhook.port;
    await webhook.close();
    const policy = JSON.stringify(securityPolicy('while-down', { allowHostIPC: false }));
    const r = await k(['create', '--dry-run=server', '-f', '-'], policy);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`failed calling webhook "${WEBHOOK_NAME.replace(/\./g, '\\.')}"`));
    const tls = servingCertificate();
    // A new CA: the configuration is re-applied with it, as a certificate rotation would.
    webhook = await startWebhook({ port, host: '127.0.0.1', cert: tls.cert, key: tls.key });
    await client.apply(
      webhookConfiguration({
        url: `https://127.0.0.1:${port}/validate`,
        caBundle: Buffer.from(tls.ca).toString('base64'),
      }) as unknown as KubeObject,
    );
    await waitFor('the webhook to answer again', async () => {
      const again = await k(['create', '--dry-run=server', '-f', '-'], policy);
      return again.code === 0;
    });
  });
});
