// The pod-security template (templates/pod-security) runs a standard's controls in one ConstraintTemplate. Through
// Gatekeeper's own gator, it must give exactly the verdicts and messages the controls' own templates give with the
// same parameters, under Rego and under CEL: a namespace's standard as one D8PodSecurity constraint against the
// same controls as one constraint each.
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { benchWorkloads, privilegedPod } from '../../src/bench/admission-workloads.js';
import { compile } from '../../src/compiler/compile.js';
import type { K8sObject } from '../../src/compiler/model.js';
import { POD_POLICY_LABEL, POD_SECURITY_KIND, profileChecks } from '../../src/compiler/pss.js';
import { forEngine } from '../../src/library/engine.js';
import { loadLibrary } from '../../src/library/load.js';
import { repoRoot } from '../support/doc-examples.js';
import { gatorVerdicts } from '../support/gator.js';

const library = loadLibrary(join(repoRoot, 'templates'));

function bundledAndSplit(level: 'baseline' | 'restricted', engine: 'Rego' | 'CEL') {
  const namespace = { name: `bundle-${level}`, labels: { [POD_POLICY_LABEL]: level } };
  const result = compile({
    policies: [],
    moduleConfig: {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'admission-policy-engine' },
      spec: { version: 1, settings: { admission: { engine } } },
    },
    namespaces: [namespace],
    library,
  });
  const constraint = result.objects.find(
    (o) => o.kind === POD_SECURITY_KIND && o.metadata.name === `d8-pod-security-${level}-deny-default`,
  ) as K8sObject;
  const template = result.objects.find((o) => o.metadata.name === POD_SECURITY_KIND.toLowerCase()) as K8sObject;
  // gator is given one namespace's objects, so the selector (tested in the unit tests) is left out of both sets.
  const { namespaceSelector: _, ...match } = (constraint.spec as { match: Record<string, unknown> }).match;
  const spec = { ...(constraint.spec as Record<string, unknown>), match };
  const controls = profileChecks(level, { knownHostPortRanges: [] });
  const split = [
    ...controls.map((c) => forEngine(library.get(c.kind) as K8sObject, engine, false)),
    ...controls.map((c) => ({
      ...constraint,
      kind: c.kind,
      spec: { ...spec, parameters: c.parameters ?? {} },
    })),
  ];
  return { bundled: [template, { ...constraint, spec }], split, namespace: namespace.name };
}

const verdictsOf = (docs: unknown[]) =>
  gatorVerdicts(docs)
    .map((v) => `${v.violatingObject.kind} ${v.violatingObject.metadata.name} [${v.enforcementAction}] ${v.msg}`)
    .sort();

describe('the pod-security template gives the verdicts and messages of its controls', () => {
  for (const level of ['baseline', 'restricted'] as const) {
    for (const engine of ['Rego', 'CEL'] as const) {
      it(`${level}, ${engine}`, () => {
        const { bundled, split, namespace } = bundledAndSplit(level, engine);
        const objects = [...benchWorkloads(namespace), privilegedPod(namespace, 6)];
        const fromBundle = verdictsOf([...bundled, ...objects]);
        const fromControls = verdictsOf([...split, ...objects]);
        expect(fromBundle.length).toBeGreaterThan(level === 'baseline' ? 10 : 40);
        expect(fromBundle).toEqual(fromControls);
      });
    }
  }
});
