// Fuzz target (issue 14, item 7): random policies, valid and invalid, derived from the DVP documentation examples by
// random edits at random paths. Through validation and compilation they never crash; every constraint emitted is one
// Gatekeeper's constraint CRD accepts (parameters by the template's own schema, match by Gatekeeper's match schema);
// and an edit that makes a policy invalid never removes or changes what that policy had in force.
// test/e2e/faults.test.ts sends the same kind of output to a real API server.
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { validateObject } from '../../../src/api/validate.js';
import { compile } from '../../../src/compiler/compile.js';
import type { K8sObject } from '../../../src/compiler/model.js';
import { planChanges, type ObservedObject } from '../../../src/controller/plan.js';
import { loadLibrary } from '../../../src/library/load.js';
import { repoRoot } from '../../support/doc-examples.js';
import { editedPolicy, namespaceEdit, plausiblePolicy } from '../../support/policy-fuzz.js';

const library = loadLibrary(join(repoRoot, 'templates'));

// Gatekeeper's match schema for namespace names, as its v3.23 constraint CRDs serve it (the e2e fuzz reads the same
// pattern in the API server's 422): a name with an optional `*` at either end.
const WILDCARD = /^\*?[-:a-z0-9]*\*?$/;
const ajv = new Ajv({ strict: false, allErrors: true });
const parameterSchemas = new Map(
  [...library.entries()].map(([kind, t]) => {
    const schema = (t.spec as { crd: { spec: { validation?: { openAPIV3Schema?: object } } } }).crd.spec.validation
      ?.openAPIV3Schema;
    return [kind, schema ? ajv.compile(stripKubernetesKeys(schema) as object) : undefined];
  }),
);

function stripKubernetesKeys(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripKubernetesKeys);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([k]) => !k.startsWith('x-kubernetes-'))
      .map(([k, v]) => [k, stripKubernetesKeys(v)]),
  );
}

const constraintsOf = (objects: K8sObject[]) =>
  objects.filter((o) => o.apiVersion.startsWith('constraints.gatekeeper.sh/'));

function rejectionsOf(constraint: K8sObject): string[] {
  const problems: string[] = [];
  const spec = constraint.spec as { match?: Record<string, unknown>; parameters?: unknown; enforcementAction?: string };
  for (const field of ['namespaces', 'excludedNamespaces'] as const) {
    for (const ns of (spec.match?.[field] as string[] | undefined) ?? [])
      if (!WILDCARD.test(ns)) problems.push(`spec.match.${field}: ${JSON.stringify(ns)} breaks Gatekeeper's pattern`);
  }
  if (!['deny', 'dryrun', 'warn'].includes(spec.enforcementAction ?? ''))
    problems.push(`spec.enforcementAction: ${String(spec.enforcementAction)}`);
  const validate = parameterSchemas.get(constraint.kind);
  if (spec.parameters !== undefined && validate && !validate(spec.parameters))
    problems.push(`spec.parameters: ${ajv.errorsText(validate.errors)}`);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(constraint.metadata.name) || constraint.metadata.name.length > 253)
    problems.push(`metadata.name ${JSON.stringify(constraint.metadata.name)}`);
  return problems.map((p) => `${constraint.kind}/${constraint.metadata.name}: ${p}`);
}

describe('fuzz: random edits of the documentation examples', () => {
  it('validation and compilation never throw, and every constraint emitted is one Gatekeeper accepts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(editedPolicy, namespaceEdit, plausiblePolicy), { minLength: 1, maxLength: 4 }),
        (docs) => {
          const policies = docs.map((d) => d.edited);
          for (const p of policies) validateObject(p);
          const result = compile({ policies, namespaces: [], library });
          expect(constraintsOf(result.objects).flatMap(rejectionsOf)).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an edit that makes a policy invalid keeps everything it had in force', () => {
    fc.assert(
      fc.property(editedPolicy, ({ base, edited }) => {
        const name = (base.metadata as { name: string }).name;
        const before = compile({ policies: [base], namespaces: [], library });
        const after = compile({ policies: [edited], namespaces: [], library });
        const key = `${String(base.kind)}/${name}`;
        const editedName = (edited.metadata as { name?: unknown } | undefined)?.name;
        // Only edits that leave the policy's identity but break its spec count here.
        fc.pre(edited.kind === base.kind && editedName === name && after.invalid.has(key));
        const observed = before.objects as ObservedObject[];
        const plan = planChanges(after, observed);
        const owned = (o: K8sObject) => o.metadata.labels?.['gatewright.dev/owner-name'] === name;
        expect(plan.prune.filter(owned)).toEqual([]);
        expect([...plan.applyFirst, ...plan.applyConstraints].filter(owned)).toEqual([]);
        // The policy's constraints stay exactly as they were.
        expect(constraintsOf(after.objects).filter(owned)).toEqual([]);
        expect(plan.frozen.has(key)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
