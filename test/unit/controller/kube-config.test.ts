// gatewright's own kubeconfig and in-cluster loader, against an HTTPS server on 127.0.0.1 that checks what a real API
// server checks: the server certificate the client trusts, the client certificate it presents, its bearer token.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dump } from 'js-yaml';
import { generatePki, type Pki } from '../../harness/pki.js';
import { KubeHttp } from '../../../src/controller/kube-http.js';
import {
  KubeConfigError,
  TOKEN_FILE_REREAD_MS,
  inClusterConnection,
  loadKubeConnection,
  type KubeConnection,
} from '../../../src/controller/kube-config.js';

interface Seen {
  authorization: string | undefined;
  clientCert: string | undefined;
  userAgent?: string | undefined;
}

let dir: string;
let pki: Pki;
let server: Server;
let port: number;
const b64 = (file: string) => readFileSync(file).toString('base64');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatewright-kubeconfig-'));
  pki = generatePki(join(dir, 'pki'));
  // Asks for a client certificate signed by the CA, but also serves callers without one (token users).
  server = createServer(
    {
      cert: readFileSync(pki.apiServer.cert),
      key: readFileSync(pki.apiServer.key),
      ca: readFileSync(pki.ca.cert),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.authorized ? socket.getPeerCertificate() : undefined;
      const seen: Seen = {
        authorization: req.headers.authorization,
        clientCert: peer?.subject?.CN as string | undefined,
        ...(req.url === '/user-agent' ? { userAgent: req.headers['user-agent'] } : {}),
      };
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(seen));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function ask(connection: KubeConnection): Promise<Seen> {
  return new KubeHttp(connection).call<Seen>('GET', '/version');
}

let files = 0;
/** Writes a kubeconfig document into its own folder (relative paths in it are resolved against that folder). */
function kubeconfig(doc: unknown, name = `config-${++files}`): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, 'kubeconfig');
  writeFileSync(path, typeof doc === 'string' ? doc : dump(doc));
  return path;
}

function config(
  cluster: Record<string, unknown>,
  user: Record<string, unknown> | undefined,
  extra: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster }],
    users: user ? [{ name: 'me', user }] : [],
    contexts: [{ name: 'ctx', context: { cluster: 'test', ...(user ? { user: 'me' } : {}) } }],
    'current-context': 'ctx',
    ...extra,
  };
}

const server127 = () => `https://127.0.0.1:${port}`;
const load = (env: NodeJS.ProcessEnv, serviceAccountDir = join(dir, 'no-sa')) =>
  loadKubeConnection({ env, serviceAccountDir });

