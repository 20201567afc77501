// verifyImageSignatures against a registry that requires a login, over TLS from a CA of its own: the real distribution
// registry with htpasswd auth, images pushed with crane and signed with cosign v2 after `crane auth login`, the CA
// given in the policy's `ca` (the provider is not told about it otherwise), the login in the policy's inline
// `dockerCfg` as DVP writes it (sealed by the operator for the provider) or in the provider's mounted docker config.
// The provider requires Gatekeeper's client certificate (--client-ca), and a registry that never answers is denied
// before Gatekeeper's webhook times out. Every verdict is what `kubectl create` prints.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/controller/kube-client.js';
import { cachedReconciler, type CachedReconciler } from '../support/cached-reconciler.js';
import { loadLibrary } from '../../src/library/load.js';
import { e2eClient, e2eEnvironment } from '../harness/e2e-env.js';
import { askProvider, startImageSignatureStack, type ImageSignatureStack } from '../harness/image-signatures.js';
import { waitFor, type KubeObject, type KubeTestClient } from '../harness/kube.js';
import { repoRoot } from '../harness/paths.js';
import { installCrds, removeManagedObjects } from '../support/crds.js';

jest.setTimeout(600_000);

const run = randomBytes(3).toString('hex');
const NS = `gw-sigauth-${run}`;
const POLICY = 'image-signatures-auth-e2e';
// What `openssl rand -base64 32` prints; the operator and the provider read the same file (a Secret in a cluster).
const CREDENTIALS_KEY = `${randomBytes(32).toString('base64')}\n`;

let stack: ImageSignatureStack;
let client: KubeTestClient;
let driven: CachedReconciler | undefined;
let host: string;
let hangingHost: string;
let hanging: Server;
const hangingSockets = new Set<Socket>();
let dir: string;
let dockerConfigFile: string;
let clientTls: { cert: string; key: string };
const digests: Record<string, string> = {};

const converge = async (): Promise<void> => {
  await driven!.converge();
};

async function pushImage(repoTag: string): Promise<string> {
  const layerDir = join(stack.dir, 'layers', repoTag.replace(/[/:]/g, '_'));
  mkdirSync(layerDir, { recursive: true });
  writeFileSync(join(layerDir, 'content.txt'), `${repoTag} ${run}\n`);
  execFileSync('tar', ['-cf', join(layerDir, 'layer.tar'), '-C', layerDir, 'content.txt']);
  await stack.tool('crane', ['append', '-f', join(layerDir, 'layer.tar'), '-t', `${host}/${repoTag}`]);
  const digest = await stack.tool('crane', ['digest', `${host}/${repoTag}`]);
  digests[repoTag] = digest;
  return digest;
}

const sign = (repoTag: string) =>
  stack.tool(
    'cosign',
    [
      'sign',
      '--key',
      'trusted.key',
      '--tlog-upload=false',
      '--yes',
      `${host}/${repoTag.split(':')[0]}@${digests[repoTag]}`,
    ],
    { COSIGN_PASSWORD: '' },
  );

/** DVP's dockerCfg: base64 of a docker config.json. */
const dockerCfg = (username: string, password: string): string =>
  Buffer.from(
    JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }),
  ).toString('base64');

const pod = (name: string, image: string): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { containers: [{ name: 'app', image }] },
  }) as KubeObject;

async function admission(obj: KubeObject): Promise<{ status: number; message: string; ms: number }> {
  const started = performance.now();
  const res = await client.createRaw(obj, { dryRun: true });
  return {
    status: res.status,
    message: (res.json as { message?: string } | undefined)?.message ?? '',
    ms: performance.now() - started,
  };
}

/**
 * The verdict on a Pod, asked again (up to 4 times) only while the answer is the provider's own deadline: on this
 * shared 2-core machine the registry's bcrypt check of every Basic login can outlast the 1.5 s deadline, and a
 * deadline answer is a system error that Gatekeeper does not cache, so asking again is what a user's retry would do.
 */
