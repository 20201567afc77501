// The CRD's CEL rules (x-kubernetes-validations) run offline through their JavaScript twins: called by the schema
// validators, the compiled and the generated ones alike.
import { celTwin, type CelRule } from './schema-builders.js';

export interface CelFailure {
  message: string;
  fieldPath: string;
  reason: string;
}

/** The CEL rules `data` breaks, each with the message, fieldPath and reason the API server would report. */
export function celFailures(rules: CelRule[], data: unknown): CelFailure[] {
  const failed: CelFailure[] = [];
  for (const r of rules) {
    const twin = celTwin(r.rule);
    if (!twin) throw new Error(`CEL rule without a JavaScript twin: ${r.rule}`);
    if (!twin(data))
      failed.push({ message: r.message, fieldPath: r.fieldPath ?? '', reason: r.reason ?? 'FieldValueInvalid' });
  }
  return failed;
}
