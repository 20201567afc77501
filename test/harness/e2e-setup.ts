// What jest's e2e globalSetup does (global-setup.ts loads this): one control plane for the whole run, or the one
// `make cluster-up` left running when GATEWRIGHT_REUSE_CLUSTER=1. global-teardown.ts stops it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isControlPlaneAlive, startControlPlane, type ControlPlane, type ControlPlaneState } from './control-plane.js';
import { E2E_ENV_VARIABLE, type E2eEnvironment } from './e2e-env.js';
import { httpCall } from './http.js';
import { clusterDir } from './paths.js';

declare global {
  var __gatewrightControlPlane: ControlPlane | undefined;
}

async function reuseCluster(): Promise<E2eEnvironment & { envFile: string }> {
  let state: ControlPlaneState;
  try {
    state = JSON.parse(readFileSync(join(clusterDir(), 'state.json'), 'utf8')) as ControlPlaneState;
  } catch {
    throw new Error(
      'GATEWRIGHT_REUSE_CLUSTER=1 but no control plane is recorded in .cluster/: run `make cluster-up` first',
    );
  }
  const gatekeeperReady = await httpCall(`${state.gatekeeper.healthUrl}/readyz`, { timeoutMs: 2000 }).then(
    (res) => res.status === 200,
    () => false,
  );
  if (!isControlPlaneAlive(state) || !gatekeeperReady) {
    throw new Error(
      'the control plane in .cluster/ is not healthy (see `make cluster-status`); restart it with `make cluster-down cluster-up`',
    );
  }
  return {
    kubeconfigPath: join(clusterDir(), 'kubeconfig'),
    apiServerUrl: state.apiServerUrl,
    etcdUrl: state.etcdUrl,
    reused: true,
    envFile: join(clusterDir(), 'e2e-env.json'),
  };
}

export async function setUpE2e(): Promise<void> {
  const started = Date.now();
  let env: E2eEnvironment & { envFile: string };
  if (process.env.GATEWRIGHT_REUSE_CLUSTER === '1') {
    env = await reuseCluster();
    process.stderr.write(`\ne2e: reusing the control plane at ${env.apiServerUrl}\n`);
  } else {
    const plane = await startControlPlane({
      log: process.env.GATEWRIGHT_HARNESS_VERBOSE === '1' ? (m) => process.stderr.write(`harness: ${m}\n`) : undefined,
    });
    globalThis.__gatewrightControlPlane = plane;
    env = {
      kubeconfigPath: plane.kubeconfigPath,
      apiServerUrl: plane.state.apiServerUrl,
      etcdUrl: plane.state.etcdUrl,
      reused: false,
      envFile: join(plane.state.stateDir, 'e2e-env.json'),
    };
    process.stderr.write(
      `\ne2e: control plane (etcd + kube-apiserver + Gatekeeper) ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${env.apiServerUrl}\n`,
    );
  }
  const { envFile, ...shared } = env;
  writeFileSync(envFile, JSON.stringify(shared, null, 2) + '\n');
  // Test workers are started after globalSetup and inherit these.
  process.env[E2E_ENV_VARIABLE] = envFile;
  process.env.KUBECONFIG = env.kubeconfigPath;
}
