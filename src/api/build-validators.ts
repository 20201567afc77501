// `make build`, after tsc: writes dist/api/generated/validators.js, the schema validators as ajv standalone code
// (see validators.ts). Run from dist/ only: the file belongs beside the compiled validators.js.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_VALIDATORS, generateValidators } from './validators.js';

const here = dirname(fileURLToPath(import.meta.url));
const target = resolve(here, GENERATED_VALIDATORS);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, generateValidators());
console.log(`wrote ${target}`);
