// The controller's view of the cluster: one list-and-watch cache per resource the reconciler declares (informer style,
// ts-operators.md §1.6), objects stored stripped to the fields the controller reads. A pass reads these caches and
// never lists the API server itself; the watches' own resumes are the only LISTs after start-up.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeConnection } from './kube-config.js';
import type { Logger } from './log.js';
import type { OperatorMetrics } from './metrics.js';
import type { ObservedObject } from './plan.js';
import { StringInterner } from './intern.js';
import { resourcePath } from './kube-client.js';
import { ResourceWatcher } from './watch.js';

/** What the controller keeps of an object's status: only the parts a decision reads. */
export type StatusFilter = (status: Record<string, unknown>) => Record<string, unknown> | undefined;

/** One watched resource, as the reconciler declares it. */
export interface ResourceSpec {
  apiVersion: string;
  kind: string;
  labelSelector?: string;
  /** Keeps only these parts of status; default: drop status entirely. */
  status?: StatusFilter;
  /** Keep the object's spec (default true; a Namespace needs only its labels). */
  spec?: boolean;
  /** A resource that may not be served yet (a constraint kind before its CRD): do not wait for it to be ready. */
  optional?: boolean;
  /** Keep who set which fields (from managedFields), for drift repair of objects gatewright manages. */
  fieldOwners?: boolean;
}

export const resourceKey = (r: { apiVersion: string; kind: string }): string => `${r.apiVersion}/${r.kind}`;

/** Read side of the caches, as a pass sees it: the objects of a resource, or undefined when it is not synced/served. */
export interface CacheReader {
  list(resource: { apiVersion: string; kind: string }): ObservedObject[] | undefined;
  /** The last resourceVersion the resource's cache has seen (list, event or bookmark), if known. */
  resourceVersion?(resource: { apiVersion: string; kind: string }): string | undefined;
}

/** gatewright's field manager: fields it set are its own; anyone else's are drift on an object it manages. */
export const OWN_FIELD_MANAGER = 'gatewright';

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

/**
 * From managedFields: which managers wrote the object, and the paths of spec, labels and annotations that a manager
 * other than gatewright set (a hand edit). A path stops at a list (`spec.match.namespaces`): list items are not
 * addressed one by one. The status subresource is Gatekeeper's and does not count.
 */
export function fieldOwners(entries: ManagedFieldsEntry[] | undefined): { managers: string[]; foreign: string[] } {
  const managers = new Set<string>();
  const foreign = new Set<string>();
  const walk = (node: Record<string, unknown>, path: string[]) => {
    let leaf = true;
    for (const [key, child] of Object.entries(node)) {
      if (key === '.') continue;
      leaf = false;
      if (!key.startsWith('f:')) {
        foreign.add(path.join('.')); // k:, v:, i: — an item of a list
        continue;
      }
      walk((child ?? {}) as Record<string, unknown>, [...path, key.slice(2)]);
    }
    if (leaf && path.length > 0) foreign.add(path.join('.'));
  };
  for (const e of entries ?? []) {
    // Who wrote the status (Gatekeeper's reports) says nothing about whose object it is; leaving them out also keeps
    // Gatekeeper's first report on an object a status-only change.
    if ((e.subresource ?? '') !== '') continue;
    if (e.manager) managers.add(e.manager);
    if (e.manager === OWN_FIELD_MANAGER || !e.fieldsV1) continue;
    const f = e.fieldsV1;
    const meta = (f['f:metadata'] ?? {}) as Record<string, unknown>;
    if (f['f:spec']) walk(f['f:spec'] as Record<string, unknown>, ['spec']);
    if (meta['f:labels']) walk(meta['f:labels'] as Record<string, unknown>, ['metadata', 'labels']);
    if (meta['f:annotations']) walk(meta['f:annotations'] as Record<string, unknown>, ['metadata', 'annotations']);
  }
  return { managers: [...managers].sort(), foreign: [...foreign].sort() };
}

/** Shared by every cache: kinds, namespace names and Gatekeeper's pod ids repeat across resources too. */
const cachedStrings = new StringInterner();

/**
 * The object as the cache keeps it: identity, labels, annotations, generation, spec, the filtered status. Its string
 * values are shared with every other cached object's (resourceVersion and uid, unique and short-lived, are not).
 */
