import { readFileSync } from 'node:fs';
import { KubeTestClient } from './kube.js';

/** What global-setup hands to the e2e tests (they run in another context, so it travels in a file). */
export interface E2eEnvironment {
  kubeconfigPath: string;
  apiServerUrl: string;
  /** etcd's client URL, for tests that must act on storage directly (compaction, to provoke 410 Gone). */
  etcdUrl: string;
  /** True when the tests run against the control plane of `make cluster-up` (GATEWRIGHT_REUSE_CLUSTER=1). */
  reused: boolean;
}

/** Names the file with the E2eEnvironment; set by global-setup, inherited by the test workers. */
export const E2E_ENV_VARIABLE = 'GATEWRIGHT_E2E_ENV';

export function e2eEnvironment(): E2eEnvironment {
  const file = process.env[E2E_ENV_VARIABLE];
  if (file === undefined) {
    throw new Error(
      `${E2E_ENV_VARIABLE} is not set: run e2e tests through jest's e2e project (make test-e2e), whose global setup starts the control plane`,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as E2eEnvironment;
}

export function e2eClient(): KubeTestClient {
  return new KubeTestClient(e2eEnvironment().kubeconfigPath);
}
