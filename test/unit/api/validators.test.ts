// The generated (ajv standalone) validators against the ones compiled at run time from the same schemas: the same
// verdict and the same errors for every object of the bad-input table and the documentation's examples. The unit
// suite runs from src/, so it compiles; `make build` and the image use the generated module.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ValidateFunction } from 'ajv';
import {
  MODULE_SETTINGS,
  generateValidators,
  usingGeneratedValidators,
  validatorFor,
} from '../../../src/api/validators.js';
import { checkObject } from '../../../src/api/validate.js';
import { BAD_OBJECTS } from '../../support/bad-objects.js';
import { docExamples } from '../../support/doc-examples.js';

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'api');
let dir: string;
let generated: Record<string, ValidateFunction | string>;

beforeAll(async () => {
  // Beside src/api/validators.ts, so that its `../cel-failures.js` import is the module the compiled ones call.
  dir = mkdtempSync(join(apiDir, '.validators-test-'));
  const file = join(dir, 'validators.js');
  writeFileSync(file, generateValidators());
  generated = (await import(pathToFileURL(file).href)) as typeof generated;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kindOf = (o: Record<string, unknown>): string => (o.kind === 'ModuleConfig' ? MODULE_SETTINGS : String(o.kind));
const inputOf = (o: Record<string, unknown>): unknown =>
  o.kind === 'ModuleConfig' ? ((o.spec as { settings?: unknown } | undefined)?.settings ?? {}) : o;

describe('generated validators', () => {
  it('are not in use here (the suite runs from src/, without a build)', () => {
    expect(usingGeneratedValidators()).toBe(false);
  });

  it('give the verdict and errors of the compiled ones, for every bad object and documentation example', () => {
    const objects = [
      ...BAD_OBJECTS.map((b) => b.object),
      ...docExamples().flatMap((e) => e.objects as Record<string, unknown>[]),
    ];
    let invalid = 0;
    for (const object of objects) {
      const name = kindOf(object);
      const compiled = validatorFor(name);
      const standalone = generated[name];
      if (compiled === undefined) continue;
      expect(typeof standalone).toBe('function');
      const input = inputOf(object);
      const verdict = compiled(input);
      expect({ name, verdict: (standalone as ValidateFunction)(input) }).toEqual({ name, verdict });
      expect((standalone as ValidateFunction).errors ?? null).toEqual(compiled.errors ?? null);
      if (!verdict) invalid++;
    }
    // The table is mostly invalid objects: the comparison covered errors, not only passes.
    expect(invalid).toBeGreaterThan(40);
  });

  it('report a broken CEL rule with its message, fieldPath and reason', () => {
    const object = BAD_OBJECTS.find((b) => checkObject(b.object).errors.some((e) => e.rule === 'cel'))?.object;
    expect(object).toBeDefined();
    const validate = generated[kindOf(object!)] as ValidateFunction;
    validate(inputOf(object!));
    const cel = (validate.errors ?? []).filter((e) => e.keyword === 'x-kubernetes-validations');
    expect(cel.length).toBeGreaterThan(0);
    for (const e of cel) {
      expect(typeof e.message).toBe('string');
      expect(e.params).toEqual({ fieldPath: expect.any(String), reason: expect.stringMatching(/^FieldValue/) });
    }
  });

  it('carry the fingerprint of the schemas they were generated from', () => {
    expect(generated.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });
});
