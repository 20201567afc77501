// Loads the built template library (templates/<check>/template.yaml) as a map from constraint kind to template.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { K8sObject } from '../compiler/model.js';
import type { TemplateLibrary } from '../compiler/compile.js';
import { checkFolders, GATOR_TEMPLATE } from './build.js';

/** With `forGator`, a check's gator copy (no external data provider) stands in for its template where it has one. */
export function loadLibrary(templatesDir: string, opts: { forGator?: boolean } = {}): TemplateLibrary {
  const library = new Map<string, K8sObject>();
  for (const folder of checkFolders(templatesDir)) {
    const gatorCopy = join(templatesDir, folder, GATOR_TEMPLATE);
    const file = opts.forGator && existsSync(gatorCopy) ? gatorCopy : join(templatesDir, folder, 'template.yaml');
    if (!existsSync(file)) throw new Error(`${file} is missing: run make templates`);
    const template = load(readFileSync(file, 'utf8')) as K8sObject;
    const kind = (template.spec as { crd?: { spec?: { names?: { kind?: string } } } } | undefined)?.crd?.spec?.names
      ?.kind;
    if (!kind) throw new Error(`${file}: spec.crd.spec.names.kind is missing`);
    if (library.has(kind)) throw new Error(`${file}: kind ${kind} is defined by two templates`);
    library.set(kind, template);
  }
  return library;
}
