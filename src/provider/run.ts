// `gatewright provider`: the image signature provider process. Serves Gatekeeper's external data protocol over
// HTTPS, reads registry credentials from a mounted `kubernetes.io/dockerconfigjson` Secret (re-read when the kubelet
// updates the file), and stops gracefully on SIGTERM.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../controller/log.js';
import { parseDockerConfig } from './docker-config.js';
import { RegistryClient, type Credentials } from './registry.js';
import { ProviderServer } from './server.js';
import { Verifier } from './verifier.js';

export interface ProviderRunOptions {
  port: number;
  host: string;
  tlsCert: string;
  tlsKey: string;
  clientCa?: string;
  /** A dockerconfigjson file, or the folder a dockerconfigjson Secret is mounted at. */
  dockerConfig?: string;
  registryCa?: string;
  plainHttp: string[];
  deadlineMs: number;
  cacheTtlSeconds: number;
  logLevel: string;
}

/** Credentials from a file that may change under us (a mounted Secret): re-read when its mtime changes. */
function credentialsFrom(path: string | undefined, warn: (msg: string, meta: object) => void) {
  if (!path) return () => undefined;
  const file = (() => {
    try {
      return statSync(path).isDirectory() ? join(path, '.dockerconfigjson') : path;
    } catch {
      return path;
    }
  })();
  let mtime = -1;
  let creds = new Map<string, Credentials>();
  return (registry: string): Credentials | undefined => {
    try {
      const m = statSync(file).mtimeMs;
      if (m !== mtime) {
        mtime = m;
        creds = parseDockerConfig(readFileSync(file, 'utf8'));
      }
    } catch (err) {
      warn('cannot read the registry credentials', { file, err: String(err) });
      creds = new Map();
    }
    return creds.get(registry);
  };
}

export async function runProvider(opts: ProviderRunOptions): Promise<void> {
  const log = createLogger({ level: opts.logLevel, defaultMeta: { logger: 'gatewright-provider' } });
  const registry = new RegistryClient({
    credentials: credentialsFrom(opts.dockerConfig, (msg, meta) => log.warn(msg, meta)),
    plainHttp: new Set(opts.plainHttp),
  });
  const verifier = new Verifier({
    registry,
    cacheTtlMs: opts.cacheTtlSeconds * 1000,
    ...(opts.registryCa ? { ca: [readFileSync(opts.registryCa, 'utf8')] } : {}),
  });
  const server = new ProviderServer({
    verifier,
    cert: readFileSync(opts.tlsCert, 'utf8'),
    key: readFileSync(opts.tlsKey, 'utf8'),
    ...(opts.clientCa ? { clientCa: readFileSync(opts.clientCa, 'utf8') } : {}),
    deadlineMs: opts.deadlineMs,
    port: opts.port,
    host: opts.host,
    log,
  });
  const port = await server.start();
  log.info('serving the external data provider', { port, path: '/validate' });
  const stop = async () => {
    log.info('shutting down');
    await server.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}
