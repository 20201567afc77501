// The Gatekeeper external data provider endpoint (Gatekeeper docs "External Data"; frameworks
// `pkg/externaldata` types): POST a ProviderRequest `{request: {keys: [...]}}`, answer a ProviderResponse
// `{response: {idempotent, items: [{key, value, error}], systemError}}`. Every key gets an item, within the deadline:
// a key whose verification has not finished in time gets an error item (fail closed), never silence. Gatekeeper only
// talks HTTPS to providers; with --client-ca the provider also requires Gatekeeper's client certificate.
import { createServer, type Server } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'winston';
import { parseRequestKey, RequestError, type Verifier } from './verifier.js';

export const PROVIDER_API_VERSION = 'externaldata.gatekeeper.sh/v1beta1';
export const VERIFY_PATH = '/validate';
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const MAX_KEYS = 256;

export interface ProviderItem {
  key: string;
  value?: unknown;
  error?: string;
}

export interface ProviderResponse {
  apiVersion: string;
  kind: 'ProviderResponse';
  response: { idempotent: boolean; items: ProviderItem[]; systemError?: string };
}

const respond = (items: ProviderItem[], systemError?: string): ProviderResponse => ({
  apiVersion: PROVIDER_API_VERSION,
  kind: 'ProviderResponse',
  response: { idempotent: true, items, ...(systemError ? { systemError } : {}) },
});

/** The keys of a ProviderRequest, or the system error to answer with. */
export function requestKeys(body: unknown): string[] | { systemError: string } {
  const b = body as { kind?: unknown; request?: { keys?: unknown } } | null;
  if (typeof b !== 'object' || b === null) return { systemError: 'the request body is not a ProviderRequest object' };
  if (b.kind !== undefined && b.kind !== 'ProviderRequest') return { systemError: `unexpected kind ${String(b.kind)}` };
  const keys = b.request?.keys;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string'))
    return { systemError: 'the request has no request.keys list of strings' };
  if (keys.length > MAX_KEYS) return { systemError: `more than ${MAX_KEYS} keys in one request` };
  return keys;
}

/** Verifies every key in parallel; a key not done by the deadline is answered with an error. */
export async function answer(
  keys: string[],
  verifier: Verifier,
  deadlineMs: number,
  log?: Logger,
): Promise<ProviderResponse> {
  const signal = AbortSignal.timeout(deadlineMs);
  const unique = [...new Set(keys)];
  type Answer = ProviderItem & { transient?: { image: string } };
  const answers = await Promise.all(
    unique.map(async (key): Promise<Answer> => {
      let request;
      try {
        request = parseRequestKey(key);
      } catch (err) {
        if (err instanceof RequestError) return { key, error: `malformed request: ${err.message}` };
        throw err;
      }
      const started = performance.now();
      const late = new Promise<Answer>((resolve) =>
        setTimeout(
          () =>
            resolve({
              key,
              error: `registry error: verification of ${request.image} did not finish within ${deadlineMs} ms`,
              transient: { image: request.image },
            }),
          deadlineMs + 50,
        ).unref(),
      );
      const work = verifier.verify(request, signal).then(({ verdict, cached }): Answer => {
        log?.info('verified', {
          image: request.image,
          verified: verdict.verified,
          ...(verdict.verified
            ? { digest: verdict.digest, key: verdict.keyId }
            : { refusal: verdict.refusal, reason: verdict.reason }),
          cached,
          ms: Math.round((performance.now() - started) * 10) / 10,
        });
        if (verdict.verified) return { key, value: { verified: true, digest: verdict.digest, key: verdict.keyId } };
        return {
          key,
          error: verdict.reason,
          ...(verdict.refusal === 'registry' ? { transient: { image: request.image } } : {}),
        };
      });
      return Promise.race([work, late]);
    }),
  );
  // Gatekeeper keeps every item it receives, errors too, for its response-cache TTL (3 min by default; frameworks
  // drivers/rego/builtin.go), so a registry that was down for a second would keep denying for minutes. A failure that
  // says nothing about the image is therefore answered as a system error, which Gatekeeper does not keep: the
  // template denies the keys without an item with it (fail closed), and the next admission asks again.
  const items = answers.filter((a) => !a.transient).map(({ key, value, error }) => ({ key, value, error }));
  const transient = answers.filter((a) => a.transient);
  if (transient.length === 0) return respond(items);
  const systemError =
    transient.length === 1
      ? (transient[0]?.error ?? '')
      : `registry errors: ${transient.map((a) => `${a.transient?.image}: ${(a.error ?? '').replace(/^registry error: /, '')}`).join('; ')}`;
  return respond(items, systemError);
}

export interface ProviderServerOptions {
  verifier: Verifier;
  cert: string;
  key: string;
  /** PEM CA that Gatekeeper's client certificates must chain to; without it any client may ask. */
  clientCa?: string;
  /** Per request: every key is answered within this many milliseconds. */
  deadlineMs: number;
  port: number;
  host: string;
  log: Logger;
}

export class ProviderServer {
  private server?: Server;

  constructor(private readonly opts: ProviderServerOptions) {}

  async start(): Promise<number> {
    const server = createServer(
      {
        cert: this.opts.cert,
        key: this.opts.key,
        ...(this.opts.clientCa ? { ca: this.opts.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
      },
      (req, res) => void this.handle(req, res),
    );
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  /**
   * New serving certificate, key and client CA for the next handshakes (a rotated Secret); connections already open
   * keep theirs. Throws, changing nothing, when they do not make a TLS context (a key that does not match the cert).
   */
  reload(tls: { cert: string; key: string; clientCa?: string }): void {
    const context = { cert: tls.cert, key: tls.key, ...(tls.clientCa ? { ca: tls.clientCa } : {}) };
    createSecureContext(context);
    if (Boolean(tls.clientCa) !== Boolean(this.opts.clientCa))
      throw new Error('a client CA cannot be added or removed while serving; restart the provider');
    this.server?.setSecureContext(context);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/readyz')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (req.method !== 'POST' || req.url !== VERIFY_PATH) {
      send(404, { error: `POST ${VERIFY_PATH} with a ProviderRequest` });
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_REQUEST_BYTES) {
          send(413, respond([], `the request is larger than ${MAX_REQUEST_BYTES} bytes`));
          return;
        }
        chunks.push(chunk as Buffer);
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        send(200, respond([], 'the request body is not JSON'));
        return;
      }
      const keys = requestKeys(body);
      if (!Array.isArray(keys)) {
        send(200, respond([], keys.systemError));
        return;
      }
      send(200, await answer(keys, this.opts.verifier, this.opts.deadlineMs, this.opts.log));
    } catch (err) {
      this.opts.log.error('request failed', { err: String(err) });
      if (!res.headersSent) send(200, respond([], `internal error: ${String(err)}`));
    }
  }
}
