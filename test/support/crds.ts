// Installs gatewright's CRDs (crds/*.yaml) on the test control plane and waits until they are served.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { waitForCrdEstablished, type KubeObject, type KubeTestClient } from '../harness/kube.js';
import { repoRoot } from './doc-examples.js';

export async function installCrds(client: KubeTestClient): Promise<void> {
  const crdDir = join(repoRoot, 'crds');
  for (const file of readdirSync(crdDir).sort()) {
    const crd = load(readFileSync(join(crdDir, file), 'utf8')) as KubeObject;
    // crds/ is also a kustomize base (its kustomization.yaml lists the CRDs for `kubectl apply -k manifests/`).
    if (crd.kind !== 'CustomResourceDefinition') continue;
    await client.apply(crd);
    await waitForCrdEstablished(client, crd.metadata.name);
  }
}

/** Deletes everything gatewright manages (templates take their constraints with them), so later suites start clean. */
export async function removeManagedObjects(client: KubeTestClient): Promise<void> {
  const templates = await client.request(
    'GET',
    '/apis/templates.gatekeeper.sh/v1/constrainttemplates?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dgatewright',
  );
  for (const t of (templates.json as { items: KubeObject[] }).items) await client.delete(t);
  await client.delete({
    apiVersion: 'syncset.gatekeeper.sh/v1alpha1',
    kind: 'SyncSet',
    metadata: { name: 'gatewright' },
  });
  await client.delete({
    apiVersion: 'externaldata.gatekeeper.sh/v1beta1',
    kind: 'Provider',
    metadata: { name: 'gatewright-image-signatures' },
  });
  // Every admission policy and binding gatewright manages (the skip-check guard, the backstop, the protection).
  for (const kind of ['ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy']) {
    const plural =
      kind === 'ValidatingAdmissionPolicy' ? 'validatingadmissionpolicies' : 'validatingadmissionpolicybindings';
    const res = await client.request(
      'GET',
      `/apis/admissionregistration.k8s.io/v1/${plural}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dgatewright`,
    );
    for (const o of (res.json as { items?: KubeObject[] }).items ?? [])
      await client.delete({ apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name: o.metadata.name } });
  }
}
