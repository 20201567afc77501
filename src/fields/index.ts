// The lists of field modules, one per file in src/fields/security and src/fields/operation: the policy schemas (and so
// the CRDs and ajv), the semantic validation, the compiler's rule tables, the test stubs' kind list and the README's
// field reference are all derived from them. The lists themselves are generated from the folders
// (src/fields/module-list.ts), sorted by file name, which is also the order checks are planned and reported in.
import { obj, type Schema } from '../api/schema-builders.js';
import type { FieldModule } from './module.js';
import { OPERATION_FIELDS, SECURITY_FIELDS } from './generated/modules.js';

export { OPERATION_FIELDS, SECURITY_FIELDS };

/** The `policies` schema of a policy kind: every field of every module. */
export function policiesSchema(modules: readonly FieldModule<never>[], description: string): Schema {
  return obj(Object.assign({}, ...modules.map((m) => m.fields)) as Record<string, Schema>, description);
}

/** Every constraint kind the modules may produce. */
export const moduleKinds = (): string[] =>
  [...new Set([...SECURITY_FIELDS, ...OPERATION_FIELDS].flatMap((m) => m.kinds))].sort();
