import { spawn } from 'node:child_process';
import type { RequestOptions } from 'node:https';
import { ApiException, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { httpCall, parseWarningHeaders, type HttpResponse, type TlsClientOptions } from './http.js';
import { toolPaths } from './paths.js';

/** Field manager the harness and the e2e tests use for server-side apply. */
export const TEST_FIELD_MANAGER = 'gatewright-e2e';

/** Any Kubernetes object as JSON, for custom resources and status fields the typed models do not know. */
export interface KubeObject extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; [key: string]: unknown };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RawResponse extends HttpResponse {
  /** Admission and deprecation warnings from `Warning` headers, as kubectl would print them. */
  warnings: string[];
  /** The body parsed as JSON (a Status object on errors), or undefined if it is not JSON. */
  json: unknown;
}

/**
 * What e2e tests talk to the API server with: the @kubernetes/client-node KubeConfig and generic object client, plus raw
 * calls for what client-node hides (response headers such as admission warnings).
 */
export class KubeTestClient {
  readonly kc: KubeConfig;
  readonly objects: KubernetesObjectApi;
  private readonly resourcePaths = new Map<string, { plural: string; namespaced: boolean }>();
  private tls: TlsClientOptions | undefined;

  constructor(readonly kubeconfigPath: string) {
    this.kc = new KubeConfig();
    this.kc.loadFromFile(kubeconfigPath);
    this.objects = KubernetesObjectApi.makeApiClient(this.kc);
  }

  get server(): string {
    const cluster = this.kc.getCurrentCluster();
    if (cluster === null) throw new Error(`${this.kubeconfigPath} has no current cluster`);
    return cluster.server;
  }

  /**
   * Server-side apply (force), the way the operator will write objects. Sent as raw JSON: client-node's
   * KubernetesObjectApi re-serialises built-in kinds through its typed models, which drops keys it does not know by
   * their JSON name (e.g. `x-kubernetes-preserve-unknown-fields` in CRD schemas).
   */
  async apply<T extends KubeObject>(obj: T, fieldManager = TEST_FIELD_MANAGER): Promise<T> {
    const query = `?fieldManager=${encodeURIComponent(fieldManager)}&force=true`;
    const res = await this.request('PATCH', (await this.objectPath(obj)) + query, obj, 'application/apply-patch+yaml');
    return expectOk<T>(res, `apply ${obj.kind} ${obj.metadata.name}`);
  }

  /** Reads an object; undefined when it does not exist (or its kind is not served yet). */
  async get<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    let path: string;
    try {
      path = await this.objectPath({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });
    } catch (err) {
      if (err instanceof KindNotServedError) return undefined;
      throw err;
    }
    const res = await this.request('GET', path);
    if (res.status === 404) return undefined;
    return expectOk<T>(res, `get ${kind} ${name}`);
  }

  /** Deletes an object if it exists. */
  async delete(obj: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  }): Promise<void> {
    let path: string;
    try {
      path = await this.objectPath(obj);
    } catch (err) {
      if (err instanceof KindNotServedError) return;
      throw err;
    }
    const res = await this.request('DELETE', path);
    if (res.status !== 404) expectOk(res, `delete ${obj.kind} ${obj.metadata.name}`);
  }

  /** A raw API call with the kubeconfig's credentials; returns status, headers, warnings and the parsed body. */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<RawResponse> {
    const res = await httpCall(this.server + path, {
      method,
      tls: await this.tlsOptions(),
      headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      timeoutMs: 30000,
    });
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      json = undefined;
    }
    return { ...res, warnings: parseWarningHeaders(res.headers), json };
  }

  /**
   * Creates an object with a plain POST and returns the whole response instead of throwing, so a test can look at a
   * denial's status and message or at the warnings of an admitted request.
   */
  async createRaw(obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<RawResponse> {
    const path = (await this.collectionPath(obj)) + (opts.dryRun ? '?dryRun=All' : '');
    return this.request('POST', path, obj);
  }

  /** `/api/v1/namespaces/<ns>/pods`-style collection path, found through discovery (cached per kind). */
  async collectionPath(obj: { apiVersion: string; kind: string; metadata: { namespace?: string } }): Promise<string> {
    const key = `${obj.apiVersion}/${obj.kind}`;
    let resource = this.resourcePaths.get(key);
    const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    if (resource === undefined) {
      const res = await this.request('GET', base);
      const list = res.json as { resources?: { name: string; kind: string; namespaced: boolean }[] } | undefined;
      const found = list?.resources?.find((r) => r.kind === obj.kind && !r.name.includes('/'));
      if (found === undefined)
        throw new KindNotServedError(`the API server does not serve ${obj.kind} in ${obj.apiVersion}`);
      resource = { plural: found.name, namespaced: found.namespaced };
      this.resourcePaths.set(key, resource);
    }
    const ns = resource.namespaced ? `/namespaces/${obj.metadata.namespace ?? 'default'}` : '';
    return `${base}${ns}/${resource.plural}`;
  }

  async objectPath(obj: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }) {
    return `${await this.collectionPath(obj)}/${encodeURIComponent(obj.metadata.name)}`;
  }

  private async tlsOptions(): Promise<TlsClientOptions> {
    if (this.tls === undefined) {
      const opts: RequestOptions = {};
      await this.kc.applyToHTTPSOptions(opts);
      this.tls = { ca: opts.ca as Buffer, cert: opts.cert as Buffer, key: opts.key as Buffer };
    }
    return this.tls;
  }
}

/** The kind is not (yet) in discovery, e.g. a constraint kind before Gatekeeper has created its CRD. */
export class KindNotServedError extends Error {}

