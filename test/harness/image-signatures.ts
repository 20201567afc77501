// The image-signature side of the local control plane: a real OCI registry (the distribution registry, built from
// its Go module) on loopback with TLS from its own CA, gatewright's image signature provider as a process (`node
// dist/cli/main.js provider`, the operator image's entry point), and crane and cosign (built from their Go modules)
// pointed at the registry. Nothing is faked; everything listens on 127.0.0.1 and lives in one folder.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { ManagedProcess } from './process.js';
import { binDir, repoRoot } from './paths.js';
import { freePorts } from './ports.js';

export interface ImageSignatureStack {
  dir: string;
  /** `127.0.0.1:<port>`, as written in image references. */
  registryHost: string;
  /** PEM of the CA that signed the registry's and the provider's serving certificates. */
  caPem: string;
  caFile: string;
  /** Where Gatekeeper reaches the provider. */
  providerUrl: string;
  providerLog: string;
  startRegistry(): Promise<void>;
  stopRegistry(): Promise<void>;
  /** Runs crane or cosign with the registry's CA trusted; rejects with the tool's output on failure. */
  tool(name: 'crane' | 'cosign', args: string[], env?: Record<string, string>): Promise<string>;
  /** One HTTPS request to the registry (for what crane cannot do: pushing a hand-made signature manifest). */
  registryRequest(
    method: string,
    path: string,
    body?: Buffer,
    headers?: Record<string, string>,
  ): Promise<RegistryAnswer>;
  stop(): Promise<void>;
}

export interface RegistryAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function openssl(args: string[], cwd: string): void {
  execFileSync(process.env.OPENSSL ?? '/usr/bin/openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCertificates(dir: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key'], dir);
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=gatewright-image-signatures-test-ca', '-days', '2',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.crt'],
    dir,
  ); // prettier-ignore
  for (const name of ['registry', 'provider']) {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`], dir);
    writeFileSync(
      join(dir, `${name}.ext`),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' +
        'subjectAltName=DNS:localhost,IP:127.0.0.1\n',
    );
    openssl(
      ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
        '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`],
      dir,
    ); // prettier-ignore
  }
}

async function waitUntil(what: string, ok: () => Promise<boolean>, proc: ManagedProcess, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!proc.running) throw new Error(`${what} did not start: ${proc.describeExit()}`);
    if (await ok().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} not ready after ${ms} ms`);
}

export async function startImageSignatureStack(dir: string): Promise<ImageSignatureStack> {
  mkdirSync(dir, { recursive: true });
  for (const tool of ['registry', 'crane', 'cosign']) {
    if (!existsSync(join(binDir(), tool)))
      throw new Error(
        `missing tool ${tool} in ${binDir()} (run \`make tools\`, which builds it from its pinned Go module)`,
      );
  }
  makeCertificates(dir);
  const caFile = join(dir, 'ca.crt');
  const caPem = readFileSync(caFile, 'utf8');
  const [registryPort, providerPort] = (await freePorts(2)) as [number, number];
  const registryHost = `127.0.0.1:${registryPort}`;
  const config = join(dir, 'registry.yaml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'registry-data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${registryHost}`,
      '  tls:',
      `    certificate: ${join(dir, 'registry.crt')}`,
      `    key: ${join(dir, 'registry.key')}`,
      '',
    ].join('\n'),
  );

  const registryRequest = (
    method: string,
    path: string,
    body?: Buffer,
    headers: Record<string, string> = {},
  ): Promise<RegistryAnswer> =>
    new Promise((resolve, reject) => {
      const url = path.startsWith('https://') ? new URL(path) : new URL(`https://${registryHost}${path}`);
      const req = request(url, { method, headers, ca: caPem }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });

  let registry: ManagedProcess | undefined;
  const startRegistry = async () => {
    registry = ManagedProcess.start(
      'registry',
      join(binDir(), 'registry'),
      ['serve', config],
      join(dir, 'registry.log'),
    );
    const proc = registry;
    await waitUntil('the registry', async () => (await registryRequest('GET', '/v2/')).status === 200, proc);
  };
  const stopRegistry = async () => {
    await registry?.stop();
    registry = undefined;
  };
  await startRegistry();

  const providerLog = join(dir, 'provider.log');
  const provider = ManagedProcess.start(
    'image-signature-provider',
    process.execPath,
    [
      join(repoRoot(), 'dist', 'cli', 'main.js'),
      'provider',
      '--tls-cert', join(dir, 'provider.crt'),
      '--tls-key', join(dir, 'provider.key'),
      '--host', '127.0.0.1',
      '--port', String(providerPort),
      '--registry-ca', caFile,
      '--deadline', '1500',
    ],
    providerLog,
  ); // prettier-ignore
  await waitUntil(
    'the image signature provider',
    () =>
      new Promise<boolean>((resolve) => {
        const req = request({ host: '127.0.0.1', port: providerPort, path: '/healthz', ca: caPem }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
        req.end();
      }),
    provider,
  );

  // Go programs read SSL_CERT_FILE; a private HOME keeps crane's and cosign's config out of the user's.
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const tool = (name: 'crane' | 'cosign', args: string[], env: Record<string, string> = {}) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        join(binDir(), name),
        args,
        {
          env: { PATH: process.env.PATH ?? '', HOME: home, SSL_CERT_FILE: caFile, ...env },
          cwd: dir,
          timeout: 120_000,
          maxBuffer: 16 * 1024 * 1024,
        },
        (err, stdout, stderr) =>
          err
            ? reject(new Error(`${name} ${args.join(' ')} failed: ${err.message}\n${stderr}`))
            : resolve(stdout.trim()),
      );
    });

  return {
    dir,
    registryHost,
    caPem,
    caFile,
    providerUrl: `https://127.0.0.1:${providerPort}/validate`,
    providerLog,
    startRegistry,
    stopRegistry,
    tool,
    registryRequest,
    stop: async () => {
      await provider.stop();
      await stopRegistry();
    },
  };
}
