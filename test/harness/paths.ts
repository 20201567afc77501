import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, found by walking up from this file to gatewright's package.json. Walking up (rather than a fixed
 * number of `..`) keeps it right both from test/harness/*.ts under jest and from dist-test/test/harness/*.js.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (pkg.name === 'gatewright') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('cannot find the gatewright repository root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Where hack/build-tools.sh links the binaries; GATEWRIGHT_BIN_DIR overrides it. */
export function binDir(): string {
  return resolve(process.env.GATEWRIGHT_BIN_DIR ?? join(repoRoot(), 'hack', '.bin'));
}

/** `.cluster/` holds the kubeconfig and state of the control plane started by `cli up`. */
export function clusterDir(): string {
  return join(repoRoot(), '.cluster');
}

export interface ToolPaths {
  etcd: string;
  kubeApiserver: string;
  kubectl: string;
  gatekeeperManager: string;
  gatekeeperCrds: string;
}

export function toolPaths(dir = binDir()): ToolPaths {
  const paths: ToolPaths = {
    etcd: join(dir, 'etcd'),
    kubeApiserver: join(dir, 'kube-apiserver'),
    kubectl: join(dir, 'kubectl'),
    gatekeeperManager: join(dir, 'gatekeeper-manager'),
    gatekeeperCrds: join(dir, 'gatekeeper-crds'),
  };
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `missing tools: ${missing.join(', ')} (run \`make tools\`, which builds them from pinned Go modules)`,
    );
  }
  return paths;
}