/** An API call answered with a non-2xx status. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly response: RawResponse,
  ) {
    super(message);
  }

  get code(): number {
    return this.response.status;
  }
}

function expectOk<T>(res: RawResponse, what: string): T {
  if (res.status >= 200 && res.status < 300) return res.json as T;
  const message = (res.json as { message?: string } | undefined)?.message ?? res.body;
  throw new KubeApiError(`${what}: HTTP ${res.status}: ${message}`, res);
}

export function isNotFound(err: unknown): boolean {
  if (err instanceof KubeApiError) return err.code === 404;
  if (err instanceof ApiException) return err.code === 404;
  // KubernetesObjectApi throws a plain Error when discovery does not know the kind (e.g. a constraint CRD not yet served).
  return err instanceof Error && /Unrecognized API version and kind/.test(err.message);
}

/** The `metav1.Status` message of an API error, or the error text. */
export function apiErrorMessage(err: unknown): string {
  if (err instanceof KubeApiError) return err.message;
  if (err instanceof ApiException) {
    try {
      return (JSON.parse(String(err.body)) as { message?: string }).message ?? String(err.body);
    } catch {
      return String(err.body);
    }
  }
  return err instanceof Error ? err.message : String(err);
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Thrown by a wait probe to stop waiting at once (the condition can no longer be met, e.g. a template error). */
export class WaitAborted extends Error {}

/**
 * Polls `probe` until it returns something other than undefined/false. Errors from the probe count as "not yet" (the
 * API server may still be starting) except WaitAborted; the last one is reported on timeout.
 */
export async function waitFor<T>(
  description: string,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 60000, intervalMs = 250 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = 'condition not met';
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      last = apiErrorMessage(err);
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description} (${last})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export async function waitForCrdEstablished(
  client: KubeTestClient,
  crdName: string,
  opts?: WaitOptions,
): Promise<void> {
  await waitFor(
    `CRD ${crdName} Established`,
    async () => {
      const crd = await client.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', crdName);
      const conditions = (crd?.status?.conditions ?? []) as Condition[];
      return conditions.some((c) => c.type === 'Established' && c.status === 'True');
    },
    opts,
  );
}

interface PodStatusEntry {
  id?: string;
  observedGeneration?: number;
  enforced?: boolean;
  operations?: string[];
  errors?: { code?: string; message?: string }[];
}

function byPod(obj: KubeObject): PodStatusEntry[] {
  return ((obj.status?.byPod ?? []) as PodStatusEntry[]).filter((e) => e !== null && typeof e === 'object');
}

function describeErrors(entries: PodStatusEntry[]): string {
  return entries
    .flatMap((e) => (e.errors ?? []).map((err) => `${e.id ?? '?'}: ${err.code ?? ''} ${err.message ?? ''}`.trim()))
    .join('; ');
}

/**
 * Waits until Gatekeeper has ingested the current generation of a ConstraintTemplate: `status.byPod` has an entry from
 * every pod (here: the one manager process), each at `observedGeneration == metadata.generation` with no errors, and
 * the generated constraint CRD is Established. Fails at once when the current generation reports errors.
 */
export async function waitForTemplateIngested(
  client: KubeTestClient,
  name: string,
  opts?: WaitOptions,
): Promise<KubeObject> {
  const template = await waitFor(
    `ConstraintTemplate ${name} ingested`,
    async () => {
      const ct = await client.get<KubeObject>('templates.gatekeeper.sh/v1', 'ConstraintTemplate', name);
      if (ct === undefined) return undefined;
      const generation = ct.metadata.generation;
      const entries = byPod(ct);
      const current = entries.filter((e) => e.observedGeneration === generation);
      const failed = current.filter((e) => (e.errors ?? []).length > 0);
      if (failed.length > 0) throw new WaitAborted(`ConstraintTemplate ${name} has errors: ${describeErrors(failed)}`);
      return entries.length > 0 && current.length === entries.length ? ct : undefined;
    },
    opts,
  );
  const kind = (template.spec as { crd?: { spec?: { names?: { kind?: string } } } }).crd?.spec?.names?.kind;
  if (kind === undefined) throw new Error(`ConstraintTemplate ${name} has no spec.crd.spec.names.kind`);
  await waitForCrdEstablished(client, `${kind.toLowerCase()}.constraints.gatekeeper.sh`, opts);
  return template;
}

/**
 * Waits until every Gatekeeper pod reports the constraint's current generation as enforced (`status.byPod[].enforced`),
 * which is when the webhook starts applying it. Fails at once on reported errors.
 */
export async function waitForConstraintEnforced(
  client: KubeTestClient,
  kind: string,
  name: string,
  opts?: WaitOptions,
): Promise<KubeObject> {
  return waitFor(
    `${kind} ${name} enforced`,
    async () => {
      const constraint = await client.get<KubeObject>('constraints.gatekeeper.sh/v1beta1', kind, name);
      if (constraint === undefined) return undefined;
      const entries = byPod(constraint);
      const current = entries.filter((e) => e.observedGeneration === constraint.metadata.generation);
      const failed = current.filter((e) => (e.errors ?? []).length > 0);
      if (failed.length > 0) throw new WaitAborted(`${kind} ${name} has errors: ${describeErrors(failed)}`);
      const ready =
        entries.length > 0 && current.length === entries.length && current.every((e) => e.enforced === true);
      return ready ? constraint : undefined;
    },
    opts,
  );
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the pinned kubectl against a kubeconfig, e.g. to see exactly what a user sees (`Warning:` lines on stderr). */
export function kubectl(kubeconfigPath: string, args: string[], stdin?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(toolPaths().kubectl, ['--kubeconfig', kubeconfigPath, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: kubeconfigPath },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
