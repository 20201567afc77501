// Registry credentials in the format of a `kubernetes.io/dockerconfigjson` Secret (`{"auths": {host: {auth |
// username+password}}}`; the older `.dockercfg` form without `auths` is read too). Hosts may be written as URLs
// (`https://index.docker.io/v1/`), as `docker login` does for Docker Hub.
import type { Credentials } from './registry.js';

export class DockerConfigError extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `https://index.docker.io/v1/` → `docker.io`; `registry.example.com:5000/` → `registry.example.com:5000`. */
export function normaliseHost(key: string): string {
  let host = key.trim().replace(/^[a-z]+:\/\//i, '');
  host = host.split('/')[0] ?? '';
  host = host.toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

export function parseDockerConfig(text: string): Map<string, Credentials> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new DockerConfigError('the docker config is not JSON');
  }
  if (!isRecord(doc)) throw new DockerConfigError('the docker config is not a JSON object');
  const auths = isRecord(doc.auths) ? doc.auths : doc.auths === undefined ? doc : undefined;
  if (!auths) throw new DockerConfigError('the docker config has an "auths" field that is not an object');
  const result = new Map<string, Credentials>();
  for (const [host, entry] of Object.entries(auths)) {
    if (!isRecord(entry)) continue;
    let username = typeof entry.username === 'string' ? entry.username : '';
    let password = typeof entry.password === 'string' ? entry.password : '';
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new DockerConfigError(`the "auth" of ${host} is not base64 of "user:password"`);
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (username === '' && password === '') continue;
    result.set(normaliseHost(host), { username, password });
  }
  return result;
}
