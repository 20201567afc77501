// The API calls the reconciler makes, on KubeHttp (raw HTTP with the kubeconfig's credentials): server-side apply
// and status merge patches need exact content types, and client-node's typed models would drop fields they do not
// know. Every write is reported to a listener, so the metrics can count them.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp, errorFromResponse, type KubeResponse } from './kube-http.js';

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
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
  Provider: 'providers',
};

export function resourcePath(apiVersion: string, kind: string, name?: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const plural = PLURALS[kind] ?? kind.toLowerCase();
  return `${base}${namespace ? `/namespaces/${namespace}` : ''}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export type WriteListener = (verb: string, kind: string) => void;

export class KubeClient {
  private readonly http: KubeHttp;

  constructor(
    kc: KubeConfig,
    private readonly onWrite: WriteListener = () => {},
  ) {
    this.http = new KubeHttp(kc);
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    return this.http.request(method, path, { ...(body !== undefined ? { body, contentType } : {}) });
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
