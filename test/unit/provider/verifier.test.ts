// The registry client and the verifier against an in-process registry: digests resolved and checked, the token and
// Basic flows, every refusal with its reason, the cache (hits, TTL, no caching of registry failures), and fail-closed
// answers when the registry is down or slow. The HTTPS server speaks Gatekeeper's external data protocol.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import winston from 'winston';
import { RegistryClient, RegistryError } from '../../../src/provider/registry.js';
import { Verifier, type VerificationRequest } from '../../../src/provider/verifier.js';
import { answer, ProviderServer, VERIFY_PATH } from '../../../src/provider/server.js';
import { parseSealingKeys, seal, type SealingKey } from '../../../src/provider/sealed-credentials.js';
import { cosignPayload, sha256, TestRegistry } from './test-registry.js';

const pem = (k: KeyObject): string => k.export({ format: 'pem', type: 'spki' }).toString();
const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const silent = winston.createLogger({ silent: true });

describe('verifier against a registry', () => {
  const reg = new TestRegistry();
  let host: string;
  let clock = 1_000_000;
  let verifier: Verifier;
  const req = (image: string, keys = [pem(signer.publicKey)]): VerificationRequest => ({ image, publicKeys: keys });
  let appDigest: string;

  beforeAll(async () => {
    host = await reg.start();
    const client = new RegistryClient({ plainHttp: new Set([host]) });
    verifier = new Verifier({ registry: client, cacheTtlMs: 60_000, now: () => clock });
    appDigest = reg.pushImage('app', 'signed');
    reg.sign('app', appDigest, [{ key: signer.privateKey }]);
    reg.pushImage('app', 'unsigned');
    const otherDigest = reg.pushImage('app', 'other-key');
    reg.sign('app', otherDigest, [{ key: other.privateKey }]);
    // A good signature of `signed`, copied under the signature tag of another image.
    const copiedDigest = reg.pushImage('app', 'copied');
    reg.sign('app', copiedDigest, [{ key: signer.privateKey, payload: cosignPayload(`${host}/app`, appDigest) }]);
  });
  afterAll(() => reg.stop());

  it('verifies a signed image by tag and by digest, then answers from the cache', async () => {
    const first = await verifier.verify(req(`${host}/app:signed`));
    expect(first).toMatchObject({
      cached: false,
      verdict: { verified: true, digest: appDigest, keyType: 'ecdsa-p256' },
    });
    const before = reg.requests.length;
    const second = await verifier.verify(req(`${host}/app:signed`));
    expect(second).toMatchObject({ cached: true, verdict: { verified: true } });
    // Only the tag is resolved again (tags move); the signature is not fetched again.
    expect(reg.requests.slice(before)).toEqual(['GET /v2/app/manifests/signed']);
    const byDigest = await verifier.verify(req(`${host}/app@${appDigest}`));
    expect(byDigest).toMatchObject({ cached: true, verdict: { verified: true } });
  });

  it('forgets a verdict after the TTL', async () => {
    clock += 61_000;
    expect(await verifier.verify(req(`${host}/app:signed`))).toMatchObject({
      cached: false,
      verdict: { verified: true },
    });
  });

  it('a refusal is reused for 30 s only, so signing an image takes effect quickly', async () => {
    const digest = reg.pushImage('app', 'signed-later');
    expect(await verifier.verify(req(`${host}/app:signed-later`))).toMatchObject({ verdict: { refusal: 'unsigned' } });
    reg.sign('app', digest, [{ key: signer.privateKey }]);
    expect(await verifier.verify(req(`${host}/app:signed-later`))).toMatchObject({
      cached: true,
      verdict: { refusal: 'unsigned' },
    });
    clock += 31_000;
    expect(await verifier.verify(req(`${host}/app:signed-later`))).toMatchObject({
      cached: false,
      verdict: { verified: true },
    });
  });

  it('a verdict is per key set: another key set is checked afresh', async () => {
    const res = await verifier.verify(req(`${host}/app:signed`, [pem(other.publicKey)]));
    expect(res).toMatchObject({ cached: false, verdict: { verified: false, refusal: 'wrong-key' } });
  });

  it.each([
    [
      'unsigned',
      'app:unsigned',
      'unsigned',
      /^unsigned: no Cosign signature \(127\.0\.0\.1:\d+\/app:sha256-[0-9a-f]{64}\.sig\)$/,
    ],
    ['signed with another key', 'app:other-key', 'wrong-key', /^wrong key or tampered payload: /],
    ["another image's signature", 'app:copied', 'digest-mismatch', /^digest mismatch: the signature is for sha256:/],
    ['not in the registry', 'app:missing', 'registry', /^registry error: 127\.0\.0\.1:\d+\/app:missing not found$/],
    ['not a valid reference', 'App:1', 'malformed', /invalid repository/],
  ])('refuses an image %s', async (_what, image, refusal, reason) => {
    const res = await verifier.verify(req(`${host}/${image}`));
    expect(res.verdict).toMatchObject({ verified: false, refusal });
    expect(res.verdict.verified === false && res.verdict.reason).toMatch(reason);
  });

  it('refuses when no key is usable, naming why', async () => {
    const res = await verifier.verify(req(`${host}/app:signed`, ['ssh-rsa AAAA']));
    expect(res.verdict).toMatchObject({
      refusal: 'malformed',
      reason: expect.stringMatching(/^no usable public key: not a PEM/),
    });
  });

  it('a tampered payload blob in the registry is refused', async () => {
    const digest = reg.pushImage('tampered', 'v1');
    const payload = cosignPayload(`${host}/tampered`, digest);
    reg.sign('tampered', digest, [{ key: signer.privateKey, payload, storedPayload: Buffer.from(`${payload} `) }]);
    const res = await verifier.verify(req(`${host}/tampered:v1`));
    expect(res.verdict).toMatchObject({
      refusal: 'registry',
      reason: expect.stringMatching(/whose content hashes to/),
    });
  });

  it('a registry that lies about a digest is refused', async () => {
    reg.pushImage('liar', 'v1');
    reg.lieDigest = sha256('something else');
    try {
      const res = await verifier.verify(req(`${host}/liar:v1`));
      expect(res.verdict).toMatchObject({
        refusal: 'registry',
        reason: expect.stringMatching(/announced digest sha256:/),
      });
    } finally {
      reg.lieDigest = undefined;
    }
  });

  it('a slow registry is refused within the deadline, and the failure is not cached', async () => {
    const digest = reg.pushImage('slow', 'v1');
    reg.sign('slow', digest, [{ key: signer.privateKey }]);
    reg.delayMs = 2000;
    const started = Date.now();
    const res = await verifier.verify(req(`${host}/slow:v1`), AbortSignal.timeout(300));
    reg.delayMs = 0;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(res.verdict).toMatchObject({
      refusal: 'registry',
      reason: expect.stringMatching(/no answer from 127\.0\.0\.1:\d+ in time/),
    });
    expect(await verifier.verify(req(`${host}/slow:v1`))).toMatchObject({ cached: false, verdict: { verified: true } });
  });

  it('an unreachable registry is refused with a clear message', async () => {
    const gone = new TestRegistry();
    const goneHost = await gone.start();
    await gone.stop();
    const v = new Verifier({ registry: new RegistryClient({ plainHttp: new Set([goneHost]) }), cacheTtlMs: 1000 });
    const res = await v.verify(req(`${goneHost}/app:v1`));
    expect(res.verdict).toMatchObject({
      refusal: 'registry',
      reason: `registry error: ${goneHost} refused the connection (is the registry running?)`,
    });
  });

  it('a TLS failure is a registry error', async () => {
    const v = new Verifier({ registry: new RegistryClient(), cacheTtlMs: 1000 });
    // The plain-HTTP test registry does not speak TLS: the handshake fails.
    const res = await v.verify(req(`${host}/app:signed`));
    expect(res.verdict).toMatchObject({ refusal: 'registry', reason: expect.stringMatching(/^registry error: /) });
  });
});

