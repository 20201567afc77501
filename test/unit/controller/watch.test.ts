// The watcher against a scripted fake API server on 127.0.0.1 (plain HTTP): what the real one cannot be made to do on
// demand (a 410 in the middle of a watch, a 500, a resource that appears later) is tested here; the e2e test covers
// the real API server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from '@jest/globals';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { OperatorMetrics } from '../../../src/controller/metrics.js';
import { ResourceWatcher, type WatchEventType } from '../../../src/controller/watch.js';

const PATH = '/api/v1/namespaces/ns/configmaps';

function cm(name: string, rv: string, data: Record<string, string> = {}): KubernetesObject & { data: object } {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv }, data };
}

type WatchScript = (res: ServerResponse, query: URLSearchParams) => void;

/** A fake API server: `list` answers list requests; each watch request takes the next script (the last one repeats). */
class FakeApiServer {
  readonly requests: { kind: 'list' | 'watch'; query: URLSearchParams }[] = [];
  list: (query: URLSearchParams) => { status: number; body: unknown } = () => ({ status: 500, body: {} });
  watches: WatchScript[] = [];
  private server: Server | undefined;
  private readonly open = new Set<ServerResponse>();

  async start(): Promise<KubeConfig> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'tester' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
      currentContext: 'fake',
    });
    return kc;
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  watchCount(): number {
    return this.requests.filter((r) => r.kind === 'watch').length;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    expect(url.pathname).toBe(PATH);
    if (url.searchParams.get('watch') === '1') {
      this.requests.push({ kind: 'watch', query: url.searchParams });
      const script = this.watches.length > 1 ? this.watches.shift()! : this.watches[0];
      if (script === undefined) throw new Error('no watch script');
      this.open.add(res);
      res.on('close', () => this.open.delete(res));
      script(res, url.searchParams);
      return;
    }
    this.requests.push({ kind: 'list', query: url.searchParams });
    const { status, body } = this.list(url.searchParams);
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

function listOf(rv: string, items: KubernetesObject[], cont?: string) {
  return { status: 200, body: { kind: 'ConfigMapList', metadata: { resourceVersion: rv, continue: cont }, items } };
}

function send(res: ServerResponse, type: string, object: unknown): void {
  if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write(JSON.stringify({ type, object }) + '\n');
}

/** A watch that stays open and sends nothing more. */
const hang: WatchScript = (res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

let api: FakeApiServer;
let watcher: ResourceWatcher | undefined;

afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await api.stop();
});

function startWatcher(kc: KubeConfig, extra: Partial<ConstructorParameters<typeof ResourceWatcher>[0]> = {}) {
  const events: [WatchEventType, string, string][] = [];
  watcher = new ResourceWatcher({
    kc,
    path: PATH,
    baseBackoffMs: 20,
    maxBackoffMs: 100,
    watchTimeoutSeconds: 60,
    onEvent: (type, obj) => events.push([type, obj.metadata!.name!, obj.metadata!.resourceVersion!]),
    ...extra,
  });
  watcher.start();
  return { events, w: watcher };
}

