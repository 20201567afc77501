// The image-signature side of the local control plane: a real OCI registry (the distribution registry, built from
// its Go module) on loopback with TLS from its own CA, gatewright's image signature provider as a process (`node
// dist/cli/main.js provider`, the operator image's entry point), and crane and cosign (built from their Go modules)
// pointed at the registry. Nothing is faked; everything listens on 127.0.0.1 and lives in one folder.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { ManagedProcess } from './process.js';
import { binDir, repoRoot } from './paths.js';
import { freePorts } from './ports.js';

export interface ImageSignatureStackOptions {
  /**
   * The registry requires a login (distribution's htpasswd auth, Basic), with a random password; crane and cosign
   * log in with it (`crane auth login`).
   */
  htpasswd?: boolean;
  /** The registry's certificate comes from a CA of its own that the provider is not told about (`--registry-ca`). */
  separateRegistryCa?: boolean;
  /** `--client-ca` of the provider: only clients with a certificate from this CA may ask. */
  clientCaFile?: string;
  /** `--credentials-key` of the provider. */
  credentialsKeyFile?: string;
  /** `--docker-config` of the provider. */
  dockerConfigFile?: string;
}

export interface ImageSignatureStack {
  dir: string;
  /** The registry login when it requires one. */
  login?: { username: string; password: string };
  /** PEM of the CA of the registry's serving certificate (caPem unless separateRegistryCa). */
  registryCaPem: string;
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

function makeCertificates(dir: string, separateRegistryCa: boolean): void {
  for (const ca of separateRegistryCa ? ['ca', 'registry-ca'] : ['ca']) {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${ca}.key`], dir);
    openssl(
      ['req', '-x509', '-new', '-key', `${ca}.key`, '-subj', `/CN=gatewright-image-signatures-test-${ca}`, '-days', '2',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', `${ca}.crt`],
      dir,
    ); // prettier-ignore
  }
  for (const name of ['registry', 'provider']) {
    const ca = name === 'registry' && separateRegistryCa ? 'registry-ca' : 'ca';
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`], dir);
    writeFileSync(
      join(dir, `${name}.ext`),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' +
        'subjectAltName=DNS:localhost,IP:127.0.0.1\n',
    );
    openssl(
      ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2',
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

/**
 * A login hashed with bcrypt cost 4 instead of the registry's 10: the registry checks the hash on every request, and
 * on a loaded 2-core machine three cost-10 checks (one verification) outlast the provider's 1.5 s deadline. Made with
 * Python's crypt module when there is one (neither Node nor openssl make bcrypt); otherwise undefined, and the
 * registry provisions its own.
 */
function writeCheapHtpasswd(path: string): { username: string; password: string } | undefined {
  const password = randomBytes(18).toString('base64url');
  try {
    const hash = execFileSync(
      'python3',
      [
        '-c',
        'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))',
        password,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    ).trim();
    if (!/^\$2[aby]\$04\$/.test(hash)) return undefined;
    writeFileSync(path, `puller:${hash}\n`, { mode: 0o600 });
    return { username: 'puller', password };
  } catch {
    return undefined;
  }
}

/** The login the registry provisioned (user `docker`, random password), read from its JSON log. */
async function provisionedLogin(log: string, proc: ManagedProcess): Promise<{ username: string; password: string }> {
  let found: { username: string; password: string } | undefined;
  await waitUntil(
    'the registry (its htpasswd login)',
    async () => {
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      for (const line of text.split('\n')) {
        if (!line.includes('provisioning with default user')) continue;
        const entry = JSON.parse(line.slice(line.indexOf('{'))) as { user?: string; password?: string };
        if (entry.user && entry.password) found = { username: entry.user, password: entry.password };
      }
      return found !== undefined;
    },
    proc,
  );
  return found as { username: string; password: string };
}

export async function startImageSignatureStack(
  dir: string,
  options: ImageSignatureStackOptions = {},
): Promise<ImageSignatureStack> {
  mkdirSync(dir, { recursive: true });
  for (const tool of ['registry', 'crane', 'cosign']) {
    if (!existsSync(join(binDir(), tool)))
      throw new Error(
        `missing tool ${tool} in ${binDir()} (run \`make tools\`, which builds it from its pinned Go module)`,
      );
  }
  makeCertificates(dir, options.separateRegistryCa === true);
  const caFile = join(dir, 'ca.crt');
  const caPem = readFileSync(caFile, 'utf8');
  const registryCaFile = options.separateRegistryCa ? join(dir, 'registry-ca.crt') : caFile;
  const registryCaPem = readFileSync(registryCaFile, 'utf8');
  const [registryPort, providerPort] = (await freePorts(2)) as [number, number];
  const registryHost = `127.0.0.1:${registryPort}`;
  const config = join(dir, 'registry.yaml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  formatter: json',
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
      ...(options.htpasswd
        ? ['auth:', '  htpasswd:', '    realm: gatewright-test', `    path: ${join(dir, 'htpasswd')}`]
        : []),
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
      const auth = login
        ? { Authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}` }
        : {};
      const req = request(url, { method, headers: { ...auth, ...headers }, ca: registryCaPem }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });

  let login: { username: string; password: string } | undefined;
  const cheapLogin = options.htpasswd ? writeCheapHtpasswd(join(dir, 'htpasswd')) : undefined;
  let registry: ManagedProcess | undefined;
  const startRegistry = async () => {
    registry = ManagedProcess.start(
      'registry',
      join(binDir(), 'registry'),
      ['serve', config],
      join(dir, 'registry.log'),
    );
    const proc = registry;
    if (options.htpasswd && !login) login = cheapLogin ?? (await provisionedLogin(join(dir, 'registry.log'), proc));
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
      ...(options.separateRegistryCa ? [] : ['--registry-ca', caFile]),
      '--deadline', '1500',
      ...(options.clientCaFile ? ['--client-ca', options.clientCaFile] : []),
      ...(options.credentialsKeyFile ? ['--credentials-key', options.credentialsKeyFile] : []),
      ...(options.dockerConfigFile ? ['--docker-config', options.dockerConfigFile] : []),
    ],
    providerLog,
  ); // prettier-ignore
  await waitUntil(
    'the image signature provider',
    () =>
      new Promise<boolean>((resolve) => {
        // With --client-ca a client without a certificate is refused at the handshake: readiness is then probed
        // by the TLS refusal itself (the server answered), as a kubelet's HTTPS probe would not be.
        const req = request({ host: '127.0.0.1', port: providerPort, path: '/healthz', ca: caPem }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', (err: NodeJS.ErrnoException) =>
          resolve(options.clientCaFile !== undefined && err.code !== 'ECONNREFUSED'),
        );
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
          env: { PATH: process.env.PATH ?? '', HOME: home, SSL_CERT_FILE: registryCaFile, ...env },
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

  if (login) await tool('crane', ['auth', 'login', registryHost, '-u', login.username, '-p', login.password]);

  return {
    dir,
    ...(login ? { login } : {}),
    registryCaPem,
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

/** The provider's answer to one ProviderRequest and how long it took. */
export interface ProviderAnswer {
  ms: number;
  items: { key: string; value?: unknown; error?: string }[];
}

/**
 * POSTs one ProviderRequest straight to the stack's provider, as Gatekeeper does, with or without a client
 * certificate (a fresh connection each time, so the TLS handshake is part of what is timed and checked).
 */
export function askProvider(
  stack: ImageSignatureStack,
  keys: string[],
  tls?: { cert: string; key: string },
): Promise<ProviderAnswer> {
  const started = performance.now();
  const url = new URL(stack.providerUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', ca: stack.caPem, agent: false, ...tls },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            ms: performance.now() - started,
            items: JSON.parse(Buffer.concat(chunks).toString()).response.items,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(
      JSON.stringify({ apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys } }),
    );
  });
}
