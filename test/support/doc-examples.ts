// The YAML examples of the DVP user documentation, kept in the repo as one file per example
// (manifests/examples/dvp/, copied verbatim from the page), so the tests use exactly what an admin would copy and a
// clone needs nothing beside the repo.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const docExamplesDir = join(repoRoot, 'manifests', 'examples', 'dvp');

export interface DocExample {
  index: number;
  /** File name in manifests/examples/dvp/. */
  file: string;
  yaml: string;
  objects: Record<string, unknown>[];
}

/** Every example, in the page's order (the files are numbered). */
export function docExamples(): DocExample[] {
  return readdirSync(docExamplesDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file, index) => {
      const yaml = readFileSync(join(docExamplesDir, file), 'utf8');
      return { index, file, yaml, objects: loadAll(yaml).filter((o) => o) as Record<string, unknown>[] };
    });
}

export function policyExamples(): { name: string; kind: string; object: Record<string, unknown> }[] {
  return docExamples()
    .flatMap((e) => e.objects)
    .filter((o) => o.apiVersion === 'deckhouse.io/v1alpha1')
    .map((o) => ({ name: String((o.metadata as { name: string }).name), kind: String(o.kind), object: o }));
}

/** The example whose YAML indentation slipped (its label sits beside matchLabels instead of under it). */
export const SLIPPED_EXAMPLE = 'test-operation-policy';
