import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TlsClientOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  tls?: TlsClientOptions;
  timeoutMs?: number;
}

/** A small HTTP(S) client for readiness probes and raw API calls whose response headers matter (warnings). */
export function httpCall(url: string, opts: HttpRequestOptions = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: opts.method ?? 'GET',
        headers: {
          ...opts.headers,
          ...(opts.body !== undefined ? { 'Content-Length': Buffer.byteLength(opts.body) } : {}),
        },
        // No keep-alive agent: an idle pooled socket would outlive the call and hold up the test runner's exit.
        agent: false,
        ...(target.protocol === 'https:' ? opts.tls : {}),
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout calling ${url}`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/**
 * Texts of the `Warning: 299 - "<text>"` response headers (RFC 7234 warn-code, as the API server sends admission
 * warnings), unescaped the way kubectl prints them.
 */
export function parseWarningHeaders(headers: HttpResponse['headers']): string[] {
  const raw = headers['warning'];
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const texts: string[] = [];
  for (const value of values) {
    // Several warnings can also arrive comma-joined in one header line.
    for (const m of value.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) texts.push(m[1]!.replace(/\\(.)/g, '$1'));
  }
  return texts;
}
