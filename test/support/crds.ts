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
    await client.apply(crd);
    await waitForCrdEstablished(client, crd.metadata.name);
  }
}
