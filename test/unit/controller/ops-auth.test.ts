// The ops server's side of secure metrics: which requests reach the authorizer, what each decision answers, and that
// probes never need a token. The authorizer itself (TokenReview + SubjectAccessReview) runs against a real API server
// in test/e2e/faults.test.ts.
import { afterEach, describe, expect, test } from '@jest/globals';
import type { AccessDecision } from '../../../src/controller/kube-auth.js';
import { OperatorMetrics } from '../../../src/controller/metrics.js';
import { OpsServer } from '../../../src/controller/ops-server.js';

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(decide: (token: string | undefined, path: string) => Promise<AccessDecision>) {
  const seen: { token: string | undefined; path: string }[] = [];
  server = new OpsServer({
    metrics: new OperatorMetrics({ defaultMetrics: false }),
    port: 0,
    host: '127.0.0.1',
    metricsAuthorizer: (token, path) => {
      seen.push({ token, path });
      return decide(token, path);
    },
  });
  server.addHealthzCheck('ping', () => true);
  server.addReadyzCheck('ready', () => true);
  const port = await server.start();
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
    return { status: res.status, body: await res.text(), authenticate: res.headers.get('www-authenticate') };
  };
  return { get, seen };
}

const tokens: Record<string, AccessDecision> = {
  scraper: { allowed: true, user: 'system:serviceaccount:monitoring:prometheus' },
  stranger: { allowed: false, status: 403, reason: 'user system:serviceaccount:x:y may not get /metrics' },
};
const decide = (token: string | undefined) =>
  Promise.resolve(
    token === undefined
      ? ({ allowed: false, status: 401, reason: 'a bearer token is required' } as const)
      : (tokens[token] ?? ({ allowed: false, status: 401, reason: 'invalid token' } as const)),
  );

describe('secure /metrics', () => {
  test('the bearer token goes to the authorizer; each decision gives its status', async () => {
    const { get, seen } = await start(decide);
    const none = await get('/metrics');
    expect([none.status, none.authenticate, none.body]).toEqual([
      401,
      'Bearer',
      'Unauthorized: a bearer token is required\n',
    ]);
    expect((await get('/metrics', { Authorization: 'Bearer forged' })).status).toBe(401);
    const stranger = await get('/metrics', { Authorization: 'Bearer stranger' });
    expect([stranger.status, stranger.body]).toEqual([
      403,
      'Forbidden: user system:serviceaccount:x:y may not get /metrics\n',
    ]);
    const ok = await get('/metrics', { Authorization: 'bearer   scraper' });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('gatewright_');
    // Basic credentials are not a bearer token.
    expect((await get('/metrics', { Authorization: 'Basic c2NyYXBlcg==' })).status).toBe(401);
    expect(seen.map((s) => s.token)).toEqual([undefined, 'forged', 'stranger', 'scraper', undefined]);
    expect(new Set(seen.map((s) => s.path))).toEqual(new Set(['/metrics']));
  });

  test('probes stay open for the kubelet and never consult the authorizer', async () => {
    const { get, seen } = await start(decide);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/healthz/ping')).status).toBe(200);
    expect(seen).toEqual([]);
  });

  test('when the API server cannot be asked, /metrics fails closed with 500', async () => {
    const { get } = await start(() => Promise.reject(new Error('connection refused')));
    const r = await get('/metrics', { Authorization: 'Bearer scraper' });
    expect([r.status, r.body]).toEqual([500, 'could not authorize the request\n']);
    expect((await get('/healthz')).status).toBe(200);
  });
});
