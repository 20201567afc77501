// The API calls the reconciler makes, on KubeHttp (raw HTTP with the kubeconfig's credentials): server-side apply
// and status merge patches need exact content types, and client-node's typed models would drop fields they do not
// know. Every write is reported to a listener, so the metrics can count them.
import type { KubeConnection } from './kube-config.js';
import { resourcePath } from '../api/resources.js';
import { KubeHttp, errorFromResponse, type KubeResponse } from './kube-http.js';

// Request paths come from the one table of API groups, versions, kinds and plurals.
export { resourcePath };

export type WriteListener = (verb: string, kind: string) => void;

type Identified = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

/** The writes a reconcile pass makes; reads come from the watch caches. KubeClient is the real one. */
export interface ClusterWriter {
  /** Server-side apply; resolves with the object as stored. */
  apply<T extends Identified>(obj: T, fieldManager: string, force?: boolean): Promise<T>;
  delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void>;
  /** Merge-patches the status subresource; resolves with the object as stored. */
  mergePatchStatus(
    apiVersion: string,
    kind: string,
    name: string,
    status: unknown,
    namespace?: string,
  ): Promise<Identified & { metadata: { resourceVersion?: string } }>;
  create(obj: { apiVersion: string; kind: string; metadata: { namespace?: string } }): Promise<void>;
  /** A JSON merge patch of the object (not its status), under a field manager. */
  mergePatch(obj: Identified, patch: unknown, fieldManager: string): Promise<void>;
}

export interface ClientLimits {
  /** Sustained requests per second (client-go's QPS). Default 200, as `gatewright run --qps`. */
  qps?: number;
  /** Requests allowed at once above the sustained rate (client-go's Burst). Default 400, as `--burst`. */
  burst?: number;
  /** Retries of an answer 429 or 5xx, or of a dropped connection, with exponential backoff. Default 5. */
  maxRetries?: number;
  /** First retry delay; doubles per retry, capped at 10 s, unless the server sent Retry-After. Default 200 ms. */
  retryBaseMs?: number;
}

/** A token bucket, as client-go's flowcontrol.NewTokenBucketRateLimiter: `burst` tokens, refilled at `qps`. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly qps: number,
    private readonly burst: number,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`qps must be > 0 and burst ≥ 1 (got ${qps}, ${burst})`);
    this.tokens = burst;
  }

  /** Resolves when a token is available; callers are served in order. */
  take(): Promise<void> {
    const next = this.chain.then(() => this.wait());
    this.chain = next;
    return next;
  }

  private async wait(): Promise<void> {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    if (this.tokens < 1) {
      const ms = ((1 - this.tokens) / this.qps) * 1000;
      await new Promise((r) => setTimeout(r, ms));
      this.tokens = 1;
      this.last = performance.now();
    }
    this.tokens -= 1;
  }
}

const retryable = (status: number): boolean => status === 429 || status >= 500;

export class KubeClient implements ClusterWriter {
  private readonly http: KubeHttp;
  private readonly bucket: TokenBucket;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  /** Requests sent (retries included), by HTTP verb: for the benchmark's figures. */
  readonly requestsByVerb = new Map<string, number>();

  constructor(
    kc: KubeConnection,
    private readonly onWrite: WriteListener = () => {},
    limits: ClientLimits = {},
  ) {
    this.http = new KubeHttp(kc);
    this.bucket = new TokenBucket(limits.qps ?? 200, limits.burst ?? 400);
    this.maxRetries = limits.maxRetries ?? 5;
    this.retryBaseMs = limits.retryBaseMs ?? 200;
  }

  /** One request, rate-limited; 429, 5xx and dropped connections are retried with backoff. */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    for (let attempt = 0; ; attempt++) {
      await this.bucket.take();
      this.requestsByVerb.set(method, (this.requestsByVerb.get(method) ?? 0) + 1);
      let res: KubeResponse | undefined;
      try {
        res = await this.http.request(method, path, { ...(body !== undefined ? { body, contentType } : {}) });
      } catch (err) {
        if (attempt >= this.maxRetries) throw err;
      }
      if (res !== undefined && (!retryable(res.status) || attempt >= this.maxRetries)) return res;
      const retryAfter = Number(
        (res?.json as { details?: { retryAfterSeconds?: number } } | undefined)?.details?.retryAfterSeconds,
      );
      const delay = retryAfter > 0 ? retryAfter * 1000 : Math.min(this.retryBaseMs * 2 ** attempt, 10_000);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  private check(res: KubeResponse, what: string): unknown {
    if (res.status >= 200 && res.status < 300) return res.json;
    throw errorFromResponse(res, what);
  }

  /** The object, or undefined when it (or its kind) does not exist. */
  async get<T>(path: string): Promise<T | undefined> {
    const res = await this.request('GET', path);
    if (res.status === 404) return undefined;
    return this.check(res, `GET ${path}`) as T;
  }

  /** The items of a collection, or undefined when the kind is not served (404). */
  async list<T>(path: string, labelSelector?: string): Promise<T[] | undefined> {
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    const res = await this.request('GET', path + query);
    if (res.status === 404) return undefined;
    return ((this.check(res, `LIST ${path}`) as { items?: T[] }).items ?? []) as T[];
  }

  /** Server-side apply under one field manager, taking over fields other managers hold. */
  /** Server-side apply; `force` (default) takes over fields other managers hold, else their conflict is a 409. */
  async apply<T extends Identified>(obj: T, fieldManager: string, force = true): Promise<T> {
    const path = resourcePath(obj.apiVersion, obj.kind, obj.metadata.name, obj.metadata.namespace);
    this.onWrite('apply', obj.kind);
    const res = await this.request(
      'PATCH',
      `${path}?fieldManager=${encodeURIComponent(fieldManager)}${force ? '&force=true' : ''}`,
      obj,
      'application/apply-patch+yaml',
    );
    return this.check(res, `apply ${obj.kind} ${obj.metadata.name}`) as T;
  }

  async mergePatch(obj: Identified, patch: unknown, fieldManager: string): Promise<void> {
    this.onWrite('patch', obj.kind);
    const path = resourcePath(obj.apiVersion, obj.kind, obj.metadata.name, obj.metadata.namespace);
    const res = await this.request(
      'PATCH',
      `${path}?fieldManager=${encodeURIComponent(fieldManager)}`,
      patch,
      'application/merge-patch+json',
    );
    this.check(res, `patch ${obj.kind} ${obj.metadata.name}`);
  }

  async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
    this.onWrite('delete', kind);
    const res = await this.request('DELETE', resourcePath(apiVersion, kind, name, namespace));
    if (res.status !== 404) this.check(res, `delete ${kind} ${name}`);
  }

  async mergePatchStatus(
    apiVersion: string,
    kind: string,
    name: string,
    status: unknown,
    namespace?: string,
  ): Promise<Identified & { metadata: { resourceVersion?: string } }> {
    this.onWrite('patch-status', kind);
    const path = `${resourcePath(apiVersion, kind, name, namespace)}/status`;
    const res = await this.request('PATCH', path, { status }, 'application/merge-patch+json');
    return this.check(res, `patch status of ${kind} ${name}`) as Identified & {
      metadata: { resourceVersion?: string };
    };
  }

  async create(obj: { apiVersion: string; kind: string; metadata: { namespace?: string } }): Promise<void> {
    this.onWrite('create', obj.kind);
    const res = await this.request(
      'POST',
      resourcePath(obj.apiVersion, obj.kind, undefined, obj.metadata.namespace),
      obj,
    );
    this.check(res, `create ${obj.kind}`);
  }
}
