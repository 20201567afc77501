// A small JSON client for the API server on the KubeConfig's credentials (client certificates, tokens, in-cluster
// service account). Raw HTTP, because client-node's typed models re-serialise built-in kinds and drop fields they do
// not know, and because server-side apply and status merge patches need exact content types.
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

export interface KubeResponse {
  status: number;
  json: unknown;
  body: string;
}

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly what: string,
    readonly apiMessage: string,
  ) {
    super(`${what}: HTTP ${status}: ${apiMessage}`);
  }
}

/** Plural resource names of the kinds gatewright reads and writes. Constraint kinds use their lower-cased kind. */
const PLURALS: Record<string, string> = {
  ConstraintTemplate: 'constrainttemplates',
  SyncSet: 'syncsets',
  SecurityPolicy: 'securitypolicies',
  OperationPolicy: 'operationpolicies',
  SecurityPolicyException: 'securitypolicyexceptions',
  ModuleConfig: 'moduleconfigs',
  Namespace: 'namespaces',
  Event: 'events',
  CustomResourceDefinition: 'customresourcedefinitions',
  Lease: 'leases',
};

export function resourcePath(apiVersion: string, kind: string, name?: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const plural = PLURALS[kind] ?? kind.toLowerCase();
  return `${base}${namespace ? `/namespaces/${namespace}` : ''}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export type WriteListener = (verb: string, kind: string) => void;

export class KubeClient {
  private options: Promise<RequestOptions> | undefined;
  readonly server: URL;

  constructor(
    private readonly kc: KubeConfig,
    private readonly onWrite: WriteListener = () => {},
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  private requestOptions(): Promise<RequestOptions> {
    this.options ??= (async () => {
      const opts: RequestOptions = {};
      await this.kc.applyToHTTPSOptions(opts);
      return opts;
    })();
    return this.options;
  }

  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    const base = await this.requestOptions();
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const send = this.server.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          ...base,
          protocol: this.server.protocol,
          hostname: this.server.hostname,
          port: this.server.port,
          path,
          method,
          timeout: 30_000,
          headers: {
            ...(base.headers ?? {}),
            Accept: 'application/json',
            ...(payload !== undefined
              ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) }
              : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, json, body: text });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  private check(res: KubeResponse, what: string): unknown {
    if (res.status >= 200 && res.status < 300) return res.json;
    const message = (res.json as { message?: string } | undefined)?.message ?? res.body;
    throw new KubeApiError(res.status, what, message);
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
  async apply<T extends { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }>(
    obj: T,
    fieldManager: string,
  ): Promise<T> {
    const path = resourcePath(obj.apiVersion, obj.kind, obj.metadata.name, obj.metadata.namespace);
    this.onWrite('apply', obj.kind);
    const res = await this.request(
      'PATCH',
      `${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`,
      obj,
      'application/apply-patch+yaml',
    );
    return this.check(res, `apply ${obj.kind} ${obj.metadata.name}`) as T;
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
  ): Promise<void> {
    this.onWrite('patch-status', kind);
    const path = `${resourcePath(apiVersion, kind, name, namespace)}/status`;
    const res = await this.request('PATCH', path, { status }, 'application/merge-patch+json');
    this.check(res, `patch status of ${kind} ${name}`);
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
