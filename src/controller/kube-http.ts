// Raw HTTP to the API server with a kubeconfig's credentials and TLS settings (client certificate, bearer token, CA).
// The watcher and the Lease elector use it instead of client-node's typed clients because they need what those hide:
// the Status body of an error response (410 Gone, 409 Conflict), a streamed watch without client-node's 30 s
// inactivity abort, and Lease times with real microseconds rather than a Date padded with zeros.
import { request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { readFileSync } from 'node:fs';
import type { KubeConnection } from './kube-config.js';

/**
 * Sent with every request, as client-go sends `binary/version (os/arch) …`: the API server's audit log and its
 * request metrics then name gatewright rather than an anonymous client.
 */
export const USER_AGENT = `gatewright/${packageVersion()} (${process.platform}/${process.arch}) node/${process.versions.node}`;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A `metav1.Status`, as the API server answers errors. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: unknown;
}

/** A non-2xx answer (or an ERROR watch event) from the API server. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string | undefined,
    message: string,
    readonly status?: KubeStatus,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  static fromStatus(status: KubeStatus, httpStatus?: number, what?: string): KubeApiError {
    const code = status.code ?? httpStatus ?? 0;
    const text = status.message ?? status.reason ?? `HTTP ${code}`;
    return new KubeApiError(code, status.reason, what ? `${what}: HTTP ${code}: ${text}` : text, status);
  }
}

export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}

export interface KubeResponse {
  status: number;
  body: string;
  json: unknown;
}

export interface KubeRequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Whole-request deadline. Default 30 s. */
  timeoutMs?: number;
  /** Aborts the request (e.g. on shutdown). */
  signal?: AbortSignal;
}

export interface StreamHandlers {
  /** Called once the API server has answered 200; the stream follows. */
  onOpen?(): void;
  onLine(line: string): void;
}

/** An open stream; `done` settles when it ends (resolves on a normal end, rejects on an error or an abort). */
export interface KubeStream {
  done: Promise<void>;
  abort(reason?: Error): void;
}

export class KubeHttp {
  constructor(readonly kc: KubeConnection) {}

  /** One request; resolves with any HTTP status (use `expectOk` to throw on errors). */
  async request(method: string, path: string, opts: KubeRequestOptions = {}): Promise<KubeResponse> {
    const body =
      opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    opts.signal?.throwIfAborted();
    const req = await this.open(method, path, opts.query, {
      Accept: 'application/json',
      ...(body !== undefined
        ? { 'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }
        : {}),
    });
    return new Promise<KubeResponse>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? 30_000;
      const timer = setTimeout(
        () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      abortOn(opts.signal, req);
      req.on('response', (res) => {
        readAll(res).then(
          (text) => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: text, json: parseJson(text) });
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
      });
      req.end(body);
    });
  }

  /** A request whose 2xx answer is parsed as JSON; anything else throws KubeApiError. */
  async call<T>(method: string, path: string, opts: KubeRequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, opts);
    if (res.status >= 200 && res.status < 300) return res.json as T;
    throw errorFromResponse(res, `${method} ${path}`);
  }

  /**
   * A streamed GET (a watch): lines go to `onLine` as they arrive. A non-200 answer rejects `done` with KubeApiError.
   * `idleTimeoutMs` aborts a connection that has sent nothing for that long (a half-open TCP connection).
   */
  async stream(
    path: string,
    query: KubeRequestOptions['query'],
    handlers: StreamHandlers,
    idleTimeoutMs: number,
    signal?: AbortSignal,
  ): Promise<KubeStream> {
    signal?.throwIfAborted();
    const req = await this.open('GET', path, query, { Accept: 'application/json' });
    abortOn(signal, req);
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(
        () => req.destroy(new Error(`watch ${path}: nothing received in ${idleTimeoutMs} ms`)),
        idleTimeoutMs,
      );
    };
    const done = new Promise<void>((resolve, reject) => {
      const finish = (err?: Error) => {
        clearTimeout(idleTimer);
        if (err) reject(err);
        else resolve();
      };
      req.on('error', finish);
      req.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          readAll(res).then(
            (text) =>
              finish(
                errorFromResponse({ status: res.statusCode ?? 0, body: text, json: parseJson(text) }, `watch ${path}`),
              ),
            (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))),
          );
          return;
        }
        handlers.onOpen?.();
        armIdle();
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          armIdle();
          pending += chunk;
          let newline: number;
          while ((newline = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, newline);
            pending = pending.slice(newline + 1);
            if (line.trim() !== '') handlers.onLine(line);
          }
        });
        res.on('end', () => {
          if (pending.trim() !== '') handlers.onLine(pending);
          finish();
        });
        res.on('error', finish);
        // 'aborted' without 'end': the connection dropped mid-stream.
        res.on('aborted', () => finish(new Error(`watch ${path}: connection closed mid-stream`)));
      });
      req.end();
    });
    armIdle();
    return { done, abort: (reason) => req.destroy(reason ?? new Error('aborted')) };
  }

  private async open(
    method: string,
    path: string,
    query: KubeRequestOptions['query'],
    headers: Record<string, string>,
  ): Promise<ClientRequest> {
    const cluster = this.kc.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/$/, '') + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    // Asked for each request: a token from a file or an exec plugin may have been rotated since the last one.
    const opts: RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return send(url, {
      ...opts,
      method,
      headers: { 'User-Agent': USER_AGENT, ...(opts.headers as Record<string, string>), ...headers },
    });
  }
}

/** Destroys the request when the signal fires (at once if it already has: it may have while the request was set up). */
function abortOn(signal: AbortSignal | undefined, req: ClientRequest): void {
  if (signal === undefined) return;
  const abort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  if (signal.aborted) {
    abort();
    return;
  }
  signal.addEventListener('abort', abort, { once: true });
  req.on('close', () => signal.removeEventListener('abort', abort));
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function errorFromResponse(res: KubeResponse, what: string): KubeApiError {
  const status =
    res.json !== null && typeof res.json === 'object' ? (res.json as KubeStatus) : { message: res.body.slice(0, 500) };
  return KubeApiError.fromStatus({ ...status, code: status.code ?? res.status }, res.status, what);
}