async function verdict(obj: KubeObject): Promise<{ status: number; message: string; ms: number }> {
  let res = await admission(obj);
  for (let retry = 1; retry < 4 && /did not finish within|in time \(the provider gives up/.test(res.message); retry++) {
    console.log(`retry ${retry} after a deadline answer (${res.ms.toFixed(0)} ms)`);
    res = await admission(obj);
  }
  return res;
}

beforeAll(async () => {
  client = e2eClient();
  dir = join(tmpdir(), `gatewright-image-signatures-auth-${run}`);
  mkdirSync(dir, { recursive: true });
  const kc = new KubeConfig();
  kc.loadFromFile(e2eEnvironment().kubeconfigPath);
  // One CA signs the control plane's certificates, Gatekeeper's webhook (and client) certificate among them.
  const controlPlaneCa = Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString();
  writeFileSync(join(dir, 'gatekeeper-ca.crt'), controlPlaneCa);
  const user = kc.getCurrentUser();
  clientTls = {
    cert: Buffer.from(user?.certData ?? '', 'base64').toString(),
    key: Buffer.from(user?.keyData ?? '', 'base64').toString(),
  };
  writeFileSync(join(dir, 'credentials.key'), CREDENTIALS_KEY, { mode: 0o600 });
  dockerConfigFile = join(dir, 'provider-docker-config.json'); // absent at first: the provider has no login of its own

  stack = await startImageSignatureStack(join(dir, 'stack'), {
    htpasswd: true,
    separateRegistryCa: true,
    clientCaFile: join(dir, 'gatekeeper-ca.crt'),
    credentialsKeyFile: join(dir, 'credentials.key'),
    dockerConfigFile,
  });
  host = stack.registryHost;
  await stack.tool('cosign', ['generate-key-pair', '--output-key-prefix', 'trusted'], { COSIGN_PASSWORD: '' });
  const trustedKey = readFileSync(join(stack.dir, 'trusted.pub'), 'utf8');
  for (const repoTag of [
    'private/app:signed',
    'wrong/app:signed',
    'noca/app:signed',
    'mounted/app:1',
    'mounted/app:2',
    'private/app:latency',
  ]) {
    await pushImage(repoTag);
    await sign(repoTag);
  }
  await pushImage('private/app:unsigned');

  // A registry that accepts connections and never answers.
  hanging = createServer((socket) => {
    hangingSockets.add(socket);
    socket.on('close', () => hangingSockets.delete(socket));
  });
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
  hangingHost = `127.0.0.1:${(hanging.address() as { port: number }).port}`;

  const login = stack.login as { username: string; password: string };
  const ca = stack.registryCaPem;
  await installCrds(client);
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await client.apply({
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'SecurityPolicy',
    metadata: { name: POLICY },
    spec: {
      enforcementAction: 'Deny',
      match: { namespaceSelector: { matchNames: [NS] } },
      policies: {
        allowPrivileged: true,
        allowPrivilegeEscalation: true,
        verifyImageSignatures: [
          {
            reference: `${host}/private/*`,
            publicKeys: [trustedKey],
            ca,
            dockerCfg: dockerCfg(login.username, login.password),
          },
          {
            reference: `${host}/wrong/*`,
            publicKeys: [trustedKey],
            ca,
            dockerCfg: dockerCfg(login.username, 'not-the-password'),
          },
          {
            reference: `${host}/noca/*`,
            publicKeys: [trustedKey],
            dockerCfg: dockerCfg(login.username, login.password),
          },
          { reference: `${host}/mounted/*`, publicKeys: [trustedKey], ca },
          { reference: `${hangingHost}/slow/*`, publicKeys: [trustedKey] },
        ],
      },
    },
  } as KubeObject);

  driven = cachedReconciler(kc, {
    client: new KubeClient(kc),
    library: loadLibrary(join(repoRoot(), 'templates')),
    imageSignatureProvider: { url: stack.providerUrl, caPem: stack.caPem, credentialsKey: CREDENTIALS_KEY },
  });
  await converge();
  let last = '';
  await waitFor(
    'Gatekeeper to call the provider',
    async () => {
      const res = await admission(pod('probe', `${host}/private/app:signed`));
      last = res.message;
      return res.status === 201;
    },
    { timeoutMs: 60_000 },
  ).catch((err: Error) => {
    throw new Error(
      `${err.message}; last answer: ${last}; provider log: ${readFileSync(stack.providerLog, 'utf8').slice(-2000)}`,
    );
  });
});

afterAll(async () => {
  await driven?.stop();
  for (const socket of hangingSockets) socket.destroy();
  hanging?.close();
  if (client) {
    await client.delete({ apiVersion: 'deckhouse.io/v1alpha1', kind: 'SecurityPolicy', metadata: { name: POLICY } });
    await removeManagedObjects(client);
  }
  await stack?.stop();
});

const denial = (image: string) => `[${POLICY}] Image signature verification failed: ${image}; `;

describe('image signatures from a registry with a login and a CA of its own', () => {
  test('the policy is Ready; its constraint carries the credentials sealed, never in clear', async () => {
    const res = await client.request('GET', `/apis/deckhouse.io/v1alpha1/securitypolicies/${POLICY}`);
    const status = (res.json as { status: { conditions: { type: string; status: string }[] } }).status;
    expect(status.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'Enforced' });
    const list = await client.request('GET', '/apis/constraints.gatekeeper.sh/v1beta1/d8verifyimagesignatures');
    const constraint = (list.json as { items: { metadata: { name: string }; spec: unknown }[] }).items.find(
      (c) => c.metadata.name === POLICY,
    );
    const text = JSON.stringify(constraint);
    const login = stack.login as { username: string; password: string };
    expect(text).toMatch(/"credentials":"gwsealed\.v1\.[0-9a-f]{12}\./);
    for (const secret of [
      login.password,
      dockerCfg(login.username, login.password),
      Buffer.from(`${login.username}:${login.password}`).toString('base64'),
    ])
      expect(text).not.toContain(secret);
  });

  test("a signed image is admitted with the policy's dockerCfg and ca; an unsigned one is denied: unsigned", async () => {
    expect(await verdict(pod('signed', `${host}/private/app:signed`))).toMatchObject({ status: 201 });
    const image = `${host}/private/app:unsigned`;
    const res = await verdict(pod('unsigned', image));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.message).toContain(`${denial(image)}unsigned: no Cosign signature`);
  });

  test('wrong credentials: denied, saying whose login the registry refused', async () => {
    const image = `${host}/wrong/app:signed`;
    const res = await verdict(pod('wrong', image));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.message).toContain(
      `${denial(image)}registry error: ${host} refused access to wrong/app (401) (credentials of user "${(stack.login as { username: string }).username}" from ` +
        "the policy's dockerCfg: wrong user name or password, or no pull access)",
    );
    console.log(`denied (HTTP ${res.status}): ${res.message}`);
  });

  test("without the registry's CA (no ca in the entry): denied, naming the TLS failure", async () => {
    const image = `${host}/noca/app:signed`;
    const res = await verdict(pod('noca', image));
    expect(res.message).toContain(`${denial(image)}registry error: TLS with ${host} failed: `);
    expect(res.message).toContain(`(is its CA in the policy's "ca" or the provider's --registry-ca?)`);
  });

  test("no login in the entry: the provider's mounted docker config is used, read again when it changes", async () => {
    const first = `${host}/mounted/app:1`;
    expect((await verdict(pod('mounted-1', first))).message).toContain(
      `${denial(first)}registry error: ${host} requires authentication and no credentials are configured for it`,
    );
    const login = stack.login as { username: string; password: string };
    // Written the way the kubelet updates a mounted Secret: a new file moved into place.
    writeFileSync(
      `${dockerConfigFile}.new`,
      JSON.stringify({ auths: { [host]: { username: login.username, password: login.password } } }),
    );
    renameSync(`${dockerConfigFile}.new`, dockerConfigFile);
    // Another tag: Gatekeeper keeps the provider's answer on the first one in its own cache for a while.
    expect(await verdict(pod('mounted-2', `${host}/mounted/app:2`))).toMatchObject({ status: 201 });
  });

  test("a registry that never answers is denied with a clear message, within the webhook's timeout (fail closed)", async () => {
    const image = `${hangingHost}/slow/app:1`;
    const res = await admission(pod('slow', image));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.message).toContain(`${denial(image)}registry error: `);
    expect(res.message).toMatch(/no answer from 127\.0\.0\.1:\d+ in time|did not finish within 1500 ms/);
    // The webhook's timeout is 3 s, the Provider's 2 s, the provider's own deadline 1.5 s.
    expect(res.ms).toBeLessThan(3000);
    console.log(`hanging registry: denied after ${res.ms.toFixed(0)} ms: ${res.message}`);
  });

  test("the provider answers only clients with a certificate from Gatekeeper's CA", async () => {
    const key = JSON.stringify({ image: `${host}/mounted/app:2`, publicKeys: ['x'] });
    await expect(askProvider(stack, [key])).rejects.toThrow(/certificate required|ECONNRESET|socket hang up/);
    const answered = await askProvider(stack, [key], clientTls);
    expect(answered.items).toHaveLength(1);
  });

  test('latency of one verification with a login and mTLS, cold and cached (printed, not asserted)', async () => {
    const policy = await client.request(
      'GET',
      `/apis/constraints.gatekeeper.sh/v1beta1/d8verifyimagesignatures/${POLICY}`,
    );
    const ref = (policy.json as { spec: { parameters: { references: Record<string, string | string[]>[] } } }).spec
      .parameters.references[0] as Record<string, string | string[]>;
    const key = JSON.stringify({
      image: `${host}/private/app:latency`,
      publicKeys: ref.publicKeys,
      ca: ref.ca,
      credentials: ref.credentials,
    });
    const cold = await askProvider(stack, [key], clientTls);
    const cached = await askProvider(stack, [key], clientTls);
    expect(cold.items[0]).toMatchObject({ value: { verified: true } });
    expect(cached.items[0]).toMatchObject({ value: { verified: true } });
    console.log(
      `image signature verification with Basic auth, the entry's CA and mTLS on loopback: cold ${cold.ms.toFixed(1)} ms, cached ${cached.ms.toFixed(1)} ms`,
    );
  });
});
