// gatewright's own Pod meets the restricted Pod Security Standard as gatewright enforces it: the kustomize base
// (manifests/, rendered by kubectl kustomize) gives the Pod of its Deployment; the compiler renders the restricted
// set for the operator's namespace; Gatekeeper's gator reviews the Pod. A loosened copy of the same Pod is denied,
// so the review is known to be live. The Pod is reviewed in a namespace of its own: gatewright leaves its own
// namespace out of every constraint, as DVP leaves its d8-* namespaces (there, the API server's Pod Security admission
// holds the operator to restricted: the namespace's enforce label).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { loadAll } from 'js-yaml';
import { compile } from '../../src/compiler/compile.js';
import { loadLibrary } from '../../src/library/load.js';
import { repoRoot } from '../support/doc-examples.js';
import { checkKindOf, gatorVerdicts } from '../support/gator.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const OPERATOR_NAMESPACE = 'gatewright-system';
const NAMESPACE = 'operator-pod-review';
let rendered: Obj[] = [];
const denials = new Map<string, string[]>();

function podOf(deployment: Obj, name: string, mutate: (spec: Obj) => void = () => {}): Obj {
  const spec = JSON.parse(JSON.stringify(deployment.spec.template.spec)) as Obj;
  mutate(spec);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels: deployment.spec.template.metadata.labels },
    spec,
  };
}

beforeAll(() => {
  const kustomize = spawnSync(join(repoRoot, 'hack', '.bin', 'kubectl'), ['kustomize', join(repoRoot, 'manifests')], {
    encoding: 'utf8',
  });
  if (kustomize.status !== 0) throw new Error(`kubectl kustomize manifests/ failed: ${kustomize.stderr}`);
  rendered = (loadAll(kustomize.stdout) as Obj[]).filter(Boolean);
  const deployment = rendered.find((o) => o.kind === 'Deployment' && o.metadata.name === 'gatewright');
  if (!deployment) throw new Error('manifests/ renders no Deployment gatewright');

  const namespace = { name: NAMESPACE, labels: { 'security.deckhouse.io/pod-policy': 'restricted' } };
  const result = compile({ policies: [], namespaces: [namespace], library: loadLibrary(join(repoRoot, 'templates')) });
  const pods = [
    podOf(deployment, 'operator'),
    podOf(deployment, 'loosened', (spec) => {
      delete spec.securityContext.runAsNonRoot;
      delete spec.securityContext.runAsUser;
      spec.containers[0].securityContext.allowPrivilegeEscalation = true;
      spec.containers[0].securityContext.capabilities = { add: ['NET_ADMIN'] };
    }),
  ];
  const docs = [
    ...result.objects,
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NAMESPACE, labels: { ...namespace.labels, 'kubernetes.io/metadata.name': NAMESPACE } },
    },
    ...pods,
  ];
  for (const r of gatorVerdicts(docs)) {
    if (r.enforcementAction !== 'deny') continue;
    const name = r.violatingObject.metadata.name;
    denials.set(name, [...(denials.get(name) ?? []), `${checkKindOf(r)}: ${r.msg}`]);
  }
});

describe("the operator's own Pod under the restricted standard", () => {
  it('is admitted by every restricted constraint', () => {
    expect(denials.get('operator') ?? []).toEqual([]);
  });

  it('a copy loosened in runAsNonRoot, privilege escalation and capabilities is denied', () => {
    const found = (denials.get('loosened') ?? []).map((d) => d.split(':')[0]);
    expect(found).toEqual(
      expect.arrayContaining(['D8AllowPrivilegeEscalation', 'D8AllowedCapabilities', 'D8AllowedUsers']),
    );
  });

  it('the namespace enforces restricted through the API server as well', () => {
    const ns = rendered.find((o) => o.kind === 'Namespace' && o.metadata.name === OPERATOR_NAMESPACE);
    expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});