describe('registry authentication', () => {
  it('Bearer: fetches a pull token with the configured credentials and reuses it', async () => {
    const reg = new TestRegistry({ auth: 'bearer', username: 'puller', password: 's3cret' });
    const host = await reg.start();
    try {
      const digest = reg.pushImage('private/app', 'v1');
      const client = new RegistryClient({
        plainHttp: new Set([host]),
        credentials: (r) => (r === host ? { username: 'puller', password: 's3cret' } : undefined),
      });
      expect((await client.manifest({ registry: host, repository: 'private/app' }, 'v1'))?.digest).toBe(digest);
      expect(reg.requests.filter((r) => r.startsWith('GET /token'))).toHaveLength(1);
      expect(reg.requests.at(-2)).toMatch(
        /^GET \/token\?service=test-registry&scope=repository%3Aprivate%2Fapp%3Apull$/,
      );
      await client.manifest({ registry: host, repository: 'private/app' }, 'v1');
      expect(reg.requests.filter((r) => r.startsWith('GET /token'))).toHaveLength(1);

      const anonymous = new RegistryClient({ plainHttp: new Set([host]) });
      await expect(anonymous.manifest({ registry: host, repository: 'private/app' }, 'v1')).rejects.toThrow(
        /token service of 127\.0\.0\.1:\d+ answered 401 \(no credentials are configured for this registry\)/,
      );
    } finally {
      await reg.stop();
    }
  });

  it('Basic: sends the credentials, and says so when there are none', async () => {
    const reg = new TestRegistry({ auth: 'basic', username: 'u', password: 'p' });
    const host = await reg.start();
    try {
      reg.pushImage('app', 'v1');
      const ok = new RegistryClient({
        plainHttp: new Set([host]),
        credentials: () => ({ username: 'u', password: 'p' }),
      });
      expect(await ok.manifest({ registry: host, repository: 'app' }, 'v1')).toBeDefined();
      const wrong = new RegistryClient({
        plainHttp: new Set([host]),
        credentials: () => ({ username: 'u', password: 'x' }),
      });
      await expect(wrong.manifest({ registry: host, repository: 'app' }, 'v1')).rejects.toThrow(
        /refused access to app \(401\)/,
      );
      const none = new RegistryClient({ plainHttp: new Set([host]) });
      await expect(none.manifest({ registry: host, repository: 'app' }, 'v1')).rejects.toThrow(
        /requires authentication and no credentials are configured/,
      );
    } finally {
      await reg.stop();
    }
  });

  it('blob redirects to another host do not carry the credentials', async () => {
    const reg = new TestRegistry({ auth: 'basic', username: 'u', password: 'p' });
    const host = await reg.start();
    try {
      const digest = reg.pushImage('app', 'v1');
      reg.sign('app', digest, [{ key: signer.privateKey }]);
      reg.redirectBlobs = true;
      const client = new RegistryClient({
        plainHttp: new Set([host]),
        credentials: () => ({ username: 'u', password: 'p' }),
      });
      const v = new Verifier({ registry: client, cacheTtlMs: 1000 });
      expect((await v.verify({ image: `${host}/app:v1`, publicKeys: [pem(signer.publicKey)] })).verdict.verified).toBe(
        true,
      );
      expect(reg.storageAuth.length).toBeGreaterThan(0);
      expect(reg.storageAuth.every((a) => a === undefined)).toBe(true);
    } finally {
      await reg.stop();
    }
  });

  it('refuses oversized answers', async () => {
    const reg = new TestRegistry();
    const host = await reg.start();
    try {
      const digest = reg.pushImage('app', 'v1');
      reg.blobOverride = Buffer.alloc(100_000);
      const client = new RegistryClient({ plainHttp: new Set([host]) });
      await expect(client.blob({ registry: host, repository: 'app' }, digest, 1000)).rejects.toThrow(
        /larger than 1000 bytes/,
      );
      reg.blobOverride = undefined;
      await expect(client.blob({ registry: host, repository: 'app' }, sha256('absent'), 1000)).rejects.toThrow(
        RegistryError,
      );
    } finally {
      await reg.stop();
    }
  });
});

