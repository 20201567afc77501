// Who gatewright is, and who may read its metrics, both asked of the API server: SelfSubjectReview for its own user
// (the ServiceAccount in a cluster, the kubeconfig's user in process mode), TokenReview + SubjectAccessReview for a
// scraper's bearer token, as controller-runtime's secure metrics server does (filters.WithAuthenticationAndAuthorization).
import type { OperatorIdentity } from '../compiler/protection.js';
import type { KubeClient } from './kube-client.js';

interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The user the API server sees for this client. */
export async function whoAmI(client: KubeClient): Promise<UserInfo> {
  const res = await client.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
  });
  const user = (res.json as { status?: { userInfo?: UserInfo } } | undefined)?.status?.userInfo;
  if (res.status !== 201 || !user?.username)
    throw new Error(`SelfSubjectReview failed (HTTP ${res.status}): cannot tell which user gatewright runs as`);
  return user;
}

/**
 * gatewright's identity for the protection policy: its own user name, plus extra users and groups configured (e.g.
 * Gatekeeper's ServiceAccounts, if a Gatekeeper version writes more than the status of what gatewright manages).
 */
export async function operatorIdentity(
  client: KubeClient,
  extra: { usernames?: string[]; groups?: string[] } = {},
): Promise<OperatorIdentity> {
  const me = await whoAmI(client);
  return { usernames: [me.username as string, ...(extra.usernames ?? [])], groups: extra.groups ?? [] };
}

export type AccessDecision = { allowed: true; user: string } | { allowed: false; status: 401 | 403; reason: string };

/** Decides whether a bearer token may GET a non-resource path. */
export type RequestAuthorizer = (token: string | undefined, path: string) => Promise<AccessDecision>;

/**
 * TokenReview, then SubjectAccessReview for `get` on the non-resource URL (RBAC: `nonResourceURLs: [/metrics]`).
 * Decisions are cached for a short while (as the API server's delegating authenticator and authorizer do), so a
 * scrape every few seconds costs two API calls per token and TTL, not per scrape.
 */
export function kubeRequestAuthorizer(client: KubeClient, ttlMs = 10_000, now = () => Date.now()): RequestAuthorizer {
  const cache = new Map<string, { at: number; decision: AccessDecision }>();
  return async (token, path) => {
    if (!token) return { allowed: false, status: 401, reason: 'a bearer token is required' };
    const key = `${path}\n${token}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.decision;
    const decision = await review(client, token, path);
    if (cache.size > 1000) cache.clear();
    cache.set(key, { at: now(), decision });
    return decision;
  };
}

async function review(client: KubeClient, token: string, path: string): Promise<AccessDecision> {
  const tr = await client.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: { token },
  });
  if (tr.status !== 201) throw new Error(`TokenReview failed: HTTP ${tr.status}`);
  const status = (tr.json as { status?: { authenticated?: boolean; user?: UserInfo; error?: string } }).status;
  if (!status?.authenticated || !status.user?.username)
    return { allowed: false, status: 401, reason: status?.error ? `invalid token: ${status.error}` : 'invalid token' };
  const user = status.user;
  const sar = await client.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: user.username,
      ...(user.uid ? { uid: user.uid } : {}),
      groups: user.groups ?? [],
      ...(user.extra ? { extra: user.extra } : {}),
      nonResourceAttributes: { path, verb: 'get' },
    },
  });
  if (sar.status !== 201) throw new Error(`SubjectAccessReview failed: HTTP ${sar.status}`);
  const allowed = (sar.json as { status?: { allowed?: boolean; reason?: string } }).status;
  if (allowed?.allowed === true) return { allowed: true, user: user.username as string };
  return {
    allowed: false,
    status: 403,
    reason: `user ${user.username} may not get ${path}${allowed?.reason ? `: ${allowed.reason}` : ''}`,
  };
}
