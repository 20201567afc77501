// Stops the node the set-up started (a node `make up` left running stays up). GATEWRIGHT_KEEP_NODE=1 keeps it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export default async function globalTeardown(
  _globalConfig: unknown,
  projectConfig: { rootDir: string },
): Promise<void> {
  const file = process.env.GATEWRIGHT_INCLUSTER_ENV;
  if (!file || process.env.GATEWRIGHT_KEEP_NODE === '1') return;
  const env = JSON.parse(readFileSync(file, 'utf8')) as { reused: boolean };
  if (env.reused) return;
  const t0 = Date.now();
  spawnSync('bash', [join(resolve(projectConfig.rootDir), 'hack', 'node', 'node.sh'), 'down'], { stdio: 'inherit' });
  console.log(`incluster teardown: node down in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
