// The operations endpoint every replica serves, leader or not (ts-operators.md §3.6, §3.8): `/healthz` (is the
// process alive), `/readyz` (the caller's readiness checks, e.g. caches synced and the leader's first reconcile done)
// and `/metrics` (Prometheus text). As in controller-runtime, each check is also served alone at `/<endpoint>/<name>`,
// and `?verbose` lists every check. With an authorizer, `/metrics` answers only a bearer token the API server
// authenticates (TokenReview) and authorizes for `get` on the non-resource URL /metrics (SubjectAccessReview), as
// controller-runtime's secure metrics serving does; /healthz and /readyz stay open for the kubelet's probes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './log.js';
import type { OperatorMetrics } from './metrics.js';
import type { RequestAuthorizer } from './kube-auth.js';

/** `true` (or nothing) when fine; `false`, a reason, or a throw when not. */
export type CheckResult = boolean | string | void;
export type Check = () => CheckResult | Promise<CheckResult>;

export interface OpsServerOptions {
  metrics: OperatorMetrics;
  /** 0 picks a free port (tests). */
  port: number;
  /** Default 0.0.0.0, so the kubelet's probes reach it in a pod; tests pass 127.0.0.1. */
  host?: string;
  logger?: Logger;
  /** A check slower than this fails. Default 5 s. */
  checkTimeoutMs?: number;
  /** When set, /metrics requires a bearer token this authorizer admits (401 without or with a bad one, 403 denied). */
  metricsAuthorizer?: RequestAuthorizer;
}

interface CheckOutcome {
  name: string;
  ok: boolean;
  reason?: string;
}

export class OpsServer {
  private readonly healthz = new Map<string, Check>();
  private readonly readyz = new Map<string, Check>();
  private readonly server: Server;
  private readonly checkTimeoutMs: number;

  constructor(private readonly opts: OpsServerOptions) {
    this.checkTimeoutMs = opts.checkTimeoutMs ?? 5000;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        opts.logger?.error('Could not answer an ops request', { err, path: req.url });
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      });
    });
    // Probes and scrapes are short; do not let idle keep-alive sockets hold up stop().
    this.server.keepAliveTimeout = 1000;
  }

  /** Adds a liveness check: a failing one makes the kubelet restart the pod, so keep them to "the process is stuck". */
  addHealthzCheck(name: string, check: Check): this {
    this.healthz.set(checkName(name), check);
    return this;
  }

  /** Adds a readiness check: e.g. "watches synced", or "first reconcile done" on the leader. */
  addReadyzCheck(name: string, check: Check): this {
    this.readyz.set(checkName(name), check);
    return this;
  }

  /** Listens; resolves with the bound port. */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host ?? '0.0.0.0', () => {
        this.server.off('error', reject);
        resolve(this.port);
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Stops listening and closes open connections. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://ops');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    if (url.pathname === '/metrics') {
      if (this.opts.metricsAuthorizer && !(await this.authorized(req, res, url.pathname))) return;
      const body = await this.opts.metrics.exposition();
      res.writeHead(200, { 'Content-Type': this.opts.metrics.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const [, endpoint, name, extra] = url.pathname.split('/');
    const checks = endpoint === 'healthz' ? this.healthz : endpoint === 'readyz' ? this.readyz : undefined;
    if (checks === undefined || extra !== undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    let selected: [string, Check][];
    if (name === undefined || name === '') {
      selected = [...checks];
    } else {
      const check = checks.get(name);
      if (check === undefined) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`no ${endpoint} check named ${name}\n`);
        return;
      }
      selected = [[name, check]];
    }
    const outcomes = await Promise.all(selected.map(([n, c]) => this.runCheck(n, c)));
    const ok = outcomes.every((o) => o.ok);
    const verbose = url.searchParams.has('verbose') || !ok;
    const lines = verbose
      ? outcomes.map((o) => (o.ok ? `[+]${o.name} ok` : `[-]${o.name} failed: ${o.reason ?? 'not ready'}`))
      : [];
    lines.push(ok ? `${endpoint} check passed` : `${endpoint} check failed`);
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : lines.join('\n') + '\n');
  }

  private async authorized(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    let decision;
    try {
      decision = await (this.opts.metricsAuthorizer as RequestAuthorizer)(token, path);
    } catch (err) {
      // The API server could not be asked: fail closed, and say so (controller-runtime answers 500 here too).
      this.opts.logger?.error('Could not authorize a metrics request', { err });
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('could not authorize the request\n');
      return false;
    }
    if (decision.allowed) return true;
    res.writeHead(decision.status, {
      'Content-Type': 'text/plain; charset=utf-8',
      ...(decision.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
    });
    res.end(`${decision.status === 401 ? 'Unauthorized' : 'Forbidden'}: ${decision.reason}\n`);
    return false;
  }

  private async runCheck(name: string, check: Check): Promise<CheckOutcome> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${this.checkTimeoutMs} ms`)), this.checkTimeoutMs);
      });
      const result = await Promise.race([Promise.resolve().then(check), timeout]);
      if (result === undefined || result === true) return { name, ok: true };
      return { name, ok: false, reason: typeof result === 'string' ? result : undefined };
    } catch (err) {
      return { name, ok: false, reason: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function checkName(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`check name ${JSON.stringify(name)} must be a URL segment`);
  return name;
}