describe('ResourceWatcher', () => {
  test('lists page by page, then watches from the list resourceVersion and resumes from the last one seen', async () => {
    api = new FakeApiServer();
    const kc = await api.start();
    api.list = (q) =>
      q.get('continue') === 'page2' ? listOf('10', [cm('b', '8')]) : listOf('10', [cm('a', '7')], 'page2');
    api.watches = [
      (res, q) => {
        expect(q.get('resourceVersion')).toBe('10');
        expect(q.get('allowWatchBookmarks')).toBe('true');
        send(res, 'ADDED', cm('c', '11'));
        send(res, 'MODIFIED', cm('a', '12', { k: 'v' }));
        send(res, 'DELETED', cm('b', '13'));
        send(res, 'BOOKMARK', { kind: 'ConfigMap', metadata: { resourceVersion: '15' } });
        res.end();
      },
      hang,
    ];
    const { events, w } = startWatcher(kc, { labelSelector: 'app=x' });
    await w.waitForSync();
    await waitUntil('the second watch', () => api.watchCount() === 2);
    expect(events).toEqual([
      ['ADDED', 'a', '7'],
      ['ADDED', 'b', '8'],
      ['ADDED', 'c', '11'],
      ['MODIFIED', 'a', '12'],
      ['DELETED', 'b', '13'],
    ]);
    const [list1, list2, , watch2] = api.requests;
    expect(list1!.query.get('labelSelector')).toBe('app=x');
    expect(list2!.query.get('continue')).toBe('page2');
    // Resumed from the bookmark, without a relist.
    expect(watch2!.query.get('resourceVersion')).toBe('15');
    expect(api.requests.filter((r) => r.kind === 'list')).toHaveLength(2);
    expect(
      w
        .list()
        .map((o) => o.metadata!.name)
        .sort(),
    ).toEqual(['a', 'c']);
    expect(w.get('a', 'ns')).toMatchObject({ data: { k: 'v' } });
    expect(w.hasSynced()).toBe(true);
    await waitUntil('the second watch to be open', () => w.connected);
  });

  test('a 410 Gone in the watch relists and reports what changed meanwhile', async () => {
    api = new FakeApiServer();
    const kc = await api.start();
    let listed = 0;
    api.list = () =>
      ++listed === 1 ? listOf('10', [cm('a', '7'), cm('b', '8')]) : listOf('30', [cm('b', '8'), cm('d', '25')]);
    api.watches = [
      (res) =>
        send(res, 'ERROR', {
          kind: 'Status',
          status: 'Failure',
          code: 410,
          reason: 'Expired',
          message: 'too old resource version: 10 (20)',
        }),
      hang,
    ];
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const { events, w } = startWatcher(kc, { metrics });
    await waitUntil('the relist', () => events.length === 4);
    expect(events).toEqual([
      ['ADDED', 'a', '7'],
      ['ADDED', 'b', '8'],
      ['DELETED', 'a', '7'],
      ['ADDED', 'd', '25'],
    ]);
    await waitUntil('the watch after the relist', () => api.watchCount() === 2);
    expect(api.requests.at(-1)!.query.get('resourceVersion')).toBe('30');
    expect(
      w
        .list()
        .map((o) => o.metadata!.name)
        .sort(),
    ).toEqual(['b', 'd']);
    expect(await metrics.exposition()).toContain(`gatewright_watch_restarts_total{resource="${PATH}",reason="gone"} 1`);
  });

  test('a 410 as the HTTP status of the watch relists too', async () => {
    api = new FakeApiServer();
    const kc = await api.start();
    api.list = () => listOf('10', [cm('a', '7')]);
    api.watches = [
      (res) => {
        res.writeHead(410, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', code: 410, reason: 'Gone', message: 'gone' }));
      },
      hang,
    ];
    const { w } = startWatcher(kc);
    await waitUntil('the second watch', () => api.watchCount() === 2);
    expect(api.requests.map((r) => r.kind)).toEqual(['list', 'watch', 'list', 'watch']);
    expect(w.list()).toHaveLength(1);
  });

  test('other errors restart the watch with growing delays, from the last resourceVersion', async () => {
    api = new FakeApiServer();
    const kc = await api.start();
    api.list = () => listOf('10', [cm('a', '7')]);
    const failed: number[] = [];
    const fail: WatchScript = (res) => {
      failed.push(Date.now());
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd is sad' }));
    };
    api.watches = [fail, fail, fail, hang];
    const { w } = startWatcher(kc);
    await waitUntil('the fourth watch', () => api.watchCount() === 4);
    // The fourth attempt is open once its response starts; only then is the last error cleared.
    await waitUntil('the watch to recover', () => w.lastError === undefined);
    expect(w.lastError).toBeUndefined();
    // 20, 40, 80 ms between attempts (timers never fire early).
    expect(failed[1]! - failed[0]!).toBeGreaterThanOrEqual(19);
    expect(failed[2]! - failed[1]!).toBeGreaterThanOrEqual(39);
    expect(api.requests.filter((r) => r.kind === 'list')).toHaveLength(1);
    expect(api.requests.filter((r) => r.kind === 'watch').every((r) => r.query.get('resourceVersion') === '10')).toBe(
      true,
    );
  });

  test('a connection dropped mid-stream is resumed', async () => {
    api = new FakeApiServer();
    const kc = await api.start();
    api.list = () => listOf('10', []);
    api.watches = [
      (res) => {
        send(res, 'ADDED', cm('a', '11'));
        setTimeout(() => res.destroy(), 20);
      },
      hang,
    ];
    const { events, w } = startWatcher(kc);
    await waitUntil('the second watch', () => api.watchCount() === 2);
    expect(events).toEqual([['ADDED', 'a', '11']]);
    expect(api.requests.at(-1)!.query.get('resourceVersion')).toBe('11');
    expect(w.hasSynced()).toBe(true);
  });

  test('a resource that is not served yet is retried quietly until it appears', async () => {
    api = new FakeApiServer();
    const kc = await api.start();
    let served = false;
    api.list = () =>
      served ? listOf('5', [cm('a', '4')]) : { status: 404, body: { kind: 'Status', code: 404, reason: 'NotFound' } };
    api.watches = [hang];
    const { events, w } = startWatcher(kc);
    await waitUntil('a few list attempts', () => api.requests.length >= 3);
    expect(w.hasSynced()).toBe(false);
    expect(w.lastError?.message).toMatch(/404/);
    served = true;
    await w.waitForSync();
    expect(events).toEqual([['ADDED', 'a', '4']]);
  });

  test('a handler that throws does not stop the watch', async () => {
    api = new FakeApiServer();
    const kc = await api.start();
    api.list = () => listOf('10', [cm('a', '7')]);
    api.watches = [(res) => send(res, 'ADDED', cm('b', '11'))];
    const seen: string[] = [];
    const { w } = startWatcher(kc, {
      onEvent: (_type, obj) => {
        seen.push(obj.metadata!.name!);
        throw new Error('handler bug');
      },
    });
    await waitUntil('both events', () => seen.length === 2);
    expect(w.list()).toHaveLength(2);
  });

  test('stop() closes an open watch at once and a restart resumes', async () => {
    api = new FakeApiServer();
    const kc = await api.start();
    api.list = () => listOf('10', [cm('a', '7')]);
    api.watches = [hang];
    const { w } = startWatcher(kc);
    await waitUntil('the watch', () => w.connected);
    const started = Date.now();
    await w.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(w.connected).toBe(false);
    expect(w.list()).toHaveLength(1);
    w.start();
    await waitUntil('the second watch', () => api.watchCount() === 2);
    expect(api.requests.filter((r) => r.kind === 'list')).toHaveLength(1);
  });

  test('a given resourceVersion is watched without a list; when too old, the watcher relists', async () => {
    api = new FakeApiServer();
    const kc = await api.start();
    api.list = () => listOf('40', [cm('a', '39')]);
    api.watches = [
      (res, q) => {
        expect(q.get('resourceVersion')).toBe('1');
        send(res, 'ERROR', {
          kind: 'Status',
          code: 410,
          reason: 'Expired',
          message: 'too old resource version: 1 (30)',
        });
      },
      hang,
    ];
    const { events, w } = startWatcher(kc, { resourceVersion: '1' });
    await w.waitForSync();
    expect(api.requests[0]!.kind).toBe('watch');
    expect(events).toEqual([['ADDED', 'a', '39']]);
  });
});
