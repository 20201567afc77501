// Where the operator finds its API server and credentials: the in-cluster service account, or kubeconfig files, by
// the rules of client-go's clientcmd (loader.go, validation.go) and rest.InClusterConfig. @kubernetes/client-node's
// KubeConfig does this as well, but importing it loads the package's whole generated API (about 80 MB of the
// operator's RSS); the operator's requests go through KubeHttp, which needs only the server and the TLS and
// authentication settings. What this loader does not implement (exec plugins, auth providers, proxies,
// impersonation) is handed to client-node's KubeConfig, imported only then.
import { readFileSync, existsSync } from 'node:fs';
import { Agent, type RequestOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { load } from 'js-yaml';

/**
 * What KubeHttp needs to reach the API server: its URL, and per request the TLS settings and credentials (asked each
 * time: a token file may have been rotated). @kubernetes/client-node's KubeConfig has the same two methods, so tests
 * and benchmarks may pass one.
 */
export interface KubeConnection {
  getCurrentCluster(): { server: string } | null;
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

/** A kubeconfig or service account that cannot be used; the message names the file and the field. */
export class KubeConfigError extends Error {
  override name = 'KubeConfigError';
}

/** The service account mount of a Pod (rest.InClusterConfig). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** client-go re-reads a token file at most once a minute (transport.NewCachedFileTokenSource). */
export const TOKEN_FILE_REREAD_MS = 60_000;

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  serviceAccountDir?: string;
  now?: () => number;
}

/** Where the connection came from, for the start-up log. */
export type ConnectionSource = { kind: 'in-cluster' } | { kind: 'kubeconfig'; files: string[]; context: string };

export interface LoadedConnection {
  connection: KubeConnection;
  source: ConnectionSource;
  /** Set when the kubeconfig needs what only client-node's KubeConfig implements (the field that needs it). */
  delegatedFor?: string;
}

/**
 * The connection, found as controller-runtime's config.GetConfig finds it: the files in `KUBECONFIG`, else the
 * in-cluster service account (`KUBERNETES_SERVICE_HOST`/`_PORT` and its token), else `$HOME/.kube/config`.
 */
export async function loadKubeConnection(opts: LoadOptions = {}): Promise<LoadedConnection> {
  const env = opts.env ?? process.env;
  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const now = opts.now ?? Date.now;
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (listed.length > 0) {
    // clientcmd skips listed files that do not exist, but not when none does.
    const files = listed.filter((f) => existsSync(f));
    if (files.length === 0) throw new KubeConfigError(`KUBECONFIG names no file that exists: ${listed.join(', ')}`);
    return fromKubeconfigFiles(files, now);
  }
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
    return { connection: inClusterConnection(env, saDir, now), source: { kind: 'in-cluster' } };
  }
  const home = join(env.HOME ?? '', '.kube', 'config');
  if (env.HOME && existsSync(home)) return fromKubeconfigFiles([home], now);
  throw new KubeConfigError(
    'no API server to talk to: set KUBECONFIG, run in a Pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT), or create ~/.kube/config',
  );
}

/** rest.InClusterConfig: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the service account's token and CA. */
export function inClusterConnection(env: NodeJS.ProcessEnv, saDir: string, now: () => number = Date.now): Connection {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  if (host === '' || port === '')
    throw new KubeConfigError('in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set');
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const ca = readMaterial(join(saDir, 'ca.crt'), 'in-cluster: the service account CA');
  checkPem(ca, 'CERTIFICATE', 'in-cluster: the service account CA', join(saDir, 'ca.crt'));
  const token = new TokenFile(join(saDir, 'token'), 'in-cluster: the service account token', now);
  return new Connection(server, { ca }, token);
}

// --- kubeconfig files -------------------------------------------------------------------------------------------

interface Entry {
  name: string;
  /** `FILE: users[2] ("admin").user`: how errors name the entry. */
  where: string;
  /** The file's directory: relative paths in the entry are resolved against it, as clientcmd does. */
  dir: string;
  fields: Record<string, unknown>;
}

interface MergedConfig {
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  contexts: Map<string, Entry>;
  currentContext?: { name: string; file: string };
}

