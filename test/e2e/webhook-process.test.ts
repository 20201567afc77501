// The validating webhook as a user runs it: `gatewright run --webhook-port` (the operator process, serving the webhook
// on 127.0.0.1 with a self-signed certificate), registered with the real API server by a
// ValidatingWebhookConfiguration. What the CRD's schema admits but the webhook refuses is refused at `kubectl apply`
// with the field path; `gatewright validate` prints the same errors and warnings as the API server, to the letter;
// and a policy accepted with a warning is enforced by the same process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { POLICY_API_VERSION, resourcePath } from '../../src/api/resources.js';
import { webhookConfiguration } from '../../src/webhook/configuration.js';
import { e2eClient, e2eEnvironment } from '../harness/e2e-env.js';
import { kubectl, waitFor, type KubeObject, type KubeTestClient } from '../harness/kube.js';
import { repoRoot } from '../harness/paths.js';
import { freePorts } from '../harness/ports.js';
import { BAD_OBJECTS, securityPolicy, type BadObject } from '../support/bad-objects.js';
import { installCrds, removeManagedObjects } from '../support/crds.js';
import { servingCertificate } from '../support/webhook-cert.js';

jest.setTimeout(300_000);

const LEASE_NAMESPACE = 'gw-webhook-system';
const NS = 'gw-webhook-team';
let client: KubeTestClient;
let operator: ChildProcess | undefined;
const log: string[] = [];
const k = (args: string[], stdin?: string) => kubectl(e2eEnvironment().kubeconfigPath, args, stdin);
const cli = (args: string[], stdin: string) =>
  spawnSync(process.execPath, [join(repoRoot(), 'dist', 'cli', 'main.js'), ...args], {
    input: stdin,
    encoding: 'utf8',
  });

const webhookCases = BAD_OBJECTS.filter((b) => b.outcome === 'rejected' && b.door === 'webhook');
const warnedCases = BAD_OBJECTS.filter((b) => b.outcome === 'warned');

/** `gatewright validate -o json` on one object: its errors and warnings as `path: message`. */
function validateLines(b: BadObject): { errors: string[]; warnings: string[] } {
  const r = cli(['validate', '-f', '-', '-o', 'json'], JSON.stringify(b.object));
  let out: Record<'errors' | 'warnings', { path: string; message: string }[]>;
  try {
    out = JSON.parse(r.stdout) as typeof out;
  } catch {
    throw new Error(`${b.name}: gatewright validate printed no JSON (exit ${r.status}, ${r.signal ?? 'no signal'}, ${r.error?.message ?? ''}): ${r.stderr.slice(0, 500)}`); // prettier-ignore
  }
  const line = (e: { path: string; message: string }) => `${e.path ? `${e.path}: ` : ''}${e.message}`;
  return { errors: out.errors.map(line), warnings: out.warnings.map(line) };
}

const POLICY = securityPolicy('webhook-sysctls', { allowPrivileged: true, allowPrivilegeEscalation: true, allowedUnsafeSysctls: ['*'], forbiddenSysctls: ['*'] }, { match: { namespaceSelector: { matchNames: [NS] } } }); // prettier-ignore

beforeAll(async () => {
  client = e2eClient();
  await installCrds(client);
  for (const name of [LEASE_NAMESPACE, NS])
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'security.deckhouse.io/pod-policy': 'privileged' } } }); // prettier-ignore
  const tls = servingCertificate();
  const [webhookPort, opsPort] = (await freePorts(2)) as [number, number];
  operator = spawn(
    process.execPath,
    [join(repoRoot(), 'dist', 'cli', 'main.js'), 'run', '--webhook-port', String(webhookPort)]
      .concat(['--webhook-host', '127.0.0.1', '--webhook-cert', join(tls.dir, 'tls.crt'), '--webhook-key', join(tls.dir, 'tls.key')])
      .concat(['--ops-port', String(opsPort), '--ops-host', '127.0.0.1', '--lease-namespace', LEASE_NAMESPACE])
      .concat(['--lease-name', 'gatewright-webhook-e2e', '--lease-duration', '6', '--resync', '5', '--no-protect']),
    { env: { ...process.env, KUBECONFIG: e2eEnvironment().kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] },
  ); // prettier-ignore
  const collect = (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean));
  operator.stdout?.on('data', collect);
  operator.stderr?.on('data', collect);
  await waitFor('the webhook to serve', async () =>
    log.some((l) => l.includes(`webhook serving on port ${webhookPort}`)),
  );

  // Before the webhook is registered, the CRD alone admits every webhook-only case: the refusals below are its own.
  for (const b of webhookCases) {
    const r = await k(['create', '--dry-run=server', '-f', '-'], JSON.stringify(b.object));
    expect([b.name, r.code, r.stderr]).toEqual([b.name, 0, expect.any(String)]);
  }
  await client.apply(
    webhookConfiguration({
      url: `https://127.0.0.1:${webhookPort}/validate`,
      caBundle: Buffer.from(tls.ca).toString('base64'),
    }) as unknown as KubeObject,
  );
  // The API server picks the configuration up asynchronously: wait until the first case is refused.
  const probe = webhookCases[0] as BadObject;
  const expected = validateLines(probe).errors[0] as string;
  let last = '';
  await waitFor('the API server to call the webhook', async () => {
    const r = await k(['create', '--dry-run=server', '-f', '-'], JSON.stringify(probe.object));
    last = r.stderr;
    return r.code !== 0 && r.stderr.includes(expected);
  }).catch((e: Error) => {
    throw new Error(`${e.message}; kubectl said: ${last}; operator log: ${log.slice(-5).join(' | ')}`);
  });
});

