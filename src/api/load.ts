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
  let docs: unknown[] | undefined = jsonDocuments(text);
  try {
    docs ??= loadAll(text);
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

/** A line that is only a document marker: where a stream of JSON documents may be split. */
const DOCUMENT_MARKER = /^---[ \t]*$/m;

/**
 * A stream of JSON objects separated by `---` lines (what generators and `kubectl … -o json` pipelines write), read
 * with JSON.parse: JSON is YAML, so the values are the ones js-yaml gives, many times faster. Undefined, so that
 * js-yaml reads the text, when any document is not plain JSON (comments, YAML syntax) or repeats a key (YAML refuses
 * that and js-yaml names it; JSON.parse would keep the last value silently).
 */
function jsonDocuments(text: string): unknown[] | undefined {
  if (!text.includes('{')) return undefined;
  const parts = text.split(DOCUMENT_MARKER);
  // Whatever precedes the first marker is a document only if it is not blank (js-yaml numbers documents so).
  if (parts.length > 1 && (parts[0] as string).trim() === '') parts.shift();
  const docs: unknown[] = [];
  for (const part of parts) {
    const body = part.trim();
    if (body === '') {
      docs.push(null);
      continue;
    }
    if (body.charCodeAt(0) !== 0x7b /* { */) return undefined;
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      return undefined;
    }
    if (keysParsed(doc) !== keysWritten(body)) return undefined;
    docs.push(doc);
  }
  return docs;
}

/** How many object keys a parsed JSON value holds; fewer than the text wrote means a key was repeated. */
function keysParsed(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) n += keysParsed(x);
    return n;
  }
  for (const k in v) if (Object.hasOwn(v, k)) n += 1 + keysParsed((v as Record<string, unknown>)[k]);
  return n;
}

/** How many keys valid JSON text writes: the strings followed by a colon (a value string never is). */
function keysWritten(json: string): number {
  let n = 0;
  let open = json.indexOf('"');
  while (open >= 0) {
    let close = open;
    for (;;) {
      close = json.indexOf('"', close + 1);
      let backslashes = 0;
      while (json.charCodeAt(close - 1 - backslashes) === 0x5c) backslashes++;
      if (backslashes % 2 === 0) break;
    }
    let next = close + 1;
    for (
      let c = json.charCodeAt(next);
      c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
      c = json.charCodeAt(++next)
    );
    if (json.charCodeAt(next) === 0x3a /* : */) n++;
    open = json.indexOf('"', next);
  }
  return n;
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
