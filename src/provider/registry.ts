// A read-only client of the OCI distribution API (opencontainers/distribution-spec `spec.md`): manifests by tag or
// digest, blobs by digest, and the registry authentication flows the Docker token spec describes (distribution
// `docs/spec/auth/token.md`): an anonymous try, then on 401 the WWW-Authenticate challenge — Bearer (a token from the
// realm, with Basic credentials when configured) or Basic. Every manifest is checked against the digest it was asked
// for or announced with; nothing a registry says about a digest is taken on trust.
import { createHash } from 'node:crypto';
import { httpGet, type HttpResponse } from './http.js';
import { apiHost } from './reference.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface RegistryClientOptions {
  /** Credentials for a registry host (as written in image references), if any. */
  credentials?: (registry: string) => Credentials | undefined;
  /** Registry hosts spoken to over plain HTTP (a loopback test registry); everything else is HTTPS only. */
  plainHttp?: ReadonlySet<string>;
  userAgent?: string;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Extra PEM CA certificates for this registry. */
  ca?: string[];
  /** Credentials of this request (a policy entry's dockerCfg), used before the client's own for their hosts. */
  credentials?: ReadonlyMap<string, Credentials>;
}

export interface Manifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

export class RegistryError extends Error {}

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_TOKEN_BYTES = 64 * 1024;

interface Repo {
  registry: string;
  repository: string;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

/** Splits `Bearer realm="…",service="…",scope="…"` into its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).trim().toLowerCase();
  const params: Record<string, string> = {};
  const rest = space < 0 ? '' : header.slice(space + 1);
  for (const m of rest.matchAll(/([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[(m[1] ?? '').toLowerCase()] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme, params };
}

export const sha256Digest = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export class RegistryClient {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly opts: RegistryClientOptions = {}) {}

  /** The manifest under a tag or digest; undefined when the registry does not have it (404). */
  async manifest(repo: Repo, reference: string, opts: RequestOptions = {}): Promise<Manifest | undefined> {
    const res = await this.get(
      repo,
      `manifests/${reference}`,
      MANIFEST_MEDIA_TYPES.join(', '),
      MAX_MANIFEST_BYTES,
      opts,
    );
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.statusError(repo, `manifest ${reference}`, res);
    const digest = sha256Digest(res.body);
    if (reference.startsWith('sha256:') && digest !== reference)
      throw new RegistryError(`${repo.registry} served a manifest for ${reference} whose content hashes to ${digest}`);
    const announced = header(res, 'docker-content-digest');
    if (announced !== undefined && announced.startsWith('sha256:') && announced !== digest)
      throw new RegistryError(
        `${repo.registry} announced digest ${announced} for ${repo.repository}:${reference}, the content hashes to ${digest}`,
      );
    return { digest, mediaType: (header(res, 'content-type') ?? '').split(';')[0]?.trim() ?? '', body: res.body };
  }

  /** A blob, checked against its digest. */
  async blob(repo: Repo, digest: string, maxBytes: number, opts: RequestOptions = {}): Promise<Buffer> {
    const res = await this.get(repo, `blobs/${digest}`, '*/*', maxBytes, opts);
    if (res.status !== 200) throw this.statusError(repo, `blob ${digest}`, res);
    const actual = sha256Digest(res.body);
    if (actual !== digest)
      throw new RegistryError(`${repo.registry} served blob ${digest} whose content hashes to ${actual}`);
    return res.body;
  }