test('every request names gatewright, its version and the platform, as client-go does', async () => {
  const file = kubeconfig(
    config({ server: server127(), 'certificate-authority-data': b64(pki.ca.cert) }, { token: 't' }),
  );
  const { connection } = await load({ KUBECONFIG: file });
  const seen = await new KubeHttp(connection).call<Seen>('GET', '/user-agent');
  const version = (
    JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  expect(seen.userAgent).toBe(
    `gatewright/${version} (${process.platform}/${process.arch}) node/${process.versions.node}`,
  );
});

describe('kubeconfig files', () => {
  test('CA and client certificate as data: the server sees the client certificate, the client trusts the server', async () => {
    const file = kubeconfig(
      config(
        { server: server127(), 'certificate-authority-data': b64(pki.ca.cert) },
        { 'client-certificate-data': b64(pki.admin.cert), 'client-key-data': b64(pki.admin.key) },
      ),
    );
    const loaded = await load({ KUBECONFIG: file });
    expect(loaded.source).toEqual({ kind: 'kubeconfig', files: [file], context: 'ctx' });
    expect(loaded.delegatedFor).toBeUndefined();
    expect(loaded.connection.getCurrentCluster()?.server).toBe(server127());
    expect(await ask(loaded.connection)).toEqual({ clientCert: 'admin' });
  });

  test('relative file paths are read from beside the kubeconfig; a token becomes the bearer header', async () => {
    const file = kubeconfig(config({ server: server127(), 'certificate-authority': 'ca.crt' }, { token: 'abc' }));
    writeFileSync(join(file, '..', 'ca.crt'), readFileSync(pki.ca.cert));
    const { connection } = await load({ KUBECONFIG: file });
    expect(await ask(connection)).toEqual({ authorization: 'Bearer abc' });
  });

  test('a server not signed by the configured CA is refused', async () => {
    const other = generatePki(join(dir, 'other-pki'));
    const file = kubeconfig(config({ server: server127(), 'certificate-authority-data': b64(other.ca.cert) }, {}));
    const { connection } = await load({ KUBECONFIG: file });
    await expect(ask(connection)).rejects.toThrow(/certificate/);
  }, 60_000);

  test('insecure-skip-tls-verify skips the server check; username and password become basic auth', async () => {
    const file = kubeconfig(
      config({ server: server127(), 'insecure-skip-tls-verify': true }, { username: 'u', password: 'p' }),
    );
    const { connection } = await load({ KUBECONFIG: file });
    expect(await ask(connection)).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
  });

  test('KUBECONFIG lists several files: the first to set a name or current-context wins, missing files are skipped', async () => {
    const first = kubeconfig({
      clusters: [{ name: 'test', cluster: { server: server127(), 'certificate-authority-data': b64(pki.ca.cert) } }],
      users: [{ name: 'me', user: { token: 'from-first' } }],
    });
    const second = kubeconfig(
      config({ server: 'https://192.0.2.1:6443' }, { token: 'from-second' }, { 'current-context': 'ctx' }),
    );
    const loaded = await load({ KUBECONFIG: [join(dir, 'nothing-here'), first, second].join(delimiter) });
    expect(loaded.source).toEqual({ kind: 'kubeconfig', files: [first, second], context: 'ctx' });
    expect(await ask(loaded.connection)).toEqual({ authorization: 'Bearer from-first' });
  });

  test('a token file is re-read once a minute (rotated tokens), and the last token stays if the file is gone', async () => {
    const file = kubeconfig(config({ server: server127(), 'certificate-authority-data': b64(pki.ca.cert) }, {}));
    const tokenPath = join(file, '..', 'token');
    writeFileSync(tokenPath, 'one\n');
    writeFileSync(
      file,
      dump(config({ server: server127(), 'certificate-authority-data': b64(pki.ca.cert) }, { tokenFile: 'token' })),
    );
    let now = 0;
    const { connection } = await loadKubeConnection({ env: { KUBECONFIG: file }, now: () => now });
    expect((await ask(connection)).authorization).toBe('Bearer one');
    writeFileSync(tokenPath, 'two\n');
    now = TOKEN_FILE_REREAD_MS - 1;
    expect((await ask(connection)).authorization).toBe('Bearer one');
    now = TOKEN_FILE_REREAD_MS;
    expect((await ask(connection)).authorization).toBe('Bearer two');
    rmSync(tokenPath);
    now = 3 * TOKEN_FILE_REREAD_MS;
    expect((await ask(connection)).authorization).toBe('Bearer two');
  });

  test('$HOME/.kube/config when KUBECONFIG is unset and not in a Pod', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), dump(config({ server: 'http://127.0.0.1:1' }, undefined)));
    const loaded = await load({ HOME: home });
    expect(loaded.source).toEqual({ kind: 'kubeconfig', files: [join(home, '.kube', 'config')], context: 'ctx' });
    expect(loaded.connection.getCurrentCluster()?.server).toBe('http://127.0.0.1:1');
  });

  test('an exec plugin is handed to client-node, which runs it', async () => {
    const credential = {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'from-exec' },
    };
    const file = kubeconfig(
      config(
        { server: server127(), 'certificate-authority-data': b64(pki.ca.cert) },
        {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: process.execPath,
            args: ['-e', `console.log(${JSON.stringify(JSON.stringify(credential))})`],
            interactiveMode: 'Never',
          },
        },
      ),
    );
    const loaded = await load({ KUBECONFIG: file });
    expect(loaded.delegatedFor).toBe(`${file}: users[0] ("me").user.exec`);
    expect(await ask(loaded.connection)).toEqual({ authorization: 'Bearer from-exec' });
  }, 30_000);
});

