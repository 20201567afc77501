// Gatekeeper's own `gator test` over a set of objects (templates, constraints, namespaces and the objects to review),
// as the scenario suites use it: one run, the results as gator reports them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { repoRoot } from './doc-examples.js';

/** One violation gator found: which object broke which constraint, under which action, and its message. */
export interface GatorReview {
  violatingObject: { metadata: { name: string } };
  constraint: { kind: string; metadata: { name: string } };
  enforcementAction: string;
  msg: string;
}

/** Every violation `gator test` reports for these objects (exit 1 means violations, not a failure). */
export function gatorReviews(docs: unknown[]): GatorReview[] {
  const dir = mkdtempSync(join(tmpdir(), 'gatewright-gator-'));
  try {
    const file = join(dir, 'input.yaml');
    writeFileSync(file, docs.map((d) => dump(d, { lineWidth: -1, noRefs: true })).join('---\n'));
    const run = spawnSync(join(repoRoot, 'hack', '.bin', 'gator'), ['test', '-o', 'json', '-f', file], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status !== 0 && run.status !== 1) throw new Error(`gator failed: ${run.stderr}`);
    return (JSON.parse(run.stdout || '[]') as GatorReview[] | null) ?? [];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Namespace object with its labels, as the API server stores it (with kubernetes.io/metadata.name). */
export const namespaceObject = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { ...labels, 'kubernetes.io/metadata.name': name } },
});
