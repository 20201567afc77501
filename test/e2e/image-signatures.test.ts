// verifyImageSignatures end to end: a real OCI registry on loopback (distribution, TLS from its own CA), images pushed
// with crane, signed with the real cosign v2, gatewright's provider as its own process, the operator's reconciler
// emitting the check and the Provider, and Gatekeeper calling the provider through external data while the API server
// admits or denies Pods. Every verdict is what `kubectl create` would print.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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
import { policyExamples } from '../support/doc-examples.js';

jest.setTimeout(600_000);

const run = randomBytes(3).toString('hex');
const NS = `gw-sig-${run}`;
const DVP_NS = 'test-namespace';
const POLICY = 'image-signatures-e2e';

let stack: ImageSignatureStack;
let client: KubeTestClient;
let driven: CachedReconciler | undefined;
let host: string;
const digests: Record<string, string> = {};
let trustedKey: string;

const converge = async (): Promise<void> => {
  await driven!.converge();
};

/** Pushes a one-file image with content of its own (so its digest is its own); returns the digest. */
async function pushImage(repoTag: string): Promise<string> {
  const dir = join(stack.dir, 'layers', repoTag.replace(/[/:]/g, '_'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'content.txt'), `${repoTag} ${run}\n`);
  execFileSync('tar', ['-cf', join(dir, 'layer.tar'), '-C', dir, 'content.txt']);
  await stack.tool('crane', ['append', '-f', join(dir, 'layer.tar'), '-t', `${host}/${repoTag}`]);
  const digest = await stack.tool('crane', ['digest', `${host}/${repoTag}`]);
  digests[repoTag] = digest;
  return digest;
}

const cosign = (args: string[]) => stack.tool('cosign', args, { COSIGN_PASSWORD: '' });
const sign = (keyFile: string, repoTag: string) =>
  cosign([
    'sign',
    '--key',
    keyFile,
    '--tlog-upload=false',
    '--yes',
    `${host}/${repoTag.split(':')[0]}@${digests[repoTag]}`,
  ]);
const sigTag = (digest: string) => `${digest.replace(':', '-')}.sig`;

/** Rewrites the signed payload of an image's signature (new blob, same signature), as an attacker with push access could. */
async function tamperSignature(repo: string, digest: string): Promise<void> {
  const oci = 'application/vnd.oci.image.manifest.v1+json';
  const manifestRes = await stack.registryRequest('GET', `/v2/${repo}/manifests/${sigTag(digest)}`, undefined, {
    Accept: oci,
  });
  const manifest = JSON.parse(manifestRes.body.toString()) as { layers: { digest: string; size: number }[] };
  const layer = manifest.layers[0] as { digest: string; size: number };
  const payload = JSON.parse((await stack.registryRequest('GET', `/v2/${repo}/blobs/${layer.digest}`)).body.toString());
  payload.optional = { note: 'changed after signing' };
  const tampered = Buffer.from(JSON.stringify(payload));
  const tamperedDigest = `sha256:${(await import('node:crypto')).createHash('sha256').update(tampered).digest('hex')}`;
  const upload = await stack.registryRequest('POST', `/v2/${repo}/blobs/uploads/`);
  const location = String(upload.headers.location);
  const put = `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(tamperedDigest)}`;
  const stored = await stack.registryRequest('PUT', put, tampered, { 'Content-Type': 'application/octet-stream' });
  expect(stored.status).toBe(201);
  layer.digest = tamperedDigest;
  layer.size = tampered.length;
  const res = await stack.registryRequest(
    'PUT',
    `/v2/${repo}/manifests/${sigTag(digest)}`,
    Buffer.from(JSON.stringify(manifest)),
    {
      'Content-Type': oci,
    },
  );
  expect(res.status).toBe(201);
}

const pod = (name: string, namespace: string, image: string, extra: Record<string, unknown> = {}): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { containers: [{ name: 'app', image }], ...extra },
  }) as KubeObject;

async function admission(obj: KubeObject): Promise<{ status: number; message: string }> {
  const res = await client.createRaw(obj, { dryRun: true });
  return { status: res.status, message: (res.json as { message?: string } | undefined)?.message ?? '' };
}

