// Loads the built template library (templates/<check>/template.yaml) as a map from constraint kind to template.
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { K8sObject } from '../compiler/model.js';
import type { TemplateLibrary } from '../compiler/compile.js';
import { GATOR_TEMPLATE, libraryFolders } from './build.js';

export interface LoadLibraryOptions {
  /** A check's gator copy (no external data provider) stands in for its template where it has one. */
  forGator?: boolean;
  /** The pack of parsed templates to read from (PACK_FILE; a missing file means none). */
  packFile?: string;
}

export function loadLibrary(templatesDir: string, opts: LoadLibraryOptions = {}): TemplateLibrary {
  const library = new Map<string, K8sObject>();
  const pack = readPack(opts.packFile ?? PACK_FILE);
  for (const folder of libraryFolders(templatesDir)) {
    const gatorCopy = join(templatesDir, folder, GATOR_TEMPLATE);
    const file = opts.forGator && existsSync(gatorCopy) ? gatorCopy : join(templatesDir, folder, 'template.yaml');
    if (!existsSync(file)) throw new Error(`${file} is missing: run make templates`);
    const text = readFileSync(file, 'utf8');
    // Each template as its own JSON text: every load gets objects of its own, as from YAML.
    const packed = pack.get(textHash(text));
    const template = (packed !== undefined ? JSON.parse(packed) : load(text)) as K8sObject;
    const kind = (template.spec as { crd?: { spec?: { names?: { kind?: string } } } } | undefined)?.crd?.spec?.names
      ?.kind;
    if (!kind) throw new Error(`${file}: spec.crd.spec.names.kind is missing`);
    if (library.has(kind)) throw new Error(`${file}: kind ${kind} is defined by two templates`);
    library.set(kind, template);
  }
  return library;
}

/**
 * The template files already parsed, by the SHA-256 of their text, written by `make build` (pack.ts): JSON.parse
 * reads them some 30 times faster than js-yaml reads the YAML, which was about 0.1 s of every start. A file that is
 * not in it (edited since the build, another --templates folder) is read as YAML.
 */
export const PACK_FILE = fileURLToPath(new URL('./pack.json', import.meta.url));

const textHash = (text: string): string => createHash('sha256').update(text).digest('hex');

function readPack(file: string): Map<string, string> {
  try {
    return new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>));
  } catch {
    return new Map();
  }
}

/** The pack of a template folder: every template.yaml and gator copy in it, parsed. */
export function packLibrary(templatesDir: string): Record<string, string> {
  const packed: Record<string, string> = {};
  for (const folder of libraryFolders(templatesDir)) {
    for (const name of ['template.yaml', GATOR_TEMPLATE]) {
      const file = join(templatesDir, folder, name);
      if (!existsSync(file)) continue;
      const text = readFileSync(file, 'utf8');
      packed[textHash(text)] = JSON.stringify(load(text));
    }
  }
  return packed;
}
