// `gatewright render`: prints what the operator would apply, deterministically, for GitOps and code review.
import { ManifestError, readManifests } from '../api/load.js';
import { isRecord } from '../api/validate.js';
import { MODULE_CONFIG_NAME, type NamespaceInfo } from '../api/types.js';
import { compile, compareStrings, type TemplateLibrary } from '../compiler/compile.js';
import { toJson, toYamlStream } from './emit.js';

interface Writable {
  write(s: string): unknown;
}

export interface RenderOptions {
  filename: string[];
  moduleConfig?: string;
  namespaces?: string;
  output: string;
}

/** apiVersion, kind, metadata, spec first (as kubectl prints), every other key after them. */
function leadingRank(key: string): number {
  switch (key) {
    case 'apiVersion':
      return 0;
    case 'kind':
      return 1;
    case 'metadata':
      return 2;
    case 'spec':
      return 3;
    default:
      return 4;
  }
}

/** apiVersion, kind, metadata, spec first (as kubectl prints), every other key in code-point order. */
export function keyOrder(a: string, b: string): number {
  const ra = leadingRank(a);
  const rb = leadingRank(b);
  if (ra !== rb) return ra - rb;
  return ra < 4 ? 0 : compareStrings(a, b);
}

export function namespacesFrom(docs: unknown[]): NamespaceInfo[] {
  return docs
    .filter((d): d is Record<string, unknown> => isRecord(d) && d.kind === 'Namespace' && isRecord(d.metadata))
    .map((d) => {
      const metadata = d.metadata as Record<string, unknown>;
      const labels = isRecord(metadata.labels) ? (metadata.labels as Record<string, string>) : {};
      return { name: String(metadata.name), labels };
    });
}

export function runRender(opts: RenderOptions, library: TemplateLibrary, out: Writable, err: Writable): number {
  if (opts.output !== 'yaml' && opts.output !== 'json') {
    err.write(`error: --output must be yaml or json, not "${opts.output}"\n`);
    return 2;
  }
  let docs: unknown[];
  let namespaceDocs: unknown[] = [];
  try {
    docs = readManifests([...opts.filename, ...(opts.moduleConfig ? [opts.moduleConfig] : [])]).map((d) => d.doc);
    if (opts.namespaces) namespaceDocs = readManifests([opts.namespaces]).map((d) => d.doc);
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    err.write(`${e.message}\n`);
    return 1;
  }
  const moduleConfigs = docs.filter(
    (d) => isRecord(d) && d.kind === 'ModuleConfig' && isRecord(d.metadata) && d.metadata.name === MODULE_CONFIG_NAME,
  );
  if (moduleConfigs.length > 1) {
    err.write(`ModuleConfig "${MODULE_CONFIG_NAME}": given ${moduleConfigs.length} times; give it once\n`);
    return 1;
  }
  const result = compile({
    policies: docs,
    moduleConfig: moduleConfigs[0],
    namespaces: namespacesFrom([...namespaceDocs, ...docs]),
    library,
  });
  if (result.invalid.size > 0) {
    for (const key of [...result.invalid.keys()].sort(compareStrings)) {
      for (const line of result.invalid.get(key) ?? []) err.write(`${line}\n`);
    }
    return 1;
  }
  if (opts.output === 'json') {
    out.write(toJson({ apiVersion: 'v1', kind: 'List', items: result.objects }, keyOrder) + '\n');
  } else {
    out.write(toYamlStream(result.objects, keyOrder));
  }
  return 0;
}