export function strip(spec: ResourceSpec, obj: KubernetesObject): ObservedObject {
  const raw = obj as KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
  const m = raw.metadata ?? {};
  const status = spec.status && raw.status ? cachedStrings.tree(spec.status(raw.status)) : undefined;
  const owners = spec.fieldOwners ? fieldOwners(m.managedFields as ManagedFieldsEntry[] | undefined) : undefined;
  return {
    ...(owners
      ? {
          fieldManagers: cachedStrings.tree(owners.managers),
          ...(owners.foreign.length > 0 ? { foreignFields: cachedStrings.tree(owners.foreign) } : {}),
        }
      : {}),
    apiVersion: spec.apiVersion,
    kind: spec.kind,
    metadata: {
      name: cachedStrings.string(m.name ?? ''),
      ...(m.namespace ? { namespace: cachedStrings.string(m.namespace) } : {}),
      ...(m.labels ? { labels: cachedStrings.tree(m.labels) } : {}),
      ...(m.annotations ? { annotations: cachedStrings.tree(withoutLastApplied(m.annotations)) } : {}),
      ...(m.generation !== undefined ? { generation: m.generation } : {}),
      ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.uid ? { uid: m.uid } : {}),
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    },
    ...(spec.spec !== false && raw.spec !== undefined ? { spec: cachedStrings.tree(raw.spec) } : {}),
    ...(status !== undefined ? { status } : {}),
  } as ObservedObject;
}

// kubectl apply (client side) stores the whole object again in this annotation; nothing here reads it.
function withoutLastApplied(annotations: Record<string, string>): Record<string, string> {
  if (!('kubectl.kubernetes.io/last-applied-configuration' in annotations)) return annotations;
  const rest = { ...annotations };
  delete rest['kubectl.kubernetes.io/last-applied-configuration'];
  return rest;
}

/** Gatekeeper's per-pod report on a template or constraint, reduced to what "ingested"/"enforced" needs. */
export function gatekeeperStatus(status: Record<string, unknown>): Record<string, unknown> {
  const byPod = Array.isArray(status.byPod) ? (status.byPod as Record<string, unknown>[]) : [];
  return {
    byPod: byPod.map((p) => ({
      id: p.id,
      observedGeneration: p.observedGeneration,
      ...(p.enforced !== undefined ? { enforced: p.enforced } : {}),
      ...(Array.isArray(p.errors) && p.errors.length > 0 ? { errors: p.errors } : {}),
    })),
    ...(status.created !== undefined ? { created: status.created } : {}),
    ...(status.totalViolations !== undefined ? { totalViolations: status.totalViolations } : {}),
  };
}

/** One change a cache passed on: which resource, what happened, to which object. */
export interface CacheChange {
  resource: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNCED';
  name?: string;
  /** The object changed (with its resourceVersion): tells an echo of the controller's own write (see Reconciler). */
  object?: ObservedObject;
  /** A MODIFIED event that changed only the kept status (Gatekeeper's reports, or a status write echoing back). */
  statusOnly?: boolean;
}

export interface ClusterCacheOptions {
  kc: KubeConnection;
  log: Logger;
  metrics?: OperatorMetrics;
  /** Told about every change a cache sees (and once, with type SYNCED, when a cache first syncs). */
  onChange: (change: CacheChange) => void;
}

/** The running watchers, built from the reconciler's declaration; `follow()` adds and removes them as it changes. */
export class ClusterCache implements CacheReader {
  private readonly watchers = new Map<string, { spec: ResourceSpec; watcher: ResourceWatcher<ObservedObject> }>();

  constructor(private readonly opts: ClusterCacheOptions) {}

