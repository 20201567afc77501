// Applies what the compiler renders (templates, SyncSet, constraints, the skip-check guard) straight to the API
// server, in the order Gatekeeper needs, waiting for ingestion and enforcement: the tests that measure admission
// itself use this instead of running the operator.
import { compile } from '../../src/compiler/compile.js';
import { loadLibrary } from '../../src/library/load.js';
import type { NamespaceInfo } from '../../src/api/types.js';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { WaitAborted, waitFor, waitForTemplateIngested, type KubeObject, type KubeTestClient } from './kube.js';

export interface CompiledSet {
  objects: KubeObject[];
  templates: KubeObject[];
  constraints: KubeObject[];
}

export function compiledFor(namespaces: NamespaceInfo[], settings: Record<string, unknown> = {}): CompiledSet {
  const moduleConfig = {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name: 'admission-policy-engine' },
    spec: { version: 1, settings },
  };
  const result = compile({
    policies: [],
    moduleConfig,
    namespaces,
    library: loadLibrary(join(repoRoot(), 'templates')),
  });
  const objects = result.objects as KubeObject[];
  return {
    objects,
    templates: objects.filter((o) => o.kind === 'ConstraintTemplate'),
    constraints: objects.filter((o) => String(o.apiVersion).startsWith('constraints.gatekeeper.sh/')),
  };
}

export async function applyCompiled(client: KubeTestClient, set: CompiledSet): Promise<void> {
  for (const t of set.templates) await client.apply(t);
  for (const t of set.templates)
    await waitForTemplateIngested(client, t.metadata?.name as string, { timeoutMs: 90_000 });
  for (const o of set.objects) if (!set.templates.includes(o) && !set.constraints.includes(o)) await client.apply(o);
  for (const c of set.constraints) await client.apply(c);
  for (const c of set.constraints) await waitEnforced(client, c.kind as string, c.metadata?.name as string);
}

/**
 * Every Gatekeeper pod reports the constraint enforced at its generation. Gatekeeper (default flags) also reports
 * "cannot generate ValidatingAdmissionPolicyBinding" as an error on constraints of CEL templates with generateVAP
 * false; the webhook enforces them all the same, so that one error is tolerated here.
 */
async function waitEnforced(client: KubeTestClient, kind: string, name: string): Promise<void> {
  await waitFor(
    `${kind} ${name} enforced`,
    async () => {
      const c = await client.get<KubeObject>('constraints.gatekeeper.sh/v1beta1', kind, name);
      const byPod = ((c?.status as { byPod?: ByPod[] } | undefined)?.byPod ?? []).filter(
        (e) => e.observedGeneration === c?.metadata?.generation,
      );
      const errors = byPod.flatMap((e) => e.errors ?? []).filter((e) => !VAPB_NOT_WANTED.test(e.message ?? ''));
      if (errors.length > 0) throw new WaitAborted(`${kind} ${name}: ${errors.map((e) => e.message).join('; ')}`);
      return byPod.length > 0 && byPod.every((e) => e.enforced === true) ? c : undefined;
    },
    { timeoutMs: 90_000 },
  );
}

interface ByPod {
  observedGeneration?: number;
  enforced?: boolean;
  errors?: { message?: string }[];
}

const VAPB_NOT_WANTED = /cannot generate ValidatingAdmissionPolicyBinding/;

export async function deleteCompiled(client: KubeTestClient, set: CompiledSet): Promise<void> {
  for (const c of set.constraints) await client.delete(c);
  for (const o of set.objects) if (!set.constraints.includes(o)) await client.delete(o);
}
