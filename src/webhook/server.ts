// gatewright's validating admission webhook: an HTTPS server that answers AdmissionReviews for the policy objects at
// POST /validate (see review.ts), and /healthz. Stateless, so every replica serves it, leader or not.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { review } from './review.js';

export const WEBHOOK_PATH = '/validate';
/** An AdmissionReview carries the object twice (object, oldObject); objects are capped far below this. */
const MAX_BODY = 8 * 1024 * 1024;

export interface WebhookOptions {
  port: number;
  host?: string;
  /** PEM serving certificate and key. */
  cert: string | Buffer;
  key: string | Buffer;
  onError?: (err: Error) => void;
}

export interface RunningWebhook {
  port: number;
  server: Server;
  close(): Promise<void>;
}

export function startWebhook(opts: WebhookOptions): Promise<RunningWebhook> {
  const server = createServer({ cert: opts.cert, key: opts.key }, (req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (req.method !== 'POST' || req.url?.split('?')[0] !== WEBHOOK_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end('request too large\n');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('not JSON\n');
        return;
      }
      try {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(review(body)));
      } catch (e) {
        opts.onError?.(e as Error);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
      }
    });
  });
  server.on('tlsClientError', (err) => opts.onError?.(err));
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      resolvePromise({
        port: (server.address() as AddressInfo).port,
        server,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
