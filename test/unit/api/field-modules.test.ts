// "A check is a folder" plus one field module: the list of modules is derived from src/fields, each module names the
// template folder it renders, and a new file in src/fields/<kind>/ is a new module with no other hand edit.
import { cpSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { OPERATION_FIELDS, SECURITY_FIELDS } from '../../../src/fields/index.js';
import { MODULE_LIST_FILE, modulesIn, renderModuleList } from '../../../src/fields/module-list.js';
import { repoRoot } from '../../harness/paths.js';

const fieldsDir = join(repoRoot(), 'src', 'fields');

describe('the list of field modules', () => {
  it('is the generated file, derived from the folders (make build / gatewright crds write it)', () => {
    expect(readFileSync(join(repoRoot(), MODULE_LIST_FILE), 'utf8')).toBe(renderModuleList(fieldsDir));
  });

  it('holds every file of src/fields/security and src/fields/operation, one module a file', () => {
    const files = (list: readonly { check: string }[]) => list.map((m) => m.check);
    expect(files(SECURITY_FIELDS)).toEqual(
      modulesIn(fieldsDir, 'security', 'SecurityPolicies').map((m) => m.file.replace('security/', '')),
    );
    expect(files(OPERATION_FIELDS)).toEqual(
      modulesIn(fieldsDir, 'operation', 'OperationPolicies').map((m) => m.file.replace('operation/', '')),
    );
    expect(SECURITY_FIELDS.length + OPERATION_FIELDS.length).toBe(38);
  });

  it("each module's check is its template folder, and the folder's template defines the module's kinds", () => {
    for (const m of [...SECURITY_FIELDS, ...OPERATION_FIELDS]) {
      const dir = join(repoRoot(), 'templates', m.check);
      expect([m.check, existsSync(join(dir, 'template.src.yaml'))]).toEqual([m.check, true]);
      const template = load(readFileSync(join(dir, 'template.src.yaml'), 'utf8')) as {
        spec: { crd: { spec: { names: { kind: string } } } };
      };
      expect([m.check, m.kinds]).toEqual([m.check, expect.arrayContaining([template.spec.crd.spec.names.kind])]);
    }
  });

  it('a new file in src/fields/security is a new module; a file that declares none is refused with its path', () => {
    const copy = mkdtempSync(join(tmpdir(), 'gatewright-fields-'));
    cpSync(fieldsDir, copy, { recursive: true });
    writeFileSync(
      join(copy, 'security', 'share-process-namespace.ts'),
      "export const shareProcessNamespace: FieldModule<SecurityPolicies> = { check: 'share-process-namespace' };\n",
    );
    const list = renderModuleList(copy);
    expect(list).toContain("import { shareProcessNamespace } from '../security/share-process-namespace.js';");
    expect(list.slice(list.indexOf('SECURITY_FIELDS'), list.indexOf('OPERATION_FIELDS:'))).toContain(
      '  shareProcessNamespace,\n',
    );

    writeFileSync(join(copy, 'operation', 'helper.ts'), 'export const notAModule = 1;\n');
    expect(() => renderModuleList(copy)).toThrow(
      'src/fields/operation/helper.ts: a field module file declares exactly one `export const <name>: FieldModule<OperationPolicies> = …` (found 0)',
    );
  });
});
