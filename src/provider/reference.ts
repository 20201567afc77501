// Image references as the container runtime reads them, and the registry API host they are fetched from. The rules
// follow the distribution reference grammar (github.com/distribution/reference, `reference.go`): the first path
// component names a registry when it contains `.` or `:` or is `localhost`; otherwise the image is on Docker Hub and a
// single-component path gets the `library/` namespace.

export interface ImageReference {
  /** As written in the Pod. */
  original: string;
  /** Registry host with port, Docker Hub as `docker.io`. */
  registry: string;
  /** Repository path inside the registry (`library/nginx`). */
  repository: string;
  tag?: string;
  /** `sha256:<hex>` when the image is pinned by digest. */
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;

export class ReferenceError extends Error {}

export function parseImageReference(image: string): ImageReference {
  if (image.length === 0 || image.length > 4096) throw new ReferenceError(`invalid image reference "${image}"`);
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ReferenceError(`invalid digest in image reference "${image}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError(`invalid tag in image reference "${image}"`);
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!HOST.test(first)) throw new ReferenceError(`invalid registry host in image reference "${image}"`);
    registry = first === 'index.docker.io' ? 'docker.io' : first;
    parts.shift();
  }
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p)))
    throw new ReferenceError(`invalid repository in image reference "${image}"`);
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  return {
    original: image,
    registry,
    repository: parts.join('/'),
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** `registry/repository`, the name a Cosign payload's `docker-reference` carries. */
export const repositoryName = (ref: Pick<ImageReference, 'registry' | 'repository'>): string =>
  `${ref.registry}/${ref.repository}`;

/** The host serving the registry API (Docker Hub's API is not on docker.io itself). */
export const apiHost = (registry: string): string => (registry === 'docker.io' ? 'registry-1.docker.io' : registry);

/**
 * True when a payload's `docker-reference` names the same repository. Cosign writes go-containerregistry's name,
 * which spells Docker Hub `index.docker.io`; tags or digests after the repository are not part of the identity.
 */
export function sameRepository(signed: string, ref: ImageReference): boolean {
  let parsed: ImageReference;
  try {
    parsed = parseImageReference(signed);
  } catch {
    return false;
  }
  return parsed.registry === ref.registry && parsed.repository === ref.repository;
}
