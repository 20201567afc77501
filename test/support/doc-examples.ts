// The YAML examples of the DVP user documentation (shared/spec/dvp-security-policies.md), read out of the file so
// the tests use exactly what an admin would copy.
import { readFileSync, existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The spec folder: beside the checkout (../shared) as laid out for sessions and CI. */
export function specPath(name: string): string {
  const candidates = [resolve(repoRoot, '..', 'shared', 'spec', name), resolve(repoRoot, 'shared', 'spec', name)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`cannot find ${name} in ${candidates.join(' or ')}`);
  return found;
}

export interface DocExample {
  index: number;
  yaml: string;
  objects: Record<string, unknown>[];
}

function dedent(lines: string[]): string {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** Every ```yaml block, dedented (some sit inside a numbered list). */
export function docExamples(): DocExample[] {
  const text = readFileSync(specPath('dvp-security-policies.md'), 'utf8');
  const lines = text.split('\n');
  const examples: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```yaml\s*$/.test(lines[i] as string)) continue;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] as string); i++) body.push(lines[i] as string);
    const yaml = dedent(body);
    examples.push({
      index: examples.length,
      yaml,
      objects: loadAll(yaml).filter((o) => o) as Record<string, unknown>[],
    });
  }
  return examples;
}

export function policyExamples(): { name: string; kind: string; object: Record<string, unknown> }[] {
  return docExamples()
    .flatMap((e) => e.objects)
    .filter((o) => o.apiVersion === 'deckhouse.io/v1alpha1')
    .map((o) => ({ name: String((o.metadata as { name: string }).name), kind: String(o.kind), object: o }));
}

/** The example whose YAML indentation slipped (its label sits beside matchLabels instead of under it). */
export const SLIPPED_EXAMPLE = 'test-operation-policy';
