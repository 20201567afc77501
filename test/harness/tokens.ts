// Real identities for e2e tests: ServiceAccounts with tokens the API server issues (TokenRequest), and kubeconfigs
// that use them, so RBAC, admission policies and TokenReview see a genuine non-admin user.
import { writeFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject, KubeTestClient } from './kube.js';

export interface TestIdentity {
  username: string;
  token: string;
  /** A kubeconfig file for the same API server, authenticating with the token. */
  kubeconfigPath: string;
}

/** Creates the ServiceAccount (and its namespace) if needed and returns a one-hour token for it. */
export async function serviceAccountIdentity(
  client: KubeTestClient,
  namespace: string,
  name: string,
  kubeconfigPath: string,
): Promise<TestIdentity> {
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await client.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } } as KubeObject);
  const res = await client.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  const token = (res.json as { status?: { token?: string } } | undefined)?.status?.token;
  if (res.status !== 201 || !token)
    throw new Error(`TokenRequest for ${namespace}/${name}: HTTP ${res.status} ${res.body}`);
  const admin = new KubeConfig();
  admin.loadFromFile(client.kubeconfigPath);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error(`${client.kubeconfigPath} has no current cluster`);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token }],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  });
  writeFileSync(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
  return { username: `system:serviceaccount:${namespace}:${name}`, token, kubeconfigPath };
}

/** Grants a ClusterRole to a user, cluster-wide or (with namespace) in one namespace. */
export async function bindRole(
  client: KubeTestClient,
  roleName: string,
  username: string,
  namespace?: string,
): Promise<void> {
  const bindingName = `${roleName}--${username.replace(/[^a-z0-9-]/g, '-')}`.slice(0, 250);
  await client.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
    metadata: { name: bindingName, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: username }],
  } as unknown as KubeObject);
}
