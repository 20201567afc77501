// A template library for unit tests of the compiler: one minimal ConstraintTemplate per kind, no Rego worth running.
import type { K8sObject } from '../../src/compiler/model.js';
import type { TemplateLibrary } from '../../src/compiler/compile.js';
import { POD_SECURITY_KIND, standardChecks } from '../../src/compiler/pss.js';
import { moduleKinds } from '../../src/fields/index.js';

/**
 * Every constraint kind the compiler may emit: the field modules' kinds, the Pod Security Standards' controls (which
 * SecurityPolicies use too) and the template that bundles them.
 */
export const ALL_KINDS = [
  ...new Set([
    ...moduleKinds(),
    POD_SECURITY_KIND,
    ...(['baseline', 'restricted'] as const).flatMap((s) =>
      standardChecks(s, { knownHostPortRanges: [] }).map((c) => c.kind),
    ),
  ]),
].sort();

/** Kinds whose stub Rego reads SecurityPolicyExceptions or Namespaces from the inventory, as the real ones do. */
const READS_EXCEPTIONS = new Set(['D8PrivilegedContainer', 'D8HostNetwork', POD_SECURITY_KIND]);
const READS_NAMESPACES = new Set(['D8GpuResourceRestriction']);
const READS_SERVICE_ACCOUNTS = new Set(['D8AutomountServiceAccountTokenPod']);

export function stubTemplate(kind: string): K8sObject {
  const reads = READS_EXCEPTIONS.has(kind)
    ? 'x := data.inventory.namespace["ns"]["deckhouse.io/v1alpha1"].SecurityPolicyException'
    : READS_NAMESPACES.has(kind)
      ? 'x := data.inventory.cluster.v1.Namespace'
      : READS_SERVICE_ACCOUNTS.has(kind)
        ? 'x := data.inventory.namespace["ns"].v1.ServiceAccount'
        : 'x := 1';
  return {
    apiVersion: 'templates.gatekeeper.sh/v1',
    kind: 'ConstraintTemplate',
    metadata: { name: kind.toLowerCase() },
    spec: {
      crd: { spec: { names: { kind } } },
      targets: [
        {
          target: 'admission.k8s.gatekeeper.sh',
          code: [
            {
              engine: 'Rego',
              source: {
                version: 'v1',
                rego: `package stub\n\nviolation contains {"msg": "stub"} if {\n\t${reads}\n\tfalse\n}\n`,
              },
            },
          ],
        },
      ],
    },
  };
}

export function stubLibrary(kinds: string[] = ALL_KINDS): TemplateLibrary {
  return new Map(kinds.map((k) => [k, stubTemplate(k)]));
}
