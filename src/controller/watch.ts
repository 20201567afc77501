// List-and-watch of one resource into a local cache (ts-operators.md §1.6, §1.7). Unlike client-node's informer, it
// never stops on its own:
//  - a watch the API server ends normally (its timeout) resumes from the last resourceVersion seen, bookmarks included;
//  - 410 Gone (the resourceVersion was compacted away) relists, and the relist reports what changed meanwhile;
//  - any other failure (connection reset, 5xx, 403, a resource whose CRD does not exist yet) restarts with exponential
//    backoff, quietly for a missing resource: a Gatekeeper constraint kind appears only after its template is ingested.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeConnection } from './kube-config.js';
import { KubeApiError, KubeHttp, isGone } from './kube-http.js';
import { silentLogger, type Logger } from './log.js';
import type { OperatorMetrics } from './metrics.js';
import { WakeTimer } from './wake-timer.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ResourceWatcherOptions<T extends KubernetesObject> {
  kc: KubeConnection;
  /** Collection path: `/api/v1/configmaps` (all namespaces), `/api/v1/namespaces/x/configmaps`, `/apis/g/v/plural`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Told about every change the cache sees, after the cache is updated. Runs synchronously inside the stream
   * handler: enqueue a key and return. A throw is logged and does not stop the watch.
   */
  onEvent(type: WatchEventType, obj: T, before?: T): void;
  logger?: Logger;
  metrics?: OperatorMetrics;
  /** First delay after a failure; doubles per failure. Default 1 s. */
  baseBackoffMs?: number;
  /** Longest delay between attempts. Default 30 s. */
  maxBackoffMs?: number;
  /** Asks the API server to end each watch after this long; it is then resumed. Default 5–10 min, at random. */
  watchTimeoutSeconds?: number;
  /** Items per list page. Default 500. */
  pageSize?: number;
  /**
   * Watch from this resourceVersion instead of listing first (resuming from a known point). If it is too old, the
   * API server answers 410 and the watcher relists. The cache starts empty and hasSynced() waits for a list.
   */
  resourceVersion?: string;
  /**
   * Turns each object into what the cache keeps (client-go's SetTransform): strip what the controller never reads
   * (managedFields, audit violation lists) so the cache stays small. An event whose transformed object equals the
   * cached one (only its resourceVersion moved, e.g. an audit timestamp) updates the cache without calling onEvent.
   */
  transform?: (obj: T) => T;
}

interface WatchLine {
  type?: string;
  object?: KubernetesObject & KubeStatusLike;
}

interface KubeStatusLike {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
}

interface ListPage<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

/** How one watch connection ended, when it did not fail. */
type WatchEnd = 'closed' | 'gone';

/** A watch shorter than this that delivered nothing counts as a failure, so a server that hangs up at once is not hammered. */
const MIN_HEALTHY_WATCH_MS = 1000;

export class ResourceWatcher<T extends KubernetesObject = KubernetesObject> {
  /** The last failure (cleared by the next successful list or watch connection). */
  lastError: Error | undefined;

  private readonly http: KubeHttp;
  private readonly log: Logger;
  private readonly cache = new Map<string, T>();
  private resourceVersionSeen: string | undefined;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;
  private stopped = true;
  private abort = new AbortController();
  private readonly timer = new WakeTimer();
  private failures = 0;
  private connectedNow = false;

  constructor(private readonly opts: ResourceWatcherOptions<T>) {
    this.http = new KubeHttp(opts.kc);
    this.log = (opts.logger ?? silentLogger()).child({ watch: opts.path });
    this.resourceVersionSeen = opts.resourceVersion;
  }

  /** Starts listing and watching in the background; see hasSynced() and waitForSync(). Calling it twice is harmless. */
  start(): void {
    if (this.running !== undefined) return;
    this.stopped = false;
    this.abort = new AbortController();
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Stops watching; resolves once the current request is closed. The cache keeps its last content. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort(new Error('watcher stopped'));
    this.timer.wake();
    await this.running;
  }

  /** The cached objects. They are the cache's own: do not mutate them (clone first). */
  list(): T[] {
    return [...this.cache.values()];
  }

