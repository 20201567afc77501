import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findGatewrightRoot(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (pkg.name === 'gatewright') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The repository root: the nearest folder holding gatewright's package.json above the working directory, else above
 * the running script. (Not `import.meta.url`: jest loads globalSetup as CommonJS, where it does not exist.)
 */
export function repoRoot(): string {
  const root =
    findGatewrightRoot(process.cwd()) ?? (process.argv[1] ? findGatewrightRoot(dirname(process.argv[1])) : undefined);
  if (root === undefined) throw new Error(`cannot find the gatewright repository above ${process.cwd()}`);
  return root;
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