/** The files merged as clientcmd merges KUBECONFIG: the first file to set a name (or current-context) wins. */
function mergeKubeconfigFiles(files: string[]): MergedConfig {
  const merged: MergedConfig = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    let doc: unknown;
    try {
      doc = load(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new KubeConfigError(`${file}: ${errorText(err)}`);
    }
    if (doc === undefined || doc === null) continue;
    if (!isRecord(doc)) throw new KubeConfigError(`${file}: not a kubeconfig (expected a mapping)`);
    const dir = dirname(file);
    for (const [list, field, into] of [
      ['clusters', 'cluster', merged.clusters],
      ['users', 'user', merged.users],
      ['contexts', 'context', merged.contexts],
    ] as const) {
      const items = doc[list] ?? [];
      if (!Array.isArray(items)) throw new KubeConfigError(`${file}: ${list}: must be a list`);
      items.forEach((item: unknown, i) => {
        const at = `${file}: ${list}[${i}]`;
        if (!isRecord(item) || typeof item.name !== 'string' || item.name === '')
          throw new KubeConfigError(`${at}.name: must be a non-empty string`);
        const fields = item[field] ?? {};
        if (!isRecord(fields)) throw new KubeConfigError(`${at} ("${item.name}").${field}: must be a mapping`);
        if (!into.has(item.name))
          into.set(item.name, { name: item.name, where: `${at} ("${item.name}").${field}`, dir, fields });
      });
    }
    const current = doc['current-context'];
    if (current !== undefined && current !== null && current !== '') {
      if (typeof current !== 'string') throw new KubeConfigError(`${file}: current-context: must be a string`);
      merged.currentContext ??= { name: current, file };
    }
  }
  return merged;
}

// What client-node's KubeConfig implements and this loader does not (clientcmd's AuthInfo and Cluster fields).
const DELEGATED_USER_FIELDS = ['exec', 'auth-provider', 'as', 'as-uid', 'as-groups', 'as-user-extra'];
const DELEGATED_CLUSTER_FIELDS = ['proxy-url'];

async function fromKubeconfigFiles(files: string[], now: () => number): Promise<LoadedConnection> {
  const merged = mergeKubeconfigFiles(files);
  const { context, cluster, user } = currentEntries(merged, files);
  const source: ConnectionSource = { kind: 'kubeconfig', files, context: context.name };
  const delegatedFor =
    DELEGATED_USER_FIELDS.filter((f) => user?.fields[f] !== undefined).map((f) => `${user?.where}.${f}`)[0] ??
    DELEGATED_CLUSTER_FIELDS.filter((f) => cluster.fields[f] !== undefined).map((f) => `${cluster.where}.${f}`)[0];
  if (delegatedFor !== undefined) {
    const connection = await clientNodeConnection(context, cluster, user);
    return { connection, source, delegatedFor };
  }
  return { connection: connectionFromEntries(cluster, user, now), source };
}

function currentEntries(
  merged: MergedConfig,
  files: string[],
): { context: Entry; cluster: Entry; user: Entry | undefined } {
  const current = merged.currentContext;
  if (current === undefined) throw new KubeConfigError(`${files.join(', ')}: current-context: not set`);
  const context = merged.contexts.get(current.name);
  if (context === undefined)
    throw new KubeConfigError(`${current.file}: current-context: "${current.name}" names no entry in contexts`);
  const clusterName = optionalString(context, 'cluster');
  if (clusterName === undefined) throw new KubeConfigError(`${context.where}.cluster: not set`);
  const cluster = merged.clusters.get(clusterName);
  if (cluster === undefined)
    throw new KubeConfigError(`${context.where}.cluster: "${clusterName}" names no entry in clusters`);
  // A context without a user is anonymous; one naming a user that is not there is a mistake.
  const userName = optionalString(context, 'user');
  const user = userName === undefined ? undefined : merged.users.get(userName);
  if (userName !== undefined && user === undefined)
    throw new KubeConfigError(`${context.where}.user: "${userName}" names no entry in users`);
  return { context, cluster, user };
}