afterAll(async () => {
  if (client) {
    await client.delete({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'gatewright-policies' } }); // prettier-ignore
    await client.delete(POLICY as unknown as KubeObject);
  }
  if (operator && operator.exitCode === null) {
    operator.kill('SIGTERM');
    await new Promise((resolve) => operator?.once('exit', resolve));
  }
  if (client) {
    await removeManagedObjects(client);
    for (const name of [NS, LEASE_NAMESPACE])
      await client.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
});

// The process once stopped on its own here: a first pass and the webhook's first reviews on a loaded machine held
// its event loop past the Lease's renew deadline, and the renewal that woke late gave up without trying (lost Lease →
// exit). It now renews at once when it wakes, as client-go does (leader.ts); the last test checks it still runs.
describe('gatewright run --webhook-port behind the real API server', () => {
  // kubectl words a refusal from the causes the webhook returns: `The <Kind> "<name>" is invalid: <path>: <message>`.
  test('every webhook-only case is refused at kubectl apply with the same lines gatewright validate prints', async () => {
    let refused = 0;
    for (const b of webhookCases) {
      // Server-side: a client-side apply copies the object into an annotation, and the 1 MiB case is then refused
      // for that annotation's size before the webhook sees it.
      const r = await k(['apply', '--server-side', '-f', '-'], JSON.stringify(b.object));
      expect([b.name, r.code === 0]).toEqual([b.name, false]);
      const { errors } = validateLines(b);
      expect([b.name, errors.length > 0]).toEqual([b.name, true]);
      for (const line of errors) expect([b.name, r.stderr]).toEqual([b.name, expect.stringContaining(line)]);
      refused++;
    }
    console.log(`webhook process: ${refused}/${webhookCases.length} webhook-only cases refused at kubectl apply`);
  });

  test('every warned case: kubectl prints exactly the warnings gatewright validate prints', async () => {
    for (const b of warnedCases) {
      const r = await k(['create', '--dry-run=server', '-f', '-'], JSON.stringify(b.object));
      expect([b.name, r.code]).toEqual([b.name, 0]);
      const printed = r.stderr.split('\n').filter((l) => l.startsWith('Warning: ')).map((l) => l.slice('Warning: '.length)); // prettier-ignore
      const expected = validateLines(b).warnings.map((w) => (w.length > 250 ? `${w.slice(0, 249)}…` : w));
      expect([b.name, printed]).toEqual([b.name, expected]);
    }
  });

  test('allowedUnsafeSysctls ["*"] with forbiddenSysctls ["*"]: a warning at apply, and the same process enforces it', async () => {
    const r = await k(['apply', '-f', '-'], JSON.stringify(POLICY));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: spec.policies.allowedUnsafeSysctls[0]: "*" is also forbidden by forbiddenSysctls[0]'); // prettier-ignore
    const path = resourcePath(POLICY_API_VERSION, 'SecurityPolicy', 'webhook-sysctls');
    await waitFor('the policy to be Ready', async () => {
      const s = (await client.request('GET', path)).json as { status?: { conditions?: { type: string; status: string; reason: string }[] } }; // prettier-ignore
      const c = (t: string) => s.status?.conditions?.find((x) => x.type === t);
      return c('Ready')?.status === 'True' && c('Valid')?.reason === 'ValidWithWarnings';
    });
    const pod = (sysctls: { name: string; value: string }[]) =>
      client.createRaw({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sysctl', namespace: NS }, spec: { securityContext: { sysctls }, containers: [{ name: 'a', image: 'registry.example.com/a:1' }] } } as KubeObject, { dryRun: true }); // prettier-ignore
    let denied = await pod([{ name: 'kernel.shm_rmid_forced', value: '1' }]);
    // Gatekeeper picks the new constraint up asynchronously after Ready is written by status from its pods.
    await waitFor('the sysctl Pod to be denied', async () => {
      denied = await pod([{ name: 'kernel.shm_rmid_forced', value: '1' }]);
      return denied.status >= 400;
    });
    expect((denied.json as { message?: string }).message).toContain('[webhook-sysctls]');
    expect((await pod([])).status).toBe(201);
  });

  test('the process is still up and leading after all of it', () => {
    const stalls = log.filter((l) => l.includes('stalled past the renew deadline')).length;
    console.log(`webhook process: event loop stalls past the renew deadline, renewed at once: ${stalls}`);
    expect([operator?.exitCode, operator?.signalCode]).toEqual([null, null]);
    expect(log.filter((l) => /lost the Lease/i.test(l))).toEqual([]);
  });
});
