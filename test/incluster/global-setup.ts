// Jest globalSetup of the incluster project: brings up the node (hack/node/node.sh, reusing one that `make up`
// left running), builds and imports the images, and installs Gatekeeper and gatewright from their manifests
// (hack/node/install.sh). Timings are printed for the README's figures. No relative imports: jest loads this file
// with Node's own resolver (see test/harness/global-setup.ts).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

function run(script: string, args: string[], repo: string): void {
  const r = spawnSync('bash', [join(repo, 'hack', 'node', script), ...args], {
    cwd: repo,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`hack/node/${script} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

export default async function globalSetup(_globalConfig: unknown, projectConfig: { rootDir: string }): Promise<void> {
  const repo = resolve(projectConfig.rootDir);
  const stateDir = process.env.GATEWRIGHT_NODE_DIR ?? '/var/tmp/gatewright-node';
  const reused = spawnSync('bash', [join(repo, 'hack', 'node', 'node.sh'), 'status'], { stdio: 'ignore' }).status === 0;
  const timings: Record<string, number> = {};
  const timed = (name: string, fn: () => void) => {
    const t0 = Date.now();
    fn();
    timings[name] = (Date.now() - t0) / 1000;
  };
  timed(reused ? 'node (reused), images' : 'node up incl. images', () => {
    if (reused) return run('node.sh', ['images'], repo);
    try {
      run('node.sh', ['up'], repo);
    } catch (e) {
      // State a previous run left behind (a crashed daemon's pid or socket, a half-written kubeconfig) can stop `up`;
      // the first failure is printed, the node's state removed, and `up` tried once more from nothing.
      console.error(`incluster set-up: ${(e as Error).message}; removing the node's state and trying once more`);
      run('node.sh', ['down'], repo);
      run('node.sh', ['up'], repo);
    }
  });
  timed('install Gatekeeper and gatewright', () => run('install.sh', ['all'], repo));
  console.log(
    `\nincluster set-up: ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}`,
  );
  const envFile = join(stateDir, 'incluster-env.json');
  writeFileSync(envFile, JSON.stringify({ stateDir, kubeconfig: join(stateDir, 'admin.kubeconfig'), reused, timings }));
  process.env.GATEWRIGHT_INCLUSTER_ENV = envFile;
}