/** The settings of one cluster and user, read and checked now: a broken kubeconfig stops the start, naming the field. */
function connectionFromEntries(cluster: Entry, user: Entry | undefined, now: () => number = Date.now): Connection {
  const server = optionalString(cluster, 'server');
  if (server === undefined) throw new KubeConfigError(`${cluster.where}.server: not set`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeConfigError(`${cluster.where}.server: "${server}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new KubeConfigError(`${cluster.where}.server: "${server}" must be an http or https URL`);

  const tls: TlsSettings = {};
  const ca = material(cluster, 'certificate-authority', 'certificate-authority-data');
  const insecure = cluster.fields['insecure-skip-tls-verify'];
  if (insecure !== undefined && typeof insecure !== 'boolean')
    throw new KubeConfigError(`${cluster.where}.insecure-skip-tls-verify: must be true or false`);
  if (insecure === true && ca !== undefined)
    throw new KubeConfigError(
      `${cluster.where}: insecure-skip-tls-verify and a certificate authority are both set; only one is allowed`,
    );
  if (ca !== undefined) {
    checkPem(ca.pem, 'CERTIFICATE', `${cluster.where}.${ca.field}`);
    tls.ca = ca.pem;
  }
  if (insecure === true) tls.insecure = true;
  const serverName = optionalString(cluster, 'tls-server-name');
  if (serverName !== undefined) tls.serverName = serverName;

  let credential: Credential | undefined;
  if (user !== undefined) {
    const cert = material(user, 'client-certificate', 'client-certificate-data');
    const key = material(user, 'client-key', 'client-key-data');
    if ((cert === undefined) !== (key === undefined))
      throw new KubeConfigError(
        `${user.where}: ${cert ? 'client-key or client-key-data' : 'client-certificate or client-certificate-data'} must be set as well to use a client certificate`,
      );
    if (cert !== undefined && key !== undefined) {
      checkPem(cert.pem, 'CERTIFICATE', `${user.where}.${cert.field}`);
      checkPem(key.pem, 'PRIVATE KEY', `${user.where}.${key.field}`);
      tls.cert = cert.pem;
      tls.key = key.pem;
    }
    const token = optionalString(user, 'token');
    const tokenFile = optionalString(user, 'tokenFile');
    const username = optionalString(user, 'username');
    const password = optionalString(user, 'password');
    const methods = [
      ...(token !== undefined || tokenFile !== undefined ? ['token'] : []),
      ...(username !== undefined || password !== undefined ? ['basicAuth'] : []),
    ];
    if (methods.length > 1)
      throw new KubeConfigError(
        `${user.where}: more than one authentication method (${methods.join(', ')}); only one is allowed`,
      );
    // rest.Config: the token file, when readable, takes precedence over the token.
    if (tokenFile !== undefined)
      credential = new TokenFile(resolvePath(user, tokenFile), `${user.where}.tokenFile`, now);
    else if (token !== undefined) credential = staticHeader(`Bearer ${token}`);
    else if (username !== undefined || password !== undefined)
      credential = staticHeader(`Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}`);
  }
  try {
    return new Connection(url.href.replace(/\/$/, ''), tls, credential);
  } catch (err) {
    // OpenSSL's words for a key that is not the certificate's: "key values mismatch".
    const text = errorText(err);
    throw new KubeConfigError(
      /key values mismatch/.test(text)
        ? `${user?.where}: the client key is not the client certificate's key`
        : `${user?.where ?? cluster.where}: ${text}`,
    );
  }
}

/** The same settings through client-node's KubeConfig, for what only it implements (exec plugins and the like). */
async function clientNodeConnection(context: Entry, cluster: Entry, user: Entry | undefined): Promise<KubeConnection> {
  const absolute = (e: Entry, fields: string[]) =>
    Object.fromEntries(
      Object.entries(e.fields).map(([k, v]) => [
        k,
        fields.includes(k) && typeof v === 'string' ? resolvePath(e, v) : v,
      ]),
    );
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: cluster.name, cluster: absolute(cluster, ['certificate-authority']) }],
      users: user ? [{ name: user.name, user: absolute(user, ['client-certificate', 'client-key', 'tokenFile']) }] : [],
      contexts: [{ name: context.name, context: context.fields }],
      'current-context': context.name,
    }),
  );
  return kc;
}