describe("a policy entry's sealed dockerCfg", () => {
  const reg = new TestRegistry({ auth: 'bearer', username: 'puller', password: 's3cret' });
  let host: string;
  const [sealingKey] = parseSealingKeys('Y3JlZGVudGlhbHMga2V5IG9mIHRoZSB1bml0IHRlc3Rz') as [SealingKey];
  const dockerCfg = (username: string, password: string) =>
    seal(sealingKey, JSON.stringify({ auths: { [host]: { username, password } } }));
  const request = (tag: string, credentials?: string): VerificationRequest => ({
    image: `${host}/private/app:${tag}`,
    publicKeys: [pem(signer.publicKey)],
    ...(credentials ? { credentials } : {}),
  });
  const verifierWith = (global?: { username: string; password: string }, keys: SealingKey[] = [sealingKey]) =>
    new Verifier({
      registry: new RegistryClient({
        plainHttp: new Set([host]),
        ...(global ? { credentials: () => global } : {}),
      }),
      cacheTtlMs: 60_000,
      sealingKeys: () => keys,
    });

  beforeAll(async () => {
    host = await reg.start();
    const digest = reg.pushImage('private/app', 'signed');
    reg.sign('private/app', digest, [{ key: signer.privateKey }]);
  });
  afterAll(() => reg.stop());

  it("verifies with the entry's credentials, before the provider's own", async () => {
    expect((await verifierWith().verify(request('signed', dockerCfg('puller', 's3cret')))).verdict).toMatchObject({
      verified: true,
    });
    const wrongGlobal = verifierWith({ username: 'puller', password: 'old' });
    expect((await wrongGlobal.verify(request('signed', dockerCfg('puller', 's3cret')))).verdict).toMatchObject({
      verified: true,
    });
    // The same client, the entry without credentials: the provider's own (wrong) ones are used, and refused.
    expect((await wrongGlobal.verify(request('signed'))).verdict).toEqual({
      verified: false,
      refusal: 'registry',
      reason: expect.stringContaining(
        `the token service of ${host} answered 401 (credentials of user "puller" from the provider's --docker-config`,
      ),
    });
  });

  it('wrong credentials are refused with a clear reason, even right after good ones obtained a token', async () => {
    const verifier = verifierWith();
    expect((await verifier.verify(request('signed', dockerCfg('puller', 's3cret')))).verdict.verified).toBe(true);
    const outcome = await verifier.verify(request('signed', dockerCfg('puller', 'wrong')));
    expect(outcome).toEqual({
      cached: false,
      verdict: {
        verified: false,
        refusal: 'registry',
        reason:
          `registry error: the token service of ${host} answered 401 (credentials of user "puller" from the ` +
          "policy's dockerCfg: wrong user name or password, or no pull access)",
      },
    });
    expect((await verifier.verify(request('signed'))).verdict).toMatchObject({
      reason: expect.stringContaining('(no credentials are configured for this registry)'),
    });
  });

  it('sealed credentials this provider cannot open are refused, never ignored', async () => {
    const [otherKey] = parseSealingKeys('YW5vdGhlciBrZXkgdGhhdCB0aGUgcHJvdmlkZXIgbGFja3M=') as [SealingKey];
    const sealedElsewhere = seal(
      otherKey,
      JSON.stringify({ auths: { [host]: { username: 'puller', password: 's3cret' } } }),
    );
    expect((await verifierWith().verify(request('signed', sealedElsewhere))).verdict).toEqual({
      verified: false,
      refusal: 'credentials',
      reason: `credentials error: the credentials were sealed with key ${otherKey.id}, which this provider does not hold (--credentials-key must list the operator's key)`,
    });
    expect(
      (await verifierWith(undefined, []).verify(request('signed', dockerCfg('puller', 's3cret')))).verdict,
    ).toMatchObject({
      refusal: 'credentials',
      reason: expect.stringContaining('this provider has no --credentials-key'),
    });
  });
});

