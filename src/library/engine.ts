// Which engine's code a ConstraintTemplate carries when it is emitted. The library holds Rego and, where CEL can
// express the check, K8sNativeValidation code side by side; Gatekeeper evaluates only the CEL one when both are
// present (reference: Gatekeeper docs, "constrainttemplates", field precedence), so the choice is made here.
import type { K8sObject } from '../compiler/model.js';

export const CEL_ENGINE = 'K8sNativeValidation';

interface CodeEntry {
  engine: string;
  source: Record<string, unknown>;
}

interface Target {
  code?: CodeEntry[];
}

/**
 * Rego: the CEL code is left out (SecurityPolicyExceptions, read from the inventory, keep working).
 * CEL: both stay (Rego is ignored by Gatekeeper where CEL exists); generateVAP is set as asked.
 */
export function forEngine(template: K8sObject, engine: 'Rego' | 'CEL', generateVap: boolean): K8sObject {
  const spec = template.spec as { targets?: Target[] } | undefined;
  if (!spec?.targets) return template;
  const targets = spec.targets.map((t) => ({
    ...t,
    code: (t.code ?? [])
      .filter((c) => engine === 'CEL' || c.engine !== CEL_ENGINE)
      .map((c) => (c.engine === CEL_ENGINE ? { ...c, source: { ...c.source, generateVAP: generateVap } } : c)),
  }));
  return { ...template, spec: { ...spec, targets } };
}

/** Whether a template carries CEL code. */
export function hasCel(template: K8sObject): boolean {
  const spec = template.spec as { targets?: Target[] } | undefined;
  return (spec?.targets ?? []).some((t) => (t.code ?? []).some((c) => c.engine === CEL_ENGINE));
}