// --- the connection -----------------------------------------------------------------------------------------------

interface TlsSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecure?: boolean;
  serverName?: string;
}

/** Sets a request's Authorization header. */
interface Credential {
  authorization(): string;
}

function staticHeader(value: string): Credential {
  return { authorization: () => value };
}

/**
 * A bearer token read from a file, re-read at most once a minute so a rotated (bound service account) token is picked
 * up; when a re-read fails the last token stays in use, as client-go's cached token source does.
 */
export class TokenFile implements Credential {
  private token: string;
  private readAt: number;

  constructor(
    private readonly path: string,
    what: string,
    private readonly now: () => number = Date.now,
  ) {
    this.token = readToken(path, what);
    this.readAt = now();
  }

  authorization(): string {
    if (this.now() - this.readAt >= TOKEN_FILE_REREAD_MS) {
      this.readAt = this.now();
      try {
        this.token = readToken(this.path, this.path);
      } catch {
        // Keep the last token: a file being replaced can be missing or empty for a moment.
      }
    }
    return `Bearer ${this.token}`;
  }
}

/** The API server's URL with the TLS context built once (one agent, kept-alive connections) and the credential. */
export class Connection implements KubeConnection {
  private readonly agent: Agent | undefined;

  constructor(
    readonly server: string,
    tls: TlsSettings,
    private readonly credential?: Credential,
  ) {
    this.agent = server.startsWith('https:')
      ? new Agent({
          keepAlive: true,
          // Parsed once here rather than for every new connection.
          secureContext: createSecureContext({
            ...(tls.ca ? { ca: tls.ca } : {}),
            ...(tls.cert ? { cert: tls.cert } : {}),
            ...(tls.key ? { key: tls.key } : {}),
          }),
          rejectUnauthorized: tls.insecure !== true,
          ...(tls.serverName ? { servername: tls.serverName } : {}),
        })
      : undefined;
  }

  getCurrentCluster(): { server: string } {
    return { server: this.server };
  }

  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    if (this.agent) opts.agent = this.agent;
    if (this.credential) opts.headers = { ...opts.headers, Authorization: this.credential.authorization() };
  }
}

// --- helpers --------------------------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function optionalString(e: Entry, field: string): string | undefined {
  const v = e.fields[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new KubeConfigError(`${e.where}.${field}: must be a string`);
  return v;
}

function resolvePath(e: Entry, path: string): string {
  return isAbsolute(path) ? path : join(e.dir, path);
}

/** A PEM from a file field or a base64 data field (clientcmd: both set is an error). */
function material(e: Entry, fileField: string, dataField: string): { pem: Buffer; field: string } | undefined {
  const file = optionalString(e, fileField);
  const data = optionalString(e, dataField);
  if (file !== undefined && data !== undefined)
    throw new KubeConfigError(`${e.where}: ${fileField} and ${dataField} are both set; only one is allowed`);
  if (data !== undefined) {
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(data)) throw new KubeConfigError(`${e.where}.${dataField}: not base64`);
    return { pem: Buffer.from(data, 'base64'), field: dataField };
  }
  if (file !== undefined)
    return { pem: readMaterial(resolvePath(e, file), `${e.where}.${fileField}`), field: fileField };
  return undefined;
}

function readMaterial(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new KubeConfigError(`${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? errorText(err)}`);
  }
}

function readToken(path: string, what: string): string {
  const token = readMaterial(path, what).toString('utf8').trim();
  if (token === '') throw new KubeConfigError(`${what}: ${path} is empty`);
  return token;
}

function checkPem(pem: Buffer, label: 'CERTIFICATE' | 'PRIVATE KEY', what: string, path?: string): void {
  const text = pem.toString('utf8');
  const ok =
    label === 'CERTIFICATE'
      ? text.includes('-----BEGIN CERTIFICATE-----')
      : /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
  if (!ok) throw new KubeConfigError(`${what}: ${path ? `${path} ` : ''}holds no PEM ${label.toLowerCase()}`);
}