describe('the external data endpoint', () => {
  const reg = new TestRegistry();
  let host: string;
  let verifier: Verifier;
  let dir: string;
  let server: ProviderServer;
  let port: number;
  const key = (image: string) => JSON.stringify({ image, publicKeys: [pem(signer.publicKey)] });

  beforeAll(async () => {
    host = await reg.start();
    const digest = reg.pushImage('app', 'signed');
    reg.sign('app', digest, [{ key: signer.privateKey }]);
    reg.pushImage('app', 'unsigned');
    verifier = new Verifier({ registry: new RegistryClient({ plainHttp: new Set([host]) }), cacheTtlMs: 60_000 });
    dir = mkdtempSync(join(tmpdir(), 'gatewright-provider-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'),
    ], { stdio: 'ignore' }); // prettier-ignore
    server = new ProviderServer({
      verifier,
      cert: readFileSync(join(dir, 'tls.crt'), 'utf8'),
      key: readFileSync(join(dir, 'tls.key'), 'utf8'),
      deadlineMs: 1000,
      port: 0,
      host: '127.0.0.1',
      log: silent,
    });
    port = await server.start();
  });
  afterAll(async () => {
    await server.stop();
    await reg.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: string): Promise<{ status: number; json: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      const r = request(
        { host: '127.0.0.1', port, path: VERIFY_PATH, method: 'POST', ca: readFileSync(join(dir, 'tls.crt'), 'utf8') },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
          );
        },
      );
      r.on('error', reject);
      r.end(body);
    });

  it('answers a ProviderRequest with one item per key over HTTPS', async () => {
    const res = await post(
      JSON.stringify({
        apiVersion: 'externaldata.gatekeeper.sh/v1beta1',
        kind: 'ProviderRequest',
        request: { keys: [key(`${host}/app:signed`), key(`${host}/app:unsigned`), 'not json'] },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderResponse' });
    const response = res.json.response as {
      idempotent: boolean;
      items: { key: string; value?: unknown; error?: string }[];
    };
    expect(response.idempotent).toBe(true);
    expect(response.items).toEqual([
      {
        key: key(`${host}/app:signed`),
        value: { verified: true, digest: expect.stringMatching(/^sha256:/), key: expect.any(String) },
      },
      { key: key(`${host}/app:unsigned`), error: expect.stringMatching(/^unsigned: /) },
      { key: 'not json', error: expect.stringMatching(/^malformed request: /) },
    ]);
  });

  it('answers a malformed body with a system error', async () => {
    const res = await post('{');
    expect(res.json).toMatchObject({ response: { items: [], systemError: 'the request body is not JSON' } });
  });

  it('answers every key by the deadline even when the registry hangs', async () => {
    reg.delayMs = 5000;
    const started = Date.now();
    const res = await answer([key(`${host}/app:hang`)], verifier, 300);
    reg.delayMs = 0;
    expect(Date.now() - started).toBeLessThan(1500);
    // Not an item (Gatekeeper would keep it for minutes): a system error, with the registry's reason.
    expect(res.response.items).toEqual([]);
    expect(res.response.systemError).toMatch(/^registry error: /);
  });

  it('answers what it knows as items and registry failures as one system error', async () => {
    const down = JSON.stringify({ image: '127.0.0.1:1/app:1', publicKeys: [pem(signer.publicKey)] });
    const down2 = JSON.stringify({ image: '127.0.0.1:1/app:2', publicKeys: [pem(signer.publicKey)] });
    const one = await answer([key(`${host}/app:signed`), key(`${host}/app:unsigned`), down], verifier, 1000);
    expect(one.response.items.map((i) => [i.key, i.value !== undefined, i.error?.split(':')[0]])).toEqual([
      [key(`${host}/app:signed`), true, undefined],
      [key(`${host}/app:unsigned`), false, 'unsigned'],
    ]);
    expect(one.response.systemError).toBe(
      'registry error: 127.0.0.1:1 refused the connection (is the registry running?)',
    );
    const two = await answer([down, down2], verifier, 1000);
    expect(two.response.systemError).toBe(
      'registry errors: 127.0.0.1:1/app:1: 127.0.0.1:1 refused the connection (is the registry running?); ' +
        '127.0.0.1:1/app:2: 127.0.0.1:1 refused the connection (is the registry running?)',
    );
  });
});

describe('the endpoint with client certificates and a rotated serving certificate', () => {
  let dir: string;
  let server: ProviderServer;
  let port: number;
  const file = (name: string) => readFileSync(join(dir, name), 'utf8');
  const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const issue = (name: string, ca: string) => {
    ossl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`,
      '-keyout', `${name}.key`, '-out', `${name}.csr`]); // prettier-ignore
    ossl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
      '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.crt`]); // prettier-ignore
  };
  const makeCa = (name: string) =>
    ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`]); // prettier-ignore

  /** The serving certificate's fingerprint and the HTTP status, or the TLS error. */
  const call = (client?: { cert: string; key: string }) =>
    new Promise<{ status?: number; fingerprint?: string; error?: string }>((resolve) => {
      const r = request(
        {
          host: '127.0.0.1',
          port,
          path: '/healthz',
          ca: [file('ca.crt'), file('other-ca.crt')],
          agent: false,
          ...(client ?? {}),
        },
        (res) => {
          res.resume();
          const socket = res.socket as import('node:tls').TLSSocket;
          resolve({ status: res.statusCode, fingerprint: socket.getPeerCertificate().fingerprint256 });
        },
      );
      r.on('error', (err) => resolve({ error: String(err) }));
      r.end();
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatewright-provider-mtls-'));
    const { writeFileSync } = await import('node:fs');
    makeCa('ca');
    makeCa('other-ca');
    const server = 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
    writeFileSync(join(dir, 'serving.ext'), server);
    writeFileSync(join(dir, 'rotated.ext'), server);
    // What cert-controller gives Gatekeeper when external data is on: serverAuth and clientAuth (gatekeeper main.go).
    writeFileSync(join(dir, 'gatekeeper.ext'), 'extendedKeyUsage=serverAuth,clientAuth\n');
    writeFileSync(join(dir, 'stranger.ext'), 'extendedKeyUsage=clientAuth\n');
    issue('serving', 'ca');
    issue('rotated', 'other-ca');
    issue('gatekeeper', 'ca');
    issue('stranger', 'other-ca');
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("requires a client certificate from the client CA: Gatekeeper's is accepted, none or another CA's is refused", async () => {
    server = new ProviderServer({
      verifier: new Verifier({ registry: new RegistryClient(), cacheTtlMs: 1000 }),
      cert: file('serving.crt'),
      key: file('serving.key'),
      clientCa: file('ca.crt'),
      deadlineMs: 500,
      port: 0,
      host: '127.0.0.1',
      log: silent,
    });
    port = await server.start();
    expect(await call({ cert: file('gatekeeper.crt'), key: file('gatekeeper.key') })).toMatchObject({ status: 200 });
    expect((await call()).error).toMatch(/certificate required|ECONNRESET|socket hang up/);
    expect((await call({ cert: file('stranger.crt'), key: file('stranger.key') })).error).toMatch(
      /unknown ca|ECONNRESET|socket hang up/,
    );
  });

  it('a registry whose CA is not trusted is refused naming TLS and where the CA goes', async () => {
    const verifier = new Verifier({ registry: new RegistryClient(), cacheTtlMs: 1000 });
    const outcome = await verifier.verify({ image: `127.0.0.1:${port}/app:1`, publicKeys: [pem(signer.publicKey)] });
    expect(outcome.verdict).toEqual({
      verified: false,
      refusal: 'registry',
      reason: expect.stringMatching(
        new RegExp(
          `^registry error: TLS with 127\\.0\\.0\\.1:${port} failed: [a-z -]+ \\(is its CA in the policy's "ca" or the provider's --registry-ca\\?\\)$`,
        ),
      ),
    });
  });

  it('serves a reloaded certificate on new connections; a mismatched pair changes nothing', async () => {
    const gatekeeper = { cert: file('gatekeeper.crt'), key: file('gatekeeper.key') };
    const before = (await call(gatekeeper)).fingerprint;
    expect(() =>
      server.reload({ cert: file('rotated.crt'), key: file('serving.key'), clientCa: file('ca.crt') }),
    ).toThrow();
    expect((await call(gatekeeper)).fingerprint).toBe(before);
    server.reload({ cert: file('rotated.crt'), key: file('rotated.key'), clientCa: file('ca.crt') });
    const after = await call(gatekeeper);
    expect(after).toMatchObject({ status: 200 });
    expect(after.fingerprint).not.toBe(before);
    expect(() => server.reload({ cert: file('rotated.crt'), key: file('rotated.key') })).toThrow(
      'a client CA cannot be added or removed',
    );
  });
});
