import { describe, expect, it } from '@jest/globals';
import { compile } from '../../../src/compiler/compile.js';
import {
  POD_POLICY_ACTION_LABEL,
  POD_POLICY_LABEL,
  POD_SECURITY_KIND,
  SUBSUMED_AT_RESTRICTED,
  standardChecks,
} from '../../../src/compiler/pss.js';
import { CHECK_ANNOTATION, type K8sObject } from '../../../src/compiler/model.js';
import { stubLibrary } from '../../support/stub-library.js';

type Requirement = { key: string; operator: string; values?: string[] };

/** Kubernetes label-selector semantics for matchExpressions (In / NotIn; a missing key is "not in"). */
function selects(selector: { matchExpressions?: Requirement[] } | undefined, labels: Record<string, string>): boolean {
  return (selector?.matchExpressions ?? []).every((r) => {
    const v = labels[r.key];
    if (r.operator === 'In') return v !== undefined && (r.values ?? []).includes(v);
    if (r.operator === 'NotIn') return v === undefined || !(r.values ?? []).includes(v);
    throw new Error(`operator ${r.operator}`);
  });
}

const moduleConfig = (defaultPolicy: string) => ({
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleConfig',
  metadata: { name: 'admission-policy-engine' },
  spec: { version: 1, settings: { podSecurityStandards: { defaultPolicy } } },
});

const settings = { knownHostPortRanges: [] };
const baselineControls = standardChecks('baseline', settings).map((c) => c.name);
const restrictedControls = standardChecks('restricted', settings).map((c) => c.name);
const expectedControls: Record<string, string[]> = {
  privileged: [],
  baseline: baselineControls,
  restricted: [...baselineControls.filter((c) => !SUBSUMED_AT_RESTRICTED.has(c)), ...restrictedControls],
};

describe('Pod Security Standards: each control runs once per namespace', () => {
  for (const defaultPolicy of ['Privileged', 'Baseline', 'Restricted']) {
    for (const action of [undefined, 'warn']) {
      const namespaces = [undefined, 'privileged', 'baseline', 'restricted'].map((level, i) => ({
        name: `ns-${i}`,
        labels: {
          ...(level ? { [POD_POLICY_LABEL]: level } : {}),
          ...(action ? { [POD_POLICY_ACTION_LABEL]: action } : {}),
        },
      }));
      const result = compile({
        policies: [],
        moduleConfig: moduleConfig(defaultPolicy),
        namespaces,
        library: stubLibrary(),
      });
      const constraints = result.objects.filter((o) => o.apiVersion.startsWith('constraints.gatekeeper.sh/'));
      for (const ns of namespaces) {
        const level = ns.labels[POD_POLICY_LABEL] ?? defaultPolicy.toLowerCase();
        it(`default ${defaultPolicy}, namespace ${level}${ns.labels[POD_POLICY_LABEL] ? '' : ' (unlabelled)'}, action ${action ?? 'default'}`, () => {
          const matching = constraints.filter((c: K8sObject) =>
            selects(
              (c.spec as { match: { namespaceSelector: { matchExpressions: Requirement[] } } }).match.namespaceSelector,
              ns.labels,
            ),
          );
          // One D8PodSecurity constraint holds the namespace's standard: its parameters are keyed by control kind.
          expect(matching.map((c) => c.kind)).toEqual(level === 'privileged' ? [] : [POD_SECURITY_KIND]);
          const controls = matching.flatMap((c) => (c.metadata.annotations?.[CHECK_ANNOTATION] ?? '').split(','));
          expect([...controls].sort()).toEqual([...(expectedControls[level] ?? [])].sort());
          const all = [...standardChecks('baseline', settings), ...standardChecks('restricted', settings)];
          const kinds = matching.flatMap((c) => Object.keys((c.spec as { parameters: object }).parameters));
          expect(kinds.sort()).toEqual(controls.map((name) => all.find((c) => c.name === name)?.kind).sort());
        });
      }
    }
  }
});
