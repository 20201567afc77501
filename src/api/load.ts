// Reading YAML manifests: multi-document files, directories, stdin, and `kind: List` wrappers.
import { readFileSync, readSync, readdirSync, statSync } from 'node:fs';
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

/**
 * All of stdin, synchronously. readFileSync(0) fails with EAGAIN when stdin is a non-blocking pipe that has not
 * received everything yet (a large manifest piped in by another process): read in chunks, waiting briefly on EAGAIN.
 */
export function readStdinSync(): string {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 16);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      if ((err as NodeJS.ErrnoException).code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function readManifests(paths: string[], stdin: () => string = readStdinSync): SourcedDocument[] {
  return manifestFiles(paths).flatMap((file) =>
    parseManifests(file === '-' ? stdin() : readFileSync(file, 'utf8'), file === '-' ? '<stdin>' : file),
  );
}