describe('in-cluster', () => {
  function serviceAccount(token: string): string {
    const sa = mkdtempSync(join(dir, 'sa-'));
    writeFileSync(join(sa, 'token'), token);
    writeFileSync(join(sa, 'ca.crt'), readFileSync(pki.ca.cert));
    writeFileSync(join(sa, 'namespace'), 'gatewright-system');
    return sa;
  }

  test("the service account's token and CA, at KUBERNETES_SERVICE_HOST:PORT", async () => {
    const sa = serviceAccount('sa-token');
    const loaded = await load({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) }, sa);
    expect(loaded.source).toEqual({ kind: 'in-cluster' });
    expect(await ask(loaded.connection)).toEqual({ authorization: 'Bearer sa-token' });
  });

  test('KUBECONFIG comes before the service account, the service account before ~/.kube/config', async () => {
    const sa = serviceAccount('sa-token');
    const file = kubeconfig(config({ server: 'https://192.0.2.7:6443' }, undefined));
    const home = join(dir, 'home-2');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), dump(config({ server: 'https://192.0.2.8:6443' }, undefined)));
    const pod = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: home };
    expect((await load({ ...pod, KUBECONFIG: file }, sa)).connection.getCurrentCluster()?.server).toBe(
      'https://192.0.2.7:6443',
    );
    expect((await load(pod, sa)).connection.getCurrentCluster()?.server).toBe('https://10.0.0.1:443');
  });

  test('an IPv6 service address is bracketed', () => {
    const sa = serviceAccount('t');
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };
    expect(inClusterConnection(env, sa).getCurrentCluster().server).toBe('https://[fd00::1]:443');
  });

  test('a missing or empty token stops the start, naming the file', async () => {
    const sa = serviceAccount('');
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    await expect(load(env, sa)).rejects.toThrow(`in-cluster: the service account token: ${join(sa, 'token')} is empty`);
    rmSync(join(sa, 'token'));
    await expect(load(env, sa)).rejects.toThrow(
      `in-cluster: the service account token: cannot read ${join(sa, 'token')}: ENOENT`,
    );
  });
});

