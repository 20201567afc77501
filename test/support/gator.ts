// Gatekeeper's gator as the scenario tests run it: the documents as one YAML stream, `gator test -o json`, the
// verdicts parsed. Exit status 1 only means some object violates a constraint; anything else is gator failing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { repoRoot } from './doc-examples.js';

export interface GatorVerdict {
  violatingObject: { kind?: string; metadata: { name: string; namespace?: string } };
  constraint: { kind: string; metadata: { name: string } };
  enforcementAction: string;
  msg: string;
  metadata?: { details?: Record<string, unknown> };
}

/**
 * The constraint kind of the check a verdict comes from: for the pod-security template, the member control its Rego
 * names in details.control (D8PrivilegedContainer, …), else the constraint's own kind.
 */
export const checkKindOf = (v: GatorVerdict): string =>
  v.constraint.kind === 'D8PodSecurity' && typeof v.metadata?.details?.control === 'string'
    ? v.metadata.details.control
    : v.constraint.kind;

export interface GatorRun {
  status: number | null;
  stdout: string;
  stderr: string;
  verdicts: GatorVerdict[];
}

/** Runs `gator test` over the documents; never throws on gator's own failure (the caller asserts on it). */
export function gatorTest(docs: unknown[]): GatorRun {
  const dir = mkdtempSync(join(tmpdir(), 'gatewright-gator-'));
  try {
    const file = join(dir, 'input.yaml');
    writeFileSync(file, docs.map((d) => dump(d, { lineWidth: -1, noRefs: true })).join('---\n'));
    const run = spawnSync(join(repoRoot, 'hack', '.bin', 'gator'), ['test', '-o', 'json', '-f', file], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    let verdicts: GatorVerdict[] = [];
    try {
      verdicts = (JSON.parse(run.stdout || '[]') as GatorVerdict[] | null) ?? [];
    } catch {
      verdicts = [];
    }
    return { status: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? '', verdicts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** As gatorTest, throwing when gator itself failed (not a verdict). */
export function gatorVerdicts(docs: unknown[]): GatorVerdict[] {
  const run = gatorTest(docs);
  if (run.status !== 0 && run.status !== 1) throw new Error(`gator failed: ${run.stderr}`);
  return run.verdicts;
}
