// One HTTP(S) GET with what a registry client needs and fetch() lacks: a per-request CA bundle, a hard body-size
// limit, cancellation by AbortSignal, and redirects that drop the Authorization header when they leave the host
// (blob storage behind a redirect must not see registry credentials).
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface GetOptions {
  headers?: Record<string, string>;
  /** Extra PEM CA certificates, trusted in addition to the system roots. */
  ca?: string[];
  signal?: AbortSignal;
  maxBytes: number;
  method?: 'GET' | 'HEAD';
}

export class HttpError extends Error {}

const MAX_REDIRECTS = 5;

export async function httpGet(url: string, opts: GetOptions): Promise<HttpResponse> {
  let current = new URL(url);
  let headers = { ...(opts.headers ?? {}) };
  for (let hop = 0; ; hop++) {
    const res = await once(current, headers, opts);
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      if (hop >= MAX_REDIRECTS) throw new HttpError(`too many redirects from ${url}`);
      const next = new URL(location, current);
      if (next.host !== current.host) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      }
      current = next;
      continue;
    }
    return res;
  }
}

function once(url: URL, headers: Record<string, string>, opts: GetOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      reject(new HttpError(`unsupported URL scheme ${url.protocol}`));
      return;
    }
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        headers,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(url.protocol === 'https:' && opts.ca && opts.ca.length > 0
          ? { ca: [...rootCertificates, ...opts.ca] }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > opts.maxBytes) {
            req.destroy(new HttpError(`the response from ${url.host} is larger than ${opts.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.href }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
