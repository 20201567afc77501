import { afterEach, describe, expect, test } from '@jest/globals';
import { OperatorMetrics } from '../../../src/controller/metrics.js';
import { OpsServer } from '../../../src/controller/ops-server.js';

let server: OpsServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(setUp: (s: OpsServer) => void = () => {}) {
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  server = new OpsServer({ metrics, port: 0, host: '127.0.0.1', checkTimeoutMs: 200 });
  setUp(server);
  const port = await server.start();
  const get = async (path: string, method = 'GET') => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };
  return { metrics, get };
}

describe('ops server', () => {
  test('/healthz answers 200 while the process runs', async () => {
    const { get } = await start();
    expect(await get('/healthz')).toMatchObject({ status: 200, body: 'healthz check passed\n' });
  });

  test('/readyz follows the caller-provided checks and says which one fails', async () => {
    let synced = false;
    let firstReconcileDone: string | true = 'leader has not finished its first reconcile';
    const { get } = await start((s) =>
      s.addReadyzCheck('watches-synced', () => synced).addReadyzCheck('first-reconcile', () => firstReconcileDone),
    );
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(500);
    expect(notReady.body).toBe(
      '[-]watches-synced failed: not ready\n' +
        '[-]first-reconcile failed: leader has not finished its first reconcile\n' +
        'readyz check failed\n',
    );
    synced = true;
    expect((await get('/readyz/watches-synced')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(500);
    firstReconcileDone = true;
    expect(await get('/readyz')).toMatchObject({ status: 200, body: 'readyz check passed\n' });
    expect((await get('/readyz?verbose')).body).toBe(
      '[+]watches-synced ok\n[+]first-reconcile ok\nreadyz check passed\n',
    );
  });

  test('a check that throws, rejects or hangs fails with its reason', async () => {
    const { get } = await start((s) =>
      s
        .addHealthzCheck('throws', () => {
          throw new Error('event loop stuck');
        })
        .addHealthzCheck('hangs', () => new Promise(() => {}))
        .addHealthzCheck('async-ok', async () => true),
    );
    const res = await get('/healthz');
    expect(res.status).toBe(500);
    expect(res.body).toContain('[-]throws failed: event loop stuck');
    expect(res.body).toContain('[-]hangs failed: timed out after 200 ms');
    expect(res.body).toContain('[+]async-ok ok');
  });

  test('/metrics serves the Prometheus text of the registry', async () => {
    const { get, metrics } = await start();
    metrics.recordApiWrite('patch', 'ConstraintTemplate');
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('gatewright_api_write_requests_total{verb="patch",kind="ConstraintTemplate"} 1');
  });

  test('unknown paths, unknown checks and other methods are refused', async () => {
    const { get } = await start((s) => s.addReadyzCheck('synced', () => true));
    expect((await get('/')).status).toBe(404);
    expect((await get('/readyz/nope')).status).toBe(404);
    expect((await get('/readyz/synced/x')).status).toBe(404);
    expect((await get('/healthz', 'POST')).status).toBe(405);
    expect((await get('/readyz', 'HEAD')).status).toBe(200);
  });

  test('check names must be URL segments', async () => {
    await start((s) => expect(() => s.addReadyzCheck('Bad Name', () => true)).toThrow(/URL segment/));
  });
});