  /** One cached object by name (and namespace, for a namespaced resource). */
  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(cacheKey(namespace, name));
  }

  /** True once the first list has completed: from then on list() reflects the cluster (with watch latency). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves when the first list has completed (at once if it has). */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** The API server answered 404 to the last attempt: the resource is not served (its CRD does not exist). */
  get notServed(): boolean {
    return this.lastError instanceof KubeApiError && this.lastError.code === 404;
  }

  /** True while a watch connection is open. */
  get connected(): boolean {
    return this.connectedNow;
  }

  /** The last resourceVersion seen (from a list, an event or a bookmark). */
  get resourceVersion(): string | undefined {
    return this.resourceVersionSeen;
  }

  get path(): string {
    return this.opts.path;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.resourceVersionSeen === undefined) await this.relist();
        if (this.stopped) break;
        const started = Date.now();
        let delivered = 0;
        const end = await this.watchOnce(() => delivered++);
        if (end === 'gone') {
          this.log.info('Watch expired (410 Gone), relisting', { resourceVersion: this.resourceVersionSeen });
          this.opts.metrics?.watchRestarts.inc({ resource: this.opts.path, reason: 'gone' });
          this.resourceVersionSeen = undefined;
          continue;
        }
        if (delivered === 0 && Date.now() - started < MIN_HEALTHY_WATCH_MS) {
          throw new Error('the API server closed the watch at once');
        }
        this.failures = 0;
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err) && this.failures === 0) {
          // A 410 as the HTTP status rather than as an ERROR event: relist at once, as for the event.
          this.failures++;
          this.resourceVersionSeen = undefined;
          this.opts.metrics?.watchRestarts.inc({ resource: this.opts.path, reason: 'gone' });
          continue;
        }
        await this.recover(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  /** After a failure: note it, relist if it was a 410, and wait the backoff delay. */
  private async recover(err: Error): Promise<void> {
    this.lastError = err;
    if (isGone(err)) this.resourceVersionSeen = undefined;
    const missing = err instanceof KubeApiError && err.code === 404;
    const delay = Math.min((this.opts.baseBackoffMs ?? 1000) * 2 ** this.failures, this.opts.maxBackoffMs ?? 30_000);
    this.failures++;
    this.opts.metrics?.watchRestarts.inc({ resource: this.opts.path, reason: isGone(err) ? 'gone' : 'error' });
    const fields = { err, retryInMs: delay, failures: this.failures };
    // A resource that does not exist yet is expected (a constraint kind before its CRD): say so once, then quietly.
    if (missing) this.log.log(this.failures === 1 ? 'info' : 'debug', 'Resource not served yet, will retry', fields);
    else this.log.warn('Watch failed, will retry', fields);
    await this.sleep(delay);
  }

  private async relist(): Promise<void> {
    const fresh = new Map<string, T>();
    let resourceVersion: string | undefined;
    let continueToken: string | undefined;
    do {
      const page: ListPage<T> = await this.http.call('GET', this.opts.path, {
        query: {
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          limit: this.opts.pageSize ?? 500,
          continue: continueToken,
        },
        signal: this.abort.signal,
      });
      for (const item of page.items ?? []) fresh.set(keyOf(item), this.transform(item));
      resourceVersion = page.metadata?.resourceVersion;
      continueToken = page.metadata?.continue || undefined;
      if (this.stopped) return;
    } while (continueToken !== undefined);
    if (resourceVersion === undefined) throw new Error(`list ${this.opts.path} returned no resourceVersion`);

    // Report the difference to what the cache held: objects gone while we were not watching, new ones, changed ones.
    const previous = new Map(this.cache);
    this.cache.clear();
    for (const [key, obj] of fresh) this.cache.set(key, obj);
    for (const [key, obj] of previous) if (!fresh.has(key)) this.emit('DELETED', obj);
    for (const [key, obj] of fresh) {
      const before = previous.get(key);
      if (before === undefined) this.emit('ADDED', obj);
      else if (
        before.metadata?.resourceVersion !== obj.metadata?.resourceVersion &&
        !(this.opts.transform !== undefined && sameContent(before, obj))
      )
        this.emit('MODIFIED', obj, before);
    }
    this.resourceVersionSeen = resourceVersion;
    this.lastError = undefined;
    this.failures = 0;
    this.log.debug('Listed', { items: fresh.size, resourceVersion });
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  /** One watch connection from the last resourceVersion, until the server ends it, it expires, or it fails. */
  private async watchOnce(delivered: () => void): Promise<WatchEnd> {
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    let gone = false;
    let failure: Error | undefined;
    const stream = await this.http.stream(
      this.opts.path,
      {
        watch: 1,
        resourceVersion: this.resourceVersionSeen,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
      },
      {
        onOpen: () => {
          this.connectedNow = true;
          this.lastError = undefined;
        },
        onLine: (line) => {
          if (gone || failure !== undefined) return;
          let event: WatchLine;
          try {
            event = JSON.parse(line) as WatchLine;
          } catch {
            this.log.warn('Dropped a watch line that is not JSON', { line: line.slice(0, 200) });
            return;
          }
          const outcome = this.apply(event);
          // Something arrived: the connection works, so the next failure starts the backoff afresh.
          this.failures = 0;
          if (outcome === 'delivered') delivered();
          else if (outcome instanceof Error) {
            if (isGone(outcome)) gone = true;
            else failure = outcome;
            stream.abort(outcome);
          }
        },
      },
      // The server ends the watch at timeoutSeconds; allow a minute more before calling the connection dead.
      (timeoutSeconds + 60) * 1000,
      this.abort.signal,
    );
    try {
      await stream.done;
    } catch (err) {
      if (gone) return 'gone';
      throw failure ?? err;
    } finally {
      this.connectedNow = false;
    }
    return gone ? 'gone' : 'closed';
  }

  /** Applies one watch event to the cache; an ERROR event comes back as an error. */
  private apply(event: WatchLine): 'delivered' | 'bookmark' | 'ignored' | Error {
    const obj = event.object;
    if (event.type === 'ERROR') {
      const status = (obj ?? {}) as KubeStatusLike;
      return KubeApiError.fromStatus(status, status.code, `watch ${this.opts.path}`);
    }
    if (obj === undefined) return 'ignored';
    const rv = obj.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (rv) this.resourceVersionSeen = rv;
      return 'bookmark';
    }
    if (rv) this.resourceVersionSeen = rv;
    const key = keyOf(obj as T);
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const before = this.cache.get(key);
        if (before !== undefined && before.metadata?.resourceVersion === rv) return 'ignored';
        const kept = this.transform(obj as T);
        this.cache.set(key, kept);
        if (before !== undefined && this.opts.transform !== undefined && sameContent(before, kept)) return 'delivered';
        this.emit(before === undefined ? 'ADDED' : 'MODIFIED', kept, before);
        return 'delivered';
      }
      case 'DELETED':
        this.cache.delete(key);
        this.emit('DELETED', this.transform(obj as T));
        return 'delivered';
      default:
        this.log.warn('Ignored a watch event of unknown type', { type: event.type });
        return 'ignored';
    }
  }

  private emit(type: WatchEventType, obj: T, before?: T): void {
    try {
      this.opts.onEvent(type, obj, before);
    } catch (err) {
      this.log.error('Watch event handler failed', { err, type, name: obj.metadata?.name });
    }
  }

  private transform(obj: T): T {
    return this.opts.transform ? this.opts.transform(obj) : obj;
  }

  private sleep(ms: number): Promise<void> {
    return this.timer.sleep(ms);
  }
}

/** Equal but for the resourceVersion: nothing the controller reads has changed. */
function sameContent(a: KubernetesObject, b: KubernetesObject): boolean {
  const withoutVersion = (o: KubernetesObject) =>
    JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return withoutVersion(a) === withoutVersion(b);
}

function cacheKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function keyOf(obj: KubernetesObject): string {
  return cacheKey(obj.metadata?.namespace, obj.metadata?.name ?? '');
}
