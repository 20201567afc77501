// `gatewright provider`: the image signature provider process. Serves Gatekeeper's external data protocol over
// HTTPS; everything it reads from files may be a mounted Secret that the kubelet rotates, so the serving certificate,
// the client CA, the registry credentials and the credentials key are read again when they change (the TLS files on
// a timer, the others when a request needs them). Logs are JSON lines; stops gracefully on SIGTERM.
import { readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger, flushLogger } from '../controller/log.js';
import { parseDockerConfig } from './docker-config.js';
import { RegistryClient, type Credentials } from './registry.js';
import { parseSealingKeys, type SealingKey } from './sealed-credentials.js';
import { ProviderServer } from './server.js';
import { Verifier } from './verifier.js';
import { WatchedFile } from './watched-file.js';

export interface ProviderRunOptions {
  port: number;
  host: string;
  tlsCert: string;
  tlsKey: string;
  clientCa?: string;
  /** A dockerconfigjson file, or the folder a dockerconfigjson Secret is mounted at. */
  dockerConfig?: string;
  /** The key file shared with the operator, which opens policies' sealed dockerCfg. */
  credentialsKey?: string;
  registryCa?: string;
  plainHttp: string[];
  deadlineMs: number;
  cacheTtlSeconds: number;
  /** How often the TLS files are checked for a rotation. */
  reloadSeconds: number;
  /** Plain-HTTP port of /healthz and /readyz, for kubelet probes when --client-ca makes the HTTPS port refuse them. */
  healthPort?: number;
  logLevel: string;
}

const secretFile = (path: string, key: string): string => {
  try {
    return statSync(path).isDirectory() ? join(path, key) : path;
  } catch {
    return path;
  }
};

export async function runProvider(opts: ProviderRunOptions): Promise<void> {
  const log = createLogger({ level: opts.logLevel, defaultMeta: { logger: 'gatewright-provider' } });
  const reported = new Set<string>();
  /** The value of a watched file, or `fallback` with one warning per distinct failure. */
  const read = <T>(file: WatchedFile<T>, fallback: T): T => {
    try {
      const value = file.get();
      const err = file.error();
      if (err && !reported.has(err)) {
        reported.add(err);
        log.warn('a changed file does not parse; the previous content stays in use', { file: file.path, err });
      }
      return value;
    } catch (err) {
      const msg = String(err);
      if (!reported.has(msg)) {
        reported.add(msg);
        log.warn('cannot read a file', { file: file.path, err: msg });
      }
      return fallback;
    }
  };

  const dockerConfig = opts.dockerConfig
    ? new WatchedFile(secretFile(opts.dockerConfig, '.dockerconfigjson'), parseDockerConfig)
    : undefined;
  const noCredentials = new Map<string, Credentials>();
  const registry = new RegistryClient({
    ...(dockerConfig ? { credentials: (host: string) => read(dockerConfig, noCredentials).get(host) } : {}),
    plainHttp: new Set(opts.plainHttp),
  });
  const credentialsKey = opts.credentialsKey
    ? new WatchedFile(secretFile(opts.credentialsKey, 'key'), parseSealingKeys)
    : undefined;
  if (credentialsKey) credentialsKey.get(); // a missing or malformed key file stops the start, with the reason
  const verifier = new Verifier({
    registry,
    cacheTtlMs: opts.cacheTtlSeconds * 1000,
    ...(opts.registryCa ? { ca: [readFileSync(opts.registryCa, 'utf8')] } : {}),
    ...(credentialsKey ? { sealingKeys: () => read<SealingKey[]>(credentialsKey, []) } : {}),
  });

  const text = (s: string) => s;
  const cert = new WatchedFile(opts.tlsCert, text);
  const key = new WatchedFile(opts.tlsKey, text);
  const clientCa = opts.clientCa ? new WatchedFile(opts.clientCa, text) : undefined;
  const server = new ProviderServer({
    verifier,
    cert: cert.get(),
    key: key.get(),
    ...(clientCa ? { clientCa: clientCa.get() } : {}),
    deadlineMs: opts.deadlineMs,
    port: opts.port,
    host: opts.host,
    log,
  });
  const port = await server.start();
  log.info('serving the external data provider', {
    port,
    path: '/validate',
    clientAuth: clientCa ? 'required' : 'none',
    deadlineMs: opts.deadlineMs,
  });

  const health =
    opts.healthPort === undefined
      ? undefined
      : createHttpServer((req, res) => {
          const ok = req.method === 'GET' && (req.url === '/healthz' || req.url === '/readyz');
          res.writeHead(ok ? 200 : 404, { 'Content-Type': 'text/plain' });
          res.end(ok ? 'ok' : 'GET /healthz or /readyz');
        });
  if (health) {
    await new Promise<void>((resolve, reject) => {
      health.once('error', reject);
      health.listen(opts.healthPort, opts.host, () => resolve());
    });
    log.info('serving health probes over HTTP', { port: (health.address() as AddressInfo).port });
  }

  let pending = false;
  const reload = setInterval(() => {
    // Each file is refreshed (no short-circuit), then the set is applied together.
    const changed = [cert.refresh(), key.refresh(), clientCa?.refresh() ?? false];
    if (!changed.some(Boolean) && !pending) return;
    try {
      server.reload({ cert: cert.get(), key: key.get(), ...(clientCa ? { clientCa: clientCa.get() } : {}) });
      pending = false;
      log.info('reloaded the serving certificate and client CA', { cert: opts.tlsCert });
    } catch (err) {
      pending = true;
      // A certificate and key from different moments of a rotation: the next tick sees the rest of it.
      log.warn('the TLS files do not make a usable pair yet; still serving the previous ones', { err: String(err) });
    }
  }, opts.reloadSeconds * 1000);
  reload.unref();

  const stop = async () => {
    log.info('shutting down');
    clearInterval(reload);
    health?.close();
    await server.stop();
    await flushLogger(log);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}
