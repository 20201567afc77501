// The CLI as a user runs it: `gatewright validate` and `gatewright render`, their output and exit codes.
// Runs the built CLI (dist/), which `make test` builds first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { dump, loadAll } from 'js-yaml';
import { docExamples, repoRoot, SLIPPED_EXAMPLE } from '../../support/doc-examples.js';

const cli = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli', 'main.js'), ...args], {
    input,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const dir = mkdtempSync(join(tmpdir(), 'gatewright-cli-'));
const examples = docExamples().filter((e) => e.objects.some((o) => o.apiVersion === 'deckhouse.io/v1alpha1'));
const good = examples
  .filter((e) => !e.yaml.includes(`name: ${SLIPPED_EXAMPLE}`))
  .map((e) => e.yaml)
  .join('\n---\n');
const slipped = examples.find((e) => e.yaml.includes(`name: ${SLIPPED_EXAMPLE}`))?.yaml ?? '';
writeFileSync(join(dir, 'policies.yaml'), good);
writeFileSync(join(dir, 'broken.yaml'), slipped);
const namespaceList = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { 'security.deckhouse.io/pod-policy-action': 'warn' } },
    },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } },
  ],
};
writeFileSync(join(dir, 'namespaces.yaml'), dump(namespaceList));

describe('gatewright validate', () => {
  it('accepts the documentation examples, multi-document, and says how many', () => {
    const r = cli(['validate', '-f', join(dir, 'policies.yaml')]);
    expect([r.code, r.stdout]).toEqual([0, '5 object(s) valid\n']);
  });

  it('reads a large manifest from a pipe whole (Node’s readFileSync(0) failed with EAGAIN on it)', () => {
    const huge = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'SecurityPolicyException',
      metadata: { name: 'huge-notes', namespace: 'team-a' },
      spec: { notes: 'x'.repeat(4 << 20) },
    };
    for (let i = 0; i < 5; i++) {
      const r = cli(['validate', '-f', '-', '-o', 'json'], JSON.stringify(huge));
      expect([r.code, r.stderr]).toEqual([1, '']);
      expect((JSON.parse(r.stdout) as { errors: { message: string }[] }).errors.length).toBeGreaterThan(0);
    }
  });

  it('rejects the slipped example read from stdin, one line per error naming source, object and field', () => {
    const r = cli(['validate', '-f', '-'], slipped);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    // The stray label, the empty matchLabels it leaves, and the selector's CEL rule (what the API server says when
    // the client drops unknown fields).
    expect(lines).toHaveLength(3);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^<stdin>#1: OperationPolicy "test-operation-policy": spec\.match\.namespaceSelector\.labelSelector\.operation-policy\.deckhouse\.io\/enabled: Unknown field: .* indent it under matchLabels$/,
      ),
    );
  });

  it('prints warnings for what Deckhouse accepts with a defined meaning, and exits 0', () => {
    const policy = dump({
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'SecurityPolicy',
      metadata: { name: 'all-sysctls' },
      spec: {
        policies: { allowedUnsafeSysctls: ['*'], forbiddenSysctls: ['*'] },
        match: { namespaceSelector: { matchNames: ['team-a'] } },
      },
    });
    const r = cli(['validate', '-f', '-'], policy);
    expect([r.code, r.stdout]).toEqual([
      0,
      '<stdin>#1: Warning: SecurityPolicy "all-sysctls": spec.policies.allowedUnsafeSysctls[0]: "*" is also forbidden by ' +
        'forbiddenSysctls[0] ("*"), which takes precedence, as in Deckhouse: no sysctl may be set\n' +
        '1 object(s) valid, 1 warning(s)\n',
    ]);
  });

  it('-o json is for machines, and a directory is read recursively', () => {
    const r = cli(['validate', '-f', dir, '-o', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      valid: boolean;
      objects: number;
      errors: { source: string; path: string; rule: string }[];
    };
    expect(out.valid).toBe(false);
    expect(out.objects).toBe(8);
    expect(out.errors.map((e) => [e.source.replace(dir, ''), e.rule])).toEqual([
      ['/broken.yaml#1', 'cel'],
      ['/broken.yaml#1', 'schema'],
      ['/broken.yaml#1', 'schema'],
    ]);
  });

  it('a missing file is an error, not a pass', () => {
    const r = cli(['validate', '-f', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope\.yaml: no such file or directory/);
  });
});

describe('gatewright render', () => {
  it('prints what the operator would apply, byte-identical on every run', () => {
    const a = cli(['render', '-f', join(dir, 'policies.yaml'), '--namespaces', join(dir, 'namespaces.yaml')]);
    const b = cli(['render', '-f', join(dir, 'policies.yaml'), '--namespaces', join(dir, 'namespaces.yaml')]);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    expect(a.stdout).toBe(b.stdout);
    const objects = loadAll(a.stdout) as { apiVersion: string; kind: string; metadata: { name: string } }[];
    expect(objects[0]?.kind).toBe('ConstraintTemplate');
    const names = new Set(objects.map((o) => o.metadata.name));
    // The namespace list asked for a warn set of the standards.
    expect(names.has('d8-pod-security-baseline-warn')).toBe(true);
    expect(names.has('common')).toBe(true);
    // Keys in the order kubectl prints them.
    expect(a.stdout.startsWith('apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata:\n')).toBe(
      true,
    );
  });

  it('-o json prints a List', () => {
    const r = cli(['render', '-f', join(dir, 'policies.yaml'), '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string; items: unknown[] };
    expect(list.kind).toBe('List');
    expect(list.items.length).toBeGreaterThan(50);
  });

  it('invalid input: the errors on stderr, nothing on stdout, exit 1', () => {
    const r = cli(['render', '-f', join(dir, 'policies.yaml'), join(dir, 'broken.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^OperationPolicy "test-operation-policy": spec\.match\.namespaceSelector\.labelSelector\.operation-policy\.deckhouse\.io\/enabled: Unknown field/m,
    );
  });
});