beforeAll(async () => {
  client = e2eClient();
  stack = await startImageSignatureStack(join(tmpdir(), `gatewright-image-signatures-${run}`));
  host = stack.registryHost;
  await cosign(['generate-key-pair', '--output-key-prefix', 'trusted']);
  await cosign(['generate-key-pair', '--output-key-prefix', 'other']);
  trustedKey = (await import('node:fs')).readFileSync(join(stack.dir, 'trusted.pub'), 'utf8');

  for (const tag of ['signed', 'unsigned', 'other-key', 'copied', 'tampered', 'latency', 'late'])
    await pushImage(`apps/app:${tag}`);
  await pushImage('other/app:1');
  for (const tag of ['signed', 'tampered', 'latency', 'late']) await sign('trusted.key', `apps/app:${tag}`);
  await sign('other.key', 'apps/app:other-key');
  // A good signature of :signed, copied under the signature tag of :copied (a replayed signature).
  await stack.tool('crane', [
    'copy',
    `${host}/apps/app:${sigTag(digests['apps/app:signed'] as string)}`,
    `${host}/apps/app:${sigTag(digests['apps/app:copied'] as string)}`,
  ]);
  await tamperSignature('apps/app', digests['apps/app:tampered'] as string);

  await installCrds(client);
  for (const name of [NS, DVP_NS]) await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await client.apply({
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'SecurityPolicy',
    metadata: { name: POLICY },
    spec: {
      enforcementAction: 'Deny',
      match: { namespaceSelector: { matchNames: [NS] } },
      // Only the signature check: DVP's implicit privileged/escalation checks would deny these plain Pods too.
      policies: {
        allowPrivileged: true,
        allowPrivilegeEscalation: true,
        verifyImageSignatures: [{ reference: `${host}/apps/*`, publicKeys: [trustedKey] }],
      },
    },
  } as KubeObject);
  const dvp = policyExamples().find((e) => e.name === 'verify-image-test');
  if (!dvp) throw new Error('the DVP documentation has no verify-image-test example');
  await client.apply(dvp.object as unknown as KubeObject);

  const kc = new KubeConfig();
  kc.loadFromFile(e2eEnvironment().kubeconfigPath);
  driven = cachedReconciler(kc, {
    client: new KubeClient(kc),
    library: loadLibrary(join(repoRoot(), 'templates')),
    imageSignatureProvider: { url: stack.providerUrl, caPem: stack.caPem },
  });
  await converge();
  // Gatekeeper's provider cache fills asynchronously: until it has the Provider, every covered image is denied.
  let last = '';
  await waitFor(
    'Gatekeeper to call the provider',
    async () => {
      const res = await admission(pod('probe', NS, `${host}/apps/app:signed`));
      last = res.message;
      return res.status === 201;
    },
    { timeoutMs: 60_000 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last answer: ${last}`);
  });
});

afterAll(async () => {
  await driven?.stop();
  if (client) {
    await client.delete({ apiVersion: 'deckhouse.io/v1alpha1', kind: 'SecurityPolicy', metadata: { name: POLICY } });
    await client.delete({
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'SecurityPolicy',
      metadata: { name: 'verify-image-test' },
    });
    await removeManagedObjects(client);
  }
  await stack?.stop();
});

const denial = (name: string, image: string) => `[${name}] Image signature verification failed: ${image}; `;

describe('image signatures through the API server', () => {
  test('both policies are Ready with the check enforced', async () => {
    for (const name of [POLICY, 'verify-image-test']) {
      const res = await client.request('GET', `/apis/deckhouse.io/v1alpha1/securitypolicies/${name}`);
      const status = (
        res.json as {
          status: {
            conditions: { type: string; status: string; reason: string }[];
            checks: { kind: string; enforced: boolean }[];
          };
        }
      ).status;
      expect([name, status.conditions.find((c) => c.type === 'Ready')]).toEqual([
        name,
        expect.objectContaining({ status: 'True', reason: 'Enforced' }),
      ]);
      expect(status.checks.find((c) => c.kind === 'D8VerifyImageSignatures')).toMatchObject({ enforced: true });
    }
    const provider = await client.request(
      'GET',
      '/apis/externaldata.gatekeeper.sh/v1beta1/providers/gatewright-image-signatures',
    );
    expect(provider.json).toMatchObject({ spec: { url: stack.providerUrl, timeout: 2 } });
  });

  test('a signed image is admitted, in a Pod and in a Deployment', async () => {
    expect(await admission(pod('signed', NS, `${host}/apps/app:signed`))).toMatchObject({ status: 201 });
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'signed', namespace: NS },
      spec: {
        selector: { matchLabels: { app: 'signed' } },
        template: {
          metadata: { labels: { app: 'signed' } },
          spec: { containers: [{ name: 'app', image: `${host}/apps/app@${digests['apps/app:signed']}` }] },
        },
      },
    } as KubeObject;
    expect(await admission(deployment)).toMatchObject({ status: 201 });
  });

  test('an unsigned image is denied: unsigned', async () => {
    const image = `${host}/apps/app:unsigned`;
    const res = await admission(pod('unsigned', NS, image));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.message).toContain(
      `${denial(POLICY, image)}unsigned: no Cosign signature (${host}/apps/app:${sigTag(digests['apps/app:unsigned'] as string)})`,
    );
    expect(res.message).toContain(`Pod ${NS}/unsigned, container "app": spec.containers[0].image`);
    console.log(`denied (HTTP ${res.status}): ${res.message}`);
  });

  test('an image signed with another key is denied: wrong key', async () => {
    const image = `${host}/apps/app:other-key`;
    expect((await admission(pod('other-key', NS, image))).message).toContain(
      `${denial(POLICY, image)}wrong key or tampered payload: no signature verifies with the 1 trusted public key(s)`,
    );
  });

  test('a tampered payload is denied: the signature no longer verifies', async () => {
    const image = `${host}/apps/app:tampered`;
    expect((await admission(pod('tampered', NS, image))).message).toContain(
      `${denial(POLICY, image)}wrong key or tampered payload`,
    );
  });

  test("another image's signature copied to this one is denied: digest mismatch", async () => {
    const image = `${host}/apps/app:copied`;
    expect((await admission(pod('copied', NS, image))).message).toContain(
      `${denial(POLICY, image)}digest mismatch: the signature is for ${digests['apps/app:signed']}, the image is ${digests['apps/app:copied']}`,
    );
  });

  test('an unsigned init container denies the Pod; an image no reference covers is unaffected', async () => {
    const image = `${host}/apps/app:unsigned`;
    const res = await admission(pod('init', NS, `${host}/other/app:1`, { initContainers: [{ name: 'setup', image }] }));
    expect(res.message).toContain(`${denial(POLICY, image)}unsigned`);
    expect(res.message).toContain('init container "setup": spec.initContainers[0].image');
    expect(await admission(pod('uncovered', NS, `${host}/other/app:1`))).toMatchObject({ status: 201 });
  });

  test("the DVP documentation's verify-image-test example, unchanged: its reference is verified, other images are not", async () => {
    const image = 'registry.private.ru/labs/application/image:latest';
    const res = await admission(pod('signed-pod', DVP_NS, image));
    expect(res.status).toBeGreaterThanOrEqual(400);
    // No such registry here: the image cannot be verified, so it is denied, with the registry's failure as reason.
    expect(res.message).toContain(`${denial('verify-image-test', image)}registry error: `);
    expect(await admission(pod('unsigned-pod', DVP_NS, 'nginx:1.17.2'))).toMatchObject({ status: 201 });
  });

  test('latency of one verification, cold and cached (printed, not asserted)', async () => {
    const key = JSON.stringify({ image: `${host}/apps/app:latency`, publicKeys: [trustedKey] });
    const cold = await askProvider(stack, [key]);
    const cached = await askProvider(stack, [key]);
    expect(cold.items[0]).toMatchObject({ value: { verified: true } });
    expect(cached.items[0]).toMatchObject({ value: { verified: true } });
    const timed = async () => {
      const started = performance.now();
      const res = await admission(pod('latency', NS, `${host}/apps/app:latency`));
      expect(res.status).toBe(201);
      return performance.now() - started;
    };
    const viaProvider = await timed(); // Gatekeeper asks the provider, whose cache is warm
    const viaGatekeeperCache = await timed(); // Gatekeeper answers from its own external-data cache
    console.log(
      `image signature verification on loopback: provider cold ${cold.ms.toFixed(1)} ms, cached ${cached.ms.toFixed(1)} ms; ` +
        `dry-run Pod admission through the API server: ${viaProvider.toFixed(1)} ms with a provider call, ` +
        `${viaGatekeeperCache.toFixed(1)} ms from Gatekeeper's cache`,
    );
  });

  test('with the registry stopped, a covered image is denied with a clear message (fail closed)', async () => {
    await stack.stopRegistry();
    try {
      const image = `${host}/apps/app:late`;
      const res = await admission(pod('late', NS, image));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.message).toContain(
        `${denial(POLICY, image)}registry error: ${host} refused the connection (is the registry running?)`,
      );
      // Images no reference covers still do not depend on the registry.
      expect(await admission(pod('uncovered-late', NS, `${host}/other/app:1`))).toMatchObject({ status: 201 });
    } finally {
      await stack.startRegistry();
    }
  });
});
