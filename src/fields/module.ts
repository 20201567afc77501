// A field module: one policy field, or a tight group of fields that make one check, in one place — its schema (with
// descriptions and CEL rules), the rules the schema cannot say (run by `gatewright validate` and the webhook), its
// render rule (when the field becomes a Gatekeeper constraint, with which parameters) and the constraint kinds it
// uses. schemas.ts (and so the CRDs and ajv), validate.ts, the compiler's rule tables, the test stubs' kind list and
// the README's field reference are all built from the lists in src/fields/index.ts.
import type { Schema } from '../api/schema-builders.js';
import type { Report } from '../api/rule-helpers.js';
import type { PlannedCheck } from '../compiler/security-rules.js';

export interface FieldModule<P> {
  /** The check's name in docs and logs: the template folder it uses (templates/<check>). */
  check: string;
  /** The policy fields this module owns, under spec.policies, with their schemas. */
  fields: Record<string, Schema>;
  /** Constraint kinds the render rule may produce. */
  kinds: readonly string[];
  /** Rules the schema cannot say: errors refuse the object, warnings admit it. `base` is `spec.policies`. */
  validate?: (policies: Record<string, unknown>, at: Report, base: string) => void;
  /** The check this module puts in force for a policy, or undefined when its fields ask for none. */
  render: (policies: P) => PlannedCheck | undefined;
}

/** A planned check, parameters and kinds only when given. */
export const planned = (
  name: string,
  kind: string,
  parameters?: Record<string, unknown>,
  matchKinds?: PlannedCheck['matchKinds'],
): PlannedCheck => ({
  name,
  kind,
  ...(parameters ? { parameters } : {}),
  ...(matchKinds ? { matchKinds } : {}),
});