describe('errors name the file and the field', () => {
  const ca = () => b64(pki.ca.cert);
  const cases: [string, () => unknown, (file: string) => string][] = [
    ['server not set', () => config({}, undefined), (f) => `${f}: clusters[0] ("test").cluster.server: not set`],
    [
      'server not a URL',
      () => config({ server: 'not a url' }, undefined),
      (f) => `${f}: clusters[0] ("test").cluster.server: "not a url" is not a URL`,
    ],
    [
      'current-context naming nothing',
      () => ({ ...config({ server: server127() }, undefined), 'current-context': 'gone' }),
      (f) => `${f}: current-context: "gone" names no entry in contexts`,
    ],
    [
      'no current-context',
      () => {
        const { 'current-context': _unset, ...rest } = config({ server: server127() }, undefined);
        return rest;
      },
      (f) => `${f}: current-context: not set`,
    ],
    [
      'context naming a missing user',
      () => ({
        ...config({ server: server127() }, undefined),
        contexts: [{ name: 'ctx', context: { cluster: 'test', user: 'nobody' } }],
      }),
      (f) => `${f}: contexts[0] ("ctx").context.user: "nobody" names no entry in users`,
    ],
    [
      'context naming a missing cluster',
      () => ({ ...config({ server: server127() }, undefined), contexts: [{ name: 'ctx', context: { cluster: 'x' } }] }),
      (f) => `${f}: contexts[0] ("ctx").context.cluster: "x" names no entry in clusters`,
    ],
    [
      'CA as both file and data',
      () => config({ server: server127(), 'certificate-authority': 'ca.crt', 'certificate-authority-data': ca() }, {}),
      (f) =>
        `${f}: clusters[0] ("test").cluster: certificate-authority and certificate-authority-data are both set; only one is allowed`,
    ],
    [
      'CA data not base64',
      () => config({ server: server127(), 'certificate-authority-data': '*not base64*' }, {}),
      (f) => `${f}: clusters[0] ("test").cluster.certificate-authority-data: not base64`,
    ],
    [
      'CA data not a certificate',
      () => config({ server: server127(), 'certificate-authority-data': Buffer.from('hello').toString('base64') }, {}),
      (f) => `${f}: clusters[0] ("test").cluster.certificate-authority-data: holds no PEM certificate`,
    ],
    [
      'CA file missing',
      () => config({ server: server127(), 'certificate-authority': 'missing.crt' }, {}),
      (f) =>
        `${f}: clusters[0] ("test").cluster.certificate-authority: cannot read ${join(f, '..', 'missing.crt')}: ENOENT`,
    ],
    [
      'insecure and a CA',
      () => config({ server: server127(), 'insecure-skip-tls-verify': true, 'certificate-authority-data': ca() }, {}),
      (f) =>
        `${f}: clusters[0] ("test").cluster: insecure-skip-tls-verify and a certificate authority are both set; only one is allowed`,
    ],
    [
      'client certificate without a key',
      () => config({ server: server127() }, { 'client-certificate-data': b64(pki.admin.cert) }),
      (f) =>
        `${f}: users[0] ("me").user: client-key or client-key-data must be set as well to use a client certificate`,
    ],
    [
      'client key that is not a key',
      () =>
        config(
          { server: server127() },
          { 'client-certificate-data': b64(pki.admin.cert), 'client-key-data': b64(pki.admin.cert) },
        ),
      (f) => `${f}: users[0] ("me").user.client-key-data: holds no PEM private key`,
    ],
    [
      'client key of another certificate',
      () =>
        config(
          { server: server127() },
          { 'client-certificate-data': b64(pki.admin.cert), 'client-key-data': b64(pki.gatekeeperClient.key) },
        ),
      (f) => `${f}: users[0] ("me").user: the client key is not the client certificate's key`,
    ],
    [
      'a token and a password',
      () => config({ server: server127() }, { token: 't', username: 'u', password: 'p' }),
      (f) => `${f}: users[0] ("me").user: more than one authentication method (token, basicAuth); only one is allowed`,
    ],
    [
      'a token that is not a string',
      () => config({ server: server127() }, { token: 42 }),
      (f) => `${f}: users[0] ("me").user.token: must be a string`,
    ],
    [
      'an entry without a name',
      () => ({ ...config({ server: server127() }, undefined), users: [{ user: {} }] }),
      (f) => `${f}: users[0].name: must be a non-empty string`,
    ],
    ['not a mapping', () => '- just\n- a list\n', (f) => `${f}: not a kubeconfig (expected a mapping)`],
  ];

  test.each(cases)('%s', async (_name, doc, message) => {
    const file = kubeconfig(doc());
    const err = await load({ KUBECONFIG: file }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeConfigError);
    expect((err as Error).message.startsWith(message(file))).toBe(true);
  });

  test('KUBECONFIG naming no existing file, and nothing to load at all', async () => {
    await expect(load({ KUBECONFIG: join(dir, 'a') })).rejects.toThrow(
      `KUBECONFIG names no file that exists: ${join(dir, 'a')}`,
    );
    await expect(load({ HOME: join(dir, 'empty-home') })).rejects.toThrow(/no API server to talk to: set KUBECONFIG/);
  });
});
