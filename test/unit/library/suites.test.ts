// The shape every check's gator suite must have: at least 6 cases, and for checks of containers a multi-container
// Pod, an init container, an ephemeral container and a Deployment template among the objects reviewed.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { load, loadAll } from 'js-yaml';
import { checkFolders, importedLibs } from '../../../src/library/build.js';
import { repoRoot } from '../../support/doc-examples.js';

const templatesDir = join(repoRoot, 'templates');

interface Suite {
  tests: { template: string; constraint: string; cases?: { name: string; object: string }[] }[];
}

function objectsOf(folder: string): Record<string, unknown>[] {
  const suitePath = join(templatesDir, folder, 'suite.yaml');
  const suite = load(readFileSync(suitePath, 'utf8')) as Suite;
  return suite.tests.flatMap((t) =>
    (t.cases ?? []).flatMap(
      (c) => loadAll(readFileSync(join(dirname(suitePath), c.object), 'utf8')) as Record<string, unknown>[],
    ),
  );
}

const podSpecOf = (o: Record<string, unknown>): Record<string, unknown[]> | undefined => {
  const spec = o.spec as Record<string, unknown> | undefined;
  if (o.kind === 'Pod') return spec as Record<string, unknown[]>;
  const template = (spec?.template ?? (spec?.jobTemplate as { spec?: { template?: unknown } })?.spec?.template) as
    { spec?: Record<string, unknown[]> } | undefined;
  return template?.spec;
};

describe.each(checkFolders(templatesDir))('templates/%s', (folder) => {
  it('has a gator suite with at least 6 cases', () => {
    const suite = load(readFileSync(join(templatesDir, folder, 'suite.yaml'), 'utf8')) as Suite;
    const cases = suite.tests.flatMap((t) => t.cases ?? []);
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });

  it('has opa tests', () => {
    expect(existsSync(join(templatesDir, folder, 'src_test.rego'))).toBe(true);
  });

  const rego = readFileSync(join(templatesDir, folder, 'src.rego'), 'utf8');
  // Every check that reads a pod spec (of a Pod or a workload template) must show it handles all of them.
  const checksContainers = importedLibs(rego).includes('common') && /common\.(containers|pod_spec)/.test(rego);
  (checksContainers ? it : it.skip)(
    'reviews a multi-container Pod, an init and an ephemeral container, and a Deployment',
    () => {
      const objects = objectsOf(folder);
      const specs = objects.map(podSpecOf).filter((s): s is Record<string, unknown[]> => s !== undefined);
      expect(objects.some((o) => o.kind === 'Pod' && ((podSpecOf(o)?.containers ?? []) as unknown[]).length >= 2)).toBe(
        true,
      );
      expect(specs.some((s) => (s.initContainers ?? []).length > 0)).toBe(true);
      expect(specs.some((s) => (s.ephemeralContainers ?? []).length > 0)).toBe(true);
      expect(objects.some((o) => o.kind === 'Deployment')).toBe(true);
    },
  );
});
