// ingressClassNames.
import { duplicateRules, type Report } from '../../api/rule-helpers.js';
import { stringList } from '../../api/schema-builders.js';
import type { OperationPolicies } from '../../api/types.js';
import type { PlannedCheck } from '../../compiler/security-rules.js';
import { planned, type FieldModule } from '../module.js';

type Render = (p: OperationPolicies) => PlannedCheck | undefined;

const fields = {
  ingressClassNames: stringList('Ingress classes Ingresses may use.'),
};

export const ingressClassRule: Render = (p) =>
  p.ingressClassNames
    ? planned('ingressClassNames', 'D8IngressClass', { ingressClassNames: p.ingressClassNames }, [
        { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] },
      ])
    : undefined;

function validate(p: Record<string, unknown>, at: Report, base: string): void {
  duplicateRules(p, base, at, ['ingressClassNames']);
}

export const ingressClass: FieldModule<OperationPolicies> = {
  check: 'ingress-class',
  fields,
  kinds: ['D8IngressClass'],
  validate,
  render: ingressClassRule,
};
