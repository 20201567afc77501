// A small in-process OCI distribution registry for the provider's unit tests: manifests and blobs in memory, the
// token (Bearer) and Basic authentication flows, and knobs for misbehaviour (slowness, lying digests, redirects).
// Signatures are made the way Cosign lays them out (a `sha256-<hex>.sig` manifest of simple-signing layers), with
// Node's crypto. The end-to-end test uses the real distribution registry and the real cosign instead.
import { createHash, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface TestRegistryOptions {
  auth?: 'none' | 'bearer' | 'basic';
  username?: string;
  password?: string;
}

export class TestRegistry {
  readonly manifests = new Map<string, { body: Buffer; mediaType: string }>();
  readonly blobs = new Map<string, Buffer>();
  readonly requests: string[] = [];
  delayMs = 0;
  /** Announce this digest instead of the real one in Docker-Content-Digest. */
  lieDigest?: string;
  /** Serve this body for every blob instead of the stored one. */
  blobOverride?: Buffer;
  /** Answer blob GETs with a redirect to this server's /storage path. */
  redirectBlobs = false;
  /** Authorization headers seen at /storage. */
  storageAuth: (string | undefined)[] = [];
  private server?: Server;
  host = '';

  constructor(private readonly opts: TestRegistryOptions = {}) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.host;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Stores an image manifest under `tag`; returns its digest. */
  pushImage(repo: string, tag: string, content = `image ${repo}:${tag}`): string {
    const config = Buffer.from(JSON.stringify({ content }));
    this.blobs.set(sha256(config), config);
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [],
      }),
    );
    const digest = sha256(body);
    const entry = { body, mediaType: 'application/vnd.oci.image.manifest.v1+json' };
    this.manifests.set(`${repo}:${tag}`, entry);
    this.manifests.set(`${repo}@${digest}`, entry);
    return digest;
  }

  /** Adds Cosign signature layers for `digest` (the `.sig` tag), as `cosign sign --key` lays them out. */
  sign(repo: string, digest: string, layers: SignatureLayerSpec[]): void {
    const descriptors = layers.map((l) => {
      const payload = l.payload ?? cosignPayload(`${this.host}/${repo}`, digest);
      const signature = l.signature ?? signPayload(l.key, payload).toString('base64');
      const stored = l.storedPayload ?? payload;
      this.blobs.set(sha256(payload), stored);
      return {
        mediaType: l.mediaType ?? 'application/vnd.dev.cosign.simplesigning.v1+json',
        digest: sha256(payload),
        size: payload.length,
        annotations: { 'dev.cosignproject.cosign/signature': signature },
      };
    });
    const config = Buffer.from('{}');
    this.blobs.set(sha256(config), config);
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: 2 },
        layers: descriptors,
      }),
    );
    this.manifests.set(`${repo}:${digest.replace(':', '-')}.sig`, {
      body,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
  }

  private authorized(req: IncomingMessage): boolean {
    const auth = this.opts.auth ?? 'none';
    if (auth === 'none') return true;
    const header = req.headers.authorization ?? '';
    if (auth === 'basic') return header === basic(this.opts.username ?? '', this.opts.password ?? '');
    return header === 'Bearer test-token';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push(`${req.method} ${req.url}`);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs).unref());
    const url = new URL(req.url ?? '/', `http://${this.host}`);
    if (url.pathname === '/token') {
      const ok = req.headers.authorization === basic(this.opts.username ?? '', this.opts.password ?? '');
      if (!ok || !url.searchParams.get('scope')?.endsWith(':pull')) {
        res.writeHead(401).end();
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ token: 'test-token', expires_in: 300 }));
      return;
    }
    if (url.pathname.startsWith('/storage/')) {
      this.storageAuth.push(req.headers.authorization);
      const blob = this.blobs.get(url.pathname.slice('/storage/'.length));
      if (!blob) res.writeHead(404).end();
      else res.writeHead(200).end(blob);
      return;
    }
    if (!this.authorized(req)) {
      const challenge =
        this.opts.auth === 'basic'
          ? 'Basic realm="test"'
          : `Bearer realm="http://${this.host}/token",service="test-registry",scope="repository:x:pull"`;
      res.writeHead(401, { 'WWW-Authenticate': challenge }).end();
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const [, repo, what, ref] = m as unknown as [string, string, string, string];
    if (what === 'manifests') {
      const entry = this.manifests.get(ref.startsWith('sha256:') ? `${repo}@${ref}` : `${repo}:${ref}`);
      if (!entry) {
        res
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
        return;
      }
      res
        .writeHead(200, {
          'Content-Type': entry.mediaType,
          'Docker-Content-Digest': this.lieDigest ?? sha256(entry.body),
        })
        .end(entry.body);
      return;
    }
    if (this.redirectBlobs) {
      res.writeHead(307, { Location: `http://localhost:${this.host.split(':')[1]}/storage/${ref}` }).end();
      return;
    }
    const blob = this.blobOverride ?? this.blobs.get(ref);
    if (!blob) res.writeHead(404).end();
    else res.writeHead(200).end(blob);
  }
}

export interface SignatureLayerSpec {
  key: KeyObject;
  /** The signed payload (default: a correct one for the image). */
  payload?: Buffer;
  /** What the registry stores as the payload blob (default: the signed payload): a tampered blob. */
  storedPayload?: Buffer;
  /** Base64 signature to store (default: the key's signature over the payload). */
  signature?: string;
  mediaType?: string;
}

export const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

/** The simple-signing payload `cosign sign` writes. */
export function cosignPayload(
  dockerReference: string,
  digest: string,
  type = 'cosign container image signature',
): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': dockerReference },
        image: { 'docker-manifest-digest': digest },
        type,
      },
      optional: null,
    }),
  );
}

export function signPayload(key: KeyObject, payload: Buffer): Buffer {
  return key.asymmetricKeyType === 'ed25519' ? sign(null, payload, key) : sign('sha256', payload, key);
}
