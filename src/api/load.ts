// Reading YAML manifests: multi-document files, directories, stdin, and `kind: List` wrappers.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { loadAll } from 'js-yaml';
import { isRecord } from './validate.js';

export interface SourcedDocument {
  /** Where it came from: `policies/prod.yaml#2` (document index from 1). */
  source: string;
  doc: unknown;
}

export class ManifestError extends Error {}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Files named by -f: a file, a directory (its manifests, recursively, sorted), or `-` for stdin. */
export function manifestFiles(paths: string[]): string[] {
  const files: string[] = [];
  const visit = (p: string): void => {
    if (p === '-') {
      files.push(p);
      return;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new ManifestError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(p).sort()) {
        const child = join(p, entry);
        if (statSync(child).isDirectory() || MANIFEST_EXTENSIONS.has(extname(entry))) visit(child);
      }
    } else files.push(p);
  };
  paths.forEach(visit);
  return files;
}

export function parseManifests(text: string, source: string): SourcedDocument[] {
  let docs: unknown[];
  try {
    docs = loadAll(text);
  } catch (e) {
    throw new ManifestError(`${source}: invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const out: SourcedDocument[] = [];
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    const where = `${source}#${i + 1}`;
    if (isRecord(doc) && typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items)) {
      doc.items.forEach((item, j) => out.push({ source: `${where}.items[${j}]`, doc: item }));
    } else out.push({ source: where, doc });
  });
  return out;
}

export function readManifests(paths: string[], stdin: () => string = () => readFileSync(0, 'utf8')): SourcedDocument[] {
  return manifestFiles(paths).flatMap((file) =>
    parseManifests(file === '-' ? stdin() : readFileSync(file, 'utf8'), file === '-' ? '<stdin>' : file),
  );
}