  /** Watch exactly these resources: start what is new, stop what is no longer declared. */
  follow(specs: ResourceSpec[]): void {
    const wanted = new Map(specs.map((s) => [resourceKey(s), s]));
    for (const [key, spec] of wanted) {
      if (this.watchers.has(key)) continue;
      const watcher = new ResourceWatcher<ObservedObject>({
        kc: this.opts.kc,
        path: resourcePath(spec.apiVersion, spec.kind),
        ...(spec.labelSelector ? { labelSelector: spec.labelSelector } : {}),
        transform: (o) => strip(spec, o),
        onEvent: (type, obj, before) => {
          const statusOnly = type === 'MODIFIED' && before !== undefined && sameButStatus(before, obj);
          if (statusOnly && this.opts.log.isDebugEnabled())
            this.opts.log.debug('status changed', {
              resource: key,
              name: obj.metadata.name,
              before: before.status,
              after: obj.status,
            });
          this.changed({
            resource: key,
            type,
            name: obj.metadata.name,
            object: obj,
            ...(statusOnly ? { statusOnly } : {}),
          });
        },
        logger: this.opts.log,
        ...(this.opts.metrics ? { metrics: this.opts.metrics } : {}),
        // A constraint kind is served seconds after its template: look again soon rather than after 30 s.
        ...(spec.optional ? { baseBackoffMs: 250, maxBackoffMs: 2000 } : {}),
      });
      this.watchers.set(key, { spec, watcher });
      watcher.start();
      void watcher.waitForSync().then(() => this.changed({ resource: key, type: 'SYNCED' }));
    }
    for (const [key, { watcher }] of this.watchers) {
      if (wanted.has(key)) continue;
      this.watchers.delete(key);
      void watcher.stop();
    }
  }

  private changed(change: CacheChange): void {
    this.opts.metrics?.watchEvents.inc({
      resource: change.resource,
      type: change.statusOnly ? 'MODIFIED_STATUS' : change.type,
    });
    this.opts.onChange(change);
  }

  list(resource: { apiVersion: string; kind: string }): ObservedObject[] | undefined {
    const entry = this.watchers.get(resourceKey(resource));
    if (entry === undefined || !entry.watcher.hasSynced()) return undefined;
    return entry.watcher.list();
  }

  resourceVersion(resource: { apiVersion: string; kind: string }): string | undefined {
    return this.watchers.get(resourceKey(resource))?.watcher.resourceVersion;
  }

  /**
   * Every required (not optional) cache has completed its first list, or its resource is not served at all (no
   * Gatekeeper: the pass reports that rather than waiting for it).
   */
  synced(): boolean {
    return [...this.watchers.values()].every(
      ({ spec, watcher }) => spec.optional || watcher.hasSynced() || watcher.notServed,
    );
  }

  /** Objects held, by resource (for the memory figures). */
  sizes(): Map<string, number> {
    return new Map([...this.watchers].map(([key, { watcher }]) => [key, watcher.list().length]));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.watchers.values()].map(({ watcher }) => watcher.stop()));
    this.watchers.clear();
  }
}

/** Equal but for status and resourceVersion (stripped objects: small, and in the same key order). */
export function sameButStatus(a: ObservedObject, b: ObservedObject): boolean {
  const rest = (o: ObservedObject) =>
    JSON.stringify({ ...o, status: undefined, metadata: { ...o.metadata, resourceVersion: undefined } });
  return rest(a) === rest(b);
}

/** A cache filled by hand: for unit tests of the reconciler, and anywhere a pass runs on known objects. */
export class StaticCache implements CacheReader {
  private readonly objects = new Map<string, Map<string, ObservedObject>>();
  /** What resourceVersion() answers for every resource (a test sets it as its "watch" delivers events). */
  version: string | undefined;

  resourceVersion(): string | undefined {
    return this.version;
  }

  /** Declares a resource as served (and synced), even with no objects. */
  serve(resource: { apiVersion: string; kind: string }): this {
    if (!this.objects.has(resourceKey(resource))) this.objects.set(resourceKey(resource), new Map());
    return this;
  }

  put(obj: ObservedObject): this {
    this.serve(obj);
    const ns = obj.metadata.namespace;
    this.objects.get(resourceKey(obj))!.set(ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name, obj);
    return this;
  }

  remove(obj: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): this {
    const ns = obj.metadata.namespace;
    this.objects.get(resourceKey(obj))?.delete(ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name);
    return this;
  }

  list(resource: { apiVersion: string; kind: string }): ObservedObject[] | undefined {
    const items = this.objects.get(resourceKey(resource));
    return items ? [...items.values()] : undefined;
  }

  /** One object, without copying the whole list. */
  get(o: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  }): ObservedObject | undefined {
    const ns = o.metadata.namespace;
    return this.objects.get(resourceKey(o))?.get(ns ? `${ns}/${o.metadata.name}` : o.metadata.name);
  }
}