  private async get(
    repo: Repo,
    path: string,
    accept: string,
    maxBytes: number,
    opts: RequestOptions,
  ): Promise<HttpResponse> {
    const scheme = this.opts.plainHttp?.has(repo.registry) ? 'http' : 'https';
    const url = `${scheme}://${apiHost(repo.registry)}/v2/${repo.repository}/${path}`;
    const creds = this.credentialsFor(repo, opts);
    // A token or Basic header is reused only with the credentials that obtained it.
    const tokenKey = `${repo.registry}/${repo.repository}|${creds ? fingerprint(creds) : 'anonymous'}`;
    const cached = this.tokens.get(tokenKey);
    const baseHeaders = { Accept: accept, 'User-Agent': this.opts.userAgent ?? 'gatewright-provider' };
    const send = (authorization?: string) =>
      httpGet(url, {
        headers: { ...baseHeaders, ...(authorization ? { Authorization: authorization } : {}) },
        maxBytes,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.ca ? { ca: opts.ca } : {}),
      });
    let res = await send(cached && cached.expiresAt > Date.now() ? cached.header : undefined);
    if (res.status !== 401) return res;
    const challenge = header(res, 'www-authenticate');
    if (!challenge) throw new RegistryError(`${repo.registry} answered 401 without an authentication challenge`);
    const authorization = await this.authorize(repo, parseChallenge(challenge), creds, opts);
    res = await send(authorization.header);
    if (res.status === 401 || res.status === 403) {
      this.tokens.delete(tokenKey);
      throw new RegistryError(
        `${repo.registry} refused access to ${repo.repository} (${res.status}) ${describeCredentials(creds, opts)}`,
      );
    }
    this.tokens.set(tokenKey, authorization);
    return res;
  }

  private credentialsFor(repo: Repo, opts: RequestOptions): Credentials | undefined {
    return opts.credentials?.get(repo.registry) ?? this.opts.credentials?.(repo.registry);
  }

  private async authorize(
    repo: Repo,
    challenge: { scheme: string; params: Record<string, string> },
    creds: Credentials | undefined,
    opts: RequestOptions,
  ): Promise<CachedToken> {
    const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : undefined;
    if (challenge.scheme === 'basic') {
      if (!basic)
        throw new RegistryError(`${repo.registry} requires authentication and no credentials are configured for it`);
      return { header: basic, expiresAt: Date.now() + 5 * 60_000 };
    }
    if (challenge.scheme !== 'bearer')
      throw new RegistryError(`${repo.registry} asks for unsupported authentication "${challenge.scheme}"`);
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError(`${repo.registry} sent a Bearer challenge without a realm`);
    const tokenUrl = new URL(realm);
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
    tokenUrl.searchParams.set('scope', `repository:${repo.repository}:pull`);
    const res = await httpGet(tokenUrl.href, {
      headers: {
        'User-Agent': this.opts.userAgent ?? 'gatewright-provider',
        ...(basic ? { Authorization: basic } : {}),
      },
      maxBytes: MAX_TOKEN_BYTES,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.ca ? { ca: opts.ca } : {}),
    });
    if (res.status !== 200)
      throw new RegistryError(
        `the token service of ${repo.registry} answered ${res.status} ${describeCredentials(creds, opts)}`,
      );
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(res.body.toString('utf8')) as typeof body;
    } catch {
      throw new RegistryError(`the token service of ${repo.registry} answered with something that is not JSON`);
    }
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '')
      throw new RegistryError(`the token service of ${repo.registry} answered without a token`);
    // The token spec's default lifetime is 60 s; renew a little early.
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    return { header: `Bearer ${token}`, expiresAt: Date.now() + Math.max(lifetime - 5, 1) * 1000 };
  }

  private statusError(repo: Repo, what: string, res: HttpResponse): RegistryError {
    let detail = '';
    try {
      const errors = (JSON.parse(res.body.toString('utf8')) as { errors?: { code?: string; message?: string }[] })
        .errors;
      if (errors?.[0]) detail = `: ${errors[0].code ?? ''} ${errors[0].message ?? ''}`.trimEnd();
    } catch {
      /* not a distribution error body */
    }
    return new RegistryError(`${repo.registry} answered ${res.status} for ${repo.repository} ${what}${detail}`);
  }
}

const fingerprint = (c: Credentials): string =>
  createHash('sha256').update(`${c.username}\n${c.password}`).digest('hex').slice(0, 16);

/** Which credentials were refused, without showing them. */
function describeCredentials(creds: Credentials | undefined, opts: RequestOptions): string {
  if (!creds) return '(no credentials are configured for this registry)';
  const source = [...(opts.credentials?.values() ?? [])].includes(creds)
    ? "the policy's dockerCfg"
    : "the provider's --docker-config";
  return `(credentials of user "${creds.username}" from ${source}: wrong user name or password, or no pull access)`;
}

function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
