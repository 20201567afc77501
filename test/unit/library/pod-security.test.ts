import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { memberRego, podSecurityMembers } from '../../../src/library/build.js';
import { loadLibrary } from '../../../src/library/load.js';
import { POD_SECURITY_KIND, podSecurityControlKinds } from '../../../src/compiler/pss.js';
import { repoRoot } from '../../support/doc-examples.js';

const templates = join(repoRoot, 'templates');
const member = { kind: 'D8Example', folder: 'example-check', alias: 'exampleCheck' };

describe('the pod-security template', () => {
  it('has every control of both standards as a member, once', () => {
    expect(
      podSecurityMembers(templates)
        .map((m) => m.kind)
        .sort(),
    ).toEqual(podSecurityControlKinds());
  });

  it("moves a member's module under lib.podsecurity and narrows every read of the parameters to its own entry", () => {
    const rego = [
      'package gatewright.example',
      'a := input.parameters.allowed',
      'b := object.get(input, "parameters", {})',
      'c := object.get(input, ["parameters", "list"], [])',
      'd := input.review.object.spec',
      'e := object.get(input, ["review", "object"], {})',
    ].join('\n');
    expect(memberRego(rego, member, 'x').split('\n')).toEqual([
      'package lib.podsecurity.exampleCheck',
      'a := input.parameters.D8Example.allowed',
      'b := object.get(input.parameters, "D8Example", {})',
      'c := object.get(input, ["parameters", "D8Example", "list"], [])',
      'd := input.review.object.spec',
      'e := object.get(input, ["review", "object"], {})',
    ]);
  });

  it('refuses a member that reads input any other way, naming the file', () => {
    for (const line of ['x := input', 'x := input.constraint', 'x := object.get(input, "review", {}) with input as {}'])
      expect(() => memberRego(`package gatewright.example\n${line}\n`, member, 'templates/example/src.rego')).toThrow(
        /templates\/example\/src\.rego: reads input other than its review and parameters/,
      );
    // a comment saying "input" is not a read
    expect(() =>
      memberRego('package gatewright.example\n# the input is a review\nx := 1\n', member, 'x'),
    ).not.toThrow();
  });

  it('gates each merged CEL validation on its member being named, and prefixes member variables', () => {
    const template = loadLibrary(templates).get(POD_SECURITY_KIND);
    const code = (
      template?.spec as { targets: { code: { engine: string; source: Record<string, unknown> }[] }[] }
    ).targets[0]?.code.find((c) => c.engine === 'K8sNativeValidation');
    const validations = code?.source.validations as { expression: string }[];
    const variables = code?.source.variables as { name: string }[];
    expect(validations.length).toBeGreaterThan(podSecurityControlKinds().length);
    for (const v of validations) expect(v.expression).toMatch(/^!\('D8\w+' in variables\.p\) \|\| \(/);
    const names = variables.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['p', 'capabilities_p', 'capabilities_allowedCaps', 'allContainers']));
  });
});
