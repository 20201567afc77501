import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { CEL_REPORTED_ITEMS, celCode, checkFolders, expandCelMacros } from '../../../src/library/build.js';
import { forEngine, hasCel } from '../../../src/library/engine.js';
import { loadLibrary } from '../../../src/library/load.js';
import { repoRoot } from '../../support/doc-examples.js';
import type { K8sObject } from '../../../src/compiler/model.js';

const templates = join(repoRoot, 'templates');

describe('CEL macros', () => {
  it('expands a local macro whose argument is itself a call, parentheses and quotes respected', () => {
    const macros = [{ name: 'twice', params: ['x'], body: 'x + x' }];
    expect(expandCelMacros("twice(f(a, 'b,)'))", macros)).toBe("((f(a, 'b,)')) + (f(a, 'b,)')))");
  });

  it('does not rewrite a parameter name inside another identifier, a field or a string', () => {
    const macros = [{ name: 'm', params: ['c'], body: "c.name + 'c' + variables.c + cs" }];
    expect(expandCelMacros('m(k)', macros)).toBe("((k).name + 'c' + variables.c + cs)");
  });

  it('turns $glob into an anchored RE2 match with * as any run', () => {
    expect(expandCelMacros('$glob(p, v)')).toBe(
      "(v).matches('^' + p.replace('.', '\\\\.').replace('+', '\\\\+').replace('(', '\\\\(').replace(')', '\\\\)')" +
        ".replace('|', '\\\\|').replace('^', '\\\\^').replace('$', '\\\\$').replace('*', '.*') + '$')",
    );
  });

  it('rejects a call with the wrong number of arguments', () => {
    expect(() => expandCelMacros('m(a, b)', [{ name: 'm', params: ['x'], body: 'x' }])).toThrow(/takes 1 arguments/);
  });
});

describe('CEL code of the library', () => {
  it('reports up to CEL_REPORTED_ITEMS items of a list one by one, then how many more', () => {
    const [code] = celCode(templates, 'privileged-container');
    const validations = (code?.source as { validations: { expression: string; messageExpression: string }[] })
      .validations;
    expect(validations).toHaveLength(CEL_REPORTED_ITEMS);
    expect(validations[0]?.expression).toBe('size(variables.privileged) <= 0');
    expect(validations.at(-1)?.messageExpression).toContain(
      `' (and ' + string(size(variables.privileged) - ${CEL_REPORTED_ITEMS}) + ' more)'`,
    );
  });

  it('is generated with generateVAP false; the compiler decides', () => {
    const [code] = celCode(templates, 'seccomp');
    expect((code?.source as { generateVAP: boolean }).generateVAP).toBe(false);
  });

  it('every check with src.cel.yaml gets a K8sNativeValidation entry in template.yaml', () => {
    const library = loadLibrary(templates);
    const withCel = checkFolders(templates).filter((f) => celCode(templates, f).length > 0);
    expect(withCel.length).toBeGreaterThan(0);
    // and the pod-security template, which merges its members' CEL code
    expect([...library.values()].filter(hasCel)).toHaveLength(withCel.length + 1);
    expect(hasCel(library.get('D8PodSecurity') as K8sObject)).toBe(true);
  });
});

describe('forEngine', () => {
  const library = loadLibrary(templates);
  const template = library.get('D8PrivilegedContainer');
  const engines = (t: unknown) =>
    (
      (t as { spec: { targets: { code: { engine: string; source: { generateVAP?: boolean } }[] }[] } }).spec.targets[0]
        ?.code ?? []
    ).map((c) => [c.engine, c.source.generateVAP]);

  it('Rego: the CEL code is left out, so Gatekeeper evaluates Rego and exceptions keep working', () => {
    expect(engines(forEngine(template as never, 'Rego', true))).toEqual([['Rego', undefined]]);
  });

  it('CEL: both stay; generateVAP as the module setting says', () => {
    expect(engines(forEngine(template as never, 'CEL', false))).toEqual([
      ['Rego', undefined],
      ['K8sNativeValidation', false],
    ]);
    expect(engines(forEngine(template as never, 'CEL', true))).toContainEqual(['K8sNativeValidation', true]);
  });
});
